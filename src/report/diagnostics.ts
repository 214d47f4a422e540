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

/** A source line as shown, and the column (1-based) its caret goes under. */
interface Shown {
  readonly text: string;
  readonly column: number;
}

/** Characters a hidden value is shown as. */
const HIDDEN = '***';

/**
 * Each match of `pattern` (global) with what follows its first group shown as ***, the
 * column moved with the text: one after a hidden value keeps naming its character, one
 * inside it names the ***.
 */
const hide = (shown: Shown, pattern: RegExp): Shown => {
  const at = shown.column - 1;
  let text = '';
  let cursor = 0;
  let column = shown.column;
  for (const m of shown.text.matchAll(pattern)) {
    const start = m.index + (m[1] ?? '').length;
    const end = m.index + m[0].length;
    if (end <= start) continue;
    text += `${shown.text.slice(cursor, start)}${HIDDEN}`;
    if (at >= end) column -= end - start - HIDDEN.length;
    else if (at > start) column = text.length - HIDDEN.length + 1;
    cursor = end;
  }
  return cursor === 0 ? shown : { text: text + shown.text.slice(cursor), column };
};

/** `key:` opening a line (block style, or its colon forgotten): the rest of the line is the value. */
const blockKey = (key: string) =>
  new RegExp(`^(\\s*(?:-\\s+)?["']?${key}["']?(?:\\s*:\\s*|\\s+))${NOT_REFERENCE}\\S.*$`, 'gi');

/** `key:` inside a flow map: the value is a quoted string, or plain text up to `,` `}` `]`. */
const flowKey = (key: string) =>
  new RegExp(
    `(["']?${key}["']?\\s*:\\s*)${NOT_REFERENCE}(?:"(?:[^"\\\\]|\\\\.)*"?|'(?:[^']|'')*'?|[^\\s,}\\]][^,}\\]]*)`,
    'gi',
  );

/** api_key and the ways it gets misspelt: apiKey, api-key, API_KEY. */
const API_KEY = 'api[_-]?key';

const maskKey = (shown: Shown, key: string): Shown => {
  const block = hide(shown, blockKey(key));
  return block !== shown ? block : hide(shown, flowKey(key));
};

/**
 * The password of a URL written in the line (`postgres://ops:PASSWORD@db/ops`, a base_url
 * with `user:password@`), up to the last `@` before white space: one holding `/`, `:` or `@`
 * unescaped (then not a URL at all) is hidden whole. Failing that (a password with a space,
 * quoted or not), up to the last `@` before the next `,` `{` `}` `[` `]` (a flow map's next
 * key), and failing that up to the last `@` of the line: more is hidden rather than less.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*:)(?:\S+|[^,{}[\]]+|.+)(?=@)/gi;

/**
 * A `password=` parameter, as a PostgreSQL URL takes one (`?sslmode=require&password=…`), or
 * a keyword of a libpq connection string (`host=db password=… dbname=ops`, its value quoted
 * or not).
 */
const PASSWORD_PARAMETER =
  /((?:^|[\s?&'"{,])password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^&#\s'",}\]]+)/gi;

const maskShown = (shown: Shown, keys: readonly string[]): Shown =>
  [URL_PASSWORD, PASSWORD_PARAMETER].reduce(hide, [API_KEY, ...keys].reduce(maskKey, shown));

/**
 * Secrets written literally in callops.yaml are secrets even there (they draw a warning):
 * the source line shown under an error never repeats them, in block or flow style — an
 * api_key, the value of `keys` (escaped as regular expressions), the password of a URL
 * (a database url, a base_url) or its `password=` parameter. A reference is shown as written.
 */
export const maskSecretLine = (text: string, keys: readonly string[] = []): string =>
  maskShown({ text, column: 1 }, keys).text;

/** A key under a target that may hold the api key under another name (api_kye, token…). */
const secretLike = (key: string): boolean =>
  /key|token|secret|pass|auth|bearer|cred/i.test(key) || suggestKey(key, ['api_key']) === 'api_key';

/**
 * The source line shown under a diagnostic and its column: an api_key value on its own line
 * is hidden whole, and so is the value of a target key that looks like a misspelt api_key.
 */
const shownLine = (d: Diagnostic, text: string): Shown => {
  const line = { text, column: d.column };
  if (/\/api_key$/.test(d.path) && !/api_key/.test(text)) {
    return maskShown(hide(line, /^(\s*)\S.*$/g), []);
  }
  const key = /^\/targets\/[^/]+\/([^/]+)$/
    .exec(d.path)?.[1]
    ?.replaceAll('~1', '/')
    .replaceAll('~0', '~');
  return maskShown(line, key !== undefined && secretLike(key) ? [escapeRegExp(key)] : []);
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
      const line = shownLine(d, text);
      const shown = excerpt(line.text, line.column);
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
