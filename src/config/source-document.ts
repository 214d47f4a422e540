import type { Document, Node } from 'yaml';
import { writtenAsJson } from './json-number.js';
import type { PathSegments, Position, SourceDocument } from './types.js';
import { yamlLib } from './yaml-lib.js';

export const PARSE_OPTIONS = { prettyErrors: false, logLevel: 'silent', uniqueKeys: true } as const;

/** A file's documents as the `yaml` library parses them. */
export interface YamlDocuments {
  readonly docs: readonly Document[];
}

/** The text of one file, from which positions are worked out when one is asked for. */
export interface TextSource {
  readonly text: string;
  /** Per document, where each map item of `calls` starts (-1 for other items), when known. */
  readonly callStarts?: readonly (readonly number[])[];
  /** Offsets of the line starts, worked out on first use. */
  lineStarts?: Uint32Array;
  /**
   * Reads the text's documents again, as the parser that first read them did: a document
   * read so may let go of its data (SourceDocument.release). Absent: the data is kept.
   */
  readonly reread?: (text: string) => readonly unknown[] | undefined;
  /** Keeps the text deflated from now on (FileText): once its documents let go of data. */
  readonly pack?: () => void;
  /**
   * Every number of the text is written as JSON writes it: the fast parser reads no other
   * text, so its documents need no look at how a number is written.
   */
  readonly numbersAsJson?: boolean;
}

/**
 * Offsets of the line starts, read off the text itself. The parser's own counting misses the
 * line breaks inside some broken tokens (e.g. after a tab-indented `---`), which puts later
 * positions on the wrong line.
 */
export const lineStartsOf = (text: string): Uint32Array => {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count += 1;
  const starts = new Uint32Array(count);
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  return starts;
};

/** Line and column of an offset (as yaml's LineCounter gives them for the line starts). */
export const positionAt = (source: TextSource, offset: number): Position => {
  source.lineStarts ??= lineStartsOf(source.text);
  const starts = source.lineStarts;
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((starts[mid] ?? 0) < offset) low = mid + 1;
    else high = mid;
  }
  if (starts[low] === offset) return { line: low + 1, column: 1 };
  if (low === 0) return { line: 0, column: offset };
  return { line: low, column: offset - (starts[low - 1] ?? 0) + 1 };
};

/** Where call `path[1]` of a document starts, when the fast parser noted it. */
const callStart = (source: TextSource, index: number, path: PathSegments): number | undefined => {
  if (path.length !== 2 || path[0] !== 'calls' || typeof path[1] !== 'number') return undefined;
  const start = source.callStarts?.[index]?.[path[1]];
  return start === undefined || start < 0 ? undefined : start;
};

/**
 * Parsed files kept for the positions asked for next. Positions are wanted in bursts (the
 * problems of one file, one error report), so a few files are kept, and only until the
 * current task ends: no parsed document outlives the report that needed it.
 */
const RECENT_FILES = 4;
const recent = new Map<TextSource, YamlDocuments>();
let clearing = false;

export const rememberParsed = (source: TextSource, parsed: YamlDocuments): void => {
  recent.delete(source);
  recent.set(source, parsed);
  if (recent.size > RECENT_FILES) {
    const oldest = recent.keys().next();
    if (!oldest.done) recent.delete(oldest.value);
  }
  if (!clearing) {
    clearing = true;
    setImmediate(() => {
      clearing = false;
      recent.clear();
    }).unref();
  }
};

const parsedOf = (source: TextSource): YamlDocuments => {
  const kept = recent.get(source);
  if (kept) return kept;
  let docs: readonly Document[];
  try {
    docs = yamlLib().parseAllDocuments(source.text, PARSE_OPTIONS);
  } catch {
    docs = [];
  }
  const parsed = { docs };
  rememberParsed(source, parsed);
  return parsed;
};

interface Step {
  /** The node reached (the last one that exists along the path). */
  readonly node: Node | null;
  /** The key node of the pair holding `node`, when `node` is a map value. */
  readonly key: Node | null;
  /** Whether the whole path exists. */
  readonly complete: boolean;
  /**
   * The first alias the path went through (`- *c`), when it went through one: what lies
   * past it is the anchor's text, which every use of the anchor shares.
   */
  readonly alias: Node | null;
}

const follow = (doc: Document, node: unknown): unknown =>
  yamlLib().isAlias(node) ? (node.resolve(doc) ?? node) : node;

/** Whether a key node is the data key `segment` (yaml turns a null key into ""). */
const keyMatches = (key: unknown, segment: string | number): boolean =>
  yamlLib().isScalar(key) && (key.value === null ? '' : String(key.value)) === String(segment);

const indexOf = (segment: string | number): number =>
  typeof segment === 'number' ? segment : /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : -1;

/** Walks the node tree along `path`, through aliases, stopping at the last node that exists. */
export const walk = (doc: Document, path: PathSegments): Step => {
  const { isAlias, isMap, isSeq } = yamlLib();
  let node = (doc.contents ?? null) as Node | null;
  let key: Node | null = null;
  let alias: Node | null = null;
  for (const segment of path) {
    if (alias === null && isAlias(node)) alias = node;
    const container = follow(doc, node);
    let next: Node | null | undefined;
    let nextKey: Node | null = null;
    if (isMap(container)) {
      const pair = container.items.findLast((item) => keyMatches(item.key, segment));
      if (pair) {
        nextKey = pair.key as Node;
        next = (pair.value as Node | null) ?? nextKey;
      }
    } else if (isSeq(container)) {
      next = container.items[indexOf(segment)] as Node | null | undefined;
    }
    if (!next) return { node, key, complete: false, alias };
    node = next;
    key = nextKey;
  }
  return { node, key, complete: true, alias };
};

/**
 * Where each map item of each document's top-level `calls` list starts (-1 for other
 * items), read off documents `yaml` parsed: the node walk() reaches for ['calls', i].
 */
export const callStartsIn = (docs: readonly Document[]): number[][] =>
  docs.map((doc) => {
    const { isMap, isSeq } = yamlLib();
    const root = follow(doc, doc.contents);
    if (!isMap(root)) return [];
    const pair = root.items.findLast((item) => keyMatches(item.key, 'calls'));
    const calls = follow(doc, pair?.value);
    if (!isSeq(calls)) return [];
    return calls.items.map((item) => (isMap(item) ? (item.range?.[0] ?? -1) : -1));
  });

const START: Position = { line: 1, column: 1 };

/**
 * Where the node at `path` (or, with `key`, its key) of one document is written. A path
 * through an alias is placed at the alias (`- *c`): the anchor's text is where every use of
 * it would be placed, and a problem of the second use (a call name repeated by the alias)
 * would name the first one's place twice.
 */
const positionIn = (
  source: TextSource,
  index: number,
  path: PathSegments,
  key: boolean,
): Position => {
  const start = key ? undefined : callStart(source, index, path);
  if (start !== undefined) return positionAt(source, start);
  const { docs } = parsedOf(source);
  const doc = docs[index];
  if (!doc) return START;
  const step = walk(doc, path);
  const node = step.alias ?? (key && step.complete && step.key ? step.key : step.node);
  return positionAt(source, node?.range?.[0] ?? doc.range?.[0] ?? 0);
};

/** Where the `nth` `text` is written inside the scalar at `path` (SourceDocument.locateText). */
const textPositionIn = (
  source: TextSource,
  index: number,
  path: PathSegments,
  text: string,
  nth: number,
): Position => {
  const doc = parsedOf(source).docs[index];
  const step = doc === undefined ? undefined : walk(doc, path);
  const range = step?.complete && step.alias === null ? step.node?.range : undefined;
  if (range === undefined || range === null || !yamlLib().isScalar(step?.node))
    return positionIn(source, index, path, false);
  const written = source.text.slice(range[0], range[1]);
  let at = -1;
  for (let n = 0; n <= nth; n += 1) {
    at = written.indexOf(text, at + 1);
    if (at < 0) return positionAt(source, range[0]);
  }
  return positionAt(source, range[0] + at);
};

/** How a number that JSON writes otherwise is written (SourceDocument.writtenNumber). */
const writtenNumberIn = (
  source: TextSource,
  index: number,
  path: PathSegments,
): string | undefined => {
  const doc = parsedOf(source).docs[index];
  if (doc === undefined) return undefined;
  const step = walk(doc, path);
  if (!step.complete) return undefined;
  const node = follow(doc, step.node);
  if (!yamlLib().isScalar(node) || typeof node.value !== 'number') return undefined;
  const written = node.source;
  return typeof written === 'string' && !writtenAsJson(written, node.value) ? written : undefined;
};

/**
 * The documents of the file read again last: the calls of one file are placed one after the
 * other, so a file is read again once for them, and only one file's data is held.
 */
let rereadFrom: TextSource | undefined;
let reread: readonly unknown[] | undefined;

const dataAgain = (source: TextSource, index: number): unknown => {
  if (rereadFrom !== source) {
    reread = source.reread?.(source.text);
    rereadFrom = source;
  }
  return reread?.[index];
};

/**
 * A YAML document as plain data, and a way back to where each value is written. `data` is
 * undefined when the document could not be read (its errors are reported by parseSource).
 * It holds the file's text, not a parsed document: a position is worked out by parsing the
 * text again with `yaml` when one is asked for, which only a problem does. Once released,
 * its data is read again from the text whenever asked for (the same parser, the same data).
 */
export const createSourceDocument = (
  file: string,
  index: number,
  source: TextSource,
  data: unknown,
  withoutAliases?: SourceDocument['withoutAliases'],
): SourceDocument => {
  let kept = data;
  let released = false;
  return {
    file,
    index,
    get data() {
      return released ? dataAgain(source, index) : kept;
    },
    get released() {
      return released;
    },
    locate: (path) => positionIn(source, index, path, false),
    locateKey: (path) => positionIn(source, index, path, true),
    locateText: (path, text, nth) => textPositionIn(source, index, path, text, nth),
    ...(withoutAliases === undefined ? {} : { withoutAliases }),
    ...(source.numbersAsJson
      ? {}
      : { writtenNumber: (path: PathSegments) => writtenNumberIn(source, index, path) }),
    release: () => {
      if (source.reread === undefined) return false;
      released = true;
      kept = undefined;
      source.pack?.();
      return true;
    },
  };
};
