import type { OutcomeStatus } from '../execute/outcome.js';
import type { PlanItem } from '../plan/types.js';

/**
 * No slot is placed after a later one of its call (README "Catch-up"). The plan supersedes a
 * slot not later than one the state holds placed or unknown; this keeps the rule within a
 * batch, where `catchup: all` sends several slots of one call side by side: before each
 * attempt of a slot, a later slot of its call (its key up to `@`; a campaign's row on its own)
 * that the batch placed, or may have placed (unknown), supersedes it, and it is not sent.
 * Before a retry so does a later slot whose request is on the wire: sent since this slot's
 * first attempt, it may be placed before the retry is. First attempts that leave side by side
 * do not hold each other back, nor does a later slot waiting for its own retry (its
 * gateway certainly did not place it).
 * Only calls with two slots or more in the batch are followed: nothing is kept for the others.
 */
export interface SlotOrder {
  /** Why `item` may not be sent now (the plan's words), or undefined when it may. */
  passed(item: PlanItem, retry: boolean): string | undefined;
  /** Its request is about to leave. */
  sending(item: PlanItem): void;
  /** Its attempt was answered with a retry: not on the wire while it waits. */
  waiting(item: PlanItem): void;
  /** Its outcome: placed or unknown, it supersedes the earlier slots of its call. */
  settled(item: PlanItem, status: OutcomeStatus): void;
}

/** One call with several slots in the batch (slots as keys write them: they sort as they fall). */
interface Series {
  /** The latest slot placed or unknown, and which. */
  taken?: { readonly slot: string; readonly unknown: boolean };
  /** The slots whose request is on the wire. */
  readonly sending: Set<string>;
}

/** The call of a scheduled placement: its key before `@<slot>`. */
const seriesOf = (item: PlanItem): string | undefined => {
  const { slot, key } = item;
  if (slot === undefined || !key.endsWith(`@${slot}`)) return undefined;
  return key.slice(0, key.length - slot.length - 1);
};

const NONE: SlotOrder = {
  passed: () => undefined,
  sending: () => undefined,
  waiting: () => undefined,
  settled: () => undefined,
};

/** The order kept among the slots of each call that `items` holds more than one of. */
export const slotOrder = (items: readonly PlanItem[]): SlotOrder => {
  // A batch of one slot (a campaign's rows at one instant, say) has no two of one call.
  const first = items.find((i) => i.slot !== undefined)?.slot;
  if (first === undefined || items.every((i) => i.slot === undefined || i.slot === first))
    return NONE;
  const counts = new Map<string, number>();
  for (const item of items) {
    const series = seriesOf(item);
    if (series !== undefined) counts.set(series, (counts.get(series) ?? 0) + 1);
  }
  const followed = new Map<string, Series>();
  for (const [series, count] of counts) if (count > 1) followed.set(series, { sending: new Set() });
  counts.clear();
  if (followed.size === 0) return NONE;
  const of = (item: PlanItem) => {
    const series = seriesOf(item);
    return series === undefined ? undefined : followed.get(series);
  };
  return {
    passed: (item, retry) => {
      const s = of(item);
      const slot = item.slot;
      if (s === undefined || slot === undefined) return undefined;
      let by = s.taken !== undefined && s.taken.slot > slot ? s.taken : undefined;
      if (retry) {
        for (const other of s.sending)
          if (other > slot && (by === undefined || other > by.slot))
            by = { slot: other, unknown: true };
      }
      if (by === undefined) return undefined;
      return `superseded by ${by.slot}, ${by.unknown ? 'whose outcome is unknown' : 'already placed'}: an earlier slot is never placed after a later one`;
    },
    sending: (item) => {
      if (item.slot !== undefined) of(item)?.sending.add(item.slot);
    },
    waiting: (item) => {
      if (item.slot !== undefined) of(item)?.sending.delete(item.slot);
    },
    settled: (item, status) => {
      const s = of(item);
      const slot = item.slot;
      if (s === undefined || slot === undefined) return;
      s.sending.delete(slot);
      if (status !== 'placed' && status !== 'unknown') return;
      if (s.taken === undefined || s.taken.slot < slot)
        s.taken = { slot, unknown: status === 'unknown' };
    },
  };
};
