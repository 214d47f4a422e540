import type { PathSegments } from '../config/types.js';
import { bareMessage, bareNames } from './bare-names.js';
import { type CallEntry, siteIn } from './calls.js';
import { CALL_KEYS } from './definition.js';
import type { Diagnostic } from './diagnostic.js';
import { isSecretKey } from './references.js';
import type { CallRule } from './rules.js';
import { errorAt, isRecord, type Site, warningAt } from './site.js';

/**
 * `$NAME`s (see bare-names.ts) written in a call's options, said where they are written, at
 * the value, with the `${NAME}` that reads the variable. Keys are never expanded
 * (references.ts says so of a `${…}` in one). The value of a secret (`password`) is looked at
 * only when it is one `$NAME` and nothing else: a password may well hold `$x`, and the
 * message would quote it.
 */

export interface BareReference {
  readonly path: PathSegments;
  /** The first name: one message a string. */
  readonly name: string;
}

/** Whether `value` is a string with a `$`, or may hold one below it. */
const mayHold = (value: unknown): boolean =>
  typeof value === 'string' ? value.includes('$') : typeof value === 'object' && value !== null;

/**
 * Each string at or below `value` (at `path`) that holds a `$NAME`. A path is made only for
 * what may hold one: most of a call's texts hold no `$` at all.
 */
export const bareReferences = (value: unknown, path: PathSegments): BareReference[] => {
  const out: BareReference[] = [];
  const visit = (item: unknown, at: PathSegments): void => {
    if (typeof item === 'string') {
      const found = bareIn(item, at);
      if (found !== undefined) out.push(found);
      return;
    }
    if (Array.isArray(item)) {
      item.forEach((child: unknown, index) => {
        if (mayHold(child)) visit(child, [...at, index]);
      });
    } else if (isRecord(item)) {
      for (const key of Object.keys(item)) if (mayHold(item[key])) visit(item[key], [...at, key]);
    }
  };
  if (mayHold(value)) visit(value, path);
  return out;
};

/** The `$NAME` of one string at `path`, when it holds one. */
const bareIn = (value: string, path: PathSegments): BareReference | undefined => {
  if (!value.includes('$')) return undefined;
  const last = path.at(-1);
  if (typeof last === 'string' && isSecretKey(last)) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1];
    return whole === undefined ? undefined : { path, name: whole };
  }
  const [name] = bareNames(value);
  return name === undefined ? undefined : { path, name };
};

/**
 * Options where a `$NAME` is never what is meant: an error, with why. Elsewhere (a tag, a
 * SIP URI, a URL) a `$` may be meant, and it is a warning.
 */
const NEVER_MEANT: ReadonlyMap<string, string> = new Map([
  ['application_sid', 'no application sid holds a `$`'],
  ['from', 'no calling number holds a `$`'],
]);

/**
 * Why a `$NAME` in the option at `path` (from the options) is an error, or undefined where
 * it is a warning. The same whether it is written there or a `${VAR}` or a recipients CSV
 * cell puts it there: no value of these holds a `$`.
 */
export const neverMeant = (path: PathSegments): string | undefined =>
  path.length === 1 ? NEVER_MEANT.get(String(path[0])) : undefined;

/** The options `neverMeant` refuses a `$NAME` in. */
export const NEVER_BARE: readonly string[] = [...NEVER_MEANT.keys()];

/** The diagnostic of one `$NAME` in a call's options (`path` from the options). */
export const bareDiagnostic = (site: Site, { path, name }: BareReference): Diagnostic => {
  const never = neverMeant(path);
  return never === undefined
    ? warningAt(site, bareMessage(name))
    : errorAt(site, `${bareMessage(name)} (${never})`);
};

/**
 * `$NAME`s in a call's options, merged with its defaults, each at the layer that wrote it.
 * Structural: where the schema already refuses the value (a phone `number`), its message
 * (which gives the same `${NAME}`) is the one said.
 */
export const bareReferenceRule: CallRule = {
  name: 'bare-reference',
  kind: 'structural',
  check: (entry: CallEntry) =>
    Object.entries(entry.merged)
      .filter(([key]) => !CALL_KEYS.includes(key))
      .flatMap(([key, value]) => bareReferences(value, [key]))
      .map((found) => bareDiagnostic(siteIn(entry, found.path), found)),
};
