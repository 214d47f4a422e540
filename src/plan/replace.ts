import { campaignEndedWords, rowEndedAt } from '../campaign/end.js';
import { isInFlight } from '../state/store.js';
import type { PlanInput } from './input.js';
import { numberOfCall } from './item.js';
import { placementKey } from './keys.js';
import { redialNotReplaced } from './replace-redial.js';
import { isUnknown, placementOf, type Rescheduled, rescheduledCall } from './rescheduled.js';
import { isRowPlacedOnce } from './row.js';
import { targetTwins } from './twins.js';

/** What `--replace NAME` may place again, checked before the plan is built. */

/**
 * Why unknown `key` cannot be replaced, said to fit what was typed (`retryUnknown`: with
 * --retry-unknown), with the resolve commands that settle it in full.
 */
const unknownNotReplaced = (key: string, ended: string | undefined, retryUnknown: boolean) => {
  const settle = `\`callops resolve ${key} --placed SID\` or \`callops resolve ${key} --not-placed\``;
  if (ended !== undefined)
    return `${key} is unknown (it may have been placed) and is not placed again: ${ended}; settle it with ${settle}`;
  return retryUnknown
    ? `${key} is unknown (it may have been placed): --replace does not apply to an unknown entry; --retry-unknown without --replace places it again (\`callops plan --retry-unknown\` shows when, or why not), or settle it with ${settle}`
    : `${key} is unknown (it may have been placed): --replace places again only a placed call; settle it first with ${settle}, or place it again with --retry-unknown (without --replace)`;
};

/** What checkReplace reads of a plan's input. */
type ReplaceInput = Pick<
  PlanInput,
  | 'calls'
  | 'lock'
  | 'runTarget'
  | 'explicitTarget'
  | 'only'
  | 'now'
  | 'retryUnknown'
  | 'gateways'
  | 'callNumber'
>;

/** Why `--replace NAME` is refused. */
export interface ReplaceRefusal {
  readonly why: string;
  /**
   * NAME is not placed under its key: refused so unless the plan holds it back for a reason
   * of its own (a row of a campaign keyed by position that already dialled whom it names
   * now), which is then the reason given (checkReplacedHeld).
   */
  readonly unlessHeld?: true;
}

/**
 * Why `--replace NAME` cannot place NAME again, if it cannot: only a defined, enabled,
 * unscheduled call, or a row of a campaign without cron/at nor redial whose `end` has not
 * passed at `now`, that is placed (on this run's target) may be replaced. One another runner
 * is placing right now is no wrong name: the plan skips it (that runner records it).
 */
export const checkReplace = (name: string, input: ReplaceInput): string | undefined =>
  replaceRefusal(name, input)?.why;

/** checkReplace, saying which refusal gives way to the plan's own reason (`unlessHeld`). */
export const replaceRefusal = (name: string, input: ReplaceInput): ReplaceRefusal | undefined => {
  const why = refusalWhy(name, input);
  return typeof why === 'string' ? { why } : why;
};

const refusalWhy = (name: string, input: ReplaceInput): string | ReplaceRefusal | undefined => {
  const call = input.calls.find((c) => c.name === name);
  if (call === undefined) {
    // `--only` takes a campaign's name, and `--replace` one of its rows: say which.
    return input.calls.some((c) => c.campaign?.name === name)
      ? `\`${name}\` is a campaign: --replace takes one of its rows, \`${name}/ID\` (\`callops plan --only ${name}\` lists them)`
      : 'no call of that name (see `callops plan` for the calls)';
  }
  if (call.redial !== undefined) return redialNotReplaced(call, input);
  // A call that runs once placed under another key of its own (its schedule changed since):
  // placed again deliberately, `at` or not (rescheduled.ts).
  const target = call.target ?? input.runTarget;
  let before: Rescheduled | undefined;
  const rescheduled = () => {
    before ??= rescheduledCall(
      call,
      target,
      input.lock,
      targetTwins(input.lock, input.gateways),
      input.callNumber ?? numberOfCall,
    );
    return before;
  };
  if (call.schedule !== undefined && !isRowPlacedOnce(call) && rescheduled() === undefined) {
    return 'it is scheduled: each slot is placed once; --replace is for unscheduled calls and rows of campaigns without cron/at';
  }
  if (!call.enabled) return 'it is disabled';
  const selected = (n: string | undefined) => n !== undefined && input.only?.includes(n) === true;
  if (input.only !== undefined && !selected(name) && !selected(call.campaign?.name)) {
    return 'it is not among --only';
  }
  if (input.explicitTarget && call.target !== undefined && call.target !== input.runTarget) {
    return `it is pinned to target \`${call.target}\``;
  }
  const key = placementOf(call, target)?.key ?? placementKey(target, name);
  const entry = input.lock.calls[key];
  const ended = rowEndedAt(call, input.now.getTime());
  if (ended !== undefined && (entry === undefined || entry.status === 'failed')) {
    return `${key} was never placed and ${campaignEndedWords(call, ended)}: it is expired, never placed`;
  }
  // Never placed under its key, but under a twin of its target (the target renamed, or
  // another name for its gateway): placed again on this one, deliberately (twin-held.ts).
  const twin =
    entry === undefined && ended === undefined
      ? targetTwins(input.lock, input.gateways).at(call.target ?? input.runTarget, key)
      : undefined;
  if (twin !== undefined) {
    if (twin.entry.status === 'placed' || isInFlight(twin.entry)) return undefined;
    return `${key} is not placed, but may have been as ${twin.key}, whose outcome is unknown: --replace places again only a placed call; settle it first with \`callops resolve ${twin.key} --placed SID\` or \`callops resolve ${twin.key} --not-placed\` (then it is placed here)`;
  }
  const again = entry === undefined && ended === undefined ? rescheduled() : undefined;
  if (again !== undefined) {
    if (!isUnknown(again)) return undefined;
    return `${key} is not placed, but may have been as ${again.key}, whose outcome is unknown, before its schedule changed: --replace places again only a placed call; settle it first with \`callops resolve ${again.key} --placed SID\` or \`callops resolve ${again.key} --not-placed\` (then it is placed)`;
  }
  // Not "apply places it": a row held back as already dialled never is (plan says why, and
  // so does the refusal: the plan's reason comes first).
  if (entry === undefined) {
    return {
      why: `${key} is not placed yet: --replace places a placed call again (\`callops plan\` says when, or why not, it is placed)`,
      unlessHeld: true,
    };
  }
  if (entry.status === 'failed')
    return `${key} is not placed (failed): \`callops apply\` retries it`;
  // Another runner is placing it (replacing it, most likely): no wrong name, a race. The
  // plan skips it as being placed right now, as a replacement that comes second is skipped.
  if (isInFlight(entry)) return undefined;
  if (entry.status === 'unknown') {
    return unknownNotReplaced(
      key,
      ended === undefined ? undefined : campaignEndedWords(call, ended),
      input.retryUnknown === true,
    );
  }
  if (entry.sid === undefined) return `${key} is placed without a recorded sid`;
  if (ended !== undefined) {
    return `${key} was placed (${entry.sid} at ${entry.at}) and is not placed again: ${campaignEndedWords(call, ended)}`;
  }
  return undefined;
};
