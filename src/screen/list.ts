import { longerEndingIn } from './tails.js';

/** Where a number is listed, and why. */
export interface Listed {
  /** The list file, relative to the project root. */
  readonly file: string;
  readonly line: number;
  readonly reason?: string;
}

/**
 * One do-not-call list as read (first listing wins). Its numbers are kept apart by how they
 * are written, since they match by different rules (see `listedIn`).
 */
export interface SuppressList {
  readonly file: string;
  /** Numbers written with a leading `+`: their digits → where listed. */
  readonly withPlus: ReadonlyMap<string, Listed>;
  /** Numbers written without `+`: their digits, leading zeros dropped → where listed. */
  readonly withoutPlus: ReadonlyMap<string, Listed>;
}

/**
 * The fewest digits a number written without `+` is matched by as the end of another: a
 * shorter one would hold back numbers of every area and country that merely end alike.
 */
export const MIN_TAIL_DIGITS = 7;

/** The digits of a number written without `+`, as it is compared: leading zeros dropped. */
export const significantDigits = (digits: string): string => digits.replace(/^0+/, '');

/**
 * The digits of `number` (normalised: `+` and digits, or digits alone) as lists compare it,
 * whichever way it is written: those after the `+`, else the digits with leading zeros dropped
 * (significantDigits). A number called with `+` and then 0 (which no country code starts with;
 * a list refuses one) is read as written without `+`: an international prefix and the number.
 * `+15550100001`, `15550100001` and `0015550100001` are the same digits.
 */
export const comparedDigits = (number: string): string =>
  number.startsWith('+') && !number.startsWith('+0')
    ? number.slice(1)
    : significantDigits(number.replace(/^\+/, ''));

/**
 * Whether a list holds back `number` (normalised: `+` and digits, or digits alone). A list errs
 * toward not calling: only two numbers both written with `+` must be the same digits to
 * match. When either is written without `+` (a national form, an export that dropped the
 * `+`, an international prefix such as 00 or 011), its leading zeros are dropped and the two
 * match when their digits are the same or the digits of one end in those of the other, the
 * shorter having at least MIN_TAIL_DIGITS digits. A number called with `+` and then 0 (which
 * no country code starts with; a list refuses one) is compared as written without `+`. Each
 * lookup is a few map reads and a binary search, whatever the list's size.
 */
export const listedIn = (list: SuppressList, number: string): Listed | undefined => {
  // No country code starts with 0: a number called as `+0015550100001` is compared as
  // written without `+` (an international prefix and the number), never by its digits alone.
  const plus = number.startsWith('+') && !number.startsWith('+0');
  const digits = comparedDigits(number);
  if (digits === '') return undefined;
  const same = list.withPlus.get(digits) ?? list.withoutPlus.get(digits);
  if (same !== undefined) return same;
  // Listed shorter, and this number ends in it.
  for (let n = digits.length - 1; n >= MIN_TAIL_DIGITS; n--) {
    const tail = digits.slice(digits.length - n);
    const hit = list.withoutPlus.get(tail) ?? (plus ? undefined : list.withPlus.get(tail));
    if (hit !== undefined) return hit;
  }
  // Listed longer, ending in this number.
  if (digits.length < MIN_TAIL_DIGITS) return undefined;
  const pools = plus ? [list.withoutPlus] : [list.withoutPlus, list.withPlus];
  for (const pool of pools) {
    const key = longerEndingIn(pool, digits);
    if (key !== undefined) return pool.get(key);
  }
  return undefined;
};

/** The first listing of `number` among the lists, in the order callops.yaml names them. */
export const findListed = (lists: readonly SuppressList[], number: string): Listed | undefined => {
  for (const list of lists) {
    const hit = listedIn(list, number);
    if (hit !== undefined) return hit;
  }
  return undefined;
};

/** How a plan and a run word a suppressed placement. */
export const suppressedReason = (listed: Listed): string =>
  `do-not-call: ${listed.reason ?? 'listed'} (${listed.file}:${listed.line})`;
