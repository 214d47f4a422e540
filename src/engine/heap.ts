import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { packPlacedEntries } from '../state/packed-entry.js';

/** From this many calls on, a run keeps its heap close to what it holds. */
export const LARGE_PROJECT_CALLS = 20_000;

/** How much the heap may grow past what the last full collection kept (V8 picks up to 4×). */
const HEAP_GROWING_PERCENT = 20;

/** How often a large run looks at its heap, and how much it lets it grow between looks. */
const PACE_MS = 250;
const PACE_GROWTH = 1.25;

let tightened = false;

/**
 * A run of many calls lets V8 grow the heap by at most HEAP_GROWING_PERCENT past what its last
 * full collection kept, instead of the up to fourfold V8 allows a fast-allocating process: the
 * placements' garbage is then collected before it doubles the peak memory. It costs a few more
 * full collections (concurrent, a few percent of CPU), so a small project is left alone.
 *
 * V8 still starts its collections late while requests allocate fast (their short-lived
 * objects outlive the young generation, and what is allocated while it marks waits for the
 * next collection): so, while the run goes on, a full collection is made whenever the heap
 * holds a quarter more in its old generation than the last one kept (see pace).
 */
export const tightenHeap = (calls: number): void => {
  if (tightened || calls < LARGE_PROJECT_CALLS) return;
  tightened = true;
  grown = true;
  packPlacedEntries(true);
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  pace();
};

/** A lockfile of this many bytes or more, read in full, is held as a large project is. */
export const LARGE_LOCKFILE_BYTES = 8 * 1024 * 1024;

/**
 * Before a lockfile of `bytes` is read in full (not through its index: pulled from git,
 * say): a large one is parsed into some 3 bytes of objects a byte, beside its bytes and
 * text, and its garbage is collected before it doubles the peak: V8 grows the heap by at
 * most HEAP_GROWING_PERCENT past what its last full collection kept (100,000 entries,
 * 34 MiB, one call placed beside them: 329 MiB at the peak left alone, 245 MiB so, for
 * 1.2× the CPU; the next command reads through the index, as the README says).
 */
export const tightenHeapForLockfile = (bytes: number): void => {
  if (bytes < LARGE_LOCKFILE_BYTES || grown) return;
  grown = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
};

/** Whether the heap's growth is held to HEAP_GROWING_PERCENT already. */
let grown = false;

/** What the old generation holds (the young one comes and goes between scavenges). */
const oldSpaceUsed = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;

/** The full collection V8 exposes, and what the old generation held after the last one. */
let pacing: { readonly collect: () => void; kept: number } | undefined;

/** A full collection when the old generation grew by PACE_GROWTH since the last one. */
const collectIfGrown = (): void => {
  if (pacing === undefined || oldSpaceUsed() < pacing.kept * PACE_GROWTH) return;
  pacing.collect();
  pacing.kept = oldSpaceUsed();
};

/**
 * Every PACE_MS, a full collection when the old generation grew by PACE_GROWTH since the last
 * one: what the young generation holds is left to its scavenges.
 */
const pace = (): void => {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as unknown;
  if (typeof collect !== 'function') return;
  pacing = { collect: collect as () => void, kept: oldSpaceUsed() };
  setInterval(collectIfGrown, PACE_MS).unref();
};

/** Calls a loop goes through between two looks at the heap (paceLoop). */
const LOOP_PACE = 2048;

/**
 * For a loop over every call that runs without yielding (no timer fires meanwhile: apply's
 * check of every request before the first is sent), a look at the heap every LOOP_PACE
 * calls, as the timer of a large run looks every PACE_MS: without it, a campaign of 100,000
 * rows let its garbage grow to some 50 MB before V8 collected it, 20 MB of peak memory above
 * what a campaign of 20,000 rows reached. `i` is the call's place in the loop.
 */
export const paceLoop = (i: number): void => {
  if (pacing !== undefined && i % LOOP_PACE === LOOP_PACE - 1) collectIfGrown();
};
