/**
 * A small JSON scanner that checks syntax and remembers where each object key sits,
 * so that problems in a hand-edited or badly merged lockfile can be reported with a
 * line and column. Values themselves are decoded by JSON.parse afterwards.
 */

export type JsonScan =
  | {
      readonly ok: true;
      /** JSON pointer of every object member → offset of its (first) key. */
      readonly keys: ReadonlyMap<string, number>;
      /** Members whose key already appeared in the same object (JSON.parse keeps the last). */
      readonly duplicates: readonly { readonly pointer: string; readonly offset: number }[];
    }
  | {
      readonly ok: false;
      readonly offset: number;
      readonly message: string;
      /** The JSON nests deeper than callops reads (valid JSON, yet refused). */
      readonly tooDeep?: true;
    };

class ScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
    readonly tooDeep = false,
  ) {
    super(message);
  }
}

export const escapePointer = (segment: string): string =>
  segment.replace(/~/g, '~0').replace(/\//g, '~1');

const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings exclude U+0000–U+001F
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

export const scanJson = (text: string): JsonScan => {
  const keys = new Map<string, number>();
  const duplicates: { pointer: string; offset: number }[] = [];
  let i = 0;

  const describe = (at: number): string =>
    at >= text.length ? 'the end of the file' : `${JSON.stringify(text[at])}`;
  const fail = (what: string): never => {
    throw new ScanError(i, `expected ${what}, found ${describe(i)}`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (char: string): void => {
    ws();
    if (text[i] !== char) fail(`'${char}'`);
    i++;
  };

  const string = (): string => {
    const start = i;
    i++;
    STRING_BODY.lastIndex = i;
    STRING_BODY.exec(text);
    i = STRING_BODY.lastIndex;
    if (text[i] !== '"') {
      if (i >= text.length || text[i] === '\n') throw new ScanError(start, 'unterminated string');
      fail(text[i] === '\\' ? 'a valid escape sequence' : 'a character allowed in a string');
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };

  let depth = 0;
  const nested = (open: (pointer: string) => void, pointer: string): void => {
    if (++depth > MAX_DEPTH)
      throw new ScanError(i, `nested too deeply (more than ${MAX_DEPTH} levels)`, true);
    open(pointer);
    depth--;
  };

  const value = (pointer: string): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      nested(c === '{' ? object : array, pointer);
      return;
    }
    if (c === '"') {
      string();
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (c !== undefined && NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    fail('a value');
  };

  const object = (pointer: string): void => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('a property name in double quotes');
      const offset = i;
      const key = string();
      const child = `${pointer}/${escapePointer(key)}`;
      if (keys.has(child)) duplicates.push({ pointer: child, offset });
      else keys.set(child, offset);
      expect(':');
      value(child);
      ws();
      if (text[i] === '}') break;
      if (text[i] !== ',') fail("',' or '}'");
      i++;
    }
    i++;
  };

  const array = (pointer: string): void => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (let index = 0; ; index++) {
      value(`${pointer}/${index}`);
      ws();
      if (text[i] === ']') break;
      if (text[i] !== ',') fail("',' or ']'");
      i++;
    }
    i++;
  };

  try {
    value('');
    ws();
    if (i < text.length) fail('nothing more after the JSON value');
    return { ok: true, keys, duplicates };
  } catch (error) {
    if (error instanceof ScanError)
      return {
        ok: false,
        offset: error.offset,
        message: error.message,
        ...(error.tooDeep ? { tooDeep: true as const } : {}),
      };
    throw error;
  }
};

/** 1-based line and column (in UTF-16 units) of an offset. */
export const positionOf = (text: string, offset: number): { line: number; column: number } => {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
};

const colonsIn = (text: string): number => {
  let n = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) n++;
  return n;
};

const colonsOf = (text: string): number => (text.includes(':') ? colonsIn(text) : 0);

/**
 * Object members in a parsed JSON value, plus the colons inside its strings and keys; NaN
 * when it nests deeper than scanJson allows (it would overflow the stack, and scanJson
 * refuses it, located).
 */
const tally = (value: unknown, depth = 0): number => {
  if (typeof value === 'string') return colonsOf(value);
  if (typeof value !== 'object' || value === null) return 0;
  if (depth >= MAX_DEPTH) return Number.NaN;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += tally(item, depth + 1);
    return n;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const member = record[key];
    n += 1 + colonsOf(key);
    if (typeof member === 'string') n += colonsOf(member);
    else if (typeof member === 'object' && member !== null) n += tally(member, depth + 1);
  }
  return n;
};

/**
 * False when `text` (which JSON.parse turned into `value`) has no duplicate key, proven
 * without scanning it: outside strings a colon only ends a key, so the text's colons are
 * its members plus the colons inside its strings. JSON.parse keeps one member per key, and
 * drops a duplicate's strings too; with no escaped colon (`\u003a`) in the text, the parsed
 * value's tally equals the text's colons only when nothing was dropped. True means "maybe":
 * scanJson then finds the duplicate and where it is (or the value nested too deeply).
 */
export const mayHoldDuplicates = (text: string, value: unknown): boolean => {
  if (text.includes('\\u003a') || text.includes('\\u003A')) return true;
  return colonsIn(text) !== tally(value);
};
