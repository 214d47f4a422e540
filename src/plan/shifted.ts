import { countsTowardLimit } from '../screen/limit.js';
import { destinationNumber, isOtherNumber, numberDigest } from '../screen/number.js';
import type { Lockfile } from '../state/types.js';
import { amendItem, callOf } from './item.js';
import { PlanList } from './rows.js';
import type { PlanItem } from './types.js';

/** A row's key without its attempt (`#n`) and slot (`@…`): the row itself. */
const rowBase = (key: string): string => {
  const end = key.search(/[#@]/);
  return end < 0 ? key : key.slice(0, end);
};

/** How the reason of a row held here starts (no other reason starts so). */
const HELD_PREFIX = 'not placed: ';

/** Whether a skipped item is a row holdShiftedRows or holdDialledRow held back. */
export const isHeldShifted = (item: PlanItem): boolean =>
  item.reason?.startsWith(HELD_PREFIX) === true;

/** A call the lockfile holds of a number: the entry itself, or one its history keeps. */
export interface Dialled {
  readonly key: string;
  readonly status: string;
  readonly sid?: string;
  readonly at: string;
}

/** The numbers (digests) a campaign dialled, each with the first call that dialled it. */
type DialledNumbers = ReadonlyMap<string, Dialled>;

/**
 * Every number the calls under `prefix` (`<target>/<campaign>/`) dialled, by the digest each
 * entry keeps (pure): placed, unknown or claimed entries (it may have rung) and the calls a
 * `--replace` placed again (the entry's history). Built once per campaign and asked per row.
 */
const dialledNumbers = (lock: Lockfile, prefix: string): DialledNumbers => {
  const found = new Map<string, Dialled>();
  for (const [key, entry] of Object.entries(lock.calls)) {
    if (!key.startsWith(prefix)) continue;
    const { number } = entry;
    if (number !== undefined && countsTowardLimit(entry.status) && !found.has(number)) {
      found.set(number, { key, status: entry.status, sid: entry.sid, at: entry.at });
    }
    // A call `--replace` placed again rang as well.
    for (const h of entry.history ?? []) {
      if (h.number !== undefined && !found.has(h.number)) {
        found.set(h.number, { key, status: 'placed', sid: h.sid, at: h.at });
      }
    }
  }
  return found;
};

/** The call of a row other than `key`'s that dialled `digest`, if the campaign made one. */
const dialledByOtherRow = (
  numbers: DialledNumbers,
  digest: string,
  key: string,
): Dialled | undefined => {
  const dialled = numbers.get(digest);
  return dialled !== undefined && rowBase(dialled.key) !== rowBase(key) ? dialled : undefined;
};

/** The indexes of the campaigns a plan asked of, by prefix: each built at most once. */
export type DialledCache = Map<string, DialledNumbers>;

const dialledIn = (cache: DialledCache, lock: Lockfile, prefix: string): DialledNumbers => {
  let found = cache.get(prefix);
  if (found === undefined) {
    found = dialledNumbers(lock, prefix);
    cache.set(prefix, found);
  }
  return found;
};

/**
 * Whom row `key` of a campaign keyed by position (`campaign.positional`) dials now, when the
 * campaign already dialled that number under another row's key, with the call that did;
 * undefined otherwise, and for a campaign with an id column. `numberOf` is asked only when
 * the campaign dialled anyone: a first apply reads and hashes no number.
 */
export const dialledAsOtherRow = (
  campaign: { readonly name: string; readonly positional?: true } | undefined,
  target: string,
  key: string,
  numberOf: () => string | undefined,
  lock: Lockfile,
  cache: DialledCache,
): { readonly number: string; readonly dialled: Dialled } | undefined => {
  if (campaign?.positional !== true) return undefined;
  const numbers = dialledIn(cache, lock, `${target}/${campaign.name}/`);
  const number = numbers.size > 0 ? numberOf() : undefined;
  const dialled =
    number === undefined ? undefined : dialledByOtherRow(numbers, numberDigest(number), key);
  return dialled === undefined ? undefined : { number: number as string, dialled };
};

/** The campaign of a row an item places, when its CSV has no `id` column (keyed by position). */
const positionalCampaign = (
  item: PlanItem,
): { name: string; recipients: string; positional?: true } | undefined => {
  const campaign = callOf(item)?.campaign;
  return campaign?.positional === true ? campaign : undefined;
};

const dialledWords = (number: string, dialled: Dialled): string =>
  `this campaign already dialled ${number} as ${dialled.key} (${dialled.status}${dialled.sid === undefined ? '' : ` ${dialled.sid}`} at ${dialled.at})`;

/** `item`, skipped with the reason of a held row (`why` it is not placed). */
const heldItem = (item: PlanItem, why: string, recipients: string | undefined): PlanItem =>
  amendItem(item, {
    reason: `${HELD_PREFIX}${why}; ${recipients ?? 'its CSV'} has no id column, so its rows are keyed by their position, and a row added, removed or moved above shifts them: give the CSV an id column`,
  });

/**
 * A row of a campaign keyed by position that would otherwise be expired (its `end` passed
 * before it was reached), held instead when the campaign dialled its number under another
 * row's key: its person was called, so it is not "never placed". Undefined when it is not
 * so held (an id column, a campaign that dialled nobody: no number is hashed).
 */
export const holdDialledRow = (
  item: PlanItem,
  lock: Lockfile,
  cache: DialledCache,
): PlanItem | undefined => {
  const campaign = positionalCampaign(item);
  const found = dialledAsOtherRow(
    campaign,
    item.target,
    item.key,
    () => destinationNumber(item.to),
    lock,
    cache,
  );
  return found === undefined
    ? undefined
    : heldItem(item, dialledWords(found.number, found.dialled), campaign?.recipients);
};

/** When an item not due yet would be: its opening (hours, start, redial delay) or slot. */
const dueAt = (item: PlanItem): number => {
  const at = Date.parse(item.opens ?? item.slot ?? '');
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
};

/**
 * Due rows of a campaign whose CSV has no `id` column, held back when they dial a number the
 * campaign already dialled under another row's key (pure). Such rows are keyed by their
 * position: a row added, removed or moved above others shifts every key below it, and the
 * row now at a new position (never placed under that key) may be someone already called.
 * An edited row at a placed key is settled as changed since placed; this catches the person
 * who moved to a key with no entry, or to one `--replace` names. Numbers are compared by the
 * digest every entry keeps of the number it dialled (placed, unknown, or claimed: it may
 * have rung). Returns the lists unchanged (the same arrays) when no row is so keyed.
 *
 * `upcoming` (rows not due yet: waiting for their hours, `start` or a redial, or next slots)
 * are asked as well, after the due ones, in the order they come due: a row whose number an
 * earlier one dials is held then as it will be once due, not listed as waiting or upcoming.
 */
export const holdShiftedRows = (
  due: readonly PlanItem[],
  lock: Lockfile,
  cache: DialledCache = new Map(),
  upcoming: readonly PlanItem[] = [],
): {
  readonly due: readonly PlanItem[];
  readonly held: readonly PlanItem[];
  readonly upcoming: readonly PlanItem[];
} => {
  // Rows of this plan by campaign and number: the first is placed, a later one is held.
  const planned = new Map<string, string>();
  /** Why `item` is held, or undefined when it is placed (its number then taken). */
  const heldWhy = (item: PlanItem): string | undefined => {
    const campaign = positionalCampaign(item);
    const number = campaign === undefined ? undefined : destinationNumber(item.to);
    if (campaign === undefined || number === undefined) return undefined;
    const prefix = `${item.target}/${campaign.name}/`;
    const found = dialledAsOtherRow(campaign, item.target, item.key, () => number, lock, cache);
    if (found !== undefined) return dialledWords(number, found.dialled);
    const earlier = planned.get(`${prefix}${number}`);
    if (earlier !== undefined && earlier !== rowBase(item.key)) {
      return `${earlier} of this campaign dials ${number} too, in this run`;
    }
    planned.set(`${prefix}${number}`, rowBase(item.key));
    return undefined;
  };
  let out: { due: PlanList; held: PlanList } | undefined;
  for (let i = 0; i < due.length; i++) {
    const item = due[i] as PlanItem;
    const why = heldWhy(item);
    if (why !== undefined && out === undefined) {
      out = { due: new PlanList(false), held: new PlanList(false) };
      for (let j = 0; j < i; j++) out.due.push(due[j] as PlanItem);
    }
    if (out === undefined) continue;
    if (why === undefined) {
      out.due.push(item);
      continue;
    }
    out.held.push(heldItem(item, why, positionalCampaign(item)?.recipients));
  }
  const dueNow = out === undefined ? due : out.due.items();
  const heldNow = out === undefined ? [] : out.held.items();
  // Rows not due yet, by when they come due (in plan order when at once).
  const ahead: { item: PlanItem; at: number; index: number }[] = [];
  for (let i = 0; i < upcoming.length; i++) {
    const item = upcoming[i] as PlanItem;
    if (positionalCampaign(item) !== undefined) ahead.push({ item, at: dueAt(item), index: i });
  }
  if (ahead.length === 0) return { due: dueNow, held: heldNow, upcoming };
  ahead.sort((a, b) => a.at - b.at || a.index - b.index);
  const heldAhead = new Map<number, PlanItem>();
  for (const { item, index } of ahead) {
    const why = heldWhy(item);
    if (why === undefined) continue;
    const bare = amendItem(item, { waiting: undefined, opens: undefined });
    heldAhead.set(index, heldItem(bare, why, positionalCampaign(item)?.recipients));
  }
  if (heldAhead.size === 0) return { due: dueNow, held: heldNow, upcoming };
  return {
    due: dueNow,
    held: [...heldNow, ...heldAhead.values()],
    upcoming: upcoming.filter((_, i) => !heldAhead.has(i)),
  };
};

/**
 * Due retries of `unknown` entries (`--retry-unknown`) whose call dials another number now
 * than its unknown attempt did, held back (pure): that attempt may have rung, and the
 * retry would take the entry, and with it the only record of the number it dialled (what
 * per-number limits and the already-dialled check count). Settling it first keeps the
 * truth: `--placed` makes it a placed call, which a replacement keeps in its history;
 * `--not-placed` says it never rang. `numberOf` gives the number an item dials, as the
 * plan's screen reads it (undefined when it cannot tell: then it is not held here).
 */
export const holdRedirectedRetries = (
  due: readonly PlanItem[],
  lock: Lockfile,
  numberOf: (item: PlanItem) => string | undefined,
): { readonly due: readonly PlanItem[]; readonly held: readonly PlanItem[] } => {
  let out: { due: PlanList; held: PlanList } | undefined;
  for (let i = 0; i < due.length; i++) {
    const item = due[i] as PlanItem;
    const entry = lock.calls[item.key];
    let why: string | undefined;
    if (entry?.status === 'unknown' && entry.number !== undefined) {
      if (isOtherNumber(entry.number, numberOf(item))) {
        why = `not retried: its unknown attempt (at ${entry.at}) dialled another number than it dials now, and may have rung; settle it first: \`callops resolve ${item.key} --placed SID\` or \`--not-placed\``;
      }
    }
    if (why !== undefined && out === undefined) {
      out = { due: new PlanList(false), held: new PlanList(false) };
      for (let j = 0; j < i; j++) out.due.push(due[j] as PlanItem);
    }
    if (out === undefined) continue;
    if (why === undefined) out.due.push(item);
    else out.held.push(amendItem(item, { reason: why }));
  }
  return out === undefined ? { due, held: [] } : { due: out.due.items(), held: out.held.items() };
};
