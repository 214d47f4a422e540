import { whereOf } from '../config/diagnostics.js';
import { suggestKey } from '../options/suggest.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { sortDiagnostics } from '../validate/diagnostic.js';
import { excerpt } from './excerpt.js';
import { printable } from './printable.js';
import type { Style } from './style.js';
import { type Span, urlPasswordSpans } from './url-password.js';

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
 * What one step of masking hid: its spans (in the text the step was given, in order) and,
 * for each, how much shorter the text is up to its end.
 */
interface Step {
  readonly spans: readonly Span[];
  readonly shorter: readonly number[];
}

/** A line with its secrets shown as ***, and the steps that hid them. */
interface Masked {
  readonly text: string;
  readonly steps: readonly Step[];
}

/** Each (non-empty) span of the text shown as ***. */
const hideSpans = (masked: Masked, spans: Iterable<Span>): Masked => {
  const kept: Span[] = [];
  const shorter: number[] = [];
  let text = '';
  let cursor = 0;
  for (const span of spans) {
    if (span.end <= span.start) continue;
    text += `${masked.text.slice(cursor, span.start)}${HIDDEN}`;
    kept.push(span);
    shorter.push((shorter.at(-1) ?? 0) + span.end - span.start - HIDDEN.length);
    cursor = span.end;
  }
  if (kept.length === 0) return masked;
  return {
    text: text + masked.text.slice(cursor),
    steps: [...masked.steps, { spans: kept, shorter }],
  };
};

/**
 * The column (1-based) moved with the text through one step: one after a hidden value keeps
 * naming its character, one inside it names the ***. A binary search, so a line holding
 * many secrets and many diagnostics costs each of them a logarithm.
 */
const columnThrough = (column: number, { spans, shorter }: Step): number => {
  const at = column - 1;
  // The spans that end at or before the column.
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((spans[mid] as Span).end <= at) lo = mid + 1;
    else hi = mid;
  }
  const before = lo > 0 ? (shorter[lo - 1] as number) : 0;
  const inside = spans[lo];
  return inside !== undefined && at > inside.start ? inside.start - before + 1 : column - before;
};

/** Each match of `pattern` (global) with what follows its first group. */
function* matchSpans(text: string, pattern: RegExp): Generator<Span> {
  for (const m of text.matchAll(pattern)) {
    yield { start: m.index + (m[1] ?? '').length, end: m.index + m[0].length };
  }
}

const hide = (masked: Masked, pattern: RegExp): Masked =>
  hideSpans(masked, matchSpans(masked.text, pattern));

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

const maskKey = (masked: Masked, key: string): Masked => {
  const block = hide(masked, blockKey(key));
  return block !== masked ? block : hide(masked, flowKey(key));
};

/**
 * The password of a URL written in the line (`postgres://ops:PASSWORD@db/ops`, a base_url
 * with `user:password@`), up to the last `@` before white space: one holding `/`, `:` or `@`
 * unescaped (then not a URL at all) is hidden whole. Failing that (a password with a space,
 * quoted or not), up to the last `@` before the next `,` `{` `}` `[` `]` (a flow map's next
 * key), and failing that up to the last `@` of the line: more is hidden rather than less.
 * Found in time linear in the line, however long (see urlPasswordSpans).
 */
const hideUrlPassword = (masked: Masked): Masked =>
  hideSpans(masked, urlPasswordSpans(masked.text));

/**
 * A `password=` parameter, as a PostgreSQL URL takes one (`?sslmode=require&password=…`), or
 * a keyword of a libpq connection string (`host=db password=… dbname=ops`, its value quoted
 * or not).
 */
const PASSWORD_PARAMETER =
  /((?:^|[\s?&'"{,])password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^&#\s'",}\]]+)/gi;

const maskLine = (masked: Masked, keys: readonly string[]): Masked =>
  hide(hideUrlPassword([API_KEY, ...keys].reduce(maskKey, masked)), PASSWORD_PARAMETER);

const unmasked = (text: string): Masked => ({ text, steps: [] });

/**
 * Secrets written literally in callops.yaml are secrets even there (they draw a warning):
 * the source line shown under an error never repeats them, in block or flow style — an
 * api_key, the value of `keys` (escaped as regular expressions), the password of a URL
 * (a database url, a base_url) or its `password=` parameter. A reference is shown as written.
 */
export const maskSecretLine = (text: string, keys: readonly string[] = []): string =>
  maskLine(unmasked(text), keys).text;

/** A key under a target that may hold the api key under another name (api_kye, token…). */
const secretLike = (key: string): boolean =>
  /key|token|secret|pass|auth|bearer|cred/i.test(key) || suggestKey(key, ['api_key']) === 'api_key';

/**
 * How the source line under a diagnostic is masked: an api_key value on its own line is
 * hidden whole, and so is the value of a target key that looks like a misspelt api_key.
 */
const maskingOf = (d: Diagnostic, text: string): { whole: boolean; keys: readonly string[] } => {
  if (/\/api_key$/.test(d.path) && !/api_key/.test(text)) return { whole: true, keys: [] };
  const key = /^\/targets\/[^/]+\/([^/]+)$/
    .exec(d.path)?.[1]
    ?.replaceAll('~1', '/')
    .replaceAll('~0', '~');
  return { whole: false, keys: key !== undefined && secretLike(key) ? [escapeRegExp(key)] : [] };
};

const maskWith = (text: string, whole: boolean, keys: readonly string[]): Masked =>
  whole ? maskLine(hide(unmasked(text), /^(\s*)\S.*$/g), []) : maskLine(unmasked(text), keys);

/**
 * The source lines shown under diagnostics, each line masked once however many
 * diagnostics it holds (a one-line file of thousands of calls), and each diagnostic's
 * column moved with its line's text.
 */
const shownLines = () => {
  const masked = new Map<string, Masked>();
  return (d: Diagnostic, text: string): Shown => {
    const { whole, keys } = maskingOf(d, text);
    const id = JSON.stringify([d.file, d.line, whole, keys]);
    let line = masked.get(id);
    if (line === undefined) {
      line = maskWith(text, whole, keys);
      masked.set(id, line);
    }
    return { text: line.text, column: line.steps.reduce(columnThrough, d.column) };
  };
};

/**
 * The source lines under diagnostics (as shownLines masked them) with every known secret
 * replaced (`${VG_API_KEY}`), each line once, and the column moved by as much as the text
 * before it shrank or grew.
 */
const redactedLines = (redact: (text: string) => string) => {
  const done = new Map<string, string>();
  return (line: Shown): Shown => {
    let text = done.get(line.text);
    if (text === undefined) {
      text = redact(line.text);
      done.set(line.text, text);
    }
    if (text === line.text) return line;
    const before = redact(line.text.slice(0, Math.max(0, line.column - 1))).length;
    return { text, column: Math.min(before, text.length) + 1 };
  };
};

/**
 * What hides secrets in a text (a Redactor): `vocabulary`, a diagnostic's words of callops'
 * own, where a value that is no `always` secret is left as it is.
 */
type Redact = (text: string, vocabulary?: readonly string[]) => string;

/**
 * The file of a diagnostic as shown: the location is the project's own, as found on disk,
 * never a secret, and is kept as it is, since a short secret (an api key `a` or `1`)
 * replaced in it would point elsewhere; a path as typed that names no file found
 * (Diagnostic.typed) is what the user typed, redacted as any typed argument is.
 */
const fileShown = (d: Diagnostic, redact: Redact): string => (d.typed ? redact(d.file) : d.file);

/** The diagnostics with their path and message passed through `redact` (the message with its vocabulary), and a typed file (fileShown). */
export const redactDiagnostics = (
  diagnostics: readonly Diagnostic[],
  redact: Redact,
): Diagnostic[] =>
  diagnostics.map((d) => ({
    ...d,
    file: fileShown(d, redact),
    path: redact(d.path),
    message: redact(d.message, d.vocabulary),
  }));

/**
 * Human format: `file:line:col: message`, the offending line (a window of it around the
 * column when long) and a caret under the column. File names, messages and the line are
 * shown as printable shows them: they hold what the user wrote. Every secret `redact` knows
 * is replaced in the message and the line (a call file that is a link to `.env` shows its
 * lines), never in the location but a path as typed (see fileShown).
 */
export const renderDiagnosticsHuman = (
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
  style: Style,
  redact: Redact = (text) => text,
): string => {
  // Each file's text split into lines once, however many of its diagnostics are shown.
  const split = new Map<string, readonly string[] | undefined>();
  const sourceLine = (file: string, line: number): string | undefined => {
    if (!split.has(file)) split.set(file, sourceText(file)?.split(/\r?\n/));
    return split.get(file)?.[line - 1];
  };
  const redactedLine = redactedLines(redact);
  const shownLine = shownLines();
  const lines: string[] = [];
  for (const d of sortDiagnostics(diagnostics)) {
    const label = d.severity === 'error' ? style('red', 'error') : style('yellow', 'warning');
    const where = printable(whereOf({ ...d, file: fileShown(d, redact) }));
    lines.push(`${style('bold', where)}: ${label}: ${printable(redact(d.message, d.vocabulary))}`);
    const source = d.line > 0 ? sourceLine(d.file, d.line) : undefined;
    if (source !== undefined) {
      const gutter = String(d.line).padStart(5);
      const line = redactedLine(shownLine(d, source));
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

/**
 * GitHub workflow commands: one `::error file=…,line=…,col=…::message` per diagnostic. The
 * text is shown as printable shows it in human output (a gateway's message, a file name:
 * `\u001b`, `\u202e`, never the raw character the job log or the annotation would act on),
 * then escaped as workflow commands require (`%`, and `:` `,` in properties).
 */
export const renderDiagnosticsGithub = (diagnostics: readonly Diagnostic[]): string =>
  sortDiagnostics(diagnostics)
    .map((d) => {
      const props = [`file=${escapeProperty(printable(d.file))}`];
      if (d.line > 0) props.push(`line=${d.line}`, `col=${d.column}`);
      props.push(`title=${escapeProperty(printable(`callops: ${d.path || d.file}`))}`);
      return `::${d.severity} ${props.join(',')}::${escapeData(printable(d.message))}\n`;
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
