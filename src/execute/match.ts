import type { CallRecordEvidence, CdrEvidence } from './evidence.js';
import { isCallSid } from './policy.js';

/**
 * Which calls on the gateway could be the one an `unknown` entry may have placed: same `to`
 * and `from` as the gateway prints them, attempted within the intent's time window, and not
 * a sid the lockfile already holds. Only one such call, with its time known, settles the
 * entry; anything else is for a person to decide. No match settles nothing: a call the
 * records do not (yet) show may still have been placed.
 */

export interface Intent {
  readonly key: string;
  readonly to: string;
  readonly from: string;
  /** Epoch ms of the entry's `at`. */
  readonly atMs: number;
  /** How far either side of `atMs` an attempt may be (request timeout + a margin). */
  readonly windowMs: number;
}

export interface Candidate {
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  /** ISO-8601 attempt time, from the call detail record; absent for a live record. */
  readonly at?: string;
  /** call_status of the live record, or how the CDR ended. */
  readonly status: string;
}

export type CheckVerdict =
  /** Exactly one call, its time within the window: the entry was placed with this sid. */
  | { readonly kind: 'settle'; readonly candidate: Candidate }
  /** Nothing found: stays unknown (absence of evidence is not evidence). */
  | { readonly kind: 'none' }
  /** More than one call, or one whose time is not known yet: a person decides. */
  | { readonly kind: 'undecided'; readonly candidates: readonly Candidate[] };

export const candidatesFor = (
  intent: Intent,
  evidence: {
    readonly records: readonly CallRecordEvidence[];
    readonly cdrs: readonly CdrEvidence[];
  },
  knownSids: ReadonlySet<string>,
): Candidate[] => {
  // A record whose sid is no call sid cannot settle an entry: that sid would be recorded.
  const same = (c: { to: string; from: string; call_sid: string }) =>
    c.to === intent.to &&
    c.from === intent.from &&
    isCallSid(c.call_sid) &&
    !knownSids.has(c.call_sid.toLowerCase());
  const withCdr = new Set(evidence.cdrs.map((c) => c.call_sid));
  const out = new Map<string, Candidate>();
  for (const cdr of evidence.cdrs) {
    if (!same(cdr) || cdr.attempted_at === undefined) continue;
    const at = Date.parse(cdr.attempted_at);
    if (Number.isNaN(at) || Math.abs(at - intent.atMs) > intent.windowMs) continue;
    out.set(cdr.call_sid, {
      sid: cdr.call_sid,
      to: cdr.to,
      from: cdr.from,
      at: new Date(at).toISOString(),
      status: cdr.answered ? 'completed' : `not answered (SIP ${cdr.sip_status})`,
    });
  }
  // A live record has no time: while its call has no CDR, it may or may not be this one.
  for (const record of evidence.records) {
    if (!same(record) || withCdr.has(record.call_sid) || out.has(record.call_sid)) continue;
    out.set(record.call_sid, {
      sid: record.call_sid,
      to: record.to,
      from: record.from,
      status: record.call_status,
    });
  }
  return [...out.values()];
};

export const decide = (candidates: readonly Candidate[]): CheckVerdict => {
  if (candidates.length === 0) return { kind: 'none' };
  const [only] = candidates;
  if (candidates.length === 1 && only?.at !== undefined) return { kind: 'settle', candidate: only };
  return { kind: 'undecided', candidates };
};
