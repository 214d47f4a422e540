import type { LockEntry, Lockfile, RangMemory, ScheduleMemory } from './types.js';

/**
 * What a call's schedule memory keeps of the calls whose entries `state.keep` let go, so that
 * `limits.per_number` still counts them: a window widened after they were let go (`1/1h` made
 * `1/24h`) reaches back past the entries left. Compact and bounded: per number digest (never
 * the number) only the times of its latest calls, as many as the limit counts (`each`), for
 * RANG_PAST_KEEP_MS past `state.keep`. What it no longer holds is not taken for nothing:
 * `forgotten` (and a number's `cut`) say from when on the memory is whole, and a plan whose
 * window reaches before that holds the call (plan/screen.ts).
 */

/** How long past `state.keep` the time of a call let go is remembered. */
export const RANG_PAST_KEEP_MS = 30 * 86_400_000;

/** A call that may have rung its number, as a let-go entry (or its history) says. */
interface Rang {
  readonly number: string;
  readonly at: string;
}

/** The calls an entry let go may have rung: its own (placed or unknown) and those it replaced. */
export const rangOf = (entry: LockEntry): Rang[] => {
  const out: Rang[] = [];
  for (const h of entry.history ?? [])
    if (h.number !== undefined) out.push({ number: h.number, at: h.at });
  // Only a placed entry is let go (never an unknown one); a failed one did not ring.
  if (entry.number !== undefined && entry.status === 'placed')
    out.push({ number: entry.number, at: entry.at });
  return out;
};

const iso = (text: string): string | undefined => {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

const later = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined || a >= b ? a : b;

/**
 * A number's times, ascending and without repeats, cut to the latest `each`: the earlier ones
 * are folded into `cut` (what the memory no longer holds of that number).
 */
const kept = (
  times: Iterable<string>,
  each: number,
): { readonly times: string[]; readonly cut?: string } => {
  const sorted = [...new Set(times)].sort();
  if (sorted.length <= each) return { times: sorted };
  const from = sorted.length - each;
  return { times: sorted.slice(from), cut: sorted[from - 1] as string };
};

/** Build a RangMemory from per-number times, cuts and a forgotten instant (undefined: empty). */
const built = (
  numbers: Map<string, Iterable<string>>,
  cuts: Map<string, string>,
  forgotten: string | undefined,
  each: number,
): RangMemory => {
  const out: Record<string, string[]> = {};
  const cut: Record<string, string> = {};
  for (const [digest, times] of [...numbers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const k = kept(times, each);
    if (k.times.length === 0) continue;
    out[digest] = k.times;
    const c = later(cuts.get(digest), k.cut);
    if (c !== undefined) cut[digest] = c;
  }
  return {
    numbers: out,
    ...(Object.keys(cut).length > 0 && { cut }),
    ...(forgotten !== undefined && { forgotten }),
  };
};

/**
 * The memory with `rang` added and everything older than `cutoff` (ISO) forgotten: a number's
 * times before it, and its cut, move into `forgotten`. `each` is how many of a number's latest
 * calls the limit counts (its N; 1 without a limit, which one set later can count).
 */
export const rememberRang = (
  memory: RangMemory | undefined,
  rang: readonly Rang[],
  cutoff: string,
  each: number,
): RangMemory => {
  const numbers = new Map<string, string[]>();
  const cuts = new Map<string, string>();
  let forgotten = memory?.forgotten;
  for (const [digest, times] of Object.entries(memory?.numbers ?? {})) {
    numbers.set(digest, [...times]);
  }
  for (const [digest, at] of Object.entries(memory?.cut ?? {})) cuts.set(digest, at);
  for (const r of rang) {
    const at = iso(r.at);
    if (at === undefined) continue;
    const times = numbers.get(r.number);
    if (times === undefined) numbers.set(r.number, [at]);
    else times.push(at);
  }
  for (const [digest, times] of numbers) {
    const old = times.filter((t) => t < cutoff);
    if (old.length === 0) continue;
    forgotten = later(forgotten, old.sort().at(-1));
    numbers.set(
      digest,
      times.filter((t) => t >= cutoff),
    );
  }
  for (const [digest, at] of cuts) {
    if (at >= cutoff && numbers.get(digest)?.length) continue;
    forgotten = later(forgotten, at);
    cuts.delete(digest);
  }
  return built(numbers, cuts, forgotten, Math.max(1, each));
};

/** Whether `rememberRang` would forget something of `memory` at `cutoff`. */
export const agesAt = (memory: RangMemory, cutoff: string): boolean => {
  for (const times of Object.values(memory.numbers)) if ((times[0] ?? cutoff) < cutoff) return true;
  for (const at of Object.values(memory.cut ?? {})) if (at < cutoff) return true;
  return false;
};

/**
 * Two memories of one call as one (a lockfile merged with another writer's): every time either
 * holds, each number cut where either cut it (a time both hold is one), forgotten the later.
 */
export const mergeRang = (a: RangMemory | undefined, b: RangMemory | undefined, each?: number) => {
  if (a === undefined || b === undefined || a === b) return a ?? b;
  const numbers = new Map<string, string[]>();
  const cuts = new Map<string, string>();
  for (const m of [a, b]) {
    for (const [digest, times] of Object.entries(m.numbers)) {
      numbers.set(digest, [...(numbers.get(digest) ?? []), ...times]);
    }
    for (const [digest, at] of Object.entries(m.cut ?? {})) {
      cuts.set(digest, later(cuts.get(digest), at) as string);
    }
  }
  // Without a limit to go by, as many of a number as either kept.
  let most = 1;
  for (const m of [a, b]) for (const t of Object.values(m.numbers)) most = Math.max(most, t.length);
  return built(numbers, cuts, later(a.forgotten, b.forgotten), each ?? most);
};

/** Every time the memories of `lock` remember a call to a number rang: digest and epoch ms. */
export const rangTimes = function* (
  lock: Pick<Lockfile, 'schedules'>,
): Generator<readonly [string, number]> {
  for (const memory of Object.values(lock.schedules ?? {})) {
    for (const [digest, times] of Object.entries(memory.rang?.numbers ?? {})) {
      for (const at of times) yield [digest, Date.parse(at)];
    }
  }
};

/**
 * Where the memories of `lock` stop being whole (epoch ms): before `forgotten` any number may
 * have been called unremembered; before a number's `cut` that number may.
 */
export interface RangGaps {
  readonly forgotten?: number;
  readonly cut: ReadonlyMap<string, number>;
}

export const rangGaps = (lock: Pick<Lockfile, 'schedules'>): RangGaps => {
  let forgotten: number | undefined;
  const cut = new Map<string, number>();
  for (const memory of Object.values(lock.schedules ?? {})) {
    const r = memory.rang;
    if (r === undefined) continue;
    if (r.forgotten !== undefined) {
      const ms = Date.parse(r.forgotten);
      if (forgotten === undefined || ms > forgotten) forgotten = ms;
    }
    for (const [digest, at] of Object.entries(r.cut ?? {})) {
      const ms = Date.parse(at);
      if (!(ms <= (cut.get(digest) ?? Number.NEGATIVE_INFINITY))) cut.set(digest, ms);
    }
  }
  return { ...(forgotten !== undefined && { forgotten }), cut };
};

/** A memory whose entries an earlier release let go, remembering none: forgotten through then. */
export const rangOfEarlier = (
  memory: ScheduleMemory,
  deadlineMs: number,
): RangMemory | undefined => {
  if (memory.rang !== undefined || memory.prunedThrough === undefined) return undefined;
  const ms = Date.parse(memory.prunedThrough) + deadlineMs;
  return Number.isNaN(ms) ? undefined : { numbers: {}, forgotten: new Date(ms).toISOString() };
};
