import type { Diagnostic } from '../validate/diagnostic.js';
import { problemAt } from './diagnostics.js';
import { MAX_FILE_BYTES, tooLargeMessage } from './limits.js';
import type { Position } from './types.js';

export interface DecodedText {
  /** The text, absent when the bytes are not readable as UTF-8 YAML. */
  readonly text?: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The second byte a lead byte allows (the bytes after it are 0x80–0xBF), and how many bytes
 * its character has: the Unicode table of well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). Undefined for a byte that cannot start a character.
 */
const sequenceOf = (lead: number): { low: number; high: number; length: number } | undefined => {
  if (lead >= 0xc2 && lead <= 0xdf) return { low: 0x80, high: 0xbf, length: 2 };
  if (lead === 0xe0) return { low: 0xa0, high: 0xbf, length: 3 };
  if (lead === 0xed) return { low: 0x80, high: 0x9f, length: 3 };
  if (lead >= 0xe1 && lead <= 0xef) return { low: 0x80, high: 0xbf, length: 3 };
  if (lead === 0xf0) return { low: 0x90, high: 0xbf, length: 4 };
  if (lead === 0xf4) return { low: 0x80, high: 0x8f, length: 4 };
  if (lead >= 0xf1 && lead <= 0xf3) return { low: 0x80, high: 0xbf, length: 4 };
  return undefined;
};

/**
 * How many bytes from `at` are a maximal ill-formed subsequence of UTF-8 (the bytes a decoder
 * replaces with one U+FFFD): a lead byte and the bytes after it that still continue its
 * character, or one byte that cannot start a character. 0 when a whole character starts at
 * `at`, or the bytes end there.
 */
export const illFormedLength = (bytes: Uint8Array, at = 0): number => {
  const lead = bytes[at];
  if (lead === undefined || lead < 0x80) return 0;
  const sequence = sequenceOf(lead);
  if (sequence === undefined) return 1;
  let n = 1;
  while (n < sequence.length) {
    const next = bytes[at + n];
    const [low, high] = n === 1 ? [sequence.low, sequence.high] : [0x80, 0xbf];
    if (next === undefined || next < low || next > high) return n;
    n += 1;
  }
  return 0;
};

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    if (illFormedLength(bytes, i) > 0) return i;
    i += sequenceOf(lead)?.length ?? 1;
  }
  return -1;
};

/** A byte as `0xFF`, as messages about a file's bytes show it. */
export const hex = (byte: number): string =>
  `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * Line and column (1-based, the column in UTF-16 code units as every diagnostic counts it) of
 * a byte offset of UTF-8 text, lines ending at LF as the YAML and env file readers count them.
 */
export const positionOfByte = (bytes: Uint8Array, offset: number): Position => {
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: before.length - lineStart + 1 };
};

/**
 * The bytes at `offset` that are not UTF-8, named exactly (the maximal ill-formed subsequence a
 * decoder replaces with one U+FFFD), and why: a byte that starts no character, the first bytes
 * of a character the next byte does not complete, or of one the file ends inside.
 */
export const illFormedWords = (bytes: Uint8Array, offset: number): string => {
  const n = Math.max(1, illFormedLength(bytes, offset));
  const shown = [...bytes.subarray(offset, offset + n)].map(hex).join(' ');
  if (n === 1 && sequenceOf(bytes[offset] ?? 0) === undefined) return `byte ${shown}`;
  const next = bytes[offset + n];
  const them = n === 1 ? `byte ${shown} begins` : `bytes ${shown} begin`;
  return next === undefined
    ? `the file ends inside a character: ${them} one`
    : `${them} a character that the next byte ${hex(next)} does not complete`;
};

/** A NUL byte: what text editors never write. Located at the first one. */
export const BINARY_MESSAGE = 'file is binary (it contains a NUL byte here), not text';

const START: Position = { line: 1, column: 1 };

/** How large a file may be, and what to say when it is larger (call files: 4 MiB). */
export interface SizeLimit {
  readonly maxBytes: number;
  readonly message: (bytes: number) => string;
}

const CALL_FILE_LIMIT: SizeLimit = { maxBytes: MAX_FILE_BYTES, message: tooLargeMessage };

/**
 * Turns the bytes of a file into text, refusing (as diagnostics, never by throwing) files
 * that are too large, binary, UTF-16, or not valid UTF-8, each at 1:1 or at the offending
 * byte. A UTF-8 byte order mark is dropped.
 */
export const decodeText = (
  file: string,
  bytes: Uint8Array,
  limit: SizeLimit = CALL_FILE_LIMIT,
): DecodedText => {
  if (bytes.length > limit.maxBytes) {
    return { diagnostics: [problemAt(file, START, limit.message(bytes.length))] };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { diagnostics: [problemAt(file, START, 'file is UTF-16 text; save it as UTF-8')] };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { diagnostics: [problemAt(file, positionOfByte(bytes, nul), BINARY_MESSAGE)] };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), diagnostics: [] };
  } catch {
    const offset = Math.max(0, firstInvalidUtf8(bytes));
    const message = `file is not valid UTF-8 (${illFormedWords(bytes, offset)}); save it as UTF-8`;
    return { diagnostics: [problemAt(file, positionOfByte(bytes, offset), message)] };
  }
};
