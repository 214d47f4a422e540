import { localTime, type SlotEnd, slotEndsAt } from '../schedule/index.js';
import { keysBetween } from '../state/calls-summary.js';
import { lowerBound } from '../state/sorted.js';
import type { Lockfile } from '../state/types.js';
import type { ScheduleSpec } from '../validate/model.js';
import { formatSlot } from './keys.js';

/**
 * The slot searches of one schedule in one plan, shared by the calls planned with it. A
 * campaign's rows share their schedule (one object per zone) and their memory, and differ
 * only in their own lockfile entries: what one row's search finds, another's finds too,
 * unless their entries differ where the search looks. So a search is kept under what it can
 * read of a row (see OwnEntries): rows whose entries agree there, most often by having none,
 * get the answer the first of them computed, the very one each would compute. Each search
 * is pure (the schedule, `now` and the memory are the share's; the row's entries are in the
 * key), so a plan with the share is the plan without it.
 */
export interface SlotShare {
  /** `compute()`'s answer, computed once for every call asking with the same key. */
  memo<T>(key: string, compute: () => T): T;
  /** slotEndsAt of the share's schedule, once per slot. */
  endOf(slot: number): SlotEnd;
}

/** Answers kept per share: past this many (rows whose entries all differ) they are let go. */
const KEPT = 4096;

const makeShare = (spec: ScheduleSpec): SlotShare => {
  const answers = new Map<string, unknown>();
  const ends = new Map<number, SlotEnd>();
  return {
    memo: <T>(key: string, compute: () => T): T => {
      if (answers.has(key)) return answers.get(key) as T;
      const answer = compute();
      if (answers.size >= KEPT) answers.clear();
      answers.set(key, answer);
      return answer;
    },
    endOf: (slot) => {
      let end = ends.get(slot);
      if (end === undefined) {
        end = slotEndsAt(spec, slot);
        if (ends.size >= KEPT) ends.clear();
        ends.set(slot, end);
      }
      return end;
    },
  };
};

/** The shares of one plan, and the slot texts its items show. */
export interface SlotShares {
  /** The share of `spec` planned with one memory (since, pruned, reported through). */
  of(spec: ScheduleSpec, memory: string): SlotShare;
  /** formatSlot(slot), once per slot. */
  text(slot: Date): string;
  /** localTime(slot, zone), once per slot and zone: every row shows the same words. */
  local(slot: Date, zone: string): string;
}

export const slotShares = (): SlotShares => {
  const shares = new WeakMap<ScheduleSpec, Map<string, SlotShare>>();
  const locals = new Map<string, string>();
  const texts = new Map<number, string>();
  return {
    of: (spec, memory) => {
      let byMemory = shares.get(spec);
      if (byMemory === undefined) {
        byMemory = new Map();
        shares.set(spec, byMemory);
      }
      let share = byMemory.get(memory);
      if (share === undefined) {
        share = makeShare(spec);
        byMemory.set(memory, share);
      }
      return share;
    },
    text: (slot) => {
      const at = slot.getTime();
      let text = texts.get(at);
      if (text === undefined) {
        text = formatSlot(slot);
        if (texts.size >= KEPT) texts.clear();
        texts.set(at, text);
      }
      return text;
    },
    local: (slot, zone) => {
      const key = `${zone} ${slot.getTime()}`;
      let words = locals.get(key);
      if (words === undefined) {
        words = localTime(slot, zone);
        if (locals.size >= KEPT) locals.clear();
        locals.set(key, words);
      }
      return words;
    },
  };
};

/**
 * Slot keys (`…@2026-12-01T14:00:00Z`) sort as their slots fall only for the years 0000 to
 * 9999; past them the ISO form takes a sign and six digits.
 */
const ORDERED_FROM = -62_167_219_200_000;
const ORDERED_UNTIL = 253_402_300_799_999;

/** A call's own lockfile entries, as a slot search in a range of its slots can read them. */
export interface OwnEntries {
  /**
   * The entries keyed `PREFIX<slot>` whose slot text lies between those of `after` and
   * `until` (both included), each with its status, as one string: '' when there are none.
   * Every entry a search of (after, until] reads is among them (keys sort as slots fall).
   * Undefined when the range lies outside the years whose keys sort so.
   */
  within(after: number, until: number): string | undefined;
}

/**
 * The entries of `calls` whose keys start with `prefix` (`<target>/<name>@`), listed once
 * when first asked; `empty` when the lockfile has none at all (nothing is looked up).
 */
export const ownEntries = (
  calls: Lockfile['calls'],
  prefix: string,
  empty: boolean,
): OwnEntries => {
  let keys: readonly string[] | undefined;
  return {
    within: (after, until) => {
      if (empty) return '';
      if (!(after >= ORDERED_FROM && until <= ORDERED_UNTIL)) return undefined;
      keys ??= keysBetween(calls, prefix, `${prefix}\uffff`);
      if (keys.length === 0) return '';
      const hi = `${prefix}${formatSlot(new Date(until))}`;
      let found = '';
      for (let i = lowerBound(keys, `${prefix}${formatSlot(new Date(after))}`); ; i++) {
        const key = keys[i];
        if (key === undefined || key > hi) return found;
        found += `${JSON.stringify([key.slice(prefix.length), calls[key]?.status ?? null])},`;
      }
    },
  };
};
