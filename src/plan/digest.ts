import { createHash } from 'node:crypto';
import { RowDefinition } from '../campaign/expand.js';
import { isArrayIndex } from '../campaign/lazy-list.js';
import { canonicalJson, sha256 } from '../validate/definition.js';
import type { CallDefinition } from '../validate/model.js';

export { canonicalJson, sha256 };

/** Characters of canonical JSON hashed at a time. */
const DIGEST_CHUNK = 64 * 1024;

/** A due item as the plan digest covers it. */
export interface DigestItem {
  readonly key: string;
  readonly definition: string;
  /** Digest of the values its request resolves to from the environment (plan files v2). */
  readonly values?: string;
}

/** What the plan digest covers besides the due items. */
export interface DigestRest {
  readonly target: string;
  readonly now: string;
  /** Plan files v2: the salt of their digests and the digest of each due target's gateway. */
  readonly salt?: string;
  readonly gateways?: Readonly<Record<string, string>>;
  /** What the plan was made with (`--only`, `--retry-unknown`): they select what is due. */
  readonly only?: readonly string[];
  readonly retryUnknown?: boolean;
}

/**
 * The plan digest made an item at a time: `add` each due item, then `end` with the rest.
 * It is `sha256(canonicalJson({ due: [{ key, definition, values? }…], gateways?, now, only?,
 * retryUnknown?, salt?, target }))`, hashed as the text is made: a campaign's plan never holds that text (~120
 * bytes a row), nor an object per due row. Without salt, gateways and values (a plan file
 * of version 1), it is the digest such files were made with.
 */
export class PlanDigest {
  readonly #hash = createHash('sha256');
  // canonicalJson's keys are sorted: due, gateways, now, only, retryUnknown, salt, target.
  #text = '{"due":[';
  #first = true;

  add(item: DigestItem): void {
    const piece = canonicalJson({
      key: item.key,
      definition: item.definition,
      values: item.values,
    });
    this.#text += this.#first ? piece : `,${piece}`;
    this.#first = false;
    if (this.#text.length >= DIGEST_CHUNK) {
      this.#hash.update(this.#text);
      this.#text = '';
    }
  }

  end(rest: DigestRest): string {
    const tail = canonicalJson({
      gateways: rest.gateways,
      now: rest.now,
      only: rest.only,
      // Absent unless true: a plan file records it only then.
      retryUnknown: rest.retryUnknown === true ? true : undefined,
      salt: rest.salt,
      target: rest.target,
    });
    this.#hash.update(`${this.#text}${tail === '{}' ? ']}' : `],${tail.slice(1)}`}`);
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

/**
 * Digest of what apply would place: the target, the evaluation time and the due keys with
 * their definition hashes (the plan's other lists do not change what is sent); for a plan
 * file of version 2, also its salt, its gateways and each due item's values (see PlanDigest).
 */
export const planDigest = (plan: DigestRest & { readonly due: Iterable<DigestItem> }): string => {
  const digest = new PlanDigest();
  for (const item of plan.due) digest.add(item);
  return digest.end(plan);
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
