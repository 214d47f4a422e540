import type { PlanItem } from './types.js';

/** The lists a plan sorts its items into, and the order each is kept in. */

export type Bucket = 'due' | 'upcoming' | 'missed' | 'skipped';

export type Sink = (bucket: Bucket, item: PlanItem) => void;

/** Earliest slot first; a campaign's rows in the order of its CSV; then by key. */
export const bySlotThenKey = (a: PlanItem, b: PlanItem): number => {
  const sa = a.slot ?? '';
  const sb = b.slot ?? '';
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (a.campaign !== undefined && a.campaign === b.campaign && a.line !== b.line) {
    return a.line - b.line;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
};
