import type { PathSegments } from '../config/types.js';
import { bareNames } from '../validate/bare-names.js';
import { NEVER_BARE, neverMeant } from '../validate/bare-references.js';
import { hasReference } from './interpolate.js';

/**
 * A `$NAME` (see validate/bare-names.ts) that a `${VAR}` puts into `from` or `application_sid`
 * is refused as one written there is: no value of these holds a `$`. callops reads no
 * reference inside a variable's value, so `.env` `V=$FROM` would send the five characters
 * `$FROM`. Looked for only where the option as written holds a reference: a `$NAME` written
 * there is validate's to refuse, and one from a recipients CSV cell the campaign's.
 *
 * Elsewhere (a tag, a header, a URL) a `$NAME` a value holds draws nothing: the warning a
 * literal draws there is about how the call file is written (a `${` left out), the call file
 * here already says `${VAR}`, and a value's `$` is the value's own (a password, a price).
 */

export interface ResolvedBare {
  readonly path: PathSegments;
  /** Why no value there holds a `$`. */
  readonly why: string;
}

/** The options of `resolved` that hold a `$NAME` a reference put there (`written`: as written). */
export const resolvedBare = (
  written: Readonly<Record<string, unknown>>,
  resolved: Readonly<Record<string, unknown>>,
): ResolvedBare[] =>
  NEVER_BARE.flatMap((key) => {
    const before = Object.hasOwn(written, key) ? written[key] : undefined;
    const after = Object.hasOwn(resolved, key) ? resolved[key] : undefined;
    if (typeof before !== 'string' || !hasReference(before) || typeof after !== 'string') return [];
    const why = neverMeant([key]);
    return why === undefined || bareNames(after).length === 0 ? [] : [{ path: [key], why }];
  });

/** What is said at the reference: its text as written, never the value (it may be a secret's). */
export const resolvedBareMessage = (
  { path, why }: ResolvedBare,
  written: readonly string[],
): string =>
  `${path.join('.')}: ${written.join(', ')} resolves to a value that holds a \`$NAME\`: it is sent as written, as no reference is read inside a value (${why})`;
