import type { PathSegments, SourceDocument } from '../config/types.js';
import { malformedMessage } from '../resolve/diagnostics.js';
import { isMalformed } from '../resolve/interpolate.js';
import { type CallEntry, siteIn } from './calls.js';
import { CALL_KEYS } from './definition.js';
import type { Diagnostic } from './diagnostic.js';
import { siteInLayers } from './merge.js';
import type { CallRule } from './rules.js';
import {
  errorAt,
  hasReference,
  isRecord,
  keySiteOf,
  type Site,
  siteOf,
  warningAt,
} from './site.js';

/** Where a value (or, with `key`, its key) at a path was written. */
export type Locate = (path: PathSegments, key: boolean) => Site;

/**
 * Keys whose values are secrets: never quoted back in a message, never hashed into a plan
 * file. A target's `api_key`; a webhook's basic-auth `password` in a call's options.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set(['api_key', 'password']);

/** True for a key whose value is a secret, wherever it is written (see SECRET_KEYS). */
export const isSecretKey = (key: string): boolean => SECRET_KEYS.has(key);

const keyMessage = (key: string): string =>
  `the key \`${key}\` is sent as written: references are expanded in values, not in keys`;

/**
 * `${…}` problems found without the environment, in every string below `path`: a malformed
 * reference in a value is an error; a reference in a key is a warning (keys are not expanded).
 */
export const referenceProblems = (
  value: unknown,
  path: PathSegments,
  locate: Locate,
): Diagnostic[] => {
  if (typeof value === 'string') {
    if (!isMalformed(value)) return [];
    const last = path.at(-1);
    const shown = typeof last === 'string' && isSecretKey(last) ? last : value;
    return [errorAt(locate(path, false), malformedMessage(shown))];
  }
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  return entries.flatMap(([key, item]) => [
    ...(typeof key === 'string' && hasReference(key)
      ? [warningAt(locate([...path, key], true), keyMessage(key))]
      : []),
    ...referenceProblems(item, [...path, key], locate),
  ]);
};

/** Whether any string or key below `value` holds `${`: without one there is nothing to report. */
const mentionsReference = (value: unknown): boolean => {
  if (typeof value === 'string') return value.includes('${');
  if (Array.isArray(value)) return value.some(mentionsReference);
  if (!isRecord(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes('${') || mentionsReference(value[key])) return true;
  }
  return false;
};

/** The problems in the options of a call or of defaults (their own keys are option names). */
export const optionProblems = (
  options: Readonly<Record<string, unknown>>,
  base: PathSegments,
  locate: Locate,
): Diagnostic[] =>
  !mentionsReference(options)
    ? []
    : Object.entries(options)
        .filter(([key]) => !CALL_KEYS.includes(key))
        .flatMap(([key, value]) => referenceProblems(value, [...base, key], locate));

/** Where a path of a document, or its key, was written. */
export const locateIn =
  (doc: SourceDocument): Locate =>
  (path, key) =>
    key ? keySiteOf(doc, path) : siteOf(doc, path);

/** Reference problems in a call's options, each at the layer that wrote it. */
export const referenceSyntax: CallRule = {
  name: 'reference-syntax',
  kind: 'semantic',
  check: (entry: CallEntry) =>
    optionProblems(entry.merged, [], (path, key) =>
      key ? siteInLayers(entry.layers, path, true) : siteIn(entry, path),
    ),
};
