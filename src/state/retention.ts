import { summaryOrLayered } from './calls-summary.js';
import { agesAt, RANG_PAST_KEEP_MS, rangOf, rangOfEarlier, rememberRang } from './rang.js';
import type { LockEntry, Lockfile, ScheduleMemory } from './types.js';

/** What pruneExpired needs of a call definition: its name and, when recurring, its deadline. */
export interface RetainedCall {
  readonly name: string;
  readonly schedule?: { readonly deadlineMs: number };
}

export interface RetentionInput {
  /**
   * The project's calls by name, a campaign once under its own (its rows share its deadline,
   * so no row is read: a CSV edited since it was read would refuse it). A call no longer
   * defined has no deadline: its slot is used.
   */
  readonly calls: readonly RetainedCall[];
  readonly now: Date;
  /** `state.keep` in milliseconds (default 30 days). */
  readonly keepMs: number;
  /**
   * How many of a number's latest calls let go its memory keeps (./rang.ts): the N of
   * `limits.per_number`, 1 without a limit.
   */
  readonly each?: number;
}

/** A slot as callops writes it: whole seconds, UTC (`2026-01-01T09:00:00Z`). */
const WHOLE_SECOND_SLOT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** `<target>/<name>@<slot>` → its name and slot; undefined for an unscheduled call's key. */
export const recurringKey = (key: string): { name: string; slotMs: number } | undefined => {
  const at = key.lastIndexOf('@');
  const slash = key.indexOf('/');
  if (at === -1 || slash === -1 || at < slash) return undefined;
  const slotMs = Date.parse(key.slice(at + 1));
  return Number.isNaN(slotMs) ? undefined : { name: key.slice(slash + 1, at), slotMs };
};

/** The call a key's name belongs to: a campaign row's (`<campaign>/<row>`) is its campaign. */
const callOf = (name: string): string => {
  const slash = name.indexOf('/');
  return slash === -1 ? name : name.slice(0, slash);
};

/**
 * The memory key a slot entry's call keeps its schedule under: `<target>/<call>`, a campaign
 * row's (`<target>/<campaign>/<row>@<slot>`) its campaign's.
 */
export const memoryKeyOf = (key: string): string => {
  const slash = key.indexOf('/');
  const next = key.indexOf('/', slash + 1);
  const at = key.lastIndexOf('@');
  return key.slice(0, next !== -1 && next < at ? next : at);
};

/** How long past `keep` the memories remember, as the instant before which they forget. */
interface Remembering {
  readonly cutoff: string;
  readonly each: number;
}

/**
 * The schedules memory once the entries `dropped` were let go: each call's `prunedThrough`
 * moves up to the latest slot dropped (never back). Its slots up to there are then never
 * due again, whatever its deadline becomes and even if it was undefined for a while: the
 * entry that said a slot was placed is gone, so the memory says it instead. The calls those
 * entries rang go into the memory's `rang`, which per-number limits count (./rang.ts).
 */
const withPruned = (
  schedules: Lockfile['schedules'],
  dropped: readonly (readonly [string, LockEntry])[],
  remembering: Remembering,
): Record<string, ScheduleMemory> => {
  const out: Record<string, ScheduleMemory> = { ...schedules };
  const rang = new Map<string, ReturnType<typeof rangOf>>();
  for (const [key, entry] of dropped) {
    const slot = recurringKey(key);
    if (slot === undefined) continue;
    const through = new Date(slot.slotMs).toISOString();
    const memory = memoryKeyOf(key);
    // Every memory that lets an entry go gets a `rang`, none to count or not: it says the
    // memory remembers what it let go (one without was written by an earlier release).
    const calls = rang.get(memory);
    if (calls === undefined) rang.set(memory, rangOf(entry));
    else calls.push(...rangOf(entry));
    const known = out[memory];
    const was = known?.prunedThrough;
    if (was !== undefined && Date.parse(was) >= slot.slotMs) continue;
    out[memory] = { ...(known ?? { since: through }), prunedThrough: through };
  }
  for (const [memory, calls] of rang) {
    const known = out[memory] as ScheduleMemory;
    out[memory] = {
      ...known,
      rang: rememberRang(known.rang, calls, remembering.cutoff, remembering.each),
    };
  }
  return out;
};

/**
 * The memories as they stand now: one an earlier release let entries go from, remembering
 * none of their calls, says so (forgotten through its last slot let go, plus its deadline);
 * what one remembers from before the cutoff is forgotten. `schedules` itself when none moved.
 */
const rangNow = (
  schedules: Lockfile['schedules'],
  deadlineOf: (name: string) => number,
  remembering: Remembering,
): Lockfile['schedules'] => {
  let out: Record<string, ScheduleMemory> | undefined;
  for (const key in schedules) {
    const memory = schedules[key] as ScheduleMemory;
    let rang = memory.rang;
    if (rang === undefined)
      rang = rangOfEarlier(memory, deadlineOf(key.slice(key.indexOf('/') + 1)));
    else if (agesAt(rang, remembering.cutoff))
      rang = rememberRang(rang, [], remembering.cutoff, remembering.each);
    if (rang === memory.rang) continue;
    out ??= { ...schedules };
    out[key] = { ...memory, rang };
  }
  return out ?? schedules;
};

/**
 * The slot (as callops writes slots) before which a whole-second slot of a call with this
 * deadline is expired at `cutoffMs` (now - keep): expired is slotMs < cutoff - deadline, for a
 * whole-second slot < that rounded up. Undefined where no such slot can be written (a year
 * out of range): such a call's slots are each parsed instead.
 */
export const slotLimit = (cutoffMs: number, deadlineMs: number): string | undefined => {
  const ms = Math.ceil((cutoffMs - deadlineMs) / 1000) * 1000;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  return Number.isNaN(ms) || year < 0 || year > 9999
    ? undefined
    : `${date.toISOString().slice(0, 19)}Z`;
};

/**
 * The slot limit of each call `input` names (by the name its entries' keys carry: a campaign
 * under its own), and of every other name (a call no longer defined has no deadline), as
 * pruneExpired judges whole-second slots: what a database store filters its rows by.
 */
export const slotLimits = (
  input: RetentionInput,
): { readonly byCall: ReadonlyMap<string, string | undefined>; readonly other?: string } => {
  const cutoff = input.now.getTime() - input.keepMs;
  // The last of a name wins, as pruneExpired's lookup takes it.
  const deadlines = new Map(input.calls.map((c) => [c.name, c.schedule?.deadlineMs ?? 0]));
  const byCall = new Map([...deadlines].map(([name, ms]) => [name, slotLimit(cutoff, ms)]));
  const other = slotLimit(cutoff, 0);
  return { byCall, ...(other !== undefined && { other }) };
};

/**
 * The lockfile view without the entries of recurring calls whose slot's deadline passed
 * more than `keepMs` ago: such a slot can never be placed again (never late), so its entry
 * only grows the lockfile. Kept always: every `unknown` entry (only a person can settle it)
 * and every unscheduled call's entry (its key has no `@<slot>`; it is what stops the call
 * from being placed twice). What the dropped entries said is kept in the schedules memory
 * (withPruned): a deadline raised later, or a call defined again, never makes their slots
 * due again, and the calls they rang stay counted by per-number limits (./rang.ts). Pure;
 * returns `lock` itself when nothing is dropped and no memory moved.
 */
export const pruneExpired = (lock: Lockfile, input: RetentionInput): Lockfile => {
  // Built only when an entry may have expired: a campaign's calls are many.
  let byName: Map<string, number> | undefined;
  const deadlines = {
    get: (name: string): number | undefined => {
      byName ??= new Map(input.calls.map((c) => [c.name, c.schedule?.deadlineMs ?? 0]));
      return byName.get(callOf(name));
    },
  };
  const cutoff = input.now.getTime() - input.keepMs;
  const remembering: Remembering = {
    cutoff: new Date(Math.max(-8.64e15, cutoff - RANG_PAST_KEEP_MS)).toISOString(),
    each: input.each ?? 1,
  };
  const schedules = rangNow(lock.schedules, (name) => deadlines.get(name) ?? 0, remembering);
  const current = schedules === lock.schedules ? lock : { ...lock, schedules };
  // Read through the index (changed since or not): its earliest slot of each call says
  // whether any entry expired.
  const summary = summaryOrLayered(lock.calls);
  if (summary !== undefined) {
    const names = Object.keys(summary.earliest);
    const expires = (name: string): boolean =>
      (summary.earliest[name] as number) + (deadlines.get(name) ?? 0) < cutoff;
    if (!names.some(expires)) return current;
  }
  // Per call: the slot (as callops writes slots) before which a slot is expired, so that a
  // large lockfile's slots are compared as strings rather than each parsed as a date.
  const limits = new Map<string, string | undefined>();
  const limitOf = (name: string): string | undefined => {
    if (limits.has(name)) return limits.get(name);
    const limit = slotLimit(cutoff, deadlines.get(name) ?? 0);
    limits.set(name, limit);
    return limit;
  };
  const isExpired = (key: string): boolean => {
    const at = key.lastIndexOf('@');
    const slash = key.indexOf('/');
    if (at === -1 || slash === -1 || at < slash) return false;
    const name = key.slice(slash + 1, at);
    const limit = limitOf(callOf(name));
    if (limit !== undefined && key.length - at === 21 && WHOLE_SECOND_SLOT.test(key.slice(at + 1)))
      return key.slice(at + 1) < limit;
    const slot = recurringKey(key);
    return slot !== undefined && slot.slotMs + (deadlines.get(slot.name) ?? 0) < cutoff;
  };
  let kept: Record<string, LockEntry> | undefined;
  const dropped: [string, LockEntry][] = [];
  let index = 0;
  const keys = Object.keys(lock.calls);
  for (const key of keys) {
    const entry = lock.calls[key] as LockEntry;
    const expired = entry.status !== 'unknown' && isExpired(key);
    if (expired && kept === undefined) {
      // The first dropped entry: copy the ones kept before it, once.
      kept = Object.create(null) as Record<string, LockEntry>;
      for (const before of keys.slice(0, index)) kept[before] = lock.calls[before] as LockEntry;
    }
    if (expired) dropped.push([key, entry]);
    else if (kept !== undefined) kept[key] = entry;
    index++;
  }
  return kept === undefined
    ? current
    : { ...lock, calls: kept, schedules: withPruned(schedules, dropped, remembering) };
};
