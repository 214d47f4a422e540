import { setTimeout as delay } from 'node:timers/promises';
import { isFinalOutcome } from '../state/outcome.js';
import { sharedSids } from '../state/sids.js';
import type { CallOutcome, Lockfile } from '../state/types.js';
import { type CallRecordEvidence, type CdrEvidence, outcomeFromEvidence } from './evidence.js';
import { namesOtherNumber } from './match.js';
import {
  CDR_HORIZON_MS,
  CDR_PAGE_SIZE,
  type GatewayReader,
  MAX_CDR_PAGES,
  type ReadProblem,
} from './reader.js';

/** A placed call whose outcome is asked for. */
export interface Watched {
  readonly key: string;
  readonly sid: string;
  /** ISO-8601: when it was placed (its intent). */
  readonly at: string;
  /** The digest of the number it dialled, as its entry recorded it (numberDigest). */
  readonly number?: string;
}

/** One call's outcome as the gateway reported it, for the lockfile entry `key`. */
export interface Observation {
  readonly key: string;
  readonly outcome: CallOutcome;
}

/**
 * The one way outcomes reach the state: recorded beside placed entries (see withOutcome:
 * placed entries only, never back to in-progress, idempotent). Today's file state takes the
 * run lock for it; a store of another kind records them its own way. Gives the keys whose
 * entry changed: an update left out changed nothing (its entry holds that outcome already,
 * or a final one, which is never changed).
 */
export type RecordObservations = (updates: readonly Observation[]) => Promise<readonly string[]>;

/** Clocks differ: call detail records are looked for this far before a call's intent. */
export const CLOCK_MARGIN_MS = 5 * 60_000;
const DAY_MS = 24 * 3_600_000;

/**
 * Placed entries of `target` with a sid, no final outcome, placed within the CDR horizon.
 * Not those whose sid another entry of the target holds too: which of them a record of the
 * gateway is about cannot be told, and one record is never recorded on several calls.
 */
export const watchedEntries = (lock: Lockfile, target: string, now: Date): Watched[] => {
  const entries = Object.entries(lock.calls).filter(([key]) => key.startsWith(`${target}/`));
  const shared = sharedSids(entries);
  return entries
    .filter(
      ([, e]) =>
        e.status === 'placed' &&
        e.sid !== undefined &&
        (e.outcome === undefined || !isFinalOutcome(e.outcome.status)) &&
        now.getTime() - Date.parse(e.at) <= CDR_HORIZON_MS &&
        (shared.size === 0 || !shared.has(e.sid.toLowerCase())),
    )
    .map(([key, e]) => ({
      key,
      sid: e.sid as string,
      at: e.at,
      ...(e.number === undefined ? {} : { number: e.number }),
    }));
};

/** What one cycle read of the gateway. */
export interface Evidence {
  readonly records: readonly CallRecordEvidence[];
  readonly cdrs: readonly CdrEvidence[];
  /** GETs sent. */
  readonly requests: number;
  /** Why the cycle stopped early, when it did (what was read before is kept). */
  readonly problem?: ReadProblem;
}

/**
 * One cycle: the live records (one GET) that `keep` keeps, then pages of call detail
 * records, newest first, while some of `needed` is still missing and until the pages reach
 * back past `sinceMs` (every page when `needed` is undefined: for a search by number and
 * time). The list holds every call of the account that is alive: only the records of calls
 * asked about are kept, so what a cycle holds follows them, not the account's calls.
 */
export const gatherEvidence = async (
  reader: GatewayReader,
  opts: {
    readonly keep: (record: CallRecordEvidence) => boolean;
    readonly needed: ((records: readonly CallRecordEvidence[]) => ReadonlySet<string>) | undefined;
    readonly sinceMs: number;
    readonly now: Date;
    readonly signal?: AbortSignal;
  },
): Promise<Evidence> => {
  const { signal } = opts;
  const list = await reader.listCalls({ keep: opts.keep, ...(signal ? { signal } : {}) });
  if (!list.ok) return { records: [], cdrs: [], requests: 1, problem: list };
  const records = list.value;
  const needed = opts.needed?.(records);
  if (needed !== undefined && needed.size === 0) return { records, cdrs: [], requests: 1 };
  const cdrs: CdrEvidence[] = [];
  const found = new Set<string>();
  const since = opts.sinceMs - CLOCK_MARGIN_MS;
  const days = Math.min(30, Math.max(1, Math.ceil((opts.now.getTime() - since) / DAY_MS)));
  let requests = 1;
  for (let page = 1; page <= MAX_CDR_PAGES; page++) {
    if (signal?.aborted) break;
    const read = await reader.recentCalls(page, { days, ...(signal ? { signal } : {}) });
    requests += 1;
    if (!read.ok) return { records, cdrs, requests, problem: read };
    for (const cdr of read.value.data) {
      if (needed === undefined || needed.has(cdr.call_sid)) {
        cdrs.push(cdr);
        found.add(cdr.call_sid);
      }
    }
    const last = read.value.data.at(-1);
    const oldest = last?.attempted_at === undefined ? Number.NaN : Date.parse(last.attempted_at);
    if (read.value.size < CDR_PAGE_SIZE) break;
    if (needed !== undefined && [...needed].every((sid) => found.has(sid))) break;
    if (!Number.isNaN(oldest) && oldest < since) break;
  }
  return { records, cdrs, requests };
};

/** The outcomes of `watched` calls one cycle found. */
export interface CycleResult {
  readonly observations: readonly Observation[];
  /**
   * Watched calls whose sid the gateway has a record of to another number than the one
   * their entry dialled (see namesOtherNumber): not recorded on them.
   */
  readonly otherNumber?: readonly Watched[];
  readonly requests: number;
  readonly problem?: ReadProblem;
}

/** What is said of a watched call whose sid the gateway has a record of to another number. */
export const otherNumberWords = (w: Watched): string =>
  `${w.key}: the gateway's record of call ${w.sid} names another number than the one its entry dialled: not recorded on it (its sid may be another call's, given it with an answer out of step; check the gateway)`;

/** One cycle for the watched calls: their live records, and CDRs for those that ended. */
export const observeCycle = async (
  reader: GatewayReader,
  watched: readonly Watched[],
  now: Date,
  signal?: AbortSignal,
): Promise<CycleResult> => {
  if (watched.length === 0) return { observations: [], requests: 0 };
  const sids = new Set(watched.map((w) => w.sid));
  const evidence = await gatherEvidence(reader, {
    keep: (record) => sids.has(record.call_sid),
    // Calls that ended, or whose record is gone (ended over an hour ago): their CDR.
    needed: (records) => {
      const live = new Map(records.map((r) => [r.call_sid, r]));
      return new Set(
        [...sids].filter((sid) => {
          const status = live.get(sid)?.call_status;
          return (
            status === undefined || ['completed', 'busy', 'no-answer', 'failed'].includes(status)
          );
        }),
      );
    },
    sinceMs: watched.reduce(
      (since, w) => Math.min(since, Date.parse(w.at)),
      Number.POSITIVE_INFINITY,
    ),
    now,
    ...(signal ? { signal } : {}),
  });
  const records = new Map(evidence.records.map((r) => [r.call_sid, r]));
  const cdrs = new Map(evidence.cdrs.map((c) => [c.call_sid, c]));
  // Two watched calls with one sid (`apply --wait` watches what the run placed): neither.
  const shared = sharedSids(watched.map((w) => [w.key, { sid: w.sid }] as const));
  const otherNumber: Watched[] = [];
  const observations = watched.flatMap((w) => {
    if (shared.size > 0 && shared.has(w.sid.toLowerCase())) return [];
    const record = records.get(w.sid);
    const cdr = cdrs.get(w.sid);
    // A record of its sid to another number is another call's: its sid came to the entry
    // with another call's answer.
    if (
      (record !== undefined && namesOtherNumber(w.number, record.to)) ||
      (cdr !== undefined && namesOtherNumber(w.number, cdr.to))
    ) {
      otherNumber.push(w);
      return [];
    }
    const outcome = outcomeFromEvidence(
      { ...(record ? { record } : {}), ...(cdr ? { cdr } : {}) },
      now,
    );
    return outcome === undefined ? [] : [{ key: w.key, outcome }];
  });
  return {
    observations,
    requests: evidence.requests,
    ...(otherNumber.length === 0 ? {} : { otherNumber }),
    ...(evidence.problem ? { problem: evidence.problem } : {}),
  };
};

export interface WaitOptions {
  readonly reader: GatewayReader;
  readonly watched: readonly Watched[];
  readonly record: RecordObservations;
  /** How long to wait in all. */
  readonly forMs: number;
  /** From the start of one cycle to the next (default 2 s). */
  readonly everyMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface WaitResult {
  /** The last outcome seen of each watched call (final or in-progress). */
  readonly outcomes: ReadonlyMap<string, CallOutcome>;
  /** Watched calls without a final outcome when the wait ended. */
  readonly pending: readonly string[];
  readonly requests: number;
  /** The last problem reading the gateway, if the wait ended with one. */
  readonly problem?: ReadProblem;
  /** Watched calls whose sid the gateway has a record of to another number (CycleResult). */
  readonly otherNumber?: readonly Watched[];
}

/**
 * Polls at a bounded pace (one cycle every `everyMs`, one list request each) until every
 * watched call has a final outcome or `forMs` passed, recording what changed after each
 * cycle. The last pause is cut to the time left, and a last cycle asks at the deadline: an
 * outcome the gateway knew by then is seen, and the wait never outlasts `forMs` by more than
 * that one cycle. A 429 waits out its Retry-After when that fits in the time left, else ends
 * the wait.
 */
export const waitForOutcomes = async (opts: WaitOptions): Promise<WaitResult> => {
  const now = opts.now ?? (() => new Date());
  const sleep =
    opts.sleep ??
    ((ms: number, signal?: AbortSignal) =>
      delay(ms, undefined, signal ? { signal } : undefined).catch(() => undefined));
  const everyMs = opts.everyMs ?? 2_000;
  const deadline = now().getTime() + opts.forMs;
  const outcomes = new Map<string, CallOutcome>();
  let pending = [...opts.watched];
  let requests = 0;
  let problem: ReadProblem | undefined;
  const otherNumber = new Map<string, Watched>();
  while (pending.length > 0 && !opts.signal?.aborted) {
    const started = now().getTime();
    const cycle = await observeCycle(opts.reader, pending, now(), opts.signal);
    requests += cycle.requests;
    problem = cycle.problem;
    const changed = cycle.observations.filter((o) => !sameOutcome(outcomes.get(o.key), o.outcome));
    for (const o of changed) outcomes.set(o.key, o.outcome);
    if (changed.length > 0) await opts.record(changed);
    // Its sid is another call's: no record of it will ever be this call's.
    for (const w of cycle.otherNumber ?? []) otherNumber.set(w.key, w);
    pending = pending.filter((w) => {
      const o = outcomes.get(w.key);
      return (o === undefined || !isFinalOutcome(o.status)) && !otherNumber.has(w.key);
    });
    if (pending.length === 0) break;
    const left = deadline - now().getTime();
    if (left <= 0) break;
    let pause = Math.min(left, Math.max(0, everyMs - (now().getTime() - started)));
    if (problem?.kind === 'rate-limited') {
      pause = problem.retryAfterMs ?? everyMs;
      // Asking before the gateway's Retry-After is asking to be refused again.
      if (pause > left) break;
    }
    await sleep(pause, opts.signal);
  }
  return {
    outcomes,
    pending: pending.map((w) => w.key),
    requests,
    ...(problem ? { problem } : {}),
    ...(otherNumber.size === 0 ? {} : { otherNumber: [...otherNumber.values()] }),
  };
};

const sameOutcome = (a: CallOutcome | undefined, b: CallOutcome): boolean =>
  a !== undefined && JSON.stringify(a) === JSON.stringify(b);
