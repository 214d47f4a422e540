import { type CappedBody, describeError } from './client.js';

/**
 * Reads a JSON list as it arrives, one element at a time, so that what a read holds follows
 * what the caller keeps, not the length of the list: the gateway's list of live call
 * records holds every call of the account from the last hour (some 500 bytes each), and a
 * large campaign asks only about its own. Each element's bytes are held until its end, parsed
 * alone and handed over; nothing of the text outlives its element. The scan looks at bytes:
 * every byte JSON gives a meaning (brackets, braces, quotes, backslash, comma) is ASCII, and
 * no byte of a multi-byte UTF-8 character is, so a character split between chunks is only
 * decoded once its element is whole. Whether an element is JSON is JSON.parse's to say.
 */

/** Why a text is not a list of JSON values that can be read. */
export type ScanStop =
  /**
   * No list: the text starts as another JSON value does (`{`, `"`, `-`, a digit, t/f/n), and
   * is not read on, so whether the rest is JSON is not known.
   */
  | { readonly kind: 'not-a-list' }
  /** Not JSON: an element JSON.parse refused, bytes after the list, or a text cut short. */
  | { readonly kind: 'not-json' }
  /** One element longer than the bound: not held whole, whatever follows. */
  | { readonly kind: 'element-too-large' };

export interface ListScanner {
  /** The next bytes of the text: a stop once it cannot be a list read to its end. */
  push(chunk: Buffer): ScanStop | undefined;
  /** The text ended: a stop unless its list was closed. */
  end(): ScanStop | undefined;
}

/**
 * Where the scan is: before the `[`; after it (an element or the `]`); after a `,` (an
 * element); inside an element; after the `]` (white space only).
 */
const BEFORE = 0;
const OPEN = 1;
const NEXT = 2;
const ELEMENT = 3;
const DONE = 4;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** The first byte of a JSON value that is not a list: `{`, `"`, `-`, a digit, true/false/null. */
const startsValue = (b: number): boolean =>
  b === OPEN_BRACE ||
  b === QUOTE ||
  b === 0x2d ||
  (b >= 0x30 && b <= 0x39) ||
  b === 0x74 ||
  b === 0x66 ||
  b === 0x6e;

const NOT_JSON: ScanStop = { kind: 'not-json' };

/** A scanner that hands each element of the list, parsed, to `onElement`. */
export const createListScanner = (
  onElement: (value: unknown) => void,
  maxElementBytes: number,
): ListScanner => {
  let state: number = BEFORE;
  /** Nesting inside the element (0: at its top), and whether inside a string of it. */
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** The element's bytes from earlier chunks, and how many. */
  let pieces: Buffer[] = [];
  let held = 0;

  /** The element whose last byte is `chunk[end - 1]`, from `chunk[start]` (or an earlier chunk). */
  const finish = (chunk: Buffer, start: number, end: number): ScanStop | undefined => {
    if (held + end - start > maxElementBytes) return { kind: 'element-too-large' };
    const bytes =
      pieces.length === 0
        ? chunk.subarray(start, end)
        : Buffer.concat([...pieces, chunk.subarray(start, end)]);
    pieces = [];
    held = 0;
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString('utf8'));
    } catch {
      return NOT_JSON;
    }
    onElement(value);
    return undefined;
  };

  return {
    push(chunk) {
      /** Where the current element starts in this chunk (0 when it began in an earlier one). */
      let start = 0;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i] as number;
        if (state !== ELEMENT) {
          if (isSpace(b)) continue;
          if (state === BEFORE) {
            if (b !== OPEN_BRACKET) return startsValue(b) ? { kind: 'not-a-list' } : NOT_JSON;
            state = OPEN;
            continue;
          }
          if (state === OPEN && b === CLOSE_BRACKET) {
            state = DONE;
            continue;
          }
          if (state === DONE || b === COMMA || b === CLOSE_BRACKET) return NOT_JSON;
          // The element's first byte, scanned below as part of it.
          state = ELEMENT;
          start = i;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) inString = false;
        } else if (b === QUOTE) inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth += 1;
        else if (depth > 0 && (b === CLOSE_BRACE || b === CLOSE_BRACKET)) depth -= 1;
        else if (depth === 0 && (b === COMMA || b === CLOSE_BRACKET)) {
          const stop = finish(chunk, start, i);
          if (stop) return stop;
          state = b === COMMA ? NEXT : DONE;
        } else if (depth === 0 && b === CLOSE_BRACE) return NOT_JSON;
      }
      if (state === ELEMENT) {
        held += chunk.length - start;
        if (held > maxElementBytes) return { kind: 'element-too-large' };
        pieces.push(chunk.subarray(start));
      }
      return undefined;
    },
    end: () => (state === DONE ? undefined : NOT_JSON),
  };
};

/** What readList came to: the list read to its end, or why it was not. */
export type ListRead =
  | { readonly ok: true }
  /** Longer than `maxBytes`: the rest was not read (the stream is destroyed). */
  | { readonly ok: false; readonly kind: 'too-large' }
  | ({ readonly ok: false } & ScanStop)
  /** The body could not be read to its end (a transport error, or the request's abort). */
  | { readonly ok: false; readonly kind: 'broken'; readonly error: string };

/**
 * Reads `body` as a JSON list, each element parsed and given to `onElement` as it arrives.
 * Past `maxBytes`, or once the text cannot be such a list, the stream is destroyed (the
 * socket goes with it) and the rest is not read: the caller drops what it was given then.
 */
export function readList(
  body: CappedBody,
  limits: { readonly maxBytes: number; readonly maxElementBytes: number },
  onElement: (value: unknown) => void,
): Promise<ListRead> {
  return new Promise((resolve) => {
    const scanner = createListScanner(onElement, limits.maxElementBytes);
    let size = 0;
    let done = false;
    const finish = (read: ListRead): void => {
      if (done) return;
      done = true;
      resolve(read);
    };
    const stop = (read: ListRead): void => {
      finish(read);
      body.destroy();
    };
    body.on('data', (chunk) => {
      if (done) return;
      size += chunk.length;
      if (size > limits.maxBytes) return stop({ ok: false, kind: 'too-large' });
      const stopped = scanner.push(chunk);
      if (stopped) stop({ ok: false, ...stopped });
    });
    body.on('end', () => {
      const stopped = scanner.end();
      finish(stopped ? { ok: false, ...stopped } : { ok: true });
    });
    body.on('error', (cause) =>
      finish({ ok: false, kind: 'broken', error: describeError(cause).message }),
    );
    // Closed before its end without an error: cut short.
    body.on('close', () => finish({ ok: false, kind: 'broken', error: 'Premature close' }));
  });
}
