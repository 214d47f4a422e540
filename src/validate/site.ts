import type { PathSegments, Position, SourceDocument } from '../config/types.js';
import type { Diagnostic } from './diagnostic.js';

/** A place in a file: where a value was written, with its JSON pointer inside the document. */
export interface Site {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer inside the YAML document, e.g. `/calls/1/to/number`. */
  readonly path: string;
}

export const toPointer = (path: PathSegments): string =>
  path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/**
 * A site whose line and column are worked out when first read: finding a position parses
 * the file again, and most sites a rule takes are never read (the value was fine).
 */
const lazySite = (file: string, path: PathSegments, find: () => Position): Site => {
  let position: Position | undefined;
  const at = (): Position => {
    position ??= find();
    return position;
  };
  return {
    file,
    get line() {
      return at().line;
    },
    get column() {
      return at().column;
    },
    path: toPointer(path),
  };
};

/** Where the value at `path` of a document is (or its nearest existing ancestor). */
export const siteOf = (doc: SourceDocument, path: PathSegments): Site =>
  lazySite(doc.file, path, () => doc.locate(path));

/** Where the `nth` `text` inside the scalar at `path` is written (else the scalar itself). */
export const textSiteOf = (
  doc: SourceDocument,
  path: PathSegments,
  text: string,
  nth: number,
): Site => lazySite(doc.file, path, () => doc.locateText?.(path, text, nth) ?? doc.locate(path));

/** Where the key at `path` is written (falls back to the value, then to the nearest ancestor). */
export const keySiteOf = (doc: SourceDocument, path: PathSegments): Site =>
  lazySite(doc.file, path, () => doc.locateKey(path));

/** An error at `site`; `vocabulary`: the words of callops' own its message quotes (Diagnostic). */
export const errorAt = (
  site: Site,
  message: string,
  vocabulary: readonly string[] = [],
): Diagnostic => ({
  file: site.file,
  line: site.line,
  column: site.column,
  path: site.path,
  message,
  severity: 'error',
  ...(vocabulary.length > 0 ? { vocabulary } : {}),
});

export const warningAt = (
  site: Site,
  message: string,
  vocabulary: readonly string[] = [],
): Diagnostic => ({
  ...errorAt(site, message, vocabulary),
  severity: 'warning',
});

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a string holds a `${…}` reference (a `$${` escape is literal text, not a reference). */
export const hasReference = (value: unknown): boolean =>
  typeof value === 'string' && value.replaceAll('$${', '').includes('${');
