/** A problem in user input, located in a file. Bad input is data, never an exception. */
export interface Diagnostic {
  /** Path relative to the project root, with forward slashes (or a flag name such as `--rate`). */
  readonly file: string;
  /** 1-based; 0 when the problem has no position (a flag, a missing file). */
  readonly line: number;
  /** 1-based; 0 when the problem has no position. */
  readonly column: number;
  /** JSON pointer inside the YAML document, e.g. `/calls/1/to/number` ('' for the document). */
  readonly path: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  /**
   * Words of callops' own the message quotes — a did-you-mean's suggestion taken from its own
   * list (a time zone, a key), the values an option takes — never the user's text: a `.env`
   * value that happens to be one is left there when the message is redacted (Redactor).
   */
  readonly vocabulary?: readonly string[];
  /**
   * `file` is a path as it was typed (a PATH of `validate` naming nothing readable, or a
   * directory holding no call file), not a file found on disk: it is redacted as what was
   * typed is (a secret typed by mistake shows its reference), where a location is not.
   */
  readonly typed?: true;
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === 'error');

/** Stable order for reporting: by file, then line, then column. */
export const sortDiagnostics = (diagnostics: readonly Diagnostic[]): Diagnostic[] =>
  [...diagnostics].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.message.localeCompare(b.message),
  );

/** What makes two diagnostics one: the same place and the same words. */
export const diagnosticId = (d: Diagnostic): string =>
  `${d.file}\0${d.line}\0${d.column}\0${d.message}`;

/**
 * Drops repeats: a bad or missing value in defaults is found once per call that inherits it,
 * at the same place with the same words; it is reported once.
 */
export const uniqueDiagnostics = (diagnostics: readonly Diagnostic[]): Diagnostic[] => {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const id = diagnosticId(d);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
};

/**
 * Drops the warnings `said` holds (by diagnosticId) and adds those it keeps: what a long run
 * has said once is not said at each of its batches. Errors are always kept.
 */
export const unsaidWarnings = (
  diagnostics: readonly Diagnostic[],
  said: Set<string>,
): Diagnostic[] =>
  diagnostics.filter((d) => {
    if (d.severity !== 'warning') return true;
    const id = diagnosticId(d);
    if (said.has(id)) return false;
    said.add(id);
    return true;
  });
