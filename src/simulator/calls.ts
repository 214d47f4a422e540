import { type CallStatus, FINAL_STATUSES, type Step, talkSeconds } from './lifecycle.js';
import type { Outcome } from './outcomes.js';

/** A live call record as GET /Calls/{call_sid} shows it (the feature server's snake_case). */
export interface CallRecord {
  readonly call_sid: string;
  readonly direction: 'outbound';
  readonly from: string;
  /** The address called: the number, the sipUri or the user name. */
  readonly to: string;
  readonly call_id: string;
  readonly sbc_callid: string;
  readonly sip_status: number;
  readonly sip_reason: string;
  readonly call_status: CallStatus;
  readonly account_sid: string;
  readonly application_sid?: string;
  readonly service_url: string;
  readonly fs_sip_address: string;
  /** Whole seconds talked: 0 until the call completes. */
  readonly duration: number;
  /** Only once an answered call hung up. */
  readonly call_termination_by?: string;
}

/** A call detail record as GET /RecentCalls lists it; written when the call ends. */
export interface CallDetailRecord {
  readonly call_sid: string;
  readonly from: string;
  readonly to: string;
  readonly sip_callid: string;
  readonly sip_status: number;
  readonly duration: number;
  readonly attempted_at: string;
  readonly terminated_at: string;
  readonly termination_reason: string;
  readonly answered: boolean;
  readonly direction: 'outbound';
  readonly trunk: string;
  readonly application_sid?: string;
}

/** What the simulator knows of one accepted call (for tests: its draw and where it is). */
export interface SimulatedCall {
  /** 1 for the first call accepted, 2 for the next… (the draw's index). */
  readonly k: number;
  readonly call_sid: string;
  readonly account_sid: string;
  readonly outcome: Outcome;
  /** Every status so far, in order. */
  readonly statuses: readonly CallStatus[];
  /** Undefined until the first status (and the gateway answers 404 until then). */
  readonly record: CallRecord | undefined;
  /** Undefined until the call ended. */
  readonly cdr: CallDetailRecord | undefined;
  /** The body's tag, sent as `customerData` to the status hook. */
  readonly tag: unknown;
}

/** What the store needs of an accepted create-call. */
export interface Acceptance {
  readonly sid: string;
  readonly callId: string;
  readonly sbcCallId: string;
  readonly accountSid: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly atMs: number;
  readonly outcome: Outcome;
}

interface Entry {
  call: SimulatedCall;
  readonly base: Omit<CallRecord, 'sip_status' | 'sip_reason' | 'call_status' | 'duration'>;
  readonly attemptedAt: string;
  readonly trunk: string;
  /** When the record is gone (ttl after the final status). */
  expiresAtMs: number;
}

export interface CallStore {
  /** Records an accepted call; it gets the next k. */
  accept(acceptance: Acceptance): SimulatedCall;
  /** Applies a status change; returns the record as it now is. */
  advance(callSid: string, step: Step, talkMs: number, nowMs: number): CallRecord | undefined;
  /** The records of the account that exist at `nowMs`, in acceptance order. */
  records(accountSid: string, nowMs: number): readonly CallRecord[];
  record(accountSid: string, callSid: string, nowMs: number): CallRecord | undefined;
  /** The account's call detail records, newest attempt first. */
  cdrs(accountSid: string): readonly CallDetailRecord[];
  calls(): readonly SimulatedCall[];
  /** How many calls were accepted (forgotten ones too). */
  count(): number;
}

const field = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** The `to` of a record: the address inside the body's `to` object. */
export const toAddress = (to: unknown): string => {
  const address = field(to, 'number') ?? field(to, 'sipUri') ?? field(to, 'name');
  return typeof address === 'string' ? address : '';
};

const hookUrl = (hook: unknown): string => {
  const url = typeof hook === 'string' ? hook : field(hook, 'url');
  return typeof url === 'string' ? url : '';
};

const TERMINATION: Readonly<Record<Outcome, string>> = {
  answered: 'called party hungup',
  busy: 'failed',
  'no-answer': 'caller abandoned',
  failed: 'failed',
};

type RecordBase = Entry['base'];

/** An ended call's CDR, with what RecentCalls sorts and filters it by. */
interface Ended {
  readonly k: number;
  readonly account: string;
  readonly cdr: CallDetailRecord;
}

const endedOf = ({ call }: Entry): Ended[] =>
  call.cdr === undefined ? [] : [{ k: call.k, account: call.account_sid, cdr: call.cdr }];

/**
 * A call's record: its base fields, then its status. Copied field by field: a spread of the
 * base followed by a spread of an optional field gave each record a hidden class of its own
 * in V8 (about 590 bytes a record instead of 170), and the simulator keeps one a call.
 */
const recordOf = (
  base: RecordBase,
  step: Step,
  duration: number,
  completed: boolean,
): CallRecord => {
  const record: { -readonly [K in keyof CallRecord]: CallRecord[K] } = Object.assign(
    {},
    base,
  ) as CallRecord;
  record.sip_status = step.sip_status;
  record.sip_reason = step.sip_reason;
  record.call_status = step.call_status;
  record.duration = duration;
  if (completed) record.call_termination_by = 'caller';
  return record;
};

/**
 * The accepted calls. With `keepAll` false, a call is forgotten once its record has expired
 * and only its call detail record stays (for RecentCalls): records expire in the order
 * their calls ended (one ttl after), so the oldest are looked at, and dropped, first.
 */
export const createCallStore = (recordTtlMs: number, keepAll = true): CallStore => {
  const entries = new Map<string, Entry>();
  let accepted = 0;
  /** Ended calls not yet forgotten, in the order they ended (their expiry order). */
  const ended: string[] = [];
  let endedHead = 0;
  /** The CDRs of forgotten calls, oldest first, with their k and account. */
  const kept: Ended[] = [];
  const forget = (nowMs: number): void => {
    if (keepAll) return;
    while (endedHead < ended.length) {
      const sid = ended[endedHead] as string;
      const entry = entries.get(sid);
      if (entry !== undefined && nowMs < entry.expiresAtMs) break;
      endedHead += 1;
      if (entry === undefined) continue;
      entries.delete(sid);
      const { k, account_sid, cdr } = entry.call;
      if (cdr !== undefined) kept.push({ k, account: account_sid, cdr });
    }
    // The queue's head is cut off now and then, not at every call.
    if (endedHead > 1024 && endedHead * 2 > ended.length) {
      ended.splice(0, endedHead);
      endedHead = 0;
    }
  };
  const visible = (entry: Entry | undefined, accountSid: string, nowMs: number) =>
    entry !== undefined &&
    entry.call.account_sid === accountSid &&
    entry.call.record !== undefined &&
    nowMs < entry.expiresAtMs;
  return {
    accept({ sid, callId, sbcCallId, accountSid, body, atMs, outcome }) {
      const applicationSid =
        typeof body.application_sid === 'string' ? body.application_sid : undefined;
      forget(atMs);
      accepted += 1;
      const call: SimulatedCall = {
        k: accepted,
        call_sid: sid,
        account_sid: accountSid,
        outcome,
        statuses: [],
        record: undefined,
        cdr: undefined,
        tag: body.tag,
      };
      const trunk = field(body.to, 'trunk');
      entries.set(sid, {
        call,
        base: {
          call_sid: sid,
          direction: 'outbound',
          from: typeof body.from === 'string' ? body.from : String(body.from),
          to: toAddress(body.to),
          call_id: callId,
          sbc_callid: sbcCallId,
          account_sid: accountSid,
          ...(applicationSid === undefined ? {} : { application_sid: applicationSid }),
          service_url: hookUrl(body.call_hook),
          fs_sip_address: '127.0.0.1:5070',
        },
        attemptedAt: new Date(atMs).toISOString(),
        trunk: typeof trunk === 'string' ? trunk : 'simulated',
        expiresAtMs: Number.POSITIVE_INFINITY,
      });
      return call;
    },
    advance(callSid, step, talkMs, nowMs) {
      const entry = entries.get(callSid);
      if (entry === undefined) return undefined;
      const final = FINAL_STATUSES.has(step.call_status);
      const completed = step.call_status === 'completed';
      const record = recordOf(entry.base, step, completed ? talkSeconds(talkMs) : 0, completed);
      const cdr: CallDetailRecord | undefined = final
        ? {
            call_sid: callSid,
            from: record.from,
            to: record.to,
            sip_callid: record.call_id,
            sip_status: record.sip_status,
            duration: record.duration,
            attempted_at: entry.attemptedAt,
            terminated_at: new Date(nowMs).toISOString(),
            termination_reason: TERMINATION[entry.call.outcome],
            answered: completed,
            direction: 'outbound',
            trunk: entry.trunk,
            ...(record.application_sid === undefined
              ? {}
              : { application_sid: record.application_sid }),
          }
        : undefined;
      entry.call = {
        ...entry.call,
        statuses: [...entry.call.statuses, step.call_status],
        record,
        cdr: cdr ?? entry.call.cdr,
      };
      if (final) {
        entry.expiresAtMs = nowMs + recordTtlMs;
        if (!keepAll) ended.push(callSid);
      }
      return record;
    },
    records: (accountSid, nowMs) =>
      [...entries.values()]
        .filter((e) => visible(e, accountSid, nowMs))
        .flatMap((e) => (e.call.record === undefined ? [] : [e.call.record])),
    record(accountSid, callSid, nowMs) {
      const entry = entries.get(callSid);
      return visible(entry, accountSid, nowMs) ? entry?.call.record : undefined;
    },
    cdrs: (accountSid) =>
      [...kept, ...[...entries.values()].flatMap(endedOf)]
        .filter((e) => e.account === accountSid)
        .sort((a, b) => b.k - a.k)
        .map((e) => e.cdr),
    calls: () => [...entries.values()].map((e) => e.call),
    count: () => accepted,
  };
};
