import { sha256Hex } from '../validate/definition.js';
import { comparedDigits } from './list.js';

/**
 * A phone number as callops reads one: a leading `+` kept, then the digits alone
 * (`+1 (555) 010-0001` → `+15550100001`). Undefined when no digit is left. Two of them are
 * compared as do-not-call lists compare them (comparedNumber, list.ts).
 */
export const normaliseNumber = (text: string): string | undefined => {
  const trimmed = text.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits === '') return undefined;
  return trimmed.startsWith('+') ? `+${digits}` : digits;
};

/**
 * A number written as a decimal, as a spreadsheet or a script writes one: `15550100001.0`,
 * `+15550100004.0000`, `15550100001,0` (a decimal comma, in a quoted cell). Digits, one `.`
 * or `,`, digits, and nothing else, whatever the fraction's length: read as digits, the
 * fraction would join the number. Groups of digits are written with spaces, `-` or more
 * than one `.` (`555.010.0001`), never so.
 */
const DECIMAL = /^\+?\d+[.,]\d+$/;
/** A number a spreadsheet wrote in scientific notation: `1.55501E+10`, `1,55501E+10`. */
const SCIENTIFIC = /^\+?\d+(?:[.,]\d+)?e[+-]?\d+$/i;
/**
 * A 0 in parentheses after a digit: a trunk prefix written after the country code
 * (`+1 (0)555 010 0001`, `+49 (030) …`), dialled only from inside the country.
 */
const TRUNK = /\d[\s.)-]*\(\s*0/;

/** Whether `text` is a number as a spreadsheet writes one (`…01.0`, `1.55501E+10`), not as dialled. */
export const isSpreadsheetNumber = (text: string): boolean =>
  DECIMAL.test(text.trim()) || SCIENTIFIC.test(text.trim());

/** What `decimal` (DECIMAL) says: the digits before its point when the fraction is zeros. */
const decimalSlip = (decimal: string): string => {
  const point = decimal.search(/[.,]/);
  const fraction = decimal.slice(point);
  return /^.0+$/.test(fraction)
    ? `\`${decimal}\` looks like a spreadsheet number: read as digits, its \`${fraction}\` would be part of the number; format the column as text and write the digits alone (\`${decimal.slice(0, point)}\`)`
    : `\`${decimal}\` is written as a decimal number: read as digits, its \`${fraction[0]}\` would join the digits either side into one number, which may not be the one meant; write the digits alone or grouped with spaces or -, and if a spreadsheet wrote it, format the column as text`;
};

/** What a number with a trunk prefix after the country code (TRUNK) says. */
const trunkSlip = (text: string): string => {
  const without = normaliseNumber(text.replace(/\(\s*0\s*\)/, ''));
  const write =
    /\(\s*0\s*\)/.test(text) && without !== undefined
      ? `write \`${without}\``
      : 'write the number as it is dialled from another country (for most countries, without that 0)';
  return `\`${text}\`: a 0 in parentheses after the country code is a trunk prefix, dialled only from inside the country: read as digits, it would be part of the number; ${write}`;
};

/**
 * Why `text`, as a cell of a list or a recipients CSV, is not the number it seems to be, or
 * undefined. Read as digits, a spreadsheet's `15550100001.0` (or `.000`, any fraction) would
 * gain digits and `1.55501E+10` has lost its last ones; no country code starts with 0, so
 * `+0015550100001` (an international prefix after the `+`) is no number as written; and the
 * `(0)` of `+1 (0)555 010 0001` is not dialled from abroad: each would compare as another
 * number than the one meant.
 */
export const numberSlip = (text: string): string | undefined => {
  const trimmed = text.trim();
  if (DECIMAL.test(trimmed)) return decimalSlip(trimmed);
  if (SCIENTIFIC.test(trimmed))
    return `\`${trimmed}\` is a spreadsheet number in scientific notation: its last digits are lost; format the column as text and export it again`;
  if (!/^\+[\s(]*0/.test(trimmed)) return TRUNK.test(trimmed) ? trunkSlip(trimmed) : undefined;
  const digits = trimmed.replace(/\D/g, '');
  const prefix = ['00', '011'].find((p) => digits.startsWith(p) && digits.length > p.length + 6);
  return prefix === undefined
    ? `\`${trimmed}\`: no country code starts with 0; write + and the country code (e.g. +1555…), or the number without +`
    : `\`${trimmed}\`: no country code starts with 0 (${prefix} is an international prefix, dialled before the country code the + stands for); write \`+${digits.slice(prefix.length)}\``;
};

/**
 * A number (normalised) as callops tells one person's from another's, for the per-number
 * limit, a campaign's already-dialled check, a call renamed: `+` and its digits as do-not-call
 * lists compare them (comparedDigits, the one rule), so `15550100001` (an export that dropped
 * the `+`), `0015550100001` and `+1 555 010 0001` are the person of `+15550100001`. A number
 * written with `+` is itself. Only the end of a number (a national form beside an international
 * one) is left to the lists, whose numbers are at hand: state keeps a digest of it.
 */
export const comparedNumber = (normalised: string): string => {
  const digits = comparedDigits(normalised);
  return digits === '' ? normalised : `+${digits}`;
};

const digestOfText = (text: string): string => `sha256:${sha256Hex(text).slice(0, 16)}`;

/**
 * What state records of a number: `sha256:` and 16 hex digits of the digest of the number as
 * compared (comparedNumber): one digest for the ways of writing it that makes one. The number itself may
 * come from a secret `${VAR}`: it is never stored.
 */
export const numberDigest = (normalised: string): string =>
  digestOfText(comparedNumber(normalised));

/**
 * What a plan finds the calls to a number by, among the digests entries keep: its digest
 * (numberDigest), and, after a space, the digest earlier releases recorded of it when that
 * is another (of the number as written: a number written without `+`, or with `+0`, was
 * digested as it was written), so that an entry they recorded is still found by the number
 * written the same way. Written with `+`, a number's key is its digest.
 */
export const numberKey = (normalised: string): string => {
  const digest = numberDigest(normalised);
  const written = digestOfText(normalised);
  return written === digest ? digest : `${digest} ${written}`;
};

/** The digests a key (numberKey) stands for, its number's digest first; a digest is its own. */
export const keyDigests = (key: string): readonly string[] =>
  key.includes(' ') ? key.split(' ') : [key];

/** Whether an entry's digest `recorded` is of the number of `key` (numberKey, or a digest). */
export const isDigestOf = (recorded: string | undefined, key: string): boolean =>
  recorded !== undefined && (recorded === key || keyDigests(key).includes(recorded));

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
 * What a gateway's record names as its call's destination (its `to`), compared as numbers
 * are: the numberKey of the number, '' for an address that is no number (a SIP URI, a user),
 * undefined when it names none.
 */
export const addressKey = (to: string): string | undefined => {
  if (to.trim() === '') return undefined;
  const number = destinationNumber(to);
  return number === undefined ? '' : numberKey(number);
};

/**
 * Whether a record's destination (its addressKey) is another than the number an entry
 * dialled (`dialled`, the digest it recorded): false when either is not known.
 */
export const namesOtherKey = (dialled: string | undefined, key: string | undefined): boolean =>
  dialled !== undefined && key !== undefined && (key === '' || !isDigestOf(dialled, key));

/**
 * Whether `number` (normalised) is another number than the one `dialled` is the digest of:
 * false when either is not known (no digest recorded, a destination that is not a number).
 */
export const isOtherNumber = (dialled: string | undefined, number: string | undefined): boolean =>
  dialled !== undefined && number !== undefined && !isDigestOf(dialled, numberKey(number));
