import type { Document } from 'yaml';
import { yamlLib } from './yaml-lib.js';

/**
 * Explicit YAML tags and directives, as callops reads them. A tag changes what a node is
 * read as, out of the schema's sight: under `yaml`'s defaults `!!omap` makes a Map, `!!set`
 * a Set, `!!binary` bytes and `!!timestamp` a Date, which JSON sends (and the digest hashes)
 * as `{}`; a tag it does not know (`!foo`, `!<tag:…>`) leaves the value as text with a mere
 * warning; `%YAML 1.1` reads `no` as false and `0100` as 64; `%TAG` changes what the other
 * tags mean.
 *
 * So callops reads the YAML 1.2 core tags alone (CORE), each only where `yaml` reads the
 * value as what the tag says (`!!str 123` is the text "123", `!!int "5"` the number 5):
 * what comes out is data an untagged value could be too (text, numbers, booleans, null,
 * maps and lists), checked, digested and sent alike. Every other tag, a core tag its value
 * does not fit, and every directive but `%YAML 1.2` is an error at the tag or directive,
 * and the document holding it (a directive: the one after it) is not read.
 *
 * The fast parser (fast-parse.ts) never reads a tag or a directive: a text with either is
 * always read here, by `yaml`.
 */

/** The core tags callops reads, and what each value must be for the tag to fit it. */
const CORE: Readonly<Record<string, string>> = {
  '!!str': 'text',
  '!!int': 'an integer (`60`, `0x3c`)',
  '!!float': 'a number with a point or an exponent (`1.5`, `1e3`)',
  '!!bool': '`true` or `false`',
  '!!null': '`null`, `~` or nothing',
  '!!map': 'a map',
  '!!seq': 'a list',
};

/** What to write instead of a tag of YAML's own family that callops does not read. */
const INSTEAD: Readonly<Record<string, string>> = {
  omap: 'write a plain map without it (`key: value` lines, or `{ key: value }`)',
  pairs: 'write a plain map without it (`key: value` lines, or `{ key: value }`)',
  set: 'write a plain list without it (`- item` lines, or `[a, b]`)',
  binary: 'write the value as plain text without it',
  timestamp: 'write the time as quoted text without it (`"2026-12-01T09:00:00Z"`)',
};

const READ = 'callops reads no YAML tag but !!str, !!int, !!float, !!bool, !!null, !!map and !!seq';

/** The name of a tag of YAML's own family (`!!omap`, `!<tag:yaml.org,2002:omap>`). */
const yamlFamily = (source: string): string | undefined =>
  /^!!([\w-]+)$/.exec(source)?.[1] ?? /^!<tag:yaml\.org,2002:([\w-]+)>$/.exec(source)?.[1];

/** Why callops does not read the tag written `source` (not one of CORE as written). */
const refusedTag = (source: string): string => {
  if (source === '!')
    return 'callops does not read the non-specific tag `!`: remove it (quote the value to keep it as text)';
  const name = yamlFamily(source);
  const instead = name === undefined ? undefined : INSTEAD[name];
  if (instead !== undefined) return `callops does not read the tag \`${source}\`: ${instead}`;
  if (name !== undefined && CORE[`!!${name}`] !== undefined)
    return `write the tag \`${source}\` as \`!!${name}\``;
  return `${READ}: remove \`${source}\` (quote the value to keep it as text)`;
};

/** The one directive callops reads: it says what callops reads anyway. */
const YAML_1_2 = /^%YAML[ \t]+1\.2[ \t]*$/;

const refusedDirective = (source: string): string => {
  const name = /^%(\S*)/.exec(source)?.[1] ?? '';
  if (name === 'YAML')
    return `callops reads YAML 1.2: remove \`${source}\` (under YAML 1.1, \`no\` is false and \`0100\` is 64)`;
  if (name === 'TAG')
    return 'callops does not read `%TAG` directives (they change what tags mean): remove it, and the tags it names';
  return `callops does not read the directive \`%${name}\`: remove it`;
};

/** A tag or directive callops does not read. */
export interface TagProblem {
  /** Where the tag or directive starts in the text, and where it ends. */
  readonly start: number;
  readonly end: number;
  /** The document it stops being read: its own, or for a directive the one after it. */
  readonly document: number;
  readonly message: string;
}

/** yaml's codes for a tag it cannot apply to its node, reported at the tag. */
const UNFIT = new Set(['TAG_RESOLVE_FAILED', 'BAD_COLLECTION_TYPE']);

/** The offsets of the tags `yaml` could not apply to their node, in one document. */
const unfitTags = (doc: Document | undefined): Set<number> => {
  const at = new Set<number>();
  for (const problem of [...(doc?.errors ?? []), ...(doc?.warnings ?? [])])
    if (UNFIT.has(problem.code)) at.add(problem.pos[0]);
  return at;
};

interface SourceToken {
  readonly type: string;
  readonly offset: number;
  readonly source: string;
}

/**
 * Every tag token under a CST node: its props, keys, values and items at any depth. A walk
 * with a stack of its own, not a recursion: a text may nest thousands of levels deep.
 */
const tagTokens = (root: unknown): SourceToken[] => {
  const found: SourceToken[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    const token = node as Partial<SourceToken>;
    if (token.type === 'tag' && typeof token.source === 'string') found.push(token as SourceToken);
    else for (const value of Object.values(node)) if (typeof value === 'object') stack.push(value);
  }
  return found;
};

/**
 * The tags and directives of `text` that callops does not read, in the order written.
 * `docs` are the documents `yaml` made of it (parseAllDocuments): a core tag fits its node
 * unless `yaml` reported at the tag that it could not apply it. A text without `!` has no
 * tag, and one without `%` at a line's start no directive: those are not parsed again.
 */
export const tagProblems = (text: string, docs: readonly Document[]): TagProblem[] => {
  if (!/!|^%/m.test(text)) return [];
  const problems: TagProblem[] = [];
  let document = 0;
  for (const token of new (yamlLib().Parser)().parse(text)) {
    if (token.type === 'directive') {
      const source = token.source.trimEnd();
      if (!YAML_1_2.test(source)) {
        const end = token.offset + token.source.length;
        problems.push({ start: token.offset, end, document, message: refusedDirective(source) });
      }
      continue;
    }
    if (token.type !== 'document') continue;
    const tags = tagTokens(token);
    const unfit = tags.length > 0 ? unfitTags(docs[document]) : new Set<number>();
    for (const tag of tags) {
      const kind = CORE[tag.source];
      const message =
        kind === undefined
          ? refusedTag(tag.source)
          : unfit.has(tag.offset)
            ? `\`${tag.source}\` does not fit this value, which is not ${kind}: remove the tag (quote the value to keep it as text)`
            : undefined;
      if (message !== undefined)
        problems.push({
          start: tag.offset,
          end: tag.offset + tag.source.length,
          document,
          message,
        });
    }
    document += 1;
  }
  return problems.sort((a, b) => a.start - b.start);
};
