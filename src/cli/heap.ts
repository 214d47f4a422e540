import { setFlagsFromString } from 'node:v8';

/** From this many calls on, a run keeps its heap close to what it holds. */
export const LARGE_PROJECT_CALLS = 20_000;

/** How much the heap may grow past what the last full collection kept (V8 picks up to 4×). */
const HEAP_GROWING_PERCENT = 20;

let tightened = false;

/**
 * A run of many calls lets V8 grow the heap by at most HEAP_GROWING_PERCENT past what its last
 * full collection kept, instead of the up to fourfold V8 allows a fast-allocating process: the
 * placements' garbage is then collected before it doubles the peak memory. It costs a few more
 * full collections (concurrent, a few percent of CPU), so a small project is left alone.
 */
export const tightenHeap = (calls: number): void => {
  if (tightened || calls < LARGE_PROJECT_CALLS) return;
  tightened = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
};
