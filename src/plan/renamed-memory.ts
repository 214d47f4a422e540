import { numberKey } from '../screen/number.js';
import type { Lockfile, ScheduleMemory } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { formatSlot } from './keys.js';
import { carriedMemory } from './memory.js';
import { memoryOfEntry, type RenamedEntry, type RenamedSlots } from './renamed.js';

/**
 * The memory a scheduled call, or a campaign with cron or `at`, starts with when the
 * `schedules` memory does not know its name: that of the call or campaign it was renamed from
 * (carriedMemory), so that the missed slots that one reported are not reported again under the
 * new name. A rename is recognised as renamed.ts recognises one: the lockfile holds a slot, up
 * to `now`, that a call or a campaign's row no longer defined placed (or may have) to the same
 * number on the same target; the latest such slot names what it was. A campaign's rows share
 * one memory: they are asked in order until one of them finds such a slot, once per campaign.
 * Nothing is asked, and no number read, while the target holds no slot of a call or campaign
 * no longer defined.
 */
export interface RenamedMemory {
  /** Of a call (not a campaign's row) on `target` dialling the number of `digest()`. */
  call(target: string, digest: () => string | undefined): ScheduleMemory | undefined;
  /** Of the campaign `name` on `target`. */
  campaign(target: string, name: string): ScheduleMemory | undefined;
}

export const renamedMemory = (context: {
  readonly lock: Lockfile;
  readonly now: Date;
  /** When callops first saw a call the memory does not know: kept as its `since`. */
  readonly since: string;
  /** The project's calls and campaign rows, and the target of those without one. */
  readonly calls: readonly CallDefinition[];
  readonly runTarget: string;
  readonly renamed: RenamedSlots;
  /** The normalised number a campaign row dials (its `${VAR}` resolved, as renamed.ts reads it). */
  readonly numberOfRow: (row: CallDefinition) => string | undefined;
}): RenamedMemory => {
  const { lock, renamed } = context;
  const hi = formatSlot(context.now);
  const carried = (target: string, before: RenamedEntry | undefined) =>
    before === undefined
      ? undefined
      : carriedMemory(lock.schedules, memoryOfEntry(target, before), context.since);
  const campaigns = new Map<string, ScheduleMemory | undefined>();
  return {
    call: (target, digest) => {
      if (!renamed.any(target)) return undefined;
      const of = digest();
      return of === undefined ? undefined : carried(target, renamed.latest(target, of, '', hi));
    },
    campaign: (target, name) => {
      if (!renamed.any(target)) return undefined;
      const id = `${target}\n${name}`;
      if (campaigns.has(id)) return campaigns.get(id);
      let found: ScheduleMemory | undefined;
      for (const row of context.calls) {
        const campaign = row.campaign;
        if (campaign?.name !== name || (row.target ?? context.runTarget) !== target) continue;
        const digest = () => {
          const number = context.numberOfRow(row);
          return number === undefined ? undefined : numberKey(number);
        };
        const before = renamed.row(target, campaign, digest)?.latest('', hi);
        if (before !== undefined) {
          found = carried(target, before);
          break;
        }
      }
      campaigns.set(id, found);
      return found;
    },
  };
};
