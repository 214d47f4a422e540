import { createRequire } from 'node:module';
import { newAjv } from './ajv.js';
import { asciiOnly } from './ascii.js';
import { buildCallsSchema, buildConfigSchema } from './schema.js';
import { VALIDATOR_FILES } from './validator-files.js';

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
export { VALIDATOR_FILES } from './validator-files.js';

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

const renderModule = (schema: Record<string, unknown>): string => {
  const standalone =
    require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  const ajv = newAjv({ code: { source: true } });
  const validate = ajv.compile(withoutProse(schema as Json) as Record<string, unknown>);
  return asciiOnly(`${HEADER}${standalone.default(ajv, validate)}\n`);
};

/** Repo-relative path to the source of each standalone validator module. */
export const renderValidatorModules = (): Record<string, string> => ({
  [VALIDATOR_FILES.calls]: renderModule(buildCallsSchema()),
  [VALIDATOR_FILES.config]: renderModule(buildConfigSchema()),
});
