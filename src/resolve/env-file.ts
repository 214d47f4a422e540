import { decodeText } from '../config/decode.js';
import { brokenLink } from '../config/exists.js';
import { MAX_FILE_BYTES, tooLargeMessage } from '../config/limits.js';
import { readRegularFile } from '../config/regular-file.js';
import type { Env } from './interpolate.js';

/** A line of the file that is not a variable, a comment or blank (nothing of its text is quoted). */
export interface EnvFileProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type EnvFileRead =
  | { readonly env: Readonly<Record<string, string>> }
  | { readonly problems: readonly EnvFileProblem[] }
  | {
      /** Why, naming neither the file (the caller does) nor anything of its content. */
      readonly error: string;
      readonly code?: string;
      /** Where in the file, for content that cannot be read as text. */
      readonly line?: number;
      readonly column?: number;
    };

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const BLANK = /[ \t]*/y;
const EXPORT = /export[ \t]+/y;
const QUOTES = new Set(['"', "'", '`']);

/** The index of the first character from `from` that is not a space or a tab. */
const skipBlank = (text: string, from: number): number => {
  BLANK.lastIndex = from;
  BLANK.test(text);
  return BLANK.lastIndex;
};

/** Where an unquoted value ends: before ` #` (a comment) or at the end of the line. */
const unquotedEnd = (text: string, from: number): number => {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '#' && (i === from || text[i - 1] === ' ' || text[i - 1] === '\t')) return i;
  }
  return text.length;
};

/**
 * The variables of a dotenv text, or every line that is not one. A line is blank, a comment
 * (`#` first), or `NAME=value` with an optional `export ` before it and blanks around `=`.
 * NAME is letters, digits and `_`, not starting with a digit: a name a reference can use.
 * A value is unquoted (trimmed; ` #` starts a comment), or quoted in `"`, `'` or a backtick,
 * up to the same quote, across lines if need be, with only blanks or a comment after it; in
 * double quotes `\n` is a line break. A later line of the same name wins.
 */
export const parseEnvText = (text: string): EnvFileRead => {
  // A byte order mark is not part of the first name.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const env: Record<string, string> = {};
  const problems: EnvFileProblem[] = [];
  const problem = (index: number, at: number, message: string): void => {
    problems.push({ line: index + 1, column: at + 1, message });
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const first = skipBlank(line, 0);
    if (first === line.length || line[first] === '#') continue;
    EXPORT.lastIndex = first;
    NAME.lastIndex = EXPORT.test(line) ? EXPORT.lastIndex : first;
    const name = NAME.exec(line)?.[0];
    const equals = name === undefined ? -1 : skipBlank(line, NAME.lastIndex);
    if (name === undefined || line[equals] !== '=') {
      problem(
        index,
        first,
        'not a variable: write NAME=value (NAME of letters, digits and _, not starting with a digit), or put # before a comment',
      );
      continue;
    }
    const start = skipBlank(line, equals + 1);
    const quote = line[start] as string;
    if (!QUOTES.has(quote)) {
      env[name] = line.slice(start, unquotedEnd(line, start)).trimEnd();
      continue;
    }
    // The closing quote: on this line, else on a later one (the value then holds line breaks).
    let endLine = index;
    let close = line.indexOf(quote, start + 1);
    while (close < 0 && endLine + 1 < lines.length) {
      endLine += 1;
      close = (lines[endLine] as string).indexOf(quote);
    }
    if (close < 0) {
      problem(index, start, `the value's opening ${quote} is never closed`);
      continue;
    }
    const value =
      endLine === index
        ? line.slice(start + 1, close)
        : [
            line.slice(start + 1),
            ...lines.slice(index + 1, endLine),
            lines[endLine]?.slice(0, close),
          ].join('\n');
    const last = lines[endLine] as string;
    const after = skipBlank(last, close + 1);
    if (after < last.length && last[after] !== '#') {
      // Across lines, the quote that closes it is most likely another value's opening one.
      if (endLine === index)
        problem(
          index,
          after,
          `text after the closing ${quote}: quote the whole value, or put # before a comment`,
        );
      else
        problem(
          index,
          start,
          `the value's opening ${quote} is closed only at ${endLine + 1}:${close + 1}, with text after it: close it on its own line`,
        );
      // The lines it spanned are read again, each on its own.
      continue;
    }
    env[name] = quote === '"' ? value.replaceAll('\\n', '\n') : value;
    index = endLine;
  }
  return problems.length > 0 ? { problems } : { env };
};

/**
 * Reads a dotenv file (see parseEnvText). Returns the variables without touching
 * process.env. A file that cannot be read is an `error` (with the system `code`, e.g.
 * ENOENT); a file that is too large, binary, UTF-16 or not UTF-8 is an error at its line and
 * column, as a YAML file is; a line that is not a variable, a comment or blank is a problem
 * at its line and column (every such line at once).
 */
export const readEnvFile = async (path: string): Promise<EnvFileRead> => {
  let bytes: Uint8Array;
  try {
    // Its kind and size checked before a byte is read: a FIFO there would hold the command.
    const read = await readRegularFile(path, (info) =>
      info.size > MAX_FILE_BYTES ? tooLargeMessage(info.size, 'env files') : undefined,
    );
    if ('problem' in read) return { error: read.problem };
    if ('refused' in read) return { error: read.refused, line: 1, column: 1 };
    bytes = read.bytes;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      brokenLink(path) ??
      (code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'unreadable'})`);
    return { error: why, ...(code ? { code } : {}) };
  }
  const decoded = decodeText(path, bytes);
  if (decoded.text === undefined) {
    const [first] = decoded.diagnostics;
    return {
      error: first?.message ?? 'not readable as text',
      line: first?.line ?? 1,
      column: first?.column ?? 1,
    };
  }
  return parseEnvText(decoded.text);
};

/** The file's variables under the real environment: a variable set in both keeps its real value. */
export const mergeEnv = (fileEnv: Env, processEnv: Env): Record<string, string | undefined> => {
  const merged: Record<string, string | undefined> = { ...fileEnv };
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
};
