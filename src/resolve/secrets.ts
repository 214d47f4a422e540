import type { Secret } from './interpolate.js';

/**
 * Every secret of the given groups once (by value). A value known under several names keeps
 * the first name; it stays `always` if any group marks it so.
 */
export const secretsOf = (...groups: readonly (readonly Secret[])[]): Secret[] => {
  const byValue = new Map<string, Secret>();
  for (const secret of groups.flat()) {
    const known = byValue.get(secret.value);
    if (!known) byValue.set(secret.value, secret);
    else if (secret.always && !known.always) byValue.set(secret.value, { ...known, always: true });
  }
  return [...byValue.values()];
};
