import type { PathSegments } from '../config/types.js';
import { firstUnprintable } from '../report/printable.js';

/**
 * Control characters in `from` or a destination: a user named `bob<ESC>[2J<newline>…` is
 * surely a slip, and is sent (and dialled) as written, so it is refused before anything is
 * sent — written in the call file, given by a `${VAR}` or by a recipients CSV cell alike.
 * Secrets (`to.auth`) are not looked at.
 */

/** Why such a character is refused, after the character (`\n`, `\u001b`). */
export const UNPRINTABLE_REASON =
  'a character that does not print: it would be sent and dialled as written';

/** Whether `path` (from the call's options) is `from` or a string of `to` other than `auth`. */
export const isDestinationPath = (path: PathSegments): boolean =>
  (path.length === 1 && path[0] === 'from') ||
  (path.length === 2 && path[0] === 'to' && path[1] !== 'auth');

export interface UnprintableField {
  readonly path: PathSegments;
  /** The first such character, escaped as JSON writes it. */
  readonly found: string;
}

/** Each of `from` and the strings of `to` (but `auth`) that holds a character that does not print. */
export const unprintableDestinations = (from: unknown, to: unknown): UnprintableField[] => {
  const fields: [PathSegments, unknown][] = [[['from'], from]];
  if (to !== null && typeof to === 'object' && !Array.isArray(to))
    for (const [key, value] of Object.entries(to))
      if (key !== 'auth') fields.push([['to', key], value]);
  return fields.flatMap(([path, value]) => {
    if (typeof value !== 'string') return [];
    const found = firstUnprintable(value);
    return found === undefined ? [] : [{ path, found }];
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
