import { countsTowardLimit } from '../screen/limit.js';
import { destinationNumber, numberDigest } from '../screen/number.js';
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

/** Whether a skipped item is a row holdShiftedRows held back. */
export const isHeldShifted = (item: PlanItem): boolean =>
  item.reason?.startsWith(HELD_PREFIX) === true;

/** A call the lockfile holds of a number: the entry itself, or one its history keeps. */
interface Dialled {
  readonly key: string;
  readonly status: string;
  readonly sid?: string;
  readonly at: string;
}

/** The campaign of a row an item places, when its CSV has no `id` column (keyed by position). */
const positionalCampaign = (item: PlanItem): { name: string; recipients: string } | undefined => {
  const campaign = callOf(item)?.campaign;
  return campaign?.positional === true ? campaign : undefined;
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
 */
export const holdShiftedRows = (
  due: readonly PlanItem[],
  lock: Lockfile,
): { readonly due: readonly PlanItem[]; readonly held: readonly PlanItem[] } => {
  const byPrefix = new Map<string, Map<string, Dialled>>();
  const dialledIn = (prefix: string): Map<string, Dialled> => {
    let found = byPrefix.get(prefix);
    if (found === undefined) {
      found = new Map();
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
      byPrefix.set(prefix, found);
    }
    return found;
  };
  // Rows of this plan by campaign and number: the first is placed, a later one is held.
  const planned = new Map<string, string>();
  let out: { due: PlanList; held: PlanList } | undefined;
  for (let i = 0; i < due.length; i++) {
    const item = due[i] as PlanItem;
    const campaign = positionalCampaign(item);
    const number = campaign === undefined ? undefined : destinationNumber(item.to);
    let why: string | undefined;
    if (campaign !== undefined && number !== undefined) {
      const prefix = `${item.target}/${campaign.name}/`;
      // Digested only when the campaign dialled anyone: a first apply hashes no number.
      const numbers = dialledIn(prefix);
      const dialled = numbers.size > 0 ? numbers.get(numberDigest(number)) : undefined;
      const earlier = planned.get(`${prefix}${number}`);
      if (dialled !== undefined && rowBase(dialled.key) !== rowBase(item.key)) {
        why = `this campaign already dialled ${number} as ${dialled.key} (${dialled.status}${dialled.sid === undefined ? '' : ` ${dialled.sid}`} at ${dialled.at})`;
      } else if (earlier !== undefined && earlier !== rowBase(item.key)) {
        why = `${earlier} of this campaign dials ${number} too, in this run`;
      } else {
        planned.set(`${prefix}${number}`, rowBase(item.key));
      }
    }
    if (why !== undefined && out === undefined) {
      out = { due: new PlanList(false), held: new PlanList(false) };
      for (let j = 0; j < i; j++) out.due.push(due[j] as PlanItem);
    }
    if (out === undefined) continue;
    if (why === undefined) {
      out.due.push(item);
      continue;
    }
    out.held.push(
      amendItem(item, {
        reason: `${HELD_PREFIX}${why}; ${campaign?.recipients ?? 'its CSV'} has no id column, so its rows are keyed by their position, and a row added, removed or moved above shifts them: give the CSV an id column`,
      }),
    );
  }
  return out === undefined ? { due, held: [] } : { due: out.due.items(), held: out.held.items() };
};
