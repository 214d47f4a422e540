import type { PathSegments } from '../config/types.js';
import type { CallRequest } from '../execute/target.js';
import { bodyTooLarge, kib, MAX_BODY_BYTES } from '../options/body-size.js';
import type { PlanItem } from '../plan/types.js';
import {
  dialsLocalNumber,
  LOCAL_NUMBER_REASON,
  refusedFields,
} from '../validate/destination-text.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import {
  checkLiteralOptions,
  checkResolvedOptions,
  pointerSegments,
} from '../validate/schema-check.js';
import { resolvedBare, resolvedBareMessage } from './bare-values.js';
import { errorAt, malformedMessage, missingMessage, pointer } from './diagnostics.js';
import { type Env, interpolate, type Secret } from './interpolate.js';
import { secretsOf } from './secrets.js';
import { optionUrlProblems } from './url-structure.js';

export type Body = Readonly<Record<string, unknown>>;

export type CallResolution =
  | {
      readonly ok: true;
      readonly body: Body;
      readonly secrets: readonly Secret[];
      /** The body holds the definition's options as they are (no `${`, nothing converted). */
      readonly literal?: true;
      /** What a resolved value draws that a literal draws too, and that stops nothing. */
      readonly warnings?: readonly Diagnostic[];
    }
  /** Every problem (errors; warnings too, when the call has one). */
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Every string holding `${` (a reference, or `$${`) at or below `path` of the options as written. */
const referencesBelow = (value: unknown): string[] => {
  if (typeof value === 'string') return value.includes('${') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(referencesBelow);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(referencesBelow);
  return [];
};

/** True when no string anywhere in `value` holds `${` (a reference, escaped or malformed). */
export const isLiteral = (value: unknown): boolean => {
  if (typeof value === 'string') return !value.includes('${');
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!isLiteral(item)) return false;
    return true;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && !isLiteral((value as Record<string, unknown>)[key]))
      return false;
  }
  return true;
};

/**
 * Resolved data with each `${` in its strings written `$\u0000{`, for the check: the schema
 * accepts a string holding `${` where a number, a phone number or a URL belongs (a reference
 * not yet resolved), and a resolved value holding one (from `$${`, a variable's value, a
 * fallback) must pass as a literal does. Undefined when no string holds `${`.
 */
const withoutReferenceText = (value: unknown): unknown => {
  if (typeof value === 'string')
    return value.includes('${') ? value.replaceAll('${', '$\u0000{') : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const changed = withoutReferenceText(item);
    if (changed === undefined) continue;
    copy ??= Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
    Object.defineProperty(copy, key, {
      value: changed,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
};

/** True when `path` is at, above or below one of `paths`. */
const touches = (path: PathSegments, paths: readonly PathSegments[]): boolean =>
  paths.some((other) => {
    const n = Math.min(path.length, other.length);
    for (let i = 0; i < n; i++) if (String(path[i]) !== String(other[i])) return false;
    return true;
  });

const samePath = (a: PathSegments, b: PathSegments): boolean =>
  a.length === b.length && a.every((seg, i) => String(seg) === String(b[i]));

/**
 * The warning of a campaign's rows whose number resolved to digits with no leading `+`: how
 * many, the first, and the reference as the campaign writes it (`written`, when known), never
 * a cell's text. Once per campaign, however many rows.
 */
export const localNumberRowsMessage = (
  campaign: string,
  rows: number,
  first: string,
  written?: string,
): string =>
  `to.number${written === undefined ? '' : `: ${written}`} resolves to a number with no leading + in ${
    rows === 1 ? `row ${first}` : `${rows} rows`
  } of campaign ${campaign}${rows === 1 ? '' : ` (the first: row ${first})`} — ${LOCAL_NUMBER_REASON}`;

/**
 * A phone or teams number that resolved to digits with no leading `+` draws the warning a
 * literal one draws from validate, at the reference, naming it, never the value (it may
 * be a secret's). A number written so is validate's to warn of, not again here.
 */
const localNumberWarning = (
  def: CallDefinition,
  to: unknown,
  at: (path: PathSegments, message: string) => Diagnostic,
): Diagnostic | undefined => {
  const written = valueAt(def.options, ['to']);
  if (!dialsLocalNumber(to) || dialsLocalNumber(written)) return undefined;
  // A row's options hold its cells: named by its id, not by text that holds them.
  const row = def.campaign;
  const refs = row === undefined ? referencesBelow(valueAt(written, ['number'])) : [];
  const message =
    row !== undefined
      ? localNumberRowsMessage(row.name, 1, row.id)
      : `${
          refs.length > 0
            ? `to.number: ${refs.join(', ')} resolves to a number with no leading +`
            : 'to.number has no leading + once references are resolved'
        } — ${LOCAL_NUMBER_REASON}`;
  return { ...at(['to', 'number'], message), severity: 'warning' };
};

const valueAt = (data: unknown, path: PathSegments): unknown =>
  path.reduce<unknown>(
    (node, seg) =>
      node !== null && typeof node === 'object'
        ? (node as Record<string | number, unknown>)[seg]
        : undefined,
    data,
  );

/** The schema's words about a resolved value, without the value ("…, got "x"" is cut). */
const resolvedMessage = (where: string, written: readonly string[], message: string): string => {
  const rule = message.replace(/(, got | — quote it).*$/s, '');
  const what = `${where}: ${written.join(', ')}`;
  if (rule === 'must not be empty') return `${what} must not resolve to an empty value`;
  if (/^must be (a|an|one of) /.test(rule)) {
    return `${what} must resolve to ${rule.slice('must be '.length)}`;
  }
  return `${what} resolves to a value that ${rule}`;
};

/**
 * A body that resolved past what a gateway takes (validate counted its references as
 * written): an error at the option that takes the most room, naming its references, never
 * their values.
 */
const resolvedTooLarge = (def: CallDefinition, body: Body): Diagnostic | undefined => {
  const bytes = bodyTooLarge(body);
  if (bytes === undefined) return undefined;
  const [largest] = Object.entries(body)
    .map(([key, value]) => [key, JSON.stringify(value)?.length ?? 0] as const)
    .sort((a, b) => b[1] - a[1]);
  const key = largest?.[0] ?? '';
  const written = referencesBelow(valueAt(def.options, [key]));
  const refs = written.length > 0 ? ` (${written.join(', ')})` : '';
  return errorAt(
    def.file,
    def.locate([key]),
    [key],
    `the request body of this call is ${kib(bytes)} as JSON once references are resolved, most of it \`${key}\`${refs}; a gateway accepts up to ${kib(MAX_BODY_BYTES)} (jambonz answers 413 past it)`,
  );
};

/**
 * The request body of a call with every `${VAR}` resolved from `env`. Each missing variable
 * is a Diagnostic at the place it is referenced; messages name the reference, never a value.
 * The resolved call then passes the same schema as a literal one, whatever its values hold
 * (a `${` in them is text): a value that breaks it is an error at the reference, naming it,
 * never quoting the value, reported with the missing variables. Where the schema takes a
 * number, a reference that resolves to digits becomes that number; no other value changes type.
 * A number resolving to digits with no leading `+` draws validate's warning, at the reference.
 * `envFile` is the `--env-file FILE` given, named where a missing variable may be set.
 */
export const resolveCall = (def: CallDefinition, env: Env, envFile?: string): CallResolution => {
  // Options without a `${` resolve to themselves: checked as they are, without a copy of
  // every nested value. Anything else found (a problem, a number written as digits in
  // text) is left to the full path below.
  if (isLiteral(def.options)) {
    const checked = checkLiteralOptions(def.options);
    if (checked !== undefined && checked.problems.length === 0)
      return { ok: true, body: checked.options, secrets: [], literal: true };
  }
  const r = interpolate(def.options, env);
  const at = (path: readonly (string | number)[], message: string): Diagnostic =>
    errorAt(def.file, def.locate(path), path, message);
  const diagnostics: Diagnostic[] = [
    ...r.missing.map((m) => at(m.path, missingMessage(m.name, pointer(m.path), envFile))),
    ...r.malformed.map((m) => at(m.path, malformedMessage(m.text))),
  ];
  // Values that resolved are checked even when others did not, so one run reports both; a
  // problem where a reference is missing or malformed is that reference's, reported above.
  const broken = [...r.missing, ...r.malformed].map((m) => m.path);
  // A character refused in `from`, a destination, a host or a header's text, as validate
  // refuses it in a literal; the schema's word on the same value is then left out.
  const value = r.value as Body;
  const refusedText = refusedFields(value).filter((u) => !touches(u.path, broken));
  for (const { path, found, reason } of refusedText) {
    const written = referencesBelow(valueAt(def.options, path));
    const what =
      written.length > 0
        ? `${path.join('.')}: ${written.join(', ')} resolves to a value that holds`
        : `\`${path.join('.')}\` holds`;
    diagnostics.push(at(path, `${what} ${found}, ${reason}`));
  }
  // A URL whose parts a value moves (a password holding `@`): refused before the schema,
  // which would take it as a URL with another host.
  const moved = optionUrlProblems(def.options, env).filter(
    (u) => !touches(u.path, broken) && !refusedText.some((t) => samePath(t.path, u.path)),
  );
  for (const { path, message } of moved) diagnostics.push(at(path, message));
  // Where a value is refused: a warning about the same value would only repeat it.
  const refused = [...broken, ...refusedText.map((u) => u.path), ...moved.map((u) => u.path)];
  const masked = isLiteral(r.value) ? undefined : withoutReferenceText(r.value);
  const checked = checkResolvedOptions((masked ?? r.value) as Body);
  for (const problem of checked.problems) {
    const path = pointerSegments(def.options, problem.pointer);
    if (
      touches(path, broken) ||
      refusedText.some((u) => samePath(u.path, path)) ||
      moved.some((u) => samePath(u.path, path))
    )
      continue;
    const written = referencesBelow(valueAt(def.options, path));
    // Only references can break a call that validated: a problem elsewhere is not ours to word.
    const where = path.join('.') || 'the call';
    refused.push(path);
    diagnostics.push(
      at(
        path,
        written.length > 0
          ? resolvedMessage(where, written, problem.message)
          : `${where}: ${problem.message.replace(/(, got | — quote it).*$/s, '')} once references are resolved`,
      ),
    );
  }
  // A `$NAME` a reference put where no value holds a `$`, as validate refuses one written there.
  for (const found of resolvedBare(def.options, value)) {
    if (touches(found.path, refused)) continue;
    refused.push(found.path);
    const written = referencesBelow(valueAt(def.options, found.path));
    diagnostics.push(at(found.path, resolvedBareMessage(found, written)));
  }
  const local = touches(['to', 'number'], refused)
    ? undefined
    : localNumberWarning(def, value.to, at);
  if (diagnostics.length > 0)
    return { ok: false, diagnostics: local === undefined ? diagnostics : [...diagnostics, local] };
  // Checked as literals, the values are sent as they resolved.
  const body =
    masked === undefined ? checked.options : checkResolvedOptions(r.value as Body).options;
  const tooLarge = resolvedTooLarge(def, body);
  if (tooLarge !== undefined) return { ok: false, diagnostics: [tooLarge] };
  return { ok: true, body, secrets: r.secrets, ...(local !== undefined && { warnings: [local] }) };
};

export interface CallsResolution {
  /** Request body by call name, for every call that resolved. */
  readonly bodies: ReadonlyMap<string, Body>;
  readonly secrets: readonly Secret[];
  /** Every problem of every call at once. */
  readonly diagnostics: readonly Diagnostic[];
}

export const resolveCalls = (
  defs: readonly CallDefinition[],
  env: Env,
  envFile?: string,
): CallsResolution => {
  const bodies = new Map<string, Body>();
  const secrets: Secret[][] = [];
  const diagnostics: Diagnostic[] = [];
  for (const def of defs) {
    const r = resolveCall(def, env, envFile);
    if (r.ok) {
      bodies.set(def.name, r.body);
      secrets.push([...r.secrets]);
    } else {
      for (const item of r.diagnostics) diagnostics.push(item);
    }
  }
  return { bodies, secrets: secretsOf(...secrets), diagnostics };
};

/** The requests for planned items (items whose call has no body are left out). */
export const requestsFor = (
  items: readonly PlanItem[],
  bodies: ReadonlyMap<string, Body>,
): CallRequest[] =>
  items.flatMap((item) => {
    const body = bodies.get(item.name);
    return body ? [{ key: item.key, target: item.target, body }] : [];
  });
