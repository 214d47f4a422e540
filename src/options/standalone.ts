import { createRequire } from 'node:module';
import { newAjv } from './ajv.js';
import { buildCallsSchema, buildConfigSchema } from './schema.js';
import { VALIDATOR_FILES } from './validator-files.js';

/**
 * Standalone validator modules: Ajv's generated code for each schema, so `validate` loads a
 * ready function (milliseconds) instead of compiling the schema (hundreds of milliseconds).
 * Each module exports the validate function and, as `schema`, the schema it was built from.
 */

const require = createRequire(import.meta.url);

export { VALIDATOR_FILES } from './validator-files.js';

const HEADER = '// Generated from src/options/ by `npm run schema`; do not edit by hand.\n';

const renderModule = (schema: Record<string, unknown>): string => {
  const standalone =
    require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
  const ajv = newAjv({ code: { source: true } });
  const validate = ajv.compile(schema);
  const code = standalone.default(ajv, validate);
  return `${HEADER}${code}\nmodule.exports.schema = ${JSON.stringify(schema)};\n`;
};

/** Repo-relative path to the source of each standalone validator module. */
export const renderValidatorModules = (): Record<string, string> => ({
  [VALIDATOR_FILES.calls]: renderModule(buildCallsSchema()),
  [VALIDATOR_FILES.config]: renderModule(buildConfigSchema()),
});
