import type { Diagnostic } from '../validate/diagnostic.js';
import { sortDiagnostics } from '../validate/diagnostic.js';
import type { Style } from './style.js';

const where = (d: Diagnostic): string => (d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file);

/**
 * An api_key written literally in callops.yaml is a secret even there (it draws a warning):
 * the source line shown under an error never repeats it.
 */
export const maskSecretLine = (text: string): string =>
  text.replace(/^(\s*(?:-\s+)?["']?api_key["']?\s*:\s*)(?!\$\{)(\S.*)$/, '$1***');

/** Human format: `file:line:col: message`, the offending line, and a caret under the column. */
export const renderDiagnosticsHuman = (
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
  style: Style,
): string => {
  const lines: string[] = [];
  for (const d of sortDiagnostics(diagnostics)) {
    const label = d.severity === 'error' ? style('red', 'error') : style('yellow', 'warning');
    lines.push(`${style('bold', where(d))}: ${label}: ${d.message}`);
    const text = d.line > 0 ? sourceText(d.file)?.split(/\r?\n/)[d.line - 1] : undefined;
    if (text !== undefined) {
      const gutter = String(d.line).padStart(5);
      lines.push(style('gray', `${gutter} | `) + maskSecretLine(text).replace(/\t/g, '→'));
      const pad = ' '.repeat(Math.max(0, d.column - 1));
      lines.push(`${style('gray', `${' '.repeat(5)} | `)}${pad}${style('red', '^')}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
};

const escapeData = (text: string): string =>
  text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string): string =>
  escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub workflow commands: one `::error file=…,line=…,col=…::message` per diagnostic. */
export const renderDiagnosticsGithub = (diagnostics: readonly Diagnostic[]): string =>
  sortDiagnostics(diagnostics)
    .map((d) => {
      const props = [`file=${escapeProperty(d.file)}`];
      if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
      props.push(`title=${escapeProperty(`callops: ${d.path || d.file}`)}`);
      return `::${d.severity} ${props.join(',')}::${escapeData(d.message)}\n`;
    })
    .join('');

export const diagnosticsJson = (diagnostics: readonly Diagnostic[]) =>
  sortDiagnostics(diagnostics).map(({ file, line, column, path, message, severity }) => ({
    file,
    line,
    column,
    path,
    message,
    severity,
  }));

export const summarizeDiagnostics = (diagnostics: readonly Diagnostic[]): string => {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
};
