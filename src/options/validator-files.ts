/** Repo-relative paths of the generated standalone validator modules (see standalone.ts). */
export const VALIDATOR_FILES = {
  calls: 'schemas/callops-calls.validate.cjs',
  config: 'schemas/callops-config.validate.cjs',
} as const;
