import { createHmac, randomBytes } from 'node:crypto';
import { isSecretKey } from '../validate/references.js';
import { canonicalJson } from './digest.js';
import type { PlanItem } from './types.js';

/**
 * What a plan file records of the values a plan was reviewed with, without the values: a
 * digest of where each due target places calls, and of what each due call's request
 * resolves to from the environment. Made with the file's salt (see saltedDigest).
 */
export interface PlanFileDigests {
  /** The gateway of a target (base_url and account_sid as resolved); none for the simulator. */
  gateway(target: string): string | undefined;
  /** The values a due call resolves to from the environment; none when it references none. */
  values(item: PlanItem): string | undefined;
}

/** A new salt for a plan file's digests: 128 random bits, base64url. */
export const newSalt = (): string => randomBytes(16).toString('base64url');

/**
 * HMAC-SHA256 of `value`'s canonical JSON keyed by the plan file's `salt`, its first 128
 * bits in base64url: the same value gives the same digest in the same file only, and no
 * table of the digests of likely values (a plain sha256 of each phone number) matches it.
 */
export const saltedDigest = (salt: string, value: unknown): string =>
  createHmac('sha256', salt)
    .update(canonicalJson(value))
    .digest()
    .subarray(0, 16)
    .toString('base64url');

/** A value left out of a digest (a secret: its change is authentication, not destination). */
const LEFT_OUT = '(secret)';

/**
 * `value` with every value under a secret key (`api_key`, `password`: see isSecretKey), and
 * every string equal to one of `secrets` (the targets' api keys), replaced by a mark: a plan
 * file never holds a digest of a secret, and a rotated one is not a change.
 */
export const withoutSecrets = (
  value: unknown,
  secrets: ReadonlySet<string> = new Set(),
): unknown => {
  if (typeof value === 'string') return secrets.has(value) ? LEFT_OUT : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, secrets));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      isSecretKey(key) ? LEFT_OUT : withoutSecrets(item, secrets),
    ]),
  );
};
