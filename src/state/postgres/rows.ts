import type { EntryStatus } from '../../execute/outcome.js';
import { cleanEntry } from '../lockfile-shape.js';
import { checkOutcome } from '../outcome.js';
import { INTERRUPTED } from '../replay.js';
import { BEING_PLACED, type DialledEntry, IN_FLIGHT, type StateView } from '../store.js';
import { type LockEntry, type Lockfile, type RangMemory, RESOLVED_BY } from '../types.js';
import { answerWords } from './time-limit.js';

/* The rows of the Postgres store as the view reads them, and the words of its failures. */

export interface Row {
  key: string;
  status: EntryStatus | 'claimed';
  sid: string | null;
  call_id: string | null;
  at: string;
  definition: string;
  file: string;
  http_status: number | null;
  message: string | null;
  resolved_by: string | null;
  history: LockEntry['history'] | null;
  outcome: LockEntry['outcome'] | null;
  number: string | null;
  gateway: string | null;
  live: boolean;
}

/** A row that dialled a number, as a refused claim reads it. */
export interface DialledRow {
  key: string;
  status: string;
  sid: string | null;
  at: string;
  gateway: string | null;
  live: boolean;
}

/** That row as a refusal names it: a claim is being placed, or unknown once its runner is gone. */
export const dialledEntry = (row: DialledRow | undefined): DialledEntry | undefined => {
  if (row === undefined) return undefined;
  const status = row.status !== 'claimed' ? row.status : row.live ? BEING_PLACED : 'unknown';
  return {
    key: row.key,
    status,
    ...(row.sid !== null && { sid: row.sid }),
    at: row.at,
    ...(row.gateway !== null && { gateway: row.gateway }),
  };
};

export interface ScheduleRow {
  key: string;
  since: string;
  reported_through: string | null;
  /** What a pushed lockfile's memory kept of the entries `state.keep` let go (version 15). */
  pruned_through: string | null;
  rang: RangMemory | null;
}

const sortedKeys = <T>(record: Readonly<Record<string, T>>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * A memory's `rang` as the lockfile writes it: jsonb keeps an object's keys in an order of
 * its own, and `state pull` writes callops.lock as the file store does.
 */
export const rangOfRow = (rang: RangMemory): RangMemory => ({
  numbers: sortedKeys(rang.numbers),
  ...(rang.cut === undefined ? {} : { cut: sortedKeys(rang.cut) }),
  ...(rang.forgotten === undefined ? {} : { forgotten: rang.forgotten }),
});

export const causeOf = (error: unknown): string =>
  error instanceof Error ? answerWords(error) : String(error);

/** A refusal the store words itself (not the database's failure): passed on as it is. */
export class Refusal extends Error {}

/**
 * What the database (or the way to it) failed with, as one line that names it, after what
 * could not be done: "the state could not be read: the state database failed (connect
 * ECONNREFUSED …)". A refusal of the store's own is passed on as it is.
 */
export const failure = (what: string, error: unknown): Error =>
  error instanceof Refusal
    ? error
    : new Error(`${what}: the state database failed (${causeOf(error)})`, { cause: error });

export const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** A row as a lockfile entry: a claim without an outcome is `unknown`. */
export const entryOf = (row: Row): LockEntry => {
  const common = {
    at: row.at,
    definition: row.definition,
    file: row.file,
    ...(row.number == null ? {} : { number: row.number }),
    ...(row.gateway == null ? {} : { gateway: row.gateway }),
    ...(row.history == null || row.history.length === 0 ? {} : { history: row.history }),
  };
  if (row.status === 'claimed') {
    return cleanEntry({
      ...common,
      status: 'unknown',
      message: row.live ? IN_FLIGHT : INTERRUPTED,
    });
  }
  return cleanEntry({
    ...common,
    status: row.status,
    sid: opt(row.sid),
    callId: opt(row.call_id),
    httpStatus: opt(row.http_status),
    message: opt(row.message),
    resolvedBy: RESOLVED_BY.find((by) => by === row.resolved_by),
    // One the lockfile cannot hold (a sip_status of 486.5, stored before outcomes were
    // checked) is left out, as if none were recorded: the view, and the callops.lock that
    // `state pull` writes from it, stay readable; the call's next status takes its place.
    outcome:
      row.outcome !== null && checkOutcome(row.outcome) === undefined ? row.outcome : undefined,
  });
};

export const byKey = (a: { key: string }, b: { key: string }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

export const viewOf = (rows: readonly Row[], schedules: readonly ScheduleRow[] = []): StateView => {
  const sorted = [...rows].sort(byKey);
  const inFlight = new Set(
    sorted.filter((r) => r.status === 'claimed' && r.live).map((r) => r.key),
  );
  const calls = Object.fromEntries(sorted.map((row) => [row.key, entryOf(row)]));
  const memory = Object.fromEntries(
    [...schedules].sort(byKey).map((r) => [
      r.key,
      {
        since: r.since,
        ...(r.reported_through === null ? {} : { reportedThrough: r.reported_through }),
        ...(r.pruned_through === null ? {} : { prunedThrough: r.pruned_through }),
        ...(r.rang === null ? {} : { rang: rangOfRow(r.rang) }),
      },
    ]),
  );
  const lock: Lockfile = {
    lockfileVersion: 1,
    calls,
    ...(schedules.length > 0 ? { schedules: memory } : {}),
  };
  return { lock, inFlight };
};
