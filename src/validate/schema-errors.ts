import type { ErrorObject } from 'ajv/dist/2020.js';
import { REFERENCE_PATTERN, VAR_PATTERN } from '../options/fragments.js';
import { suggestKey } from '../options/suggest.js';
import { bareHint } from './bare-names.js';
import { KEY_NOTES, objectHint, typeHint } from './schema-hints.js';
import { unitHint } from './unit-hints.js';

/**
 * Turns Ajv's raw errors into a few precise, readable problems: one per mistake, with the
 * noise of oneOf/anyOf branches and if/then pruned away.
 */

/** One problem at a JSON pointer; `key` set when it is about a key (unknown, bad name). */
export interface SchemaProblem {
  readonly pointer: string;
  readonly key?: string;
  readonly message: string;
  /** The words of the schema's own the message quotes (Diagnostic's vocabulary). */
  readonly vocabulary?: readonly string[];
}

export interface ExplainContext {
  /** The root schema the errors came from (its `$ref`s are local pointers). */
  readonly schema: unknown;
  /** Source text of the scalar at a JSON pointer, when known (to quote numbers). */
  readonly rawAt?: (pointer: string) => string | undefined;
  /** Whether the value at a JSON pointer is a secret (an api_key): it is never shown. */
  readonly isSecret?: (pointer: string) => boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const COMBINATORS = new Set(['oneOf', 'anyOf']);
/** Titles of the schemas whose keys are call options. */
const OPTION_LEVELS = new Set(['call', 'defaults']);
const BRANCH_REQUIRED = /^(.*)\/(?:oneOf|anyOf)\/\d+\/required$/;

export const unescapePointer = (s: string): string => s.replaceAll('~1', '/').replaceAll('~0', '~');
export const escapePointer = (s: string): string => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** The schema at a `#/...` pointer of the root schema. */
const at = (root: unknown, pointer: string): unknown =>
  pointer
    .replace(/^#/, '')
    .split('/')
    .slice(1)
    .reduce<unknown>((node, seg) => (isObj(node) ? node[unescapePointer(seg)] : undefined), root);

/** Every property name a schema allows, following `$ref`s and combinators. */
const propertyNames = (schema: unknown, root: unknown, seen = new Set<unknown>()): Set<string> => {
  const names = new Set<string>();
  if (!isObj(schema) || seen.has(schema)) return names;
  seen.add(schema);
  if (isObj(schema.properties)) for (const k of Object.keys(schema.properties)) names.add(k);
  const subs: unknown[] = [schema.then, schema.else];
  for (const k of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(schema[k])) for (const item of schema[k]) subs.push(item);
  if (typeof schema.$ref === 'string') subs.push(at(root, schema.$ref));
  for (const s of subs) for (const n of propertyNames(s, root, seen)) names.add(n);
  return names;
};

const code = (s: unknown) => `\`${String(s)}\``;
const orList = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

const TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

export const describeValue = (v: unknown): string => {
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') {
    const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
};

const typesOf = (t: unknown): string[] =>
  Array.isArray(t)
    ? t.map(String)
    : String(t ?? '')
        .split(',')
        .filter(Boolean);

/**
 * Patterns that let a string through only as a reference in place of another type: a number
 * (the reference is resolved later) or a boolean (the reference is refused, in words of its own).
 */
const IN_PLACE = new Set<unknown>([VAR_PATTERN, REFERENCE_PATTERN]);

/** Expected types in words; the `${VAR}` string allowance is not shown as a type. */
const expectedTypes = (types: readonly string[], parent: unknown): string[] => {
  const varOnly = isObj(parent) && IN_PLACE.has(parent.pattern) && types.length > 1;
  return types.filter((t) => !(varOnly && t === 'string'));
};

const quoteIt = (e: ErrorObject, ctx: ExplainContext): string => {
  const raw = ctx.rawAt?.(e.instancePath);
  const numeric = typeof e.data === 'number';
  const token = raw && (!numeric || /^[+-]?[0-9.]/.test(raw)) ? raw : String(e.data);
  // A number where a duration or a rate belongs lacks its unit: quoted, it would be refused again.
  const unit = numeric ? unitHint(e.instancePath, token) : undefined;
  if (unit !== undefined) return unit;
  const head = numeric ? 'must be a string' : `must be a string, got ${describeValue(e.data)}`;
  let note = '';
  if (numeric && token.startsWith('+'))
    note = ` (unquoted, YAML reads ${token} as the number ${String(e.data)} and drops the +)`;
  else if (numeric && raw === undefined && Number.isInteger(e.data) && token.length >= 3)
    note = ' (unquoted, YAML reads it as a number: a leading + or 0 is lost)';
  return `${head} — quote it: ${JSON.stringify(token)}${note}`;
};

/** The kind of a value, without the value itself. */
const kindOf = (v: unknown): string =>
  v === null || Array.isArray(v) || typeof v === 'object' ? describeValue(v) : `a ${typeof v}`;

/** A type error about a secret: neither the value nor the text it was written as is shown. */
const secretTypeMessage = (types: readonly string[], e: ErrorObject): string => {
  const quotable = typeof e.data === 'number' || typeof e.data === 'boolean';
  if (types.length === 1 && types[0] === 'string' && quotable) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
    return 'must be a string — put it in quotes, or better, use a reference such as ${VG_API_KEY}';
  }
  return `must be ${orList(types.map((t) => TYPE_WORDS[t] ?? t))}, got ${kindOf(e.data)}`;
};

const typeMessage = (types: readonly string[], e: ErrorObject, ctx: ExplainContext): string => {
  if (ctx.isSecret?.(e.instancePath)) return secretTypeMessage(types, e);
  const quotable = typeof e.data === 'number' || typeof e.data === 'boolean';
  if (types.length === 1 && types[0] === 'string' && quotable) return quoteIt(e, ctx);
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  const hint =
    types.length === 1 && types[0] === 'object'
      ? objectHint(e.instancePath, e.data, ctx.rawAt?.(e.instancePath))
      : typeHint(types, e.data);
  return `must be ${orList(words)}, got ${describeValue(e.data)}${hint}`;
};

/**
 * The message a `then` schema gives for its own `required` or `type` failing, e.g. "must
 * have `number` (needed when `type` is `phone` or `teams`)": its `errorMessage`, which
 * editors show too. Messages of other keywords and deeper schemas are worded here.
 */
const conditionMessage = (e: ErrorObject): string | undefined => {
  const parent = e.parentSchema;
  return /\/then\/(?:required|type)$/.test(e.schemaPath) &&
    isObj(parent) &&
    typeof parent.errorMessage === 'string'
    ? parent.errorMessage
    : undefined;
};

/** The keys of a schema that only requires keys (`{required: […]}`, maybe typed object). */
const requiredKeys = (s: unknown): string[] | undefined =>
  isObj(s) &&
  Array.isArray(s.required) &&
  Object.keys(s).every((k) => k === 'required' || (k === 'type' && s.type === 'object'))
    ? s.required.map(String)
    : undefined;

const message = (e: ErrorObject, ctx: ExplainContext): string => {
  const parent = e.parentSchema;
  const p = e.params as Obj;
  const got = describeValue(e.data);
  switch (e.keyword) {
    case 'type':
      return typeMessage(expectedTypes(typesOf(p.type), parent), e, ctx);
    case 'required':
      return `must have ${code(p.missingProperty)}`;
    case 'pattern': {
      if (IN_PLACE.has(p.pattern) && isObj(parent)) {
        return typeMessage(expectedTypes(typesOf(parent.type), parent), e, ctx);
      }
      const custom = isObj(parent) ? parent.patternErrorMessage : undefined;
      // A `$TO` refused as a phone number is most likely a `${TO}` meant.
      const hint =
        typeof e.data === 'string' && e.propertyName === undefined ? bareHint(e.data) : '';
      return `${typeof custom === 'string' ? custom : `must match ${String(p.pattern)}`}, got ${JSON.stringify(e.data)}${hint}`;
    }
    case 'format':
      return p.format === 'uri-reference' || p.format === 'uri'
        ? `must be a URL or a path such as "/hook", got ${got}`
        : `must be a valid ${String(p.format)}, got ${got}`;
    case 'minimum':
    case 'exclusiveMinimum': {
      const positive =
        p.limit === 1 && typesOf(isObj(parent) ? parent.type : '').includes('integer');
      return positive
        ? `must be a positive integer, got ${String(e.data)}`
        : `must be ${String(p.comparison)} ${String(p.limit)}, got ${String(e.data)}`;
    }
    case 'maximum':
      return `must be at most ${String(p.limit)}, got ${String(e.data)}`;
    case 'exclusiveMaximum':
      return `must be ${String(p.comparison)} ${String(p.limit)}, got ${String(e.data)}`;
    case 'minLength':
      return p.limit === 1
        ? 'must not be empty'
        : `must be at least ${String(p.limit)} characters long`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters long, got ${String(e.data).length}`;
    case 'enum': {
      const allowed = p.allowedValues as unknown[];
      const hint =
        typeof e.data === 'string'
          ? suggestKey(
              e.data,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      const suffix = hint === undefined ? '' : ` — did you mean \`${hint}\`?`;
      return `must be one of ${allowed.map(code).join(', ')}, got ${got}${suffix}`;
    }
    case 'const':
      return `must be ${code(p.allowedValue)}, got ${got}`;
    case 'oneOf': {
      const keys = Array.isArray(e.schema) ? e.schema.map(requiredKeys) : [];
      if (keys.length && keys.every((k) => k?.length === 1))
        return `must have only one of ${orList(keys.map((k) => code(k?.[0])))}`.replace(
          ' or ',
          ' and ',
        );
      return 'matches more than one of the allowed forms';
    }
    case 'not': {
      const keys = requiredKeys(e.schema);
      return keys ? `must not have both ${keys.map(code).join(' and ')}` : 'is not allowed here';
    }
    default:
      return `${e.message ?? 'is invalid'}`;
  }
};

const strings = (values: readonly unknown[]): string[] =>
  values.filter((v): v is string => typeof v === 'string');

/**
 * The words of the schema's own that `message` quotes for an error: the values an enum or a
 * const allows (a did-you-mean picks one of them), the keys it requires or allows one of —
 * never the data, which is the user's.
 */
const vocabularyOf = (e: ErrorObject): string[] => {
  const p = e.params as Obj;
  switch (e.keyword) {
    case 'enum':
      return strings(p.allowedValues as unknown[]);
    case 'const':
      return strings([p.allowedValue]);
    case 'required':
      return strings([p.missingProperty]);
    case 'oneOf':
      return Array.isArray(e.schema) ? e.schema.flatMap((s) => requiredKeys(s) ?? []) : [];
    case 'not':
      return requiredKeys(e.schema) ?? [];
    default:
      return [];
  }
};

/** A problem, with its vocabulary when it has one. */
const problem = (
  pointer: string,
  message: string,
  vocabulary: readonly string[],
  key?: string,
): SchemaProblem => ({
  pointer,
  ...(key === undefined ? {} : { key }),
  message,
  ...(vocabulary.length > 0 ? { vocabulary } : {}),
});

/** `path` and each of its ancestors ("/a/b" → "/a/b", "/a", ""). */
const selfAndAncestors = (path: string): string[] => {
  const out = [path];
  for (let i = path.lastIndexOf('/'); i >= 0; i = path.lastIndexOf('/', i - 1)) {
    out.push(path.slice(0, i));
    if (i === 0) break;
  }
  return out;
};

/** Paths at which, or below which, some error of the given kind sits. */
const reach = (errs: readonly ErrorObject[], strictlyBelow: boolean): Set<string> => {
  const set = new Set<string>();
  for (const e of errs) {
    const paths = selfAndAncestors(e.instancePath);
    for (const p of strictlyBelow ? paths.slice(1) : paths) set.add(p);
  }
  return set;
};

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
};

const unknownKey = (e: ErrorObject, ctx: ExplainContext): SchemaProblem => {
  const p = e.params as Obj;
  const key = String(p.additionalProperty ?? p.unevaluatedProperty);
  const title = isObj(e.parentSchema) ? e.parentSchema.title : undefined;
  const what = OPTION_LEVELS.has(String(title)) ? 'option' : 'key';
  const hint = suggestKey(key, propertyNames(e.parentSchema, ctx.schema));
  const note = KEY_NOTES.get(key);
  const message = `unknown ${what} ${code(key)}${note ?? (hint ? ` — did you mean ${code(hint)}?` : '')}`;
  const vocabulary = note === undefined && hint !== undefined ? [hint] : [];
  return problem(`${e.instancePath}/${escapePointer(key)}`, message, vocabulary, key);
};

/** The pruned, readable problems for Ajv errors (Ajv run with allErrors and verbose). */
export const explainErrors = (
  errors: readonly ErrorObject[],
  ctx: ExplainContext,
): SchemaProblem[] => {
  const errs = errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const types = errs.filter((e) => e.keyword === 'type');
  const plain = errs.filter((e) => !COMBINATORS.has(e.keyword));
  // A branch accepted the value's type here when a more precise error sits at or below it.
  const precise = new Set([
    ...reach(
      plain.filter((e) => e.keyword !== 'type'),
      false,
    ),
    ...reach(types, true),
  ]);
  const explained = reach(plain, false);
  const typesAt = groupBy(types, (e) => e.instancePath);
  const branchRequired = groupBy(
    errs.filter((e) => e.keyword === 'required' && BRANCH_REQUIRED.test(e.schemaPath)),
    (e) => `${e.instancePath}|${e.schemaPath.replace(BRANCH_REQUIRED, '$1')}`,
  );
  const out: SchemaProblem[] = [];
  const done = new Set<string>();
  const once = (id: string) => !done.has(id) && Boolean(done.add(id));
  for (const e of errs) {
    const path = e.instancePath;
    const condition = conditionMessage(e);
    if (condition !== undefined) {
      out.push({ pointer: path, message: condition });
    } else if (e.keyword === 'type') {
      if (precise.has(path) || !once(`type|${path}`)) continue;
      const expected = (typesAt.get(path) ?? []).flatMap((t) =>
        expectedTypes(typesOf(t.params.type), t.parentSchema),
      );
      out.push({ pointer: path, message: typeMessage([...new Set(expected)], e, ctx) });
    } else if (COMBINATORS.has(e.keyword)) {
      if (!explained.has(path)) out.push(problem(path, message(e, ctx), vocabularyOf(e)));
    } else if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
      out.push(unknownKey(e, ctx));
    } else if (e.keyword === 'required' && BRANCH_REQUIRED.test(e.schemaPath)) {
      const group = `${path}|${e.schemaPath.replace(BRANCH_REQUIRED, '$1')}`;
      if (!once(group)) continue;
      const required = (branchRequired.get(group) ?? []).flatMap(vocabularyOf);
      out.push(problem(path, `must have ${orList(required.map(code))}`, required));
    } else if (e.propertyName !== undefined) {
      const key = e.propertyName;
      const msg = message({ ...e, data: key }, ctx);
      out.push(problem(`${path}/${escapePointer(key)}`, `key ${msg}`, vocabularyOf(e), key));
    } else {
      out.push(problem(path, message(e, ctx), vocabularyOf(e)));
    }
  }
  return out.filter((p) => once(`${p.pointer}\n${p.message}`));
};
