import {
  addressKey,
  destinationNumber,
  isDigestOf,
  namesOtherKey,
  numberKey,
} from '../screen/number.js';
import type { CallRecordEvidence, CdrEvidence } from './evidence.js';
import { isCallSid } from './policy.js';

/**
 * Which calls on the gateway could be the one an `unknown` entry may have placed: to the
 * number its attempt dialled (the digest its entry recorded, whatever its call dials now:
 * a number corrected since must not hide the call that rang the old one), else to its `to`
 * as the gateway prints it; from its `from`; attempted within the intent's time window; not
 * a sid the lockfile already holds; and handled as its request asked (the same application,
 * or its call_hook's url: another project sharing the account and caller ID calls the same
 * numbers through its own). Only one such call, with its time and caller known, settles the
 * entry; anything else is for a person to decide. No match settles nothing: a call the
 * records do not (yet) show may still have been placed.
 */

export interface Intent {
  readonly key: string;
  /**
   * The address the call dials now (number, sipUri or user name, as the gateway prints it):
   * what a record is matched by when the entry recorded no number. Undefined when its call
   * definition is gone.
   */
  readonly to?: string;
  /**
   * `sha256:<hex16>` of the number the attempt dialled, as its entry recorded it
   * (numberDigest): when given, a record is matched by it, not by `to`.
   */
  readonly number?: string;
  /**
   * The caller ID the request sent; undefined when not known (its call definition is gone):
   * then any caller matches, and no call settles the entry alone.
   */
  readonly from?: string;
  /** Epoch ms of the entry's `at`. */
  readonly atMs: number;
  /** How far either side of `atMs` an attempt may be (request timeout + a margin). */
  readonly windowMs: number;
  /**
   * What the request asked to handle the call: its `application_sid`, else its `call_hook`'s
   * url; undefined when neither is known. Compared in memory only (a `${VAR}` may give it):
   * never shown, never stored.
   */
  readonly handler?: Handler;
}

export type Handler =
  | { readonly applicationSid: string }
  | { readonly callHookUrl: string | undefined };

const sameText = (a: string, b: string): boolean =>
  a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Whether a gateway's record shows its call handled otherwise than the intent's request
 * asked: another application; or, for a request without one, an application, or another
 * webhook url. A field the record does not name is no evidence either way.
 */
const otherHandler = (
  handler: Handler | undefined,
  c: { readonly application_sid?: string; readonly service_url?: string },
): boolean => {
  if (handler === undefined) return false;
  if ('applicationSid' in handler)
    return c.application_sid !== undefined && !sameText(c.application_sid, handler.applicationSid);
  if (c.application_sid !== undefined) return true;
  return (
    handler.callHookUrl !== undefined &&
    c.service_url !== undefined &&
    c.service_url.trim() !== handler.callHookUrl.trim()
  );
};

/** The entry the lockfile records a sid for, and the digest of the number it dialled. */
export interface SidHolder {
  readonly key: string;
  readonly number?: string;
}

export interface Candidate {
  readonly sid: string;
  /**
   * The entry whose sid this call has, though that entry dialled another number: its sid
   * may have come to it with an answer out of step. Shown, never settled on.
   */
  readonly heldBy?: string;
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

/** The numberKey of each record's `to` (undefined: no phone number), made once a record. */
const keys = new WeakMap<object, string | undefined>();
const numberKeyOf = (c: { readonly to: string }): string | undefined => {
  if (keys.has(c)) return keys.get(c);
  const number = destinationNumber(c.to);
  const key = number === undefined ? undefined : numberKey(number);
  keys.set(c, key);
  return key;
};

/**
 * Whether a record's call went to the intent's destination from its caller: to the number
 * the attempt dialled (its digest, the number compared as callops compares numbers), else
 * to its address as printed.
 */
export const dialsAsIntended = (
  intent: Intent,
  c: { readonly to: string; readonly from: string },
): boolean => {
  if (intent.from !== undefined && c.from !== intent.from) return false;
  if (intent.number === undefined) return intent.to !== undefined && c.to === intent.to;
  const key = numberKeyOf(c);
  return key !== undefined && isDigestOf(intent.number, key);
};

/**
 * Whether a gateway's record of a call names another destination than the number an entry
 * recorded its attempt dialled (`dialled`, its digest): the record is then not of that
 * entry's call, whatever sid it has (an answer out of step recorded another call's sid on
 * it). A record that names no `to`, or an entry that recorded no number, tells nothing.
 */
export const namesOtherNumber = (dialled: string | undefined, to: string): boolean =>
  namesOtherKey(dialled, addressKey(to));

export const candidatesFor = (
  intent: Intent,
  evidence: {
    readonly records: readonly CallRecordEvidence[];
    readonly cdrs: readonly CdrEvidence[];
  },
  knownSids: ReadonlyMap<string, SidHolder>,
): Candidate[] => {
  // A sid the lockfile holds is that entry's call, unless the entry dialled another number
  // than the record names: then the sid came to it with another call's answer, and the call
  // may be this one (a candidate that says so, see heldBy). A record whose sid is no call
  // sid cannot settle an entry: that sid would be recorded.
  const holderOf = (c: { call_sid: string }) => knownSids.get(c.call_sid.toLowerCase());
  const same = (c: { to: string; from: string; call_sid: string }) => {
    if (!dialsAsIntended(intent, c) || !isCallSid(c.call_sid)) return false;
    const holder = holderOf(c);
    return holder === undefined || namesOtherNumber(holder.number, c.to);
  };
  const strangerOf = (c: { call_sid: string }): { heldBy?: string } => {
    const holder = holderOf(c);
    return holder === undefined ? {} : { heldBy: holder.key };
  };
  const withCdr = new Set(evidence.cdrs.map((c) => c.call_sid));
  // A call either record shows handled otherwise is another's, whatever the other one says.
  const others = new Set(
    [...evidence.cdrs, ...evidence.records]
      .filter((c) => otherHandler(intent.handler, c))
      .map((c) => c.call_sid),
  );
  const out = new Map<string, Candidate>();
  for (const cdr of evidence.cdrs) {
    if (!same(cdr) || others.has(cdr.call_sid) || cdr.attempted_at === undefined) continue;
    const at = Date.parse(cdr.attempted_at);
    if (Number.isNaN(at) || Math.abs(at - intent.atMs) > intent.windowMs) continue;
    out.set(cdr.call_sid, {
      sid: cdr.call_sid,
      ...strangerOf(cdr),
      to: cdr.to,
      from: cdr.from,
      at: new Date(at).toISOString(),
      status: cdr.answered ? 'completed' : `not answered (SIP ${cdr.sip_status})`,
    });
  }
  // A live record has no time: while its call has no CDR, it may or may not be this one.
  for (const record of evidence.records) {
    if (
      !same(record) ||
      others.has(record.call_sid) ||
      withCdr.has(record.call_sid) ||
      out.has(record.call_sid)
    )
      continue;
    out.set(record.call_sid, {
      sid: record.call_sid,
      ...strangerOf(record),
      to: record.to,
      from: record.from,
      status: record.call_status,
    });
  }
  return [...out.values()];
};

/**
 * The verdict on an intent's candidates. Its caller not known, a call to the number at that
 * time may be another's (another project, a person dialling by hand): shown, never taken.
 * Nor is a call whose sid another entry holds (heldBy): which of them it is, a person says.
 */
export const decide = (candidates: readonly Candidate[], intent: Intent): CheckVerdict => {
  if (candidates.length === 0) return { kind: 'none' };
  const [only] = candidates;
  if (
    candidates.length === 1 &&
    only?.at !== undefined &&
    only.heldBy === undefined &&
    intent.from !== undefined
  )
    return { kind: 'settle', candidate: only };
  return { kind: 'undecided', candidates };
};
