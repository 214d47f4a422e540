import { campaignEndedWords, rowEndedAt } from '../campaign/end.js';
import { REDIAL_EDITED_HINT } from '../campaign/redial.js';
import type { CallDefinition } from '../validate/model.js';
import { latestPlaced, redialStops } from './changed.js';
import type { PlanInput } from './input.js';
import { placementKey } from './keys.js';
import { rowAttempts } from './twin-attempts.js';
import { targetTwins } from './twins.js';

/**
 * Why `--replace` refuses a row of a campaign that redials, and what calls it instead. Each
 * attempt is a placement of its own, placed once. Only a row that dials another number now
 * than its latest placed attempt did (redialStops) is told to take a new id: a new row is
 * called at its new number. Any other row is not: renamed, it would be held for good (its
 * person was called under its old key, and a new key does not call a person again), and
 * copied under a new id beside it, its number would be called twice. Its attempts go on
 * under the id it has, as the plan says.
 */

/** What the refusal reads of a plan's input. */
type RedialReplaceInput = Pick<PlanInput, 'lock' | 'runTarget' | 'now' | 'gateways' | 'callNumber'>;

const PLACED_ONCE =
  'its campaign redials by outcome: each attempt is its own placement, placed once';

/** Why `--replace NAME` does not place row `call` (one whose campaign has `redial`) again. */
export const redialNotReplaced = (call: CallDefinition, input: RedialReplaceInput): string => {
  const target = call.target ?? input.runTarget;
  const attempts = rowAttempts(
    input.lock.calls,
    placementKey(target, call.name),
    target,
    targetTwins(input.lock, input.gateways),
  );
  const latest = latestPlaced(attempts);
  if (latest !== undefined && redialStops(latest.entry, call, input.callNumber)) {
    const ended = rowEndedAt(call, input.now.getTime());
    return `${PLACED_ONCE}; it is changed since placed (attempt ${latest.n}), so it is not redialled: ${ended === undefined ? REDIAL_EDITED_HINT : campaignEndedWords(call, ended)}`;
  }
  return `${PLACED_ONCE}, and the row's attempts go on by its \`redial\` policy under the id it has (\`callops plan --only ${call.name}\` says when, or why not); keep its id: under a new id the row would be held, as a new key does not call a person again`;
};
