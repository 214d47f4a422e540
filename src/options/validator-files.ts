/** Repo-relative paths of the generated standalone validator modules (see standalone.ts). */
export const VALIDATOR_FILES = {
  calls: 'schemas/callops-calls.validate.cjs',
  config: 'schemas/callops-config.validate.cjs',
} as const;

/**
 * The schema file each validator was generated from (the same paths as render.ts's
 * SCHEMA_FILES, kept here so that `validate` reads them without loading the renderer): read
 * only to explain errors.
 */
export const VALIDATOR_SCHEMAS = {
  calls: 'schemas/callops-calls.schema.json',
  config: 'schemas/callops-config.schema.json',
} as const;
