import type { PathSegments } from '../config/types.js';
import { firstUnprintable } from '../report/printable.js';

/**
 * Control characters in text that is sent as written where it changes what is sent: `from`
 * and a destination (a user named `bob<ESC>[2J<newline>…` is surely a slip, and would be
 * dialled as written), and the value of a SIP header (a line break there ends the header and
 * starts another: `X-Note: a<CR><LF>P-Asserted-Identity: …` adds an identity to the INVITE).
 * Each is refused before anything is sent — written in the call file, given by a `${VAR}` or
 * by a recipients CSV cell alike. Secrets (`to.auth`) are not looked at. A header value may
 * hold a tab: RFC 3261 takes it as white space within a value.
 */

/** Why such a character is refused, after the character (`\n`, `\u001b`). */
export const UNPRINTABLE_REASON =
  'a character that does not print: it would be sent and dialled as written';

/** Why such a character is refused in a header value, after the character. */
export const HEADER_VALUE_REASON =
  'a character that does not print: it would be sent in the SIP header as written (a line break there starts a header of its own)';

/** Whether `path` (from the call's options) is `from` or a string of `to` other than `auth`. */
export const isDestinationPath = (path: PathSegments): boolean =>
  (path.length === 1 && path[0] === 'from') ||
  (path.length === 2 && path[0] === 'to' && path[1] !== 'auth');

/** Whether `path` (from the call's options) is the value of a SIP header. */
export const isHeaderValuePath = (path: PathSegments): boolean =>
  path.length === 2 && path[0] === 'headers';

/** Why a character that does not print is refused at `path`, or undefined where it is not looked for. */
export const unprintableReason = (path: PathSegments): string | undefined => {
  if (isDestinationPath(path)) return UNPRINTABLE_REASON;
  return isHeaderValuePath(path) ? HEADER_VALUE_REASON : undefined;
};

/**
 * The first character of `text` refused at `path` (escaped as JSON writes it), or undefined:
 * one that does not print, but for a tab in a header value.
 */
export const firstRefused = (path: PathSegments, text: string): string | undefined =>
  firstUnprintable(isHeaderValuePath(path) ? text.replaceAll('\t', ' ') : text);

export interface UnprintableField {
  readonly path: PathSegments;
  /** The first such character, escaped as JSON writes it. */
  readonly found: string;
  /** Why it is refused there (UNPRINTABLE_REASON or HEADER_VALUE_REASON). */
  readonly reason: string;
}

const isMap = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Each of `from`, the strings of `to` (but `auth`) and the header values of `options` that
 * holds a character refused there.
 */
export const unprintableFields = (
  options: Readonly<Record<string, unknown>>,
): UnprintableField[] => {
  const { from, to, headers } = options;
  const fields: [PathSegments, unknown][] = [[['from'], from]];
  if (isMap(to)) for (const [key, value] of Object.entries(to)) fields.push([['to', key], value]);
  if (isMap(headers))
    for (const [name, value] of Object.entries(headers)) fields.push([['headers', name], value]);
  return fields.flatMap(([path, value]) => {
    const reason = unprintableReason(path);
    if (typeof value !== 'string' || reason === undefined) return [];
    const found = firstRefused(path, value);
    return found === undefined ? [] : [{ path, found, reason }];
  });
};

/** Why a phone or teams number without `+` draws a warning (not an error), after what holds it. */
export const LOCAL_NUMBER_REASON = 'the gateway may dial it as a local number';

/**
 * Whether `to` is a phone or teams destination whose number is digits with no leading `+`:
 * the gateway may dial it as a local number. Written in the call file or given by a `${VAR}`
 * alike (a recipients CSV cell is counted per campaign, in campaign/expand.ts).
 */
export const dialsLocalNumber = (to: unknown): boolean => {
  if (to === null || typeof to !== 'object' || Array.isArray(to)) return false;
  const { type, number } = to as Record<string, unknown>;
  return (
    (type === 'phone' || type === 'teams') && typeof number === 'string' && /^\d+$/.test(number)
  );
};
