import { createHash } from 'node:crypto';
import type { CallDefinition } from '../validate/model.js';
import type { PlanItem } from './types.js';

/** JSON with object keys sorted at every depth and `undefined` members dropped. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return Object.fromEntries(entries);
  });

export const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

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

/** Call name → definition hash, for every call of the project. */
export const definitionsOf = (calls: readonly CallDefinition[]): Record<string, string> =>
  Object.fromEntries(calls.map((call) => [call.name, call.definition]));
