import { canonicalJson, sha256 } from '../validate/definition.js';
import type { CallDefinition } from '../validate/model.js';
import type { PlanItem } from './types.js';

export { canonicalJson, sha256 };

/**
 * Digest of what apply would place: the target, the evaluation time and the due keys with
 * their definition hashes (the plan's other lists do not change what is sent).
 */
export const planDigest = (plan: {
  readonly target: string;
  readonly now: string;
  readonly due: readonly Pick<PlanItem, 'key' | 'definition'>[];
}): string =>
  sha256(
    canonicalJson({
      target: plan.target,
      now: plan.now,
      due: plan.due.map((item) => ({ key: item.key, definition: item.definition })),
    }),
  );

/** Call name → definition hash, for every call of the project (entries made one at a time). */
export const definitionsOf = (calls: readonly CallDefinition[]): Record<string, string> =>
  Object.fromEntries(
    (function* () {
      for (const call of calls) yield [call.name, call.definition] as const;
    })(),
  );
