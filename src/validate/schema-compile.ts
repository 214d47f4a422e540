import type { ValidateFunction } from 'ajv/dist/2020.js';
import { newAjv } from '../options/ajv.js';
import { buildCallsSchema, buildConfigSchema } from '../options/schema.js';

/**
 * Compiles a schema from the option table: the fallback of schema-check.ts when a generated
 * validator module is missing (a checkout where `npm run schema` has not run). Its own
 * module, so that `validate` loads Ajv and the schema builders only then.
 */
export const compileValidator = (
  which: 'calls' | 'config',
): { readonly validate: ValidateFunction; readonly schema: Record<string, unknown> } => {
  const schema = which === 'calls' ? buildCallsSchema() : buildConfigSchema();
  return { validate: newAjv().compile(schema), schema };
};
