/**
 * Largest create-call request body callops sends (bytes of its JSON). The jambonz API server
 * reads bodies with body-parser's default limit of 100 KiB and answers 413 past it.
 */
export const MAX_BODY_BYTES = 100 * 1024;

/** Bytes as KiB, one decimal, rounded up (100.01 KiB is not "100 KiB"). */
export const kib = (bytes: number): string => `${Math.ceil((bytes / 1024) * 10) / 10} KiB`;

/**
 * At least the UTF-8 bytes of `JSON.stringify(value)`, worked out without writing it: every
 * character of a string or key may take six bytes (`\u001b`), a number 24, and each
 * member up to four more (quotes, colon, comma). Stops once past `limit`.
 */
const boundAbove = (value: unknown, limit: number): number => {
  let total = 0;
  const walk = (node: unknown): void => {
    if (total > limit) return;
    if (typeof node === 'string') total += node.length * 6 + 2;
    else if (node === null || typeof node !== 'object') total += 24;
    else if (Array.isArray(node)) {
      total += 2;
      for (const item of node) {
        total += 1;
        walk(item);
      }
    } else {
      total += 2;
      for (const [key, item] of Object.entries(node)) {
        total += key.length * 6 + 4;
        walk(item);
      }
    }
  };
  walk(value);
  return total;
};

/**
 * The bytes of `body` as JSON when they pass MAX_BODY_BYTES, else undefined. Small bodies
 * (nearly all) are told apart by a bound, without writing their JSON.
 */
export const bodyTooLarge = (body: Readonly<Record<string, unknown>>): number | undefined => {
  if (boundAbove(body, MAX_BODY_BYTES) <= MAX_BODY_BYTES) return undefined;
  const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
  return bytes > MAX_BODY_BYTES ? bytes : undefined;
};
