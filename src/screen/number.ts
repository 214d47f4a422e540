import { sha256Hex } from '../validate/definition.js';

/**
 * Phone numbers as do-not-call lists and per-number limits compare them: a leading `+` kept,
 * then the digits alone (`+1 (555) 010-0001` → `+15550100001`). Undefined when no digit is left.
 */
export const normaliseNumber = (text: string): string | undefined => {
  const trimmed = text.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits === '') return undefined;
  return trimmed.startsWith('+') ? `+${digits}` : digits;
};

/**
 * What state records of a number: `sha256:` and 16 hex digits of the normalised number's
 * digest. The number itself may come from a secret `${VAR}`: it is never stored.
 */
export const numberDigest = (normalised: string): string =>
  `sha256:${sha256Hex(normalised).slice(0, 16)}`;

/** A plain-string destination that is a phone number (not a SIP URI, user or Teams name). */
const PHONE_TEXT = /^\+?[\d\s().-]+$/;

/**
 * The normalised phone number a destination dials: `to.type: phone` or a plain string
 * number. Undefined for SIP, user and Teams destinations, and for text with references left.
 */
export const destinationNumber = (to: unknown): string | undefined => {
  if (typeof to === 'string') return PHONE_TEXT.test(to.trim()) ? normaliseNumber(to) : undefined;
  if (to === null || typeof to !== 'object' || Array.isArray(to)) return undefined;
  const t = to as Readonly<Record<string, unknown>>;
  if (t.type !== 'phone' || typeof t.number !== 'string') return undefined;
  return PHONE_TEXT.test(t.number.trim()) ? normaliseNumber(t.number) : undefined;
};

/**
 * Whether `number` (normalised) is another number than the one `dialled` is the digest of:
 * false when either is not known (no digest recorded, a destination that is not a number).
 */
export const isOtherNumber = (dialled: string | undefined, number: string | undefined): boolean =>
  dialled !== undefined && number !== undefined && numberDigest(number) !== dialled;
