import { escapeChar, UNPRINTABLE } from '../report/printable.js';

/** A format character (Unicode Cf): shows as nothing. */
const FORMAT = /\p{Cf}/u;
const EVERY_FORMAT = /\p{Cf}/gu;
/** Half of a UTF-16 pair without the other: no file name holds one (UTF-8 has none). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a file path a user wrote (`lockfile:`, a `suppress:` list, `recipients:`, a `calls`
 * pattern) or typed (`plan --out`) names no file to use, or undefined: it holds a NUL or a
 * lone surrogate, which no file name holds (the file system call fails with Node's words,
 * or writes another name); another control character (a line break, a tab, ESC), which
 * makes a name that does not show as written; a format character (a zero-width space, a
 * bidi mark), which makes a name that looks like another and names another file; or white space
 * at either end, which is part of the name though it shows as nothing. Said as a clause
 * about the path (`it holds \u0000, …`), each character as printable escapes it.
 */
export const pathTextProblem = (path: string): string | undefined => {
  const lone = LONE_SURROGATE.exec(path)?.[0];
  if (lone !== undefined)
    return `it holds a lone surrogate (${escapeChar(lone)}), which no file name can hold`;
  const c = UNPRINTABLE.exec(path)?.[0];
  if (c === '\u0000') return 'it holds \\u0000, which no file name can hold';
  if (c !== undefined && FORMAT.test(c)) {
    const looks = path.replace(EVERY_FORMAT, '');
    return `it holds ${escapeChar(c)}, which shows as nothing: it looks like ${looks === '' ? 'nothing' : looks} and is another name`;
  }
  if (c !== undefined)
    return `it holds ${escapeChar(c)}, a control character: the file's name would not show as written`;
  if (path !== path.trim())
    return `it ${/^\s/.test(path) ? 'begins' : 'ends'} with white space, which would be part of the file's name though it shows as nothing`;
  return undefined;
};
