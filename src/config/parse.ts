import type { Document, Node, YAMLError } from 'yaml';
import type { Diagnostic } from '../validate/diagnostic.js';
import { BINARY_MESSAGE } from './decode.js';
import { fileProblem, problemAt } from './diagnostics.js';
import { fastDocuments, fastRead } from './fast-parse.js';
import { FileText } from './file-text.js';
import { repairFlowReferences, unquotedReferenceMessage } from './flow-references.js';
import {
  formatMiB,
  MAX_ALIAS_COUNT,
  MAX_ALIAS_EXPANSION,
  MAX_FILE_BYTES,
  MAX_SYNTAX_DIAGNOSTICS,
  tooLargeMessage,
} from './limits.js';
import {
  callStartsIn,
  createSourceDocument,
  lineStartsOf,
  PARSE_OPTIONS,
  positionAt,
  rememberParsed,
  type TextSource,
} from './source-document.js';
import { tagProblems } from './tags.js';
import type { PathSegments, Position, SourceDocument, SourceFile } from './types.js';
import { yamlLib } from './yaml-lib.js';
import { yamlMessage } from './yaml-messages.js';

/** What yaml says of a tag it cannot apply, or of a directive: tags.ts says it instead. */
const TAG_CODES: ReadonlySet<string> = new Set([
  'TAG_RESOLVE_FAILED',
  'BAD_COLLECTION_TYPE',
  'BAD_DIRECTIVE',
]);

export interface ParsedSource {
  readonly source: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
}

/** The key a DUPLICATE_KEY error at `offset` repeats, and the line of its first use. */
const duplicateKey = (doc: Document, offset: number, pos: (offset: number) => Position) => {
  const { isScalar, visit } = yamlLib();
  let found: { key: string; firstLine?: number } | undefined;
  visit(doc, {
    Map: (_, map) => {
      const dup = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (!dup || !isScalar(dup.key)) return undefined;
      const value = dup.key.value;
      const first = map.items.find((p) => isScalar(p.key) && p.key.value === value);
      const start = (first?.key as Node | undefined)?.range?.[0];
      found = {
        key: String(value),
        ...(start !== undefined && start !== offset ? { firstLine: pos(start).line } : {}),
      };
      return visit.BREAK;
    },
  });
  return found;
};

/**
 * Where a YAML error is shown. yaml reports an unclosed quote where it gave up reading the
 * string, often past the last line; the quote that opened it is the place to fix.
 */
const errorOffset = (doc: Document, error: YAMLError): number => {
  const at = error.pos[0];
  if (error.code !== 'MISSING_CHAR' || !/^Missing closing ["']quote/.test(error.message)) return at;
  const { visit } = yamlLib();
  let open: number | undefined;
  visit(doc, {
    Scalar: (_, node) => {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (!quoted || node.range?.[1] !== at) return undefined;
      open = node.range[0];
      return visit.BREAK;
    },
  });
  return open ?? at;
};

const syntaxMessage = (
  doc: Document,
  error: YAMLError,
  pos: (offset: number) => Position,
): string => {
  if (error.code !== 'DUPLICATE_KEY') return yamlMessage(error);
  const dup = duplicateKey(doc, error.pos[0], pos);
  if (!dup) return 'duplicate key; each key may appear once in a map';
  const first = dup.firstLine === undefined ? '' : ` (first at line ${dup.firstLine})`;
  return `duplicate key \`${dup.key}\`${first}; each key may appear once`;
};

/**
 * Keys that are maps or lists would be silently stringified; callops refuses them. Such a
 * key is written with `?` or as a flow collection (`[`, `{`), so a text without those
 * characters cannot hold one and is not walked. A plain recursive walk: `visit` builds a
 * path per node, and this runs over every document.
 */
const collectionKeys = (doc: Document, text: string): Node[] => {
  const keys: Node[] = [];
  if (!/[?[{]/.test(text)) return keys;
  const { isCollection, isPair } = yamlLib();
  const walkNode = (node: unknown): void => {
    if (!isCollection(node)) return;
    for (const item of node.items) {
      if (isPair(item)) {
        if (isCollection(item.key)) keys.push(item.key);
        walkNode(item.key);
        walkNode(item.value);
      } else {
        walkNode(item);
      }
    }
  };
  walkNode(doc.contents);
  return keys;
};

const firstAlias = (doc: Document, source?: string): Node | undefined => {
  const { visit } = yamlLib();
  let found: Node | undefined;
  visit(doc, {
    Alias: (_, alias) => {
      if (source !== undefined && alias.source !== source) return undefined;
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
};

/** How much of the file's alias budget (MAX_ALIAS_EXPANSION) its earlier documents used. */
interface AliasBudget {
  used: number;
}

interface AliasFindings {
  /** The first alias that sits inside the node it refers to: its data would be a cycle. */
  readonly cycle?: Node;
  /** The alias at which what the file's aliases expand to passes MAX_ALIAS_EXPANSION. */
  readonly past?: Node;
  /** The aliases that name no anchor before them. */
  readonly unknown: readonly Node[];
}

/**
 * One walk over a document in the order `yaml` resolves aliases (an anchor counts from its
 * node on; the last one before an alias wins). Each alias counts what it stands for: the
 * characters of every scalar plus one per node, aliases inside its target included (sizes
 * are kept per node, so nothing is expanded). `Alias.resolve` walks the whole document for
 * every alias, which a few hundred aliases make take seconds.
 */
const walkAliases = (doc: Document, budget: AliasBudget): AliasFindings => {
  const { isAlias, isCollection, isPair, isScalar } = yamlLib();
  const anchors = new Map<string, unknown>();
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let cycle: Node | undefined;
  let past: Node | undefined;
  const unknown: Node[] = [];
  const walk = (node: unknown): number => {
    if (isPair(node)) return walk(node.key) + walk(node.value);
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        unknown.push(node);
        return 0;
      }
      if (open.has(target)) {
        cycle ??= node;
        return 0;
      }
      const size = sizes.get(target) ?? 0;
      budget.used += size;
      if (budget.used > MAX_ALIAS_EXPANSION) past ??= node;
      return size;
    }
    if (!isScalar(node) && !isCollection(node)) return 0;
    if (node.anchor) anchors.set(node.anchor, node);
    open.add(node);
    let size = 1;
    if (isScalar(node)) size += String(node.value).length;
    else for (const item of node.items) size += walk(item);
    open.delete(node);
    sizes.set(node, size);
    return size;
  };
  walk(doc.contents);
  return { ...(cycle ? { cycle } : {}), ...(past ? { past } : {}), unknown };
};

const unknownAliasMessage = (name: string): string =>
  `unknown alias \`*${name}\` (define \`&${name}\` before using it)`;

/** A document's data with each alias that names no anchor read as null (SourceDocument). */
type WithoutAliases = NonNullable<SourceDocument['withoutAliases']>;

/**
 * The data of a copy of `doc` whose aliases that name no anchor before them (in the order
 * walkAliases takes) are null, and where each is; undefined when yaml still cannot build it.
 */
const readWithoutAliases = (doc: Document): WithoutAliases | undefined => {
  const { isAlias, isMap, isPair, isScalar, isSeq, Scalar } = yamlLib();
  const copy = doc.clone();
  const anchors = new Set<string>();
  const aliases: PathSegments[] = [];
  const keyOf = (key: unknown): string =>
    isScalar(key) ? (key.value === null ? '' : String(key.value)) : String(key);
  const walk = (node: unknown, path: PathSegments): unknown => {
    if (isAlias(node)) {
      if (anchors.has(node.source)) return node;
      aliases.push(path);
      return new Scalar(null);
    }
    if ((isScalar(node) || isMap(node) || isSeq(node)) && node.anchor) anchors.add(node.anchor);
    if (isMap(node))
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        pair.key = walk(pair.key, path);
        pair.value = walk(pair.value, [...path, keyOf(pair.key)]);
      }
    if (isSeq(node)) node.items = node.items.map((item, i) => walk(item, [...path, i]));
    return node;
  };
  copy.contents = walk(copy.contents, []) as typeof copy.contents;
  try {
    return { data: copy.toJS({ maxAliasCount: MAX_ALIAS_COUNT + 1 }), aliases };
  } catch {
    return undefined;
  }
};

/** Plain data of a document, or a message (and where) when yaml refuses to build it. */
const toData = (
  doc: Document,
  mayAlias: boolean,
  budget: AliasBudget,
):
  | { data: unknown }
  | { message: string; node?: Node }
  | { unknown: readonly Node[]; withoutAliases?: WithoutAliases } => {
  const { cycle, past, unknown = [] } = mayAlias ? walkAliases(doc, budget) : {};
  if (cycle) {
    const name = String(cycle.toString());
    return {
      message: `alias \`${name}\` refers to a node that contains it (a cycle); callops cannot read it`,
      node: cycle,
    };
  }
  // Each is an error at it; the rest of the document is read with them as null, so that its
  // other problems are reported in the same run.
  if (unknown.length > 0) {
    const withoutAliases = readWithoutAliases(doc);
    return { unknown, ...(withoutAliases ? { withoutAliases } : {}) };
  }
  try {
    // Nested aliases past the count are refused by toJS at once; a flat expansion of a
    // large anchor builds cheaply (every alias shares one value) but is refused after it.
    const data: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT + 1 });
    if (!past) return { data };
    return {
      message: `the YAML aliases of this file expand to more than ${formatMiB(MAX_ALIAS_EXPANSION)} of text by this one (each alias counts all it stands for) — refusing to expand`,
      node: past,
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const unresolved = /^Unresolved alias[^:]*: (.*)$/.exec(text)?.[1];
    if (unresolved !== undefined)
      return { message: unknownAliasMessage(unresolved), node: firstAlias(doc, unresolved) };
    if (text.startsWith('Excessive alias count')) {
      const message = `too many YAML aliases (an anchor repeated more than ${MAX_ALIAS_COUNT} times, counting what aliases inside it stand for) — refusing to expand`;
      return { message, node: firstAlias(doc) };
    }
    return { message: `cannot read this YAML document: ${text}` };
  }
};

/**
 * Parses the text of one YAML file (several documents allowed) into a SourceFile.
 * Pure; never throws for bad input: every problem becomes a Diagnostic. A document with
 * errors keeps `data: undefined` so later stages skip it.
 *
 * Most files are read by the fast, position-free parser; a file it does not take (anything
 * that might be a problem, or that `yaml` reads its own way) is parsed with `yaml`, which
 * reports every problem at its line and column. Either way the documents keep only the
 * text: a position is worked out again from it when one is asked for.
 */
export const parseSource = (file: string, text: string): ParsedSource => {
  const empty: SourceFile = { file, text, documents: [] };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) {
    return {
      source: { ...empty, text: '' },
      diagnostics: [problemAt(file, { line: 1, column: 1 }, tooLargeMessage(bytes))],
    };
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const before = text.slice(0, nul);
    const line = before.split('\n').length;
    const column = nul - (before.lastIndexOf('\n') + 1) + 1;
    return { source: empty, diagnostics: [problemAt(file, { line, column }, BINARY_MESSAGE)] };
  }
  const fast = fastRead(text);
  if (fast === undefined) return parseWithYaml(file, text);
  // The text is held once, by `kept`: deflated when the file's calls let go of their data.
  const kept = new FileText(text);
  const source: TextSource = {
    get text() {
      return kept.text;
    },
    pack: () => kept.pack(),
    callStarts: fast.callStarts,
    reread: fastDocuments,
    numbersAsJson: true,
  };
  const documents = fast.data.map((data, index) => createSourceDocument(file, index, source, data));
  const parsed: SourceFile = {
    file,
    get text() {
      return kept.text;
    },
    documents,
  };
  return { source: parsed, diagnostics: [] };
};

/**
 * parseSource by the `yaml` library alone: what it does with every file the fast parser
 * does not take (and what the fast path is tested against). `text` is within the size
 * limit and holds no NUL.
 */
export const parseWithYaml = (file: string, text: string): ParsedSource => {
  const empty: SourceFile = { file, text, documents: [] };
  const lines: TextSource = { text, lineStarts: lineStartsOf(text) };
  const pos = (offset: number): Position => positionAt(lines, offset);
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  let syntaxCount = 0;
  const report = (position: Position, message: string, severity: Diagnostic['severity']) => {
    const id = `${position.line}:${position.column}:${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    syntaxCount += 1;
    if (syntaxCount <= MAX_SYNTAX_DIAGNOSTICS)
      diagnostics.push(problemAt(file, position, message, severity));
  };
  // An alias is written `*name`: a text without `*` has none, and its documents need no
  // walk for cycles.
  const mayAlias = text.includes('*');
  const budget: AliasBudget = { used: 0 };
  try {
    const docs = yamlLib().parseAllDocuments(text, PARSE_OPTIONS);
    // Where each call starts, so that plan and apply need not parse the file again.
    const source: TextSource = { ...lines, callStarts: callStartsIn(docs) };
    // The positions of this file's problems are asked for soon: keep what was parsed.
    rememberParsed(source, { docs });
    const documents: SourceDocument[] = [];
    // Tags and directives callops does not read: each an error of its own, which stands for
    // what yaml says of the same tag or directive.
    const tags = tagProblems(text, docs);
    const tagged = new Set(tags.map((t) => t.document));
    const saidOfTag = (e: YAMLError, offset: number): boolean =>
      TAG_CODES.has(e.code) && tags.some((t) => t.start <= offset && offset < t.end);
    if ('empty' in docs && docs.empty) {
      for (const e of docs.errors)
        if (!saidOfTag(e, e.pos[0])) report(pos(e.pos[0]), yamlMessage(e), 'error');
      for (const w of docs.warnings)
        if (!saidOfTag(w, w.pos[0])) report(pos(w.pos[0]), yamlMessage(w), 'warning');
    }
    /** Reports a document's problems; `at` maps its offsets to the written text. */
    const reportProblems = (doc: Document, at: (offset: number) => number): number => {
      const where = (offset: number): Position => pos(at(offset));
      for (const e of doc.errors) {
        const offset = errorOffset(doc, e);
        if (!saidOfTag(e, at(offset))) report(where(offset), syntaxMessage(doc, e, where), 'error');
      }
      for (const w of doc.warnings)
        if (!saidOfTag(w, at(w.pos[0]))) report(where(w.pos[0]), yamlMessage(w), 'warning');
      const badKeys = collectionKeys(doc, text);
      for (const key of badKeys) {
        report(
          where(key.range?.[0] ?? 0),
          'a key must be plain text, not a list or a map',
          'error',
        );
      }
      return badKeys.length;
    };
    // An unquoted `${VAR}` in `{ … }` is one error with its fix; the file's other problems
    // are those of the text with it quoted.
    const repair = repairFlowReferences(text, docs, (quoted) =>
      yamlLib().parseAllDocuments(quoted, PARSE_OPTIONS),
    );
    for (const tag of tags) report(pos(tag.start), tag.message, 'error');
    if (repair) {
      for (const ref of repair.references)
        report(pos(ref.offset), unquotedReferenceMessage(ref.token), 'error');
      for (const doc of repair.docs) reportProblems(doc, repair.toOriginal);
    }
    docs.forEach((doc, index) => {
      const badKeys = repair
        ? collectionKeys(doc, text).length
        : reportProblems(doc, (offset) => offset);
      let data: unknown;
      let withoutAliases: WithoutAliases | undefined;
      if (doc.errors.length === 0 && badKeys === 0 && !tagged.has(index)) {
        const built = toData(doc, mayAlias, budget);
        if ('data' in built) data = built.data;
        else if ('unknown' in built) {
          for (const alias of built.unknown) {
            const name = yamlLib().isAlias(alias) ? alias.source : String(alias);
            report(pos(alias.range?.[0] ?? 0), unknownAliasMessage(name), 'error');
          }
          withoutAliases = built.withoutAliases;
        } else report(pos(built.node?.range?.[0] ?? doc.range?.[0] ?? 0), built.message, 'error');
      }
      documents.push(createSourceDocument(file, index, source, data, withoutAliases));
    });
    if (syntaxCount > MAX_SYNTAX_DIAGNOSTICS) {
      const more = syntaxCount - MAX_SYNTAX_DIAGNOSTICS;
      diagnostics.push(fileProblem(file, `${more} more YAML problems in this file are not shown`));
    }
    return { source: { file, text, documents }, diagnostics };
  } catch (error) {
    const message = `cannot read this file as YAML: ${error instanceof Error ? error.message : String(error)}`;
    return { source: empty, diagnostics: [...diagnostics, fileProblem(file, message)] };
  }
};
