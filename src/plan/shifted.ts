import { countsTowardLimit } from '../screen/limit.js';
import {
  comparedNumber,
  destinationNumber,
  isDigestOf,
  isOtherNumber,
  keyDigests,
  numberDigest,
  numberKey,
} from '../screen/number.js';
import { keysBetween } from '../state/calls-summary.js';
import type { CampaignScope } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { settleWords } from './check-words.js';
import { amendItem, callOf, numberOfCall, toOf } from './item.js';
import { PlanList } from './rows.js';
import {
  type TargetTwins,
  type TwinOf,
  targetOfKey,
  twinHolds,
  twinOfKey,
  twinWords,
} from './twins.js';
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

/**
 * Why a held row is not placed (`reason` without the `not placed: ` every hold starts with):
 * what an unknown entry's settle hint says of a row the plan held; undefined for another reason.
 */
export const heldWhy = (reason: string | undefined): string | undefined =>
  reason?.startsWith(HELD_PREFIX) === true ? reason.slice(HELD_PREFIX.length) : undefined;

/** A call the lockfile holds of a number: the entry itself, or one its history keeps. */
export interface Dialled {
  readonly key: string;
  readonly status: string;
  readonly sid?: string;
  readonly at: string;
  /** The gateway that placed it, as its entry records it (LockEntry.gateway), if it does. */
  readonly gateway?: string;
  /** The twin of the row's target the key is under (twins.ts); none: under the row's own. */
  readonly twin?: TwinOf;
}

/**
 * The numbers (digests) a campaign dialled, each with the key of the first entry of each row
 * that dialled it (one key, or several when rows of several keys did): keys the lockfile
 * holds already, so the index costs a map entry a number, no object per call.
 */
type DialledNumbers = ReadonlyMap<string, string | readonly string[]>;

/** The keys of the rows that dialled a number, as `DialledNumbers` holds them. */
const keysOf = (found: string | readonly string[]): readonly string[] =>
  typeof found === 'string' ? [found] : found;

/**
 * Every number the calls under `prefix` (`<target>/<campaign>/`) dialled, by the digest each
 * entry keeps (pure): placed, unknown or claimed entries (it may have rung) and the calls a
 * `--replace` placed again (the entry's history). Built once per campaign and target, and
 * asked per row: the campaign's keys alone are read, found by their range in the sorted keys.
 */
const dialledNumbers = (lock: Lockfile, prefix: string, twin?: TwinOf): DialledNumbers => {
  const found = new Map<string, string | string[]>();
  const add = (digest: string, key: string) => {
    const known = found.get(digest);
    if (known === undefined) found.set(digest, key);
    else {
      // Another row's key is kept too (a row is asked against every row that dialled it).
      const keys = keysOf(known);
      const base = rowBase(key);
      if (!keys.some((k) => rowBase(k) === base)) found.set(digest, [...keys, key]);
    }
  };
  for (const key of keysBetween(lock.calls, prefix, `${prefix}\uffff`)) {
    const entry = lock.calls[key];
    // Under a target that does not resolve here, only what it recorded on this gateway.
    if (entry === undefined || (twin !== undefined && !twinHolds(twin, entry))) continue;
    const { number } = entry;
    if (number !== undefined && countsTowardLimit(entry.status)) add(number, key);
    // A call `--replace` placed again rang as well.
    for (const h of entry.history ?? []) if (h.number !== undefined) add(h.number, key);
  }
  return found;
};

/**
 * The call of entry `key` that dialled the number of `digest` (numberKey, or a digest): the
 * entry itself, else one its history keeps. `twin`: the twin of the asking row's target that
 * `key` is under, if it is under one.
 */
const dialledAt = (lock: Lockfile, key: string, digest: string, twin?: TwinOf): Dialled => {
  const entry = lock.calls[key];
  const under = twin === undefined ? {} : { twin };
  if (isDigestOf(entry?.number, digest) && entry !== undefined && countsTowardLimit(entry.status)) {
    return { key, status: entry.status, sid: entry.sid, at: entry.at, ...under };
  }
  const h = entry?.history?.find((p) => isDigestOf(p.number, digest));
  return { key, status: 'placed', sid: h?.sid, at: h?.at ?? entry?.at ?? '', ...under };
};

/** The normalised phone number a row dials (undefined when it dials none, or cannot tell). */
export type RowNumber = (call: CallDefinition) => string | undefined;

/** What the already-dialled checks of one plan (or one status) share. */
export interface DialledCache {
  /** The indexes of the campaigns asked of, by prefix: each built at most once. */
  readonly numbers: Map<string, DialledNumbers>;
  /**
   * The number a row dials, its `${VAR}` references resolved when the project gave a way to
   * (engine/prepare.ts callNumberOf; only its digest is compared), else as written.
   */
  readonly numberOf: RowNumber;
  /**
   * The twins of each target (twins.ts): a campaign's entries under a twin of a row's target
   * (a target no longer defined, or another name for its gateway) are its own, asked as the
   * entries under the row's target are. None: the row's target alone.
   */
  readonly twins?: TargetTwins;
  /** Per `<target>/<campaign>/`, the campaign's indexes a row there is asked against. */
  readonly under: Map<string, readonly DialledUnder[]>;
}

/** A campaign's index under one target: its own (no `twin`), or a twin's of it. */
interface DialledUnder {
  /** `<target>/<campaign>/`. */
  readonly prefix: string;
  readonly numbers: DialledNumbers;
  readonly twin?: TwinOf;
}

/**
 * A new cache; `numberOf` reads a row's number (default: as written, no `${VAR}` resolved);
 * `twins`: whose entries count as a target's own (default: none).
 */
export const dialledCache = (
  numberOf: RowNumber = numberOfCall,
  twins?: TargetTwins,
): DialledCache => ({
  numbers: new Map(),
  numberOf,
  under: new Map(),
  ...(twins?.any === true ? { twins } : {}),
});

const dialledIn = (
  cache: DialledCache,
  lock: Lockfile,
  prefix: string,
  twin?: TwinOf,
): DialledNumbers => {
  const recorded = twin?.recorded;
  const id = recorded === undefined ? prefix : `${prefix}\u0000${recorded}`;
  let found = cache.numbers.get(id);
  if (found === undefined) {
    found = dialledNumbers(lock, prefix, recorded === undefined ? undefined : twin);
    cache.numbers.set(id, found);
  }
  return found;
};

/**
 * The indexes campaign `name`'s rows on `target` are asked against, each that dialled anyone:
 * the target's own, then each twin's (twins.ts), in the order of `twins.of`. Made once per
 * campaign and target: each index is built once, however many rows ask.
 */
const dialledUnder = (
  cache: DialledCache,
  lock: Lockfile,
  target: string,
  name: string,
): readonly DialledUnder[] => {
  const own = `${target}/${name}/`;
  const known = cache.under.get(own);
  if (known !== undefined) return known;
  const found: DialledUnder[] = [];
  const mine = dialledIn(cache, lock, own);
  if (mine.size > 0) found.push({ prefix: own, numbers: mine });
  for (const twin of cache.twins?.of(target) ?? []) {
    if (twin.target === target) continue;
    const prefix = `${twin.target}/${name}/`;
    const numbers = dialledIn(cache, lock, prefix, twin);
    if (numbers.size > 0) found.push({ prefix, numbers, twin });
  }
  cache.under.set(own, found);
  return found;
};

/**
 * The entry of row `id` (a key without attempt or slot, after `<target>/<campaign>/`) that a
 * `--replace` may have placed again: under the row's target, else under the first twin that
 * holds it (the row placed, and replaced, under its target's old name).
 */
const ownEntry = (
  lock: Lockfile,
  under: readonly DialledUnder[],
  own: string,
  id: string,
): { readonly key: string; readonly twin?: TwinOf } | undefined => {
  if (lock.calls[`${own}${id}`] !== undefined) return { key: `${own}${id}` };
  for (const u of under) {
    const entry = u.twin === undefined ? undefined : lock.calls[`${u.prefix}${id}`];
    if (u.twin !== undefined && entry !== undefined && twinHolds(u.twin, entry))
      return { key: `${u.prefix}${id}`, twin: u.twin };
  }
  return undefined;
};

/**
 * The entry of row `id` that called the number of `digest` before a `--replace` placed the row
 * again to another number (`current`, ownEntry: the row's entry now, which dials another): that
 * entry itself when its history keeps the call, else the row's entry under a twin of its
 * target that dialled it (the row placed under the target's old name, then replaced under the
 * new one: the same key but for its target, the row's own). Undefined when the row's key never
 * called it.
 */
const ownDialled = (
  lock: Lockfile,
  under: readonly DialledUnder[],
  current: { readonly key: string; readonly twin?: TwinOf },
  id: string,
  digest: string,
): { readonly key: string; readonly twin?: TwinOf } | undefined => {
  const entry = lock.calls[current.key];
  if (entry === undefined || isDigestOf(entry.number, digest)) return undefined;
  if (entry.history?.some((h) => isDigestOf(h.number, digest))) return current;
  for (const u of under) {
    const key = `${u.prefix}${id}`;
    const other = u.twin === undefined ? undefined : lock.calls[key];
    if (u.twin === undefined || other === undefined || key === current.key) continue;
    if (!twinHolds(u.twin, other)) continue;
    const dialled =
      (isDigestOf(other.number, digest) && countsTowardLimit(other.status)) ||
      other.history?.some((h) => isDigestOf(h.number, digest)) === true;
    if (dialled) return { key, twin: u.twin };
  }
  return undefined;
};

/** What the checks need of a row's campaign (a row definition's `campaign`). */
type CampaignOf = NonNullable<CallDefinition['campaign']>;

/**
 * How a row's person was called already: under another row's key (`other`: a campaign keyed
 * by position, whose keys shift; `key`: one with an id column, whose keys changed — an id
 * column added, an id edited; `shared`: one with an id column whose other row dials the
 * number now too, and the campaign calls a number once), or under the row's own key before
 * `--replace` placed that key again to another number (`own`).
 */
export type DialledHow = 'other' | 'key' | 'shared' | 'own';

/**
 * Whether a campaign's rows that dial one number are each called (`shared_numbers: true`,
 * with an id column: people sharing a phone). Otherwise a number is one person: the row that
 * dials it first is placed, and the others are held.
 */
const callsEachRow = (campaign: CampaignOf): boolean =>
  campaign.positional !== true && campaign.sharedNumbers === true;

/**
 * Whether the numbers of a campaign's rows of one run are compared: not where each row is
 * called, nor in an `id`-keyed CSV where no two rows can dial one number (comparesRows unset:
 * reading every due row's number would cost the plan of 100,000 rows about half its time and
 * memory again, for nothing).
 */
const comparesRows = (campaign: CampaignOf): boolean =>
  !callsEachRow(campaign) && (campaign.positional === true || campaign.comparesRows === true);

/** A row's number the campaign already dialled, with the call that did and how. */
export interface DialledRow {
  readonly number: string;
  readonly dialled: Dialled;
  readonly how: DialledHow;
}

/**
 * Whom row `key` of a campaign dials now, when the campaign already dialled that number
 * under another key, or under its own before `--replace` placed it again to another number,
 * with the call that did; undefined otherwise. Whatever the keying: a row keyed by position
 * that shifted (the number is one person there: the first key that dialled it), a row whose
 * key changed (an id column added, an id edited), a row edited back to whom its key called
 * before a replacement. With an id
 * column, the calls of another row of the CSV that dials the number now too count (`shared`:
 * a number is called once per campaign), unless the campaign calls each row
 * (`shared_numbers: true`: two people sharing one phone); the row's own never do (its
 * redials, a retry). `numberOf` is
 * asked only when the campaign dialled anyone: a first apply reads and hashes no number.
 *
 * The campaign's entries under a twin of `target` (cache.twins: a target renamed, or another
 * name for its gateway) are asked as its own, by row id whatever the target: a row's own
 * calls under the old name are its own, another row's there held it as under the new name
 * (the row's target's own entries first, then each twin's). A target the project defines on
 * another gateway is no twin: its calls are another gateway's.
 */
export const dialledAsOtherRow = (
  campaign: CampaignOf | undefined,
  target: string,
  key: string,
  numberOf: () => string | undefined,
  lock: Lockfile,
  cache: DialledCache,
): DialledRow | undefined => {
  if (campaign === undefined) return undefined;
  const under = dialledUnder(cache, lock, target, campaign.name);
  const number = under.length > 0 ? numberOf() : undefined;
  if (number === undefined) return undefined;
  const digest = numberKey(number);
  const prefix = `${target}/${campaign.name}/`;
  const id = rowBase(key).slice(prefix.length);
  // This key called the number itself, and `--replace` placed it again to another one since:
  // placing it back to this number would call that person again.
  // Its entries under a twin of the target are its own too: placed as `gw/camp/1`, replaced
  // as `production/camp/1` to another number, then edited back, it would call the same person.
  const current = ownEntry(lock, under, prefix, id);
  const own = current === undefined ? undefined : ownDialled(lock, under, current, id, digest);
  if (own !== undefined) {
    return { number, dialled: dialledAt(lock, own.key, digest, own.twin), how: 'own' };
  }
  // The keys that dialled the number, each with the id of its row and the twin it is under.
  const keys: { key: string; id: string; twin?: TwinOf }[] = [];
  for (const u of under) {
    for (const k of dialledKeys(u.numbers, digest)) {
      keys.push({ key: k, id: rowBase(k).slice(u.prefix.length), ...(u.twin && { twin: u.twin }) });
    }
  }
  const first = keys[0];
  if (first === undefined) return undefined;
  if (campaign.positional === true) {
    // Keyed by position, a number is one person: the row that dialled it first.
    return first.id === id
      ? undefined
      : { number, dialled: dialledAt(lock, first.key, digest, first.twin), how: 'other' };
  }
  // With an id column, a row's own calls (its redials, a retry) are its own.
  if (keys.some((k) => k.id === id)) return undefined;
  for (const k of keys) {
    const shares = sharesNumber(campaign, k.id, digest, cache);
    if (shares && callsEachRow(campaign)) continue;
    return {
      number,
      dialled: dialledAt(lock, k.key, digest, k.twin),
      how: shares ? 'shared' : 'key',
    };
  }
  return undefined;
};

/**
 * The rows of the campaign under `prefix` (`<target>/<campaign>/`: most often one no call has
 * now, the campaign renamed since) that called the person of row `campaign.id` at the number
 * of `digest`, as keys without attempt or slot, that row's own id first: the rows that dialled
 * the number (the index the already-dialled check builds, once per campaign), but not another
 * row of the CSV that dials it now too when the campaign calls each row (`shared_numbers`), as
 * dialledAsOtherRow counts them. Empty when that campaign dialled no one. Without `campaign`
 * (a call, not a row, asks: one made a call from a campaign), every row that dialled it.
 */
export const rowsThatDialled = (
  campaign: CampaignOf | undefined,
  prefix: string,
  digest: string,
  lock: Lockfile,
  cache: DialledCache,
): readonly string[] => {
  const own = campaign === undefined ? undefined : `${prefix}${campaign.id}`;
  const rows: string[] = [];
  for (const key of keysThatDialled(prefix, digest, lock, cache)) {
    const base = rowBase(key);
    if (campaign === undefined) rows.push(base);
    else if (base === own) rows.unshift(base);
    else if (!callsEachRow(campaign)) rows.push(base);
    else if (!sharesNumber(campaign, base.slice(prefix.length), digest, cache)) rows.push(base);
  }
  return rows;
};

/**
 * Of the campaign under `prefix`, the keys that dialled the number of `digest`: the first
 * entry of each row that did (placed, unknown or claimed, or a call `--replace` placed again),
 * from the index the already-dialled check builds once per campaign. Empty when none did.
 */
export const keysThatDialled = (
  prefix: string,
  digest: string,
  lock: Lockfile,
  cache: DialledCache,
): readonly string[] => {
  const numbers = dialledIn(cache, lock, prefix);
  return numbers.size === 0 ? [] : dialledKeys(numbers, digest);
};

/**
 * The keys `numbers` holds of the number of `digest` (numberKey: under its digest, then under
 * the one an earlier release recorded of it as written), in that order, a row's first only.
 */
const dialledKeys = (numbers: DialledNumbers, digest: string): readonly string[] => {
  const [own, ...earlier] = keyDigests(digest).map((d) => numbers.get(d));
  if (earlier.every((e) => e === undefined)) return own === undefined ? [] : keysOf(own);
  const keys: string[] = [];
  for (const found of [own, ...earlier]) {
    for (const key of found === undefined ? [] : keysOf(found)) {
      if (!keys.some((k) => rowBase(k) === rowBase(key))) keys.push(key);
    }
  }
  return keys;
};

/**
 * Whether the CSV's row `id` dials the number of `digest` (numberKey, or a digest) now:
 * another person of one phone.
 */
const sharesNumber = (
  campaign: CampaignOf,
  id: string,
  digest: string,
  cache: DialledCache,
): boolean => {
  const row = campaign.rowOf?.(id);
  const number = row === undefined ? undefined : cache.numberOf(row);
  return number !== undefined && numberDigest(number) === keyDigests(digest)[0];
};

/**
 * The campaign of a row an item places, when its rows of one run are compared: a number is
 * one person there (all but a campaign with `shared_numbers: true`).
 */
const onceCampaign = (item: PlanItem): CampaignOf | undefined => {
  const campaign = callOf(item)?.campaign;
  return campaign === undefined || !comparesRows(campaign) ? undefined : campaign;
};

/**
 * What the campaign dialled `number` as: the key and its call, and, under a twin of the row's
 * target, which (`under target gw, which this checkout's callops.yaml does not define`).
 */
const dialledWords = (number: string, dialled: Dialled): string =>
  `this campaign already dialled ${number} as ${dialled.key} (${dialled.status}${dialled.sid === undefined ? '' : ` ${dialled.sid}`} at ${dialled.at})${dialled.twin === undefined ? '' : `, under target ${dialled.twin.target}, ${twinWords(dialled.twin)}`}`;

/**
 * Why a row so dialled is not placed: what happened to its key, and what to do. `line`: the
 * CSV's line of row `key` (`shared`), when known; `inRun`: the row `key` dials it in this run
 * (the reason said so already).
 */
const howWords = (
  how: DialledHow,
  key: string,
  recipients: string | undefined,
  line?: number,
  inRun = false,
): string => {
  const csv = recipients ?? 'its CSV';
  const id = key.slice(key.lastIndexOf('/') + 1);
  switch (how) {
    case 'other':
      return `${csv} has no id column, so its rows are keyed by their position, and a row added, removed or moved above shifts them: give the CSV an id column`;
    case 'key':
      return `${csv} has no row \`${id}\` that dials it now: the person was called under another key (an id column added since, an id edited), and a new key does not call a person again`;
    case 'shared':
      return `${inRun ? 'that is ' : ''}row \`${id}\` of ${csv}${line === undefined ? '' : ` (line ${line})`}${inRun ? '' : ', which dials it too'}, and a campaign calls a number once; if they are people sharing a phone, write \`shared_numbers: true\` in the campaign to call each row`;
    case 'own':
      return `that is this row's own key: it called the number before \`--replace\` placed it again to another, and a person is called once`;
  }
};

/** `item`, skipped with the reason of a held row (`why` it is not placed, then what to do). */
const heldItem = (item: PlanItem, why: string, then: string): PlanItem =>
  amendItem(item, { reason: `${HELD_PREFIX}${why}; ${then}` });

/**
 * The number `item` dials as its reason may show it: the number when its `to` names one as
 * written (a literal, a row's cell), else its `to` as written (`${PFX}5550100001`): a value
 * from the environment stays a secret, in the reason as in the plan's `to`.
 */
const shownNumber = (item: PlanItem, number: string): string =>
  destinationNumber(item.to) === undefined ? item.to : number;

/** The number row `call` dials as words may show it (see shownNumber): `${VAR}` unresolved. */
export const shownNumberOf = (call: CallDefinition, number: string): string =>
  numberOfCall(call) === undefined ? toOf(call) : number;

/** The CSV's line of row `key` (a key of `campaign`'s, without attempt or slot) now, if it has one. */
const lineOf = (campaign: CampaignOf | undefined, key: string): number | undefined =>
  campaign?.rowOf?.(key.slice(key.lastIndexOf('/') + 1))?.line;

/** `item` held as `found` says. */
const heldDialled = (item: PlanItem, found: DialledRow): PlanItem => {
  const campaign = callOf(item)?.campaign;
  const key = rowBase(found.dialled.key);
  const line = found.how === 'shared' ? lineOf(campaign, key) : undefined;
  return heldItem(
    item,
    dialledWords(shownNumber(item, found.number), found.dialled),
    howWords(found.how, key, campaign?.recipients, line),
  );
};

/**
 * A campaign row that would otherwise be expired (its `end` passed before it was reached),
 * wait for its hours, or be offered `--replace`, held instead when the campaign dialled its
 * number for another person than its key's (dialledAsOtherRow): its person was called, so it
 * is not "never placed" and not placed. Undefined when it is not so held (a campaign that
 * dialled nobody: no number is hashed).
 */
export const holdDialledRow = (
  item: PlanItem,
  lock: Lockfile,
  cache: DialledCache,
): PlanItem | undefined => {
  const call = callOf(item);
  const found = dialledAsOtherRow(
    call?.campaign,
    item.target,
    item.key,
    () => (call === undefined ? undefined : cache.numberOf(call)),
    lock,
    cache,
  );
  return found === undefined ? undefined : heldDialled(item, found);
};

/**
 * What a campaign row's claim carries for the store to check (CampaignScope): its campaign's
 * name (its rows under every target), its row id and slot. Undefined for an item that is not
 * a campaign row.
 */
export const claimScope = (item: PlanItem): CampaignScope | undefined => {
  const campaign = callOf(item)?.campaign;
  if (campaign === undefined) return undefined;
  const scope = { campaign: campaign.name, row: campaign.id };
  return item.slot === undefined ? scope : { ...scope, slot: item.slot };
};

/**
 * `dialled`, a key a claim of `item` was refused for, with the twin of the item's target it
 * is under (twins.ts twinOfKey, by `gateways`: PlanInput.gateways); `undefined` for a key
 * under another target that is no twin (one the project defines on another gateway: two
 * gateways, two calls; or the project's targets not known), which the plan lets be.
 */
const judgedUnder = (
  item: PlanItem,
  dialled: Dialled,
  gateways: ReadonlyMap<string, string> | undefined,
): Dialled | undefined => {
  if (targetOfKey(dialled.key) === item.target) return dialled;
  const twin = twinOfKey(item.target, dialled.key, gateways, dialled.gateway);
  return twin === undefined ? undefined : { ...dialled, twin };
};

/**
 * A campaign row's claim the store refused: the campaign dialled `number` (the row's, as it
 * dials it) under `dialled.key`, a claim most often that another runner made after this one
 * planned, under the row's target or another. Under a target that is no twin of the row's
 * (`gateways`: a target the project defines on another gateway), the plan would place the
 * row beside it: `beside` is that key, for the claim to be made again. In a campaign that
 * calls each row (`shared_numbers: true`), a row of the CSV that dials the number now too
 * shares it (two people, one phone), as the plan lets it: `sharing` is its id, for the claim
 * to be made again (`reason`, should the store name that row again). Else the row is held:
 * `reason` words it as the plan words a row it holds (naming the twin the key is under).
 */
export const claimRefused = (
  item: PlanItem,
  number: string,
  dialled: Dialled,
  numberOf: RowNumber,
  gateways: ReadonlyMap<string, string> | undefined,
):
  | { readonly beside: string }
  | { readonly sharing: string; readonly reason: string }
  | { readonly reason: string } => {
  const judged = judgedUnder(item, dialled, gateways);
  if (judged === undefined) return { beside: dialled.key };
  const campaign = callOf(item)?.campaign;
  const base = rowBase(dialled.key);
  const id = base.slice(base.lastIndexOf('/') + 1);
  if (campaign === undefined || campaign.positional === true) {
    return { reason: claimHeldReason(item, number, judged, 'other') };
  }
  const row = campaign.rowOf?.(id);
  const theirs = row === undefined ? undefined : numberOf(row);
  if (theirs === undefined || numberDigest(theirs) !== numberDigest(number)) {
    return { reason: claimHeldReason(item, number, judged, 'key') };
  }
  const reason = claimHeldReason(item, number, judged, 'shared', row?.line);
  return callsEachRow(campaign) ? { sharing: id, reason } : { reason };
};

/**
 * Why a campaign row whose claim the store refused is held, as the plan words a held row;
 * `dialled.twin`: the twin of the row's target the key is under, if any; `line`: the CSV's
 * line of the row that dialled it (`shared`).
 */
const claimHeldReason = (
  item: PlanItem,
  number: string,
  dialled: Dialled,
  how: DialledHow,
  line?: number,
): string => {
  const campaign = callOf(item)?.campaign;
  return `${HELD_PREFIX}${dialledWords(shownNumber(item, number), dialled)}; ${howWords(how, rowBase(dialled.key), campaign?.recipients, line)}`;
};

/** When an item not due yet would be: its opening (hours, start, redial delay) or slot. */
const dueAt = (item: PlanItem): number => {
  const at = Date.parse(item.opens ?? item.slot ?? '');
  return Number.isNaN(at) ? Number.POSITIVE_INFINITY : at;
};

/**
 * Due campaign rows held back when they dial a number the campaign already dialled for
 * another person than their key's (dialledAsOtherRow, pure): a row of a CSV without an `id`
 * column is keyed by its position, and a row added, removed or moved above others shifts
 * every key below it, so the row now at a new position (never placed under that key) may be
 * someone already called; a row of a CSV with one may have been called under another key
 * (the column added since, an id edited). An edited row at a placed key is settled as
 * changed since placed; this catches the person who moved to a key with no entry, or to one
 * `--replace` names. Numbers are compared by the digest every entry keeps of the number it
 * dialled (placed, unknown, or claimed: it may have rung). Returns the lists unchanged (the
 * same arrays) when no row is held.
 *
 * Rows of one run that dial one number are compared too, whatever the keying: a number is
 * one person, so the row that comes due first is placed and a later one is held, and
 * `upcoming` (rows not due yet: waiting for their hours, `start` or a redial, or next slots)
 * are asked as well, after the due ones, in the order they come due: a row whose number an
 * earlier one dials is held then as it will be once due, not listed as waiting or upcoming.
 * A campaign with `shared_numbers: true` (an id column, two people sharing a phone) calls
 * each row: its rows of one run are not compared, and the plan asked the lockfile of those
 * not due yet already (holdDialledRow), so they are not asked again here.
 */
export const holdShiftedRows = (
  due: readonly PlanItem[],
  lock: Lockfile,
  cache: DialledCache = dialledCache(),
  upcoming: readonly PlanItem[] = [],
): {
  readonly due: readonly PlanItem[];
  readonly held: readonly PlanItem[];
  readonly upcoming: readonly PlanItem[];
} => {
  // Rows of this plan by campaign and number: the first is placed, a later one is held.
  const planned = new Map<string, { readonly key: string; readonly line: number }>();
  /** `item` held, or undefined when it is placed (its number then taken, but with `shared_numbers`). */
  const held = (item: PlanItem): PlanItem | undefined => {
    const call = callOf(item);
    const campaign = call?.campaign;
    if (call === undefined || campaign === undefined) return undefined;
    // Each row called, or no two rows dial one number: the lockfile alone says whom the
    // campaign called.
    if (!comparesRows(campaign)) return holdDialledRow(item, lock, cache);
    // Every due row's number (a `${VAR}` in it resolved): rows of one run are compared.
    const number = cache.numberOf(call);
    if (number === undefined) return undefined;
    const found = dialledAsOtherRow(campaign, item.target, item.key, () => number, lock, cache);
    if (found !== undefined) return heldDialled(item, found);
    const prefix = `${item.target}/${campaign.name}/`;
    // Two ways of writing one number (`+15550100001`, `15550100001`) are one person.
    const compared = comparedNumber(number);
    const earlier = planned.get(`${prefix}${compared}`);
    if (earlier !== undefined && earlier.key !== rowBase(item.key)) {
      return heldItem(
        item,
        `${earlier.key} of this campaign dials ${shownNumber(item, number)} too, in this run`,
        campaign.positional === true
          ? howWords('other', earlier.key, campaign.recipients)
          : howWords('shared', earlier.key, campaign.recipients, earlier.line, true),
      );
    }
    planned.set(`${prefix}${compared}`, { key: rowBase(item.key), line: call.line });
    return undefined;
  };
  let out: { due: PlanList; held: PlanList } | undefined;
  for (let i = 0; i < due.length; i++) {
    const item = due[i] as PlanItem;
    const heldNow = held(item);
    if (heldNow !== undefined && out === undefined) {
      out = { due: new PlanList(false), held: new PlanList(false) };
      for (let j = 0; j < i; j++) out.due.push(due[j] as PlanItem);
    }
    if (out === undefined) continue;
    if (heldNow === undefined) out.due.push(item);
    else out.held.push(heldNow);
  }
  const dueNow = out === undefined ? due : out.due.items();
  const heldNow = out === undefined ? [] : out.held.items();
  // Rows compared not due yet, by when they come due (in plan order when at once).
  const ahead: { item: PlanItem; at: number; index: number }[] = [];
  for (let i = 0; i < upcoming.length; i++) {
    const item = upcoming[i] as PlanItem;
    if (onceCampaign(item) !== undefined) ahead.push({ item, at: dueAt(item), index: i });
  }
  if (ahead.length === 0) return { due: dueNow, held: heldNow, upcoming };
  ahead.sort((a, b) => a.at - b.at || a.index - b.index);
  const heldAhead = new Map<number, PlanItem>();
  for (const { item, index } of ahead) {
    const found = held(item);
    if (found !== undefined) {
      heldAhead.set(index, amendItem(found, { waiting: undefined, opens: undefined }));
    }
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
        why = `not retried: its unknown attempt (at ${entry.at}) dialled another number than it dials now, and may have rung; settle it first: ${settleWords(item.key)}`;
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
