/** Repo-relative paths of the generated standalone validator modules (see standalone.ts). */
export const VALIDATOR_FILES = {
  calls: 'schemas/callops-calls.validate.cjs',
  config: 'schemas/callops-config.validate.cjs',
} as const;

/**
 * Definitions validated by a module of their own, which a validator above requires the first
 * time a document holds one: the speech recognizer's options (every vendor's, half of each
 * validator's code), which few calls set. The two validators share it.
 */
export const LAZY_DEFINITIONS: Readonly<Record<string, string>> = {
  'jambonz.components.recognizer': 'schemas/callops-recognizer.validate.cjs',
};

/**
 * The generated JSON Schema files, each the source of the validator of the same name (and
 * read by `validate` only to explain errors): here, so that `validate` reads them without
 * loading the renderer that writes them.
 */
export const SCHEMA_FILES = {
  calls: 'schemas/callops-calls.schema.json',
  config: 'schemas/callops-config.schema.json',
} as const;
