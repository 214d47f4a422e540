import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { requireWithCodeCache } from '../config/compile-cache.js';
import type { PathSegments, SourceDocument } from '../config/types.js';
import { VAR_PATTERN } from '../options/fragments.js';
import { LAZY_DEFINITIONS, SCHEMA_FILES, VALIDATOR_FILES } from '../options/validator-files.js';
import type { Diagnostic } from './diagnostic.js';
import { explainErrors, type SchemaProblem, unescapePointer } from './schema-errors.js';

/**
 * Structural checks of call files and callops.yaml against the JSON Schemas generated from
 * the option table. The validators are the standalone modules generated beside the schema
 * files (loaded once, on first use, through the code cache of compile-cache.ts); compiling
 * the schema instead costs about half a second. The schema itself is read only to explain
 * errors.
 */

interface Validator {
  readonly validate: ValidateFunction;
  readonly schema: () => Record<string, unknown>;
}

const require = createRequire(import.meta.url);

/** A generated module's path (repo root is two levels above src/validate/ and dist/validate/). */
const generated = (file: string): string => require.resolve(`../../${file}`);

const present = (file: string): boolean => {
  try {
    return existsSync(generated(file));
  } catch {
    return false;
  }
};

/**
 * The compile fallback (Ajv, the option table, the schema builders) is loaded only when a
 * generated module or schema file is missing; with all present, `validate` never needs it.
 */
const fallback = [
  ...Object.values(VALIDATOR_FILES),
  ...Object.values(LAZY_DEFINITIONS),
  ...Object.values(SCHEMA_FILES),
].every(present)
  ? undefined
  : await import('./schema-compile.js');

/** Reads a generated schema file once, when an error is first explained. */
const schemaFile = (which: keyof typeof SCHEMA_FILES): (() => Record<string, unknown>) => {
  let schema: Record<string, unknown> | undefined;
  return () => {
    schema ??= JSON.parse(readFileSync(generated(SCHEMA_FILES[which]), 'utf8')) as Record<
      string,
      unknown
    >;
    return schema;
  };
};

const load = (which: keyof typeof VALIDATOR_FILES): Validator => {
  try {
    const mod = requireWithCodeCache(generated(VALIDATOR_FILES[which]), undefined, '', {
      eager: true,
    });
    const validate = mod.exports as ValidateFunction & { requireLazy?: (path: string) => unknown };
    // The recognizer's module (LAZY_DEFINITIONS), required when a document first holds one,
    // through the same code cache.
    validate.requireLazy = (path) =>
      requireWithCodeCache(path, undefined, '', { eager: true }).exports;
    return { validate, schema: schemaFile(which) };
  } catch (error) {
    const compile = fallback?.compileValidator;
    if (compile === undefined) throw error;
    const compiled = compile(which);
    return { validate: compiled.validate, schema: () => compiled.schema };
  }
};

let calls: Validator | undefined;
let config: Validator | undefined;

const callsValidator = (): Validator => {
  calls ??= load('calls');
  return calls;
};

const configValidator = (): Validator => {
  config ??= load('config');
  return config;
};

/** JSON pointer to path segments, with array indexes as numbers. */
export const pointerSegments = (data: unknown, pointer: string): PathSegments => {
  const segments: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescapePointer(raw);
    if (Array.isArray(node)) {
      segments.push(Number(seg));
      node = node[Number(seg)];
    } else {
      segments.push(seg);
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[seg]
          : undefined;
    }
  }
  return segments;
};

/** The plain token written at a position (e.g. `+15551234567`), to quote it back. */
const tokenAt = (text: string, line: number, column: number): string | undefined => {
  const source = text.split(/\r?\n/)[line - 1];
  return source?.slice(column - 1).match(/^[^\s,\]}#]+/)?.[0];
};

/** The api_key of a target and the state url: secrets even when written in the file. */
const isSecretKey = (pointer: string): boolean =>
  /^\/targets\/[^/]+\/api_key$/.test(pointer) || pointer === '/state/url';

const check = (
  compiled: Validator,
  doc: SourceDocument,
  text?: string,
  isSecret?: (pointer: string) => boolean,
): Diagnostic[] => {
  try {
    if (compiled.validate(doc.data)) return [];
    const rawAt = text
      ? (pointer: string) => {
          const pos = doc.locate(pointerSegments(doc.data, pointer));
          return tokenAt(text, pos.line, pos.column);
        }
      : undefined;
    const problems = explainErrors(compiled.validate.errors ?? [], {
      schema: compiled.schema(),
      ...(rawAt ? { rawAt } : {}),
      ...(isSecret ? { isSecret } : {}),
    });
    return problems.map((p) => toDiagnostic(doc, p));
  } catch (err) {
    return [
      {
        file: doc.file,
        line: 0,
        column: 0,
        path: '',
        message: `could not check this document against the schema: ${String(err)}`,
        severity: 'error',
      },
    ];
  }
};

const toDiagnostic = (doc: SourceDocument, p: SchemaProblem): Diagnostic => {
  const segments = pointerSegments(doc.data, p.pointer);
  const pos = p.key !== undefined ? doc.locateKey(segments) : doc.locate(segments);
  return {
    file: doc.file,
    line: pos.line,
    column: pos.column,
    path: p.pointer,
    message: p.message,
    severity: 'error',
    ...(p.vocabulary === undefined ? {} : { vocabulary: p.vocabulary }),
  };
};

/**
 * Structural errors of one call-file document. `text`, the file's source, is optional: with
 * it, a number written where a string belongs is quoted back exactly as written.
 */
export const checkCallsDocument = (doc: SourceDocument, text?: string): Diagnostic[] =>
  check(callsValidator(), doc, text);

/** Structural errors of the callops.yaml document. */
export const checkConfigDocument = (doc: SourceDocument, text?: string): Diagnostic[] =>
  check(configValidator(), doc, text, isSecretKey);

/** A schema problem of a call's options, its pointer relative to the options. */
export interface OptionProblem {
  readonly pointer: string;
  readonly message: string;
}

const numeric = /^-?\d+(\.\d+)?$/;
const CALL_POINTER = /^\/calls\/0(?=\/|$)/;

/**
 * Checks the options of one call after its `${VAR}` references were resolved, against the
 * same schema as literals. Where the schema takes a number or a reference (`timeout`,
 * nested numbers of `amd`…), a resolved string of digits becomes that number first; any
 * other value keeps its type. Returns the options so converted and what is still wrong.
 */
export const checkResolvedOptions = (options: Readonly<Record<string, unknown>>): OptionsCheck =>
  checkOptions(options, false) as OptionsCheck;

/**
 * checkResolvedOptions of a definition's own options, holding no reference (not a copy):
 * undefined, with nothing changed, when a string of digits would have to become a number
 * in place (the caller then checks a copy).
 */
export const checkLiteralOptions = (
  options: Readonly<Record<string, unknown>>,
): OptionsCheck | undefined => checkOptions(options, true);

export interface OptionsCheck {
  readonly options: Record<string, unknown>;
  readonly problems: readonly OptionProblem[];
  /** Whether a string of digits became a number. */
  readonly converted: boolean;
}

const checkOptions = (
  options: Readonly<Record<string, unknown>>,
  shared: boolean,
): OptionsCheck | undefined => {
  const compiled = callsValidator();
  // Own properties set one by one (a `__proto__` key defined, so that it stays a key), never
  // spread: the generated validator reads a spread object about 20 times slower.
  const call: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (key === '__proto__')
      Object.defineProperty(call, key, { value, enumerable: true, writable: true });
    else call[key] = value;
  }
  call.name = 'resolved';
  const doc = { calls: [call] };
  const run = () => (compiled.validate(doc) ? [] : [...(compiled.validate.errors ?? [])]);
  let errors = run();
  // A number written as a reference: the schema allowed the `${…}` string in its place.
  const numberSlots = errors.filter(
    (e) =>
      e.keyword === 'pattern' &&
      (e.params as { pattern?: string }).pattern === VAR_PATTERN &&
      typeof e.data === 'string' &&
      numeric.test(e.data),
  );
  if (numberSlots.length > 0) {
    if (shared) return undefined;
    for (const e of numberSlots) setAt(doc, pointerSegments(doc, e.instancePath), Number(e.data));
    errors = run();
  }
  // Options checked as they are: nothing to copy.
  if (shared && errors.length === 0) return { options: options, problems: [], converted: false };
  const { name: _name, ...converted } = doc.calls[0] as Record<string, unknown>;
  const wasConverted = numberSlots.length > 0;
  if (errors.length === 0) return { options: converted, problems: [], converted: wasConverted };
  const problems = explainErrors(errors, { schema: compiled.schema() }).map((p) => ({
    pointer: p.pointer.replace(CALL_POINTER, ''),
    message: p.message,
  }));
  return { options: converted, problems, converted: wasConverted };
};

/** `value` with `replacement` at `path`, copied along the path only. */
const replacedAt = (value: unknown, path: PathSegments, replacement: unknown): unknown => {
  const [first, ...rest] = path;
  if (first === undefined) return replacement;
  if (Array.isArray(value))
    return value.map((item, i) => (i === first ? replacedAt(item, rest, replacement) : item));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value as Record<string, unknown>)) {
    const item = (value as Record<string, unknown>)[key];
    const next = key === String(first) ? replacedAt(item, rest, replacement) : item;
    if (key === '__proto__')
      Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true });
    else copy[key] = next;
  }
  return copy;
};

/** What the schema says of a call's options, each problem once: where, which rule. */
const schemaSays = (options: unknown): Set<string> => {
  const compiled = callsValidator();
  const doc = { calls: [{ ...(options as Record<string, unknown>), name: 'resolved' }] };
  if (compiled.validate(doc)) return new Set();
  return new Set((compiled.validate.errors ?? []).map((e) => `${e.instancePath} ${e.schemaPath}`));
};

/**
 * Whether `text` in place of the value at `path` of a call's options is taken as the value
 * was: the schema says nothing of it that it did not say already. Where it holds, a number
 * may be quoted to send its text (a `tag`, a listen's `metadata`); where it does not (a
 * `timeout`), the option takes a number alone.
 */
export const takesTextAt = (
  options: Readonly<Record<string, unknown>>,
  path: PathSegments,
  text: string,
): boolean => {
  const before = schemaSays(options);
  for (const said of schemaSays(replacedAt(options, path, text)))
    if (!before.has(said)) return false;
  return true;
};

const setAt = (root: unknown, path: PathSegments, value: unknown): void => {
  const parent = path
    .slice(0, -1)
    .reduce<unknown>(
      (node, seg) => (node as Record<string | number, unknown>)[seg],
      root,
    ) as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) parent[last] = value;
};
