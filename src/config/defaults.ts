/** The `calls` patterns when callops.yaml gives none: YAML files under calls/, either extension. */
export const DEFAULT_CALL_GLOBS = ['calls/**/*.yaml', 'calls/**/*.yml'] as const;
