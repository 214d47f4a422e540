import { recordedOutcome } from '../state/outcome.js';
import type { CallOutcome } from '../state/types.js';

/**
 * What the gateway says about a call, turned into the lockfile's outcome. Two sources: the
 * live call record (GET /Calls, `call_status` as the feature server writes it; gone an hour
 * after the call ended) and the call detail record (GET /RecentCalls, written by the SBC
 * when the call ended; it has no busy/no-answer field, so that is derived from `sip_status`
 * as the feature server derives it). Evidence of an answer (SIP 200 with time talked) makes
 * the outcome answered whatever the status says (recordedOutcome). Pure: plain data in,
 * plain data out.
 */

/** The fields of a live call record that say how the call went. */
export interface CallRecordEvidence {
  readonly call_sid: string;
  readonly call_status: string;
  readonly sip_status: number;
  readonly duration: number;
  readonly from: string;
  readonly to: string;
  /** The application that handled the call, when the record names one. */
  readonly application_sid?: string;
  /** The url the call's webhook went to (its call_hook, or its application's), when named. */
  readonly service_url?: string;
}

/** The fields of a call detail record that say how the call went. */
export interface CdrEvidence {
  readonly call_sid: string;
  readonly answered: boolean;
  readonly sip_status: number;
  readonly duration: number;
  readonly terminated_at: string;
  readonly attempted_at?: string;
  readonly termination_reason?: string;
  readonly from: string;
  readonly to: string;
  /** The application that handled the call, when the record names one. */
  readonly application_sid?: string;
}

const FINAL_RECORD = new Set(['completed', 'busy', 'no-answer', 'failed']);
const LIVE_RECORD = new Set(['trying', 'ringing', 'early-media', 'in-progress']);
const BUSY_SIP = new Set([486, 600, 603]);
const NO_ANSWER_SIP = new Set([487, 408, 480]);

/** How an unanswered call ended, from its final SIP status, as the feature server decides. */
export const unansweredStatus = (sipStatus: number): 'busy' | 'no-answer' | 'failed' =>
  BUSY_SIP.has(sipStatus) ? 'busy' : NO_ANSWER_SIP.has(sipStatus) ? 'no-answer' : 'failed';

const seconds = (value: number): number =>
  Number.isFinite(value) && value > 0 ? Math.round(value) : 0;

const iso = (text: string): string | undefined => {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/**
 * The outcome a live record shows. A final status without a call detail record yet has no
 * end time of its own: `observedAt` (when callops read it) stands in. Undefined for a
 * status callops does not know (nothing is recorded from it).
 */
export const outcomeFromRecord = (
  record: CallRecordEvidence,
  observedAt: Date,
): CallOutcome | undefined => {
  const status = record.call_status;
  if (LIVE_RECORD.has(status)) {
    return recordedOutcome({
      status: 'in-progress',
      sip_status: record.sip_status,
      duration: seconds(record.duration),
      answered: status === 'in-progress',
    });
  }
  if (!FINAL_RECORD.has(status)) return undefined;
  return recordedOutcome({
    status: status as CallOutcome['status'],
    sip_status: record.sip_status,
    duration: seconds(record.duration),
    answered: status === 'completed',
    ended_at: observedAt.toISOString(),
  });
};

/** The outcome a call detail record shows; undefined when its end time is not a time. */
export const outcomeFromCdr = (cdr: CdrEvidence): CallOutcome | undefined => {
  const endedAt = iso(cdr.terminated_at);
  if (endedAt === undefined) return undefined;
  return recordedOutcome({
    status: cdr.answered ? 'completed' : unansweredStatus(cdr.sip_status),
    sip_status: cdr.sip_status,
    duration: seconds(cdr.duration),
    answered: cdr.answered,
    ended_at: endedAt,
  });
};

/** The best outcome from what was found of one call: its CDR, else its live record. */
export const outcomeFromEvidence = (
  evidence: { readonly record?: CallRecordEvidence; readonly cdr?: CdrEvidence },
  observedAt: Date,
): CallOutcome | undefined => {
  const fromCdr = evidence.cdr && outcomeFromCdr(evidence.cdr);
  if (fromCdr !== undefined) return fromCdr;
  return evidence.record && outcomeFromRecord(evidence.record, observedAt);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
/** A string that names something: not blank (a record's empty or null field names nothing). */
const named = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value)
    ? value
    : typeof value === 'string' && /^\d+$/.test(value)
      ? Number(value)
      : undefined;

/** A call record from the gateway's JSON, or undefined when it lacks what matters. */
export const recordOf = (raw: unknown): CallRecordEvidence | undefined => {
  if (!isObject(raw)) return undefined;
  const call_sid = str(raw.call_sid);
  const call_status = str(raw.call_status);
  const sip_status = num(raw.sip_status);
  // A blank sid names no call: it could never be matched, only held until dropped.
  if (call_sid === undefined || call_sid.trim() === '') return undefined;
  if (call_status === undefined || sip_status === undefined) return undefined;
  const application_sid = named(raw.application_sid);
  const service_url = named(raw.service_url);
  return {
    call_sid,
    call_status,
    sip_status,
    duration: num(raw.duration) ?? 0,
    from: str(raw.from) ?? '',
    to: typeof raw.to === 'string' ? raw.to : addressOf(raw.to),
    ...(application_sid === undefined ? {} : { application_sid }),
    ...(service_url === undefined ? {} : { service_url }),
  };
};

/** A call detail record from the gateway's JSON, or undefined when it lacks what matters. */
export const cdrOf = (raw: unknown): CdrEvidence | undefined => {
  if (!isObject(raw)) return undefined;
  const call_sid = str(raw.call_sid);
  const sip_status = num(raw.sip_status);
  const terminated_at = str(raw.terminated_at);
  const answered =
    typeof raw.answered === 'boolean'
      ? raw.answered
      : raw.answered === 1 || raw.answered === 0
        ? raw.answered === 1
        : undefined;
  if (
    call_sid === undefined ||
    sip_status === undefined ||
    terminated_at === undefined ||
    answered === undefined
  ) {
    return undefined;
  }
  const attempted_at = str(raw.attempted_at);
  const termination_reason = str(raw.termination_reason);
  const application_sid = named(raw.application_sid);
  return {
    call_sid,
    answered,
    sip_status,
    duration: num(raw.duration) ?? 0,
    terminated_at,
    ...(attempted_at === undefined ? {} : { attempted_at }),
    ...(termination_reason === undefined ? {} : { termination_reason }),
    from: str(raw.from) ?? '',
    to: str(raw.to) ?? '',
    ...(application_sid === undefined ? {} : { application_sid }),
  };
};

/** The address of a create-call `to` object as the gateway prints it: number, sipUri or name. */
export const addressOf = (to: unknown): string => {
  if (!isObject(to)) return '';
  const address = to.number ?? to.sipUri ?? to.name;
  return typeof address === 'string' ? address : '';
};
