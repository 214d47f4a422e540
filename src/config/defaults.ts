/** The `calls` patterns when callops.yaml gives none: YAML files under calls/, either extension. */
export const DEFAULT_CALL_GLOBS = ['calls/**/*.yaml', 'calls/**/*.yml'] as const;

/** The names callops.yaml may have in the project root. */
export const CONFIG_FILES = ['callops.yaml', 'callops.yml'] as const;
