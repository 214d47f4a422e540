import { createRequire } from 'node:module';
import { newAjv } from './ajv.js';
import { asciiOnly } from './ascii.js';
import { buildCallsSchema, buildConfigSchema } from './schema.js';
import { LAZY_DEFINITIONS, VALIDATOR_FILES } from './validator-files.js';

/**
 * Standalone validator modules: Ajv's generated code for each schema, so `validate` loads a
 * ready function (milliseconds) instead of compiling the schema (hundreds of milliseconds).
 * Each module exports the validate function alone; the schema it was built from is the
 * schema file beside it, which only the explanation of errors reads.
 *
 * Two choices keep the module quick to load. Its text is pure ASCII (every other character
 * written as a `\uXXXX` escape): Node then decodes it on its fast path and V8 keeps its
 * strings one byte wide. And the schema compiled into it carries no prose (`description`,
 * `markdownDescription`, `$comment`, `examples`): annotations that validate nothing and that
 * no error message reads, a fifth of the module otherwise.
 */

const require = createRequire(import.meta.url);

export { asciiOnly } from './ascii.js';
export { LAZY_DEFINITIONS, VALIDATOR_FILES } from './validator-files.js';

const HEADER = '// Generated from src/options/ by `npm run schema`; do not edit by hand.\n';

/** Annotation keywords dropped from the compiled copy of a schema. */
const PROSE = new Set(['description', 'markdownDescription', '$comment', 'examples']);
/** Keywords whose value maps names (of properties, definitions) to schemas. */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
/** Keywords whose value is data, not schema: copied as it is. */
const DATA = new Set(['enum', 'const', 'default', 'required', 'dependentRequired']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A copy of a schema without its prose annotations; property names and data untouched. */
export const withoutProse = (schema: Json): Json => {
  if (Array.isArray(schema)) return schema.map(withoutProse);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PROSE.has(key)) continue;
    if (DATA.has(key)) out[key] = value;
    else if (NAMED_SCHEMAS.has(key) && typeof value === 'object' && value !== null) {
      const named: { [key: string]: Json } = {};
      for (const [name, sub] of Object.entries(value)) named[name] = withoutProse(sub);
      out[key] = named;
    } else out[key] = withoutProse(value);
  }
  return out;
};

/** The keyword that stands, in the compiled copy of a schema, for a lazy definition's body. */
const LAZY_KEYWORD = 'callopsLazyRef';
const REF_PREFIX = '#/$defs/';
const isObject = (node: Json): node is { [key: string]: Json } =>
  typeof node === 'object' && node !== null && !Array.isArray(node);

/** The definitions a schema node refers to, directly or through others. */
const reachable = (
  node: Json,
  defs: { [key: string]: Json },
  seen = new Set<string>(),
): Set<string> => {
  if (Array.isArray(node)) for (const item of node) reachable(item, defs, seen);
  else if (isObject(node))
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        const name = value.slice(REF_PREFIX.length);
        if (!seen.has(name)) {
          seen.add(name);
          reachable(defs[name] ?? null, defs, seen);
        }
      } else if (!DATA.has(key) && key !== '$defs') reachable(value, defs, seen);
    }
  return seen;
};

/**
 * A schema that validates as one definition does, with the definitions it needs: a `$ref`
 * to it, so that its errors carry the same schema and paths as within the whole schema.
 */
const definitionSchema = (schema: { [key: string]: Json }, name: string): Json => {
  const defs = (schema.$defs ?? {}) as { [key: string]: Json };
  const root = defs[name] ?? null;
  if (!isObject(root)) throw new Error(`no definition ${name} to validate on its own`);
  const needed = [...new Set([name, ...reachable(root, defs)])].sort();
  return {
    $ref: `${REF_PREFIX}${name}`,
    $defs: Object.fromEntries(needed.map((n) => [n, defs[n] ?? null])),
  };
};

/**
 * The schema to compile, each lazy definition's body replaced by the lazy keyword: every
 * `$ref` to it stays as it was, so Ajv compiles each schema holding one as it does the
 * whole schema (a function of its own or inlined alike), and errors carry the same schema
 * and paths. The definitions only a lazy one needed are dropped.
 */
const withoutLazyDefinitions = (schema: { [key: string]: Json }): { [key: string]: Json } => {
  const { $defs, ...rest } = schema;
  const defs: { [key: string]: Json } = { ...(isObject($defs ?? null) ? ($defs as object) : {}) };
  for (const name of Object.keys(LAZY_DEFINITIONS))
    if (defs[name] !== undefined) defs[name] = { [LAZY_KEYWORD]: name };
  const kept = reachable(rest, defs);
  const keptDefs = Object.entries(defs).filter(([n]) => kept.has(n));
  return keptDefs.length === 0 ? rest : { ...rest, $defs: Object.fromEntries(keptDefs) };
};

type Validate = ((data: unknown, cxt?: unknown) => boolean) & { errors?: unknown };

/**
 * The lazy keyword's code: the call Ajv makes for a `$ref` (the same arguments, its errors
 * added the same way), of a function that requires the definition's module on first use:
 * through the validator's `requireLazy` when its loader set one (callops sets the code
 * cache's), else through `require`.
 * `compiled` holds the same definitions compiled here, for Ajv's own compile of the schema.
 */
const lazyKeyword = (compiled: Readonly<Record<string, Validate>>) => {
  const { _, nil } =
    require('ajv/dist/compile/codegen/index.js') as typeof import('ajv/dist/compile/codegen/index.js');
  const { _Code } =
    require('ajv/dist/compile/codegen/code.js') as typeof import('ajv/dist/compile/codegen/code.js');
  const { callValidateCode } =
    require('ajv/dist/vocabularies/code.js') as typeof import('ajv/dist/vocabularies/code.js');
  const N = (require('ajv/dist/compile/names.js') as typeof import('ajv/dist/compile/names.js'))
    .default;
  const stand: Record<string, Validate> = {};
  return {
    keyword: LAZY_KEYWORD,
    schemaType: 'string',
    code: (cxt: import('ajv').KeywordCxt) => {
      const name = cxt.schema as string;
      const file = LAZY_DEFINITIONS[name];
      const inner = compiled[name];
      if (file === undefined || inner === undefined) throw new Error(`no lazy module of ${name}`);
      if (stand[name] === undefined) {
        const ref: Validate = (data, c) => {
          const ok = inner(data, c);
          ref.errors = inner.errors;
          return ok;
        };
        stand[name] = ref;
      }
      const relative = JSON.stringify(`./${file.slice(file.lastIndexOf('/') + 1)}`);
      const fn = cxt.gen.scopeValue('func', {
        ref: stand[name],
        code: new _Code(
          `((file) => { let f; const lazy = (data, cxt) => { const load = module.exports.requireLazy; f ??= load ? load(require.resolve(file)) : require(file); const ok = f(data, cxt); lazy.errors = f.errors; return ok; }; return lazy; })(${relative})`,
        ),
      });
      const errs = _`${fn}.errors`;
      cxt.result(
        callValidateCode(cxt, fn, nil),
        () => undefined,
        () => {
          cxt.gen.assign(
            N.vErrors,
            _`${N.vErrors} === null ? ${errs} : ${N.vErrors}.concat(${errs})`,
          );
          cxt.gen.assign(N.errors, _`${N.vErrors}.length`);
        },
      );
    },
  };
};

const standaloneOf = (ajv: ReturnType<typeof newAjv>, validate: unknown): string => {
  const standalone =
    require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  return asciiOnly(
    `${HEADER}${standalone.default(ajv, validate as Parameters<typeof standalone.default>[1])}\n`,
  );
};

interface Rendered {
  readonly module: string;
  /** Each lazy definition's module, by its file. */
  readonly lazy: Readonly<Record<string, string>>;
}

const renderModule = (schema: Record<string, unknown>): Rendered => {
  const plain = withoutProse(schema as Json) as { [key: string]: Json };
  const lazy: Record<string, string> = {};
  const compiled: Record<string, Validate> = {};
  const defs = (plain.$defs ?? {}) as { [key: string]: Json };
  for (const [name, file] of Object.entries(LAZY_DEFINITIONS)) {
    if (defs[name] === undefined) continue;
    const ajv = newAjv({ code: { source: true } });
    const validate = ajv.compile(definitionSchema(plain, name) as Record<string, unknown>);
    compiled[name] = validate as Validate;
    lazy[file] = standaloneOf(ajv, validate);
  }
  const ajv = newAjv({ code: { source: true } });
  ajv.addKeyword(lazyKeyword(compiled) as never);
  const validate = ajv.compile(withoutLazyDefinitions(plain) as Record<string, unknown>);
  return { module: standaloneOf(ajv, validate), lazy };
};

/**
 * Repo-relative path to the source of each standalone validator module, the lazy
 * definitions' modules included (one module each, shared: the schemas define them alike).
 */
export const renderValidatorModules = (): Record<string, string> => {
  const calls = renderModule(buildCallsSchema());
  const config = renderModule(buildConfigSchema());
  for (const [file, text] of Object.entries(config.lazy))
    if (calls.lazy[file] !== undefined && calls.lazy[file] !== text)
      throw new Error(`${file}: the two schemas define it differently`);
  return {
    [VALIDATOR_FILES.calls]: calls.module,
    [VALIDATOR_FILES.config]: config.module,
    ...config.lazy,
    ...calls.lazy,
  };
};
