import { createHash } from 'node:crypto';
import { RowDefinition } from '../campaign/expand.js';
import { isArrayIndex } from '../campaign/lazy-list.js';
import { canonicalJson, sha256 } from '../validate/definition.js';
import type { CallDefinition } from '../validate/model.js';
import type { PlanItem } from './types.js';

export { canonicalJson, sha256 };

/** Characters of canonical JSON hashed at a time. */
const DIGEST_CHUNK = 64 * 1024;

/**
 * Digest of what apply would place: the target, the evaluation time and the due keys with
 * their definition hashes (the plan's other lists do not change what is sent).
 *
 * It is `sha256(canonicalJson({ target, now, due: [{ key, definition }…] }))`, hashed as the
 * text is made, an item at a time: a campaign's plan never holds that text (~120 bytes a
 * row), nor an object per due row.
 */
export const planDigest = (plan: {
  readonly target: string;
  readonly now: string;
  readonly due: readonly Pick<PlanItem, 'key' | 'definition'>[];
}): string => {
  const hash = createHash('sha256');
  // canonicalJson's keys are sorted: due, now, target.
  let text = '{"due":[';
  let first = true;
  for (const item of plan.due) {
    const piece = canonicalJson({ key: item.key, definition: item.definition });
    text += first ? piece : `,${piece}`;
    first = false;
    if (text.length >= DIGEST_CHUNK) {
      hash.update(text);
      text = '';
    }
  }
  const rest = canonicalJson({ now: plan.now, target: plan.target });
  text += rest === '{}' ? ']}' : `],${rest.slice(1)}`;
  hash.update(text);
  return `sha256:${hash.digest('hex')}`;
};

/** Call name → definition hash, for every call of the project (entries made one at a time). */
export const definitionsOf = (calls: readonly CallDefinition[]): Record<string, string> =>
  Object.fromEntries(
    (function* () {
      for (const call of calls) yield [call.name, call.definition] as const;
    })(),
  );

/**
 * `definitionsOf(calls)`'s entries in the order `JSON.stringify` writes them (array-index
 * names first, ascending; then the rest as given), each made when read: the plan file's
 * `definitions` written without an object of every row. Names are unique (validation).
 */
export function* definitionEntries(
  calls: readonly CallDefinition[],
): Generator<readonly [string, string]> {
  // A campaign row's name `<call>/<id>` is never an index: its row is not read for this.
  const indexed: CallDefinition[] = [];
  for (const call of calls) {
    if (!(call instanceof RowDefinition) && isArrayIndex(call.name)) indexed.push(call);
  }
  indexed.sort((a, b) => Number(a.name) - Number(b.name));
  for (const call of indexed) yield [call.name, call.definition];
  for (const call of calls) {
    if (call instanceof RowDefinition) yield [call.name, call.definition];
    else if (!isArrayIndex(call.name)) yield [call.name, call.definition];
  }
}
