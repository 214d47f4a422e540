/**
 * Characters a terminal acts on rather than shows, or that show as nothing: C0 controls
 * (newline, ESC…), DEL, C1 controls, the line and paragraph separators, and the format
 * characters (Unicode category Cf): the bidi embeddings, overrides and isolates that reorder
 * what follows them, zero-width spaces and joiners, soft hyphens, byte order marks. A name
 * `bob` with a zero-width space in it looks like `bob` and is another name.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]/u;
const EVERY_UNPRINTABLE = new RegExp(UNPRINTABLE.source, 'gu');

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One UTF-16 unit as JSON writes it escaped: `\u001b`. */
const escapeUnit = (code: number): string => `\\u${code.toString(16).padStart(4, '0')}`;

/**
 * One unprintable character as written in a JSON string: `\n`, `\t`, `\u001b`, `\u200b`; one
 * beyond the BMP (a tag character) as its two UTF-16 units, `\udb40\udc01`.
 */
export const escapeChar = (c: string): string =>
  SHORT[c] ?? Array.from({ length: c.length }, (_, i) => escapeUnit(c.charCodeAt(i))).join('');

/**
 * Text from a user's files, the gateway or the lockfile (names, keys, destinations, values,
 * file names, messages), as human output shows it: every unprintable character escaped, so
 * it can neither move the cursor, recolour or clear the screen, nor start a line of its own
 * that looks like callops's. JSON output carries the text exact and needs none of this.
 */
export const printable = (text: string): string =>
  UNPRINTABLE.test(text) ? text.replace(EVERY_UNPRINTABLE, escapeChar) : text;

/**
 * A message that may quote user input and may run over several lines of its own (an error
 * listing conflicts): each line as printable shows it, the line breaks kept.
 */
export const printableLines = (text: string): string => text.split('\n').map(printable).join('\n');

/** Whether `text` holds a character that printable escapes. */
export const hasUnprintable = (text: string): boolean => UNPRINTABLE.test(text);

/** The first character of `text` that printable escapes, as it escapes it. */
export const firstUnprintable = (text: string): string | undefined => {
  const c = UNPRINTABLE.exec(text)?.[0];
  return c === undefined ? undefined : escapeChar(c);
};
