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

/** A number a spreadsheet or a script wrote as a decimal: `15550100001.0`, `15550100001.00`. */
const DECIMAL = /^\+?\d+\.0{1,2}$/;
/** A number a spreadsheet wrote in scientific notation: `1.55501E+10`, `1,55501E+10`. */
const SCIENTIFIC = /^\+?\d+(?:[.,]\d+)?e[+-]?\d+$/i;

/** Whether `text` is a number as a spreadsheet writes one (`…01.0`, `1.55501E+10`), not as dialled. */
export const isSpreadsheetNumber = (text: string): boolean =>
  DECIMAL.test(text.trim()) || SCIENTIFIC.test(text.trim());

/**
 * Why `text`, as a cell of a list or a recipients CSV, is not the number it seems to be, or
 * undefined. Read as digits, a spreadsheet's `15550100001.0` would gain a last digit and
 * `1.55501E+10` has lost its last ones; and no country code starts with 0, so `+0015550100001`
 * (an international prefix after the `+`) is no number as written: each would compare as
 * another number than the one meant.
 */
export const numberSlip = (text: string): string | undefined => {
  const trimmed = text.trim();
  if (DECIMAL.test(trimmed))
    return `\`${trimmed}\` looks like a spreadsheet number: read as digits, its \`${trimmed.slice(trimmed.indexOf('.'))}\` would be part of the number; format the column as text and write the digits alone (\`${trimmed.slice(0, trimmed.indexOf('.'))}\`)`;
  if (SCIENTIFIC.test(trimmed))
    return `\`${trimmed}\` is a spreadsheet number in scientific notation: its last digits are lost; format the column as text and export it again`;
  if (!/^\+[\s(]*0/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  const prefix = ['00', '011'].find((p) => digits.startsWith(p) && digits.length > p.length + 6);
  return prefix === undefined
    ? `\`${trimmed}\`: no country code starts with 0; write + and the country code (e.g. +1555…), or the number without +`
    : `\`${trimmed}\`: no country code starts with 0 (${prefix} is an international prefix, dialled before the country code the + stands for); write \`+${digits.slice(prefix.length)}\``;
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
