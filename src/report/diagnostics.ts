import { whereOf } from '../config/diagnostics.js';
import { suggestKey } from '../options/suggest.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { sortDiagnostics } from '../validate/diagnostic.js';
import { excerpt } from './excerpt.js';
import { printable } from './printable.js';
import type { Style } from './style.js';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A value that is a reference (`${VG_API_KEY}`), shown as written. */
const NOT_REFERENCE = `(?!["']?\\$\\{)`;

/** `key:` opening a line (block style, or its colon forgotten): the rest of the line is the value. */
const blockKey = (key: string) =>
  new RegExp(`^(\\s*(?:-\\s+)?["']?${key}["']?(?:\\s*:\\s*|\\s+))${NOT_REFERENCE}(\\S.*)$`, 'i');

/** `key:` inside a flow map: the value is a quoted string, or plain text up to `,` `}` `]`. */
const flowKey = (key: string) =>
  new RegExp(
    `(["']?${key}["']?\\s*:\\s*)${NOT_REFERENCE}("(?:[^"\\\\]|\\\\.)*"?|'(?:[^']|'')*'?|[^\\s,}\\]][^,}\\]]*)`,
    'gi',
  );

/** api_key and the ways it gets misspelt: apiKey, api-key, API_KEY. */
const API_KEY = 'api[_-]?key';

const mask = (text: string, key: string): string => {
  const block = blockKey(key);
  return block.test(text) ? text.replace(block, '$1***') : text.replace(flowKey(key), '$1***');
};

/**
 * An api_key written literally in callops.yaml is a secret even there (it draws a warning):
 * the source line shown under an error never repeats it, in block or flow style, nor the
 * value of `keys` (escaped as regular expressions). A reference is shown as written.
 */
export const maskSecretLine = (text: string, keys: readonly string[] = []): string =>
  [API_KEY, ...keys].reduce(mask, text);

/** A key under a target that may hold the api key under another name (api_kye, token…). */
const secretLike = (key: string): boolean =>
  /key|token|secret|pass|auth|bearer|cred/i.test(key) || suggestKey(key, ['api_key']) === 'api_key';

/**
 * The source line shown under a diagnostic: an api_key value on its own line is hidden
 * whole, and so is the value of a target key that looks like a misspelt api_key.
 */
const shownLine = (d: Diagnostic, text: string): string => {
  if (/\/api_key$/.test(d.path) && !/api_key/.test(text)) return text.replace(/\S.*$/, '***');
  const key = /^\/targets\/[^/]+\/([^/]+)$/
    .exec(d.path)?.[1]
    ?.replaceAll('~1', '/')
    .replaceAll('~0', '~');
  return maskSecretLine(text, key !== undefined && secretLike(key) ? [escapeRegExp(key)] : []);
};

/**
 * Human format: `file:line:col: message`, the offending line (a window of it around the
 * column when long) and a caret under the column. File names, messages and the line are
 * shown as printable shows them: they hold what the user wrote.
 */
export const renderDiagnosticsHuman = (
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
  style: Style,
): string => {
  // Each file's text split into lines once, however many of its diagnostics are shown.
  const split = new Map<string, readonly string[] | undefined>();
  const sourceLine = (file: string, line: number): string | undefined => {
    if (!split.has(file)) split.set(file, sourceText(file)?.split(/\r?\n/));
    return split.get(file)?.[line - 1];
  };
  const lines: string[] = [];
  for (const d of sortDiagnostics(diagnostics)) {
    const label = d.severity === 'error' ? style('red', 'error') : style('yellow', 'warning');
    lines.push(`${style('bold', printable(whereOf(d)))}: ${label}: ${printable(d.message)}`);
    const text = d.line > 0 ? sourceLine(d.file, d.line) : undefined;
    if (text !== undefined) {
      const gutter = String(d.line).padStart(5);
      const shown = excerpt(shownLine(d, text), d.column);
      lines.push(style('gray', `${gutter} | `) + shown.text);
      const pad = ' '.repeat(shown.caret);
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
