import {
  COLLECTION_STYLE,
  CORE_SCHEMA,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  EVENT_ID,
  type Event,
  getScalarValue,
  mapTag,
  NOT_RESOLVED,
  parseEvents,
  SCALAR_STYLE,
} from 'js-yaml';
import { writtenAsJson } from './json-number.js';

/**
 * The data of a YAML file read without positions, several times faster than the `yaml`
 * library builds its position-bearing documents; or undefined whenever the text might hold
 * anything that `yaml` reads differently, refuses or warns about. Then (and only then) the
 * caller parses the file with `yaml`, which finds every problem and its position. A value
 * given here is exactly what `yaml` would give: test/config/fast-parse.test.ts compares the
 * two on generated call files.
 *
 * Never read here: text with tabs, carriage returns, control and other special characters
 * (BOM, NEL, line and paragraph separators), document end markers (`...`), document markers
 * after spaces (` ---`), directives, `?` keys, a `\U` escape beyond U+10FFFF, an escaped
 * line break before a blank line; documents with anchors, aliases, tags or block scalars
 * (`|`, `>`), keys whose `:` is far from their start, a key after the first of a block map
 * that does not start its line, a value on a line of its own below a comment line such
 * as `#TODO` (see loweredAbove), a comment at column 0 inside a flow collection, plain
 * text starting with a reserved indicator (`@`, backquote, `%`), and a number written
 * otherwise than JSON writes it (`01234`, `0x1F`, `1.10`, `+1`, `1e3`, `.inf`: see asJson).
 *
 * UNSAFE_TEXT finds the first ones in one pass over the text, an alternative for each:
 * - control and special characters: tabs, CR, NEL, BOM and the like (`yaml` refuses or
 *   warns about some, and the two treat the others differently);
 * - `?` as an explicit key indicator;
 * - `...` or `%` at the start of a line: a document end marker or a directive;
 * - ` ---` / ` ...` after spaces: js-yaml reads a document marker, `yaml` refuses it;
 * - `\U` followed by anything but 000X or 0010: an escape beyond U+10FFFF, which `yaml`
 *   refuses, while js-yaml shifts its digits into 32 bits and makes other characters of
 *   it (`"\U00110000"` two lone surrogates). A `\U` outside a double-quoted scalar (or
 *   after an escaped backslash) matches too, which only sends the file to `yaml`. `\x`
 *   and `\u` decode alike in both (a lone surrogate included), as does a `\U` in range.
 * - a backslash, a line break, spaces and another line break: an escaped line break
 *   before a blank line. js-yaml drops the blank lines with the escaped break, `yaml`
 *   folds them into a space (`"+1555\` + blank line + `0002222"` is "+1555 0002222").
 *   Followed by a line with text, both drop the break and the next line's indentation.
 */
const UNSAFE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\0-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]|(?:^|[\s[{,])\?(?:\s|$)|^(?:\.\.\.|%)|^ +(?:---|\.\.\.)(?:\s|$)|\\U(?!000[0-9A-Fa-f]|0010)|\\\n *\n/m;

const RESERVED_START = new Set(['@', '`', '%']);

/**
 * How far the `:` after a key may be from the key's start. `yaml` refuses an implicit key
 * whose `:` is more than 1024 characters after its start (in a block map or a flow list);
 * the event parser has no such limit. A key's text is at most MAX_KEY characters, but its
 * source can be several times longer (`"\x41"` is one character) and spaces may stand
 * before its `:`. Checked for every key (flow maps too) and kept under 1024, so that the two
 * never disagree at the edge.
 */
const MAX_KEY_SOURCE = 1000;

/**
 * Whether the key scalar `event` is followed, after spaces only, by a `:` at most
 * MAX_KEY_SOURCE characters after its start. A key with anything else before its `:` (a
 * line break, a comment; or no `:` at all, as in `{ a, b }`) is left to `yaml` too.
 */
const shortKey = (event: Event, text: string): boolean => {
  if (event.type !== EVENT_ID.SCALAR || event.valueStart < 0) return false;
  const quoted =
    event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;
  const start = quoted ? event.valueStart - 1 : event.valueStart;
  let at = quoted ? event.valueEnd + 1 : event.valueEnd;
  while (text.charCodeAt(at) === 32) at += 1;
  return text.charCodeAt(at) === 58 && at - start <= MAX_KEY_SOURCE;
};

type ScalarEvent = Event & { type: typeof EVENT_ID.SCALAR };

const quoted = (event: ScalarEvent): boolean =>
  event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;

/** Where a scalar's source starts: at its opening quote, if it has one. */
const sourceStart = (event: ScalarEvent): number =>
  quoted(event) ? event.valueStart - 1 : event.valueStart;

/** Where a scalar's source ends: after its closing quote, if it has one. */
const sourceEnd = (event: ScalarEvent): number =>
  quoted(event) ? event.valueEnd + 1 : event.valueEnd;

/**
 * Whether, from `at` (just after a node inside `depth` flow collections), a comment at the
 * very start of a line comes before anything else but spaces, commas, line breaks,
 * comments and the brackets that close those collections; or a `#` right after a bracket.
 *
 * `yaml` refuses a comment at column 0 that follows, on the next line, a node of a flow
 * map or of a flow list's `a: b` pair ("comments must be separated from other tokens by
 * white space"): the line break is taken as the end of that node, and the comment starts
 * the next item with no space before it. js-yaml reads it as any comment. Indented, or
 * after a blank line, the comment is read alike; checking after every node of every flow
 * list (and after commas and nested brackets) only leaves more files to `yaml`.
 */
const flowCommentAfter = (text: string, at: number, depth: number): boolean => {
  let closed = 0;
  for (let i = at; ; ) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 44) i += 1;
    else if (c === 93 || c === 125) {
      closed += 1;
      if (closed === depth) return false;
      i += 1;
    } else if (c === 10) {
      i += 1;
      if (text.charCodeAt(i) === 35) return true;
    } else if (c === 35) {
      const before = text.charCodeAt(i - 1);
      if (before !== 32) return true;
      i = text.indexOf('\n', i);
      if (i < 0) return false;
    } else return false;
  }
};

/**
 * Whether the blank and comment lines right above the line that starts at `lineStart` hold
 * one after which `yaml` expects less indentation than js-yaml does.
 *
 * At the start of each line outside a scalar or a flow collection, `yaml`'s lexer lowers
 * the indentation a value continued over lines must keep (and that a flow collection's
 * lines must keep) to that line's, whenever the character after the line's spaces is
 * followed by one that is not a space or a line break: on a line of content, as it should;
 * but also on a comment line whose `#` is followed by text (`#TODO`, `##`, `#-`), and on
 * a blank line followed by a line starting at column 0 (a comment there: `# note` after
 * a blank line). Only an indicator (`- `, `: `, `? `) or a document marker sets it again.
 * So a value on a line of its own below such lines (a plain or quoted value split over
 * lines, a flow collection) may read on into lines js-yaml leaves out of it, or be refused
 * (`- a:`, `#TODO`, `    x`, `- z` is `[{a: "x - z"}]`). A value after an indicator on its
 * line, and a key (it ends at its `:`), are read alike whatever lines stand above them.
 */
const loweredAbove = (text: string, lineStart: number): boolean => {
  // The start of the line below the one looked at.
  let below = lineStart;
  while (below > 0) {
    const end = below - 1;
    const start = end === 0 ? 0 : text.lastIndexOf('\n', end - 1) + 1;
    let first = start;
    while (text.charCodeAt(first) === 32) first += 1;
    if (first === end) {
      const next = text.charCodeAt(below);
      if (next !== 32 && next !== 10) return true;
    } else if (text.charCodeAt(first) === 35) {
      const next = text.charCodeAt(first + 1);
      if (next !== 32 && next !== 10) return true;
    } else return false;
    below = start;
  }
  return false;
};

/** The start of the line of `at` if only spaces stand before it there, or -1. */
const lineStartOf = (text: string, at: number): number => {
  let i = at;
  while (i > 0 && text.charCodeAt(i - 1) === 32) i -= 1;
  return i === 0 || text.charCodeAt(i - 1) === 10 ? i : -1;
};

/** An open collection, as the events are checked. */
interface Open {
  readonly map: boolean;
  readonly flow: boolean;
  /** The nodes read in it so far: in a map, an even count means a key comes next. */
  nodes: number;
}

/** Whether the parsed events hold only what `yaml` and this parser read alike. */
const plainEvents = (events: readonly Event[], text: string): boolean => {
  const open: Open[] = [];
  // How many of the open collections are flow ones (always the innermost).
  let flowDepth = 0;
  for (const event of events) {
    if (event.type === EVENT_ID.POP) {
      if (open.pop()?.flow) flowDepth -= 1;
      continue;
    }
    if (event.type === EVENT_ID.DOCUMENT) {
      if (event.explicitEnd || event.directives.length > 0) return false;
      open.length = 0;
      flowDepth = 0;
      continue;
    }
    const top = open.at(-1);
    const isKey = top?.map === true && top.nodes % 2 === 0;
    if (isKey) {
      if (!shortKey(event, text)) return false;
      // A key after the first of a block map starts its line. js-yaml goes on reading the
      // keys of a map after a list at its keys' indentation whose last item ends mid-line
      // (`dtmf:` then `- "*2" to: x` makes `to` a key of that map); `yaml` refuses any
      // text after such an item (a quoted value or a flow collection) on its line.
      if (
        !top.flow &&
        top.nodes > 0 &&
        event.type === EVENT_ID.SCALAR &&
        lineStartOf(text, sourceStart(event)) < 0
      )
        return false;
    } else if (
      (event.type === EVENT_ID.SCALAR && event.valueStart >= 0) ||
      ((event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) &&
        event.style === COLLECTION_STYLE.FLOW)
    ) {
      const start = event.type === EVENT_ID.SCALAR ? sourceStart(event) : event.start;
      const line = lineStartOf(text, start);
      if (line >= 0 && loweredAbove(text, line)) return false;
    }
    if (top !== undefined) top.nodes += 1;
    switch (event.type) {
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (event.anchorStart !== -1 || event.tagStart !== -1) return false;
        const flow = event.style === COLLECTION_STYLE.FLOW;
        open.push({ map: event.type === EVENT_ID.MAPPING, flow, nodes: 0 });
        if (flow) {
          flowDepth += 1;
          if (flowCommentAfter(text, event.start + 1, flowDepth)) return false;
        }
        break;
      }
      case EVENT_ID.SCALAR:
        if (event.anchorStart !== -1 || event.tagStart !== -1) return false;
        if (event.style === SCALAR_STYLE.LITERAL_BLOCK) return false;
        if (event.style === SCALAR_STYLE.FOLDED_BLOCK) return false;
        if (event.style === SCALAR_STYLE.PLAIN && RESERVED_START.has(text[event.valueStart] ?? ''))
          return false;
        if (flowDepth > 0 && flowCommentAfter(text, sourceEnd(event), flowDepth)) return false;
        break;
      case EVENT_ID.ALIAS:
        return false;
      default:
        break;
    }
  }
  return true;
};

/** Keys longer than this are left to `yaml` (and see MAX_KEY_SOURCE for their source). */
const MAX_KEY = 256;

// The YAML 1.2 core schema's numbers exactly as `yaml` resolves them (js-yaml's own core
// tags give a string, not Infinity, for a number too large for a double).
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/**
 * A number written otherwise than JSON writes it (`01234`, `0x1F`, `1.10`, `.inf`) draws a
 * diagnostic at the place it is written (validate/numbers.ts), which only `yaml` knows: a
 * text that holds one is left to it.
 */
const NOT_AS_JSON = new Error('a number written otherwise than JSON writes it');

const asJson = (source: string, value: number): number => {
  if (!writtenAsJson(source, value)) throw NOT_AS_JSON;
  return value;
};

/** A core-schema integer's value, or NOT_RESOLVED. */
const resolveInt = (source: string): number | typeof NOT_RESOLVED => {
  if (INT.test(source)) return Number.parseInt(source, 10);
  if (INT_OCT.test(source)) return Number.parseInt(source.slice(2), 8);
  if (INT_HEX.test(source)) return Number.parseInt(source.slice(2), 16);
  return NOT_RESOLVED;
};

/** A core-schema float's value, or NOT_RESOLVED. */
const resolveFloat = (source: string): number | typeof NOT_RESOLVED => {
  if (FLOAT_SPECIAL.test(source)) {
    if (source.slice(-3).toLowerCase() === 'nan') return Number.NaN;
    return source.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return Number.parseFloat(source);
  return NOT_RESOLVED;
};

const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: ['-', '+', ...'0123456789'],
  resolve: (source) => {
    const value = resolveInt(source);
    return value === NOT_RESOLVED ? value : asJson(source, value);
  },
  identify: (value) => Number.isInteger(value),
});

const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: ['-', '+', '.', ...'0123456789'],
  resolve: (source) => {
    const value = resolveFloat(source);
    return value === NOT_RESOLVED ? value : asJson(source, value);
  },
  identify: (value) => typeof value === 'number',
});

/**
 * Maps as `yaml`'s toJS builds them, but only with text keys, each once: any other key
 * (null, a number, a list…) or a repeated one stops the fast read, so `yaml` reports it or
 * turns it into text its own way.
 */
const textKeyMapTag = defineMappingTag<Record<string, unknown>>('tag:yaml.org,2002:map', {
  create: () => ({}),
  identify: mapTag.identify,
  represent: mapTag.represent,
  addPair: (map, key, value) => {
    if (typeof key !== 'string') return 'not a text key';
    if (key.length > MAX_KEY) return 'long key';
    if (Object.hasOwn(map, key)) return 'repeated key';
    if (key in map) {
      Object.defineProperty(map, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else map[key] = value;
    return '';
  },
  has: (map, key) => typeof key === 'string' && Object.hasOwn(map, key),
  keys: (map) => Object.keys(map),
  get: (map, key) => (typeof key === 'string' && Object.hasOwn(map, key) ? map[key] : null),
});

const SCHEMA = CORE_SCHEMA.withTags(intTag, floatTag, textKeyMapTag);

const PARSER_OPTIONS = { maxDepth: 64 } as const;

/** What the fast parser read: each document's data, and where its calls start. */
export interface FastRead {
  readonly data: readonly unknown[];
  /**
   * Per document, the offset in the text of each item of its top-level `calls` list that is
   * a map (-1 for other items): where `plan` and `apply` say each call is, without parsing
   * the file again.
   */
  readonly callStarts: readonly (readonly number[])[];
}

interface Frame {
  readonly map: boolean;
  readonly role: 'root' | 'calls' | 'other';
  /** In a map: whether the next node is a key. In a list: the next item's index. */
  key: boolean;
  index: number;
  /** In the root map: whether the value that comes next is the one of `calls`. */
  calls: boolean;
}

/** The start of each map item of each document's top-level `calls` list. */
const callStartsOf = (events: readonly Event[], text: string): number[][] => {
  const documents: number[][] = [];
  let starts: number[] = [];
  const stack: Frame[] = [];
  for (const event of events) {
    if (event.type === EVENT_ID.DOCUMENT) {
      starts = [];
      documents.push(starts);
      continue;
    }
    if (event.type === EVENT_ID.POP) {
      stack.pop();
      continue;
    }
    const parent = stack.at(-1);
    let role: Frame['role'] = 'other';
    if (parent === undefined) {
      if (event.type === EVENT_ID.MAPPING) role = 'root';
    } else if (parent.map) {
      if (parent.key) {
        const isCalls =
          parent.role === 'root' &&
          event.type === EVENT_ID.SCALAR &&
          getScalarValue(text, event) === 'calls';
        parent.calls = isCalls;
      } else if (parent.calls && event.type === EVENT_ID.SEQUENCE) role = 'calls';
      parent.key = !parent.key;
    } else {
      if (parent.role === 'calls')
        starts[parent.index] = event.type === EVENT_ID.MAPPING ? event.start : -1;
      parent.index += 1;
    }
    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      stack.push({
        map: event.type === EVENT_ID.MAPPING,
        role,
        key: true,
        index: 0,
        calls: false,
      });
    }
  }
  return documents;
};

/**
 * The common shape of a call file read by hand, line by line: one document, a block map at
 * its root, block maps and lists below it, one-line flow maps and lists of scalars, plain
 * scalars of a few characters and quoted ones without escapes. Several times faster than
 * the event parser on a cold start. Anything else (comments after a value, `---`, keys that
 * are not identifiers, a scalar over several lines, indentation it does not expect…) throws
 * NOT_SIMPLE and the event parser reads the file instead.
 */
const NOT_SIMPLE = new Error('not the simple shape');

const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)/;
/** Keys the core schema reads as something other than text. */
const NON_TEXT_KEYS = new Set([
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'null',
  'Null',
  'NULL',
]);
const PLAIN_BLOCK = /^(?:[A-Za-z0-9_.+/$~]|-[0-9.])[A-Za-z0-9_.+/$~:@=()\-{} ]*$/;
const PLAIN_FLOW = /^(?:[A-Za-z0-9_.+/$~]|-[0-9.])[A-Za-z0-9_.+/$~@=()\- ]*$/;
const QUOTED_BLOCK = /^"[^"\\]*"$|^'[^']*'$/;
const QUOTED_FLOW = /^"[^"\\,[\]{}]*"$|^'[^',[\]{}]*'$/;
const CORE_NULL = new Set(['null', 'Null', 'NULL', '~']);

/** A plain scalar as the core schema resolves it (the same rules as the tags above). */
const plainValue = (source: string): unknown => {
  if (CORE_NULL.has(source)) return null;
  if (source === 'true' || source === 'True' || source === 'TRUE') return true;
  if (source === 'false' || source === 'False' || source === 'FALSE') return false;
  const first = source.charCodeAt(0);
  // Only text starting with a digit, a sign or a dot can be a number.
  if ((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46) {
    const int = resolveInt(source);
    if (int !== NOT_RESOLVED) return asJson(source, int);
    const float = resolveFloat(source);
    if (float !== NOT_RESOLVED) return asJson(source, float);
  }
  return source;
};

/**
 * `text` without the spaces around it: spaces only, as YAML reads them (String#trim would
 * also take a no-break space and the like, which YAML keeps as text).
 */
const spaceTrim = (text: string): string => {
  let from = 0;
  let to = text.length;
  while (from < to && text.charCodeAt(from) === 32) from += 1;
  while (to > from && text.charCodeAt(to - 1) === 32) to -= 1;
  return from === 0 && to === text.length ? text : text.slice(from, to);
};

const scalarOf = (source: string, flow: boolean): unknown => {
  const first = source[0];
  if (first === '"' || first === "'") {
    if (!(flow ? QUOTED_FLOW : QUOTED_BLOCK).test(source)) throw NOT_SIMPLE;
    return source.slice(1, -1);
  }
  if (!(flow ? PLAIN_FLOW : PLAIN_BLOCK).test(source)) throw NOT_SIMPLE;
  // `: ` would start a map; a trailing `:` or space is not plain text either.
  if (source.includes(': ') || source.endsWith(':') || source.endsWith(' ')) throw NOT_SIMPLE;
  return plainValue(source);
};

const setKey = (map: Record<string, unknown>, key: string, value: unknown): void => {
  if (key.length > MAX_KEY || NON_TEXT_KEYS.has(key) || key === '__proto__') throw NOT_SIMPLE;
  if (Object.hasOwn(map, key)) throw NOT_SIMPLE;
  map[key] = value;
};

/** `{ a: 1, b: "x" }` or `[a, 1]` on one line, of scalars only. */
const flowOf = (source: string): unknown => {
  const close = source[0] === '{' ? '}' : ']';
  if (!source.endsWith(close)) throw NOT_SIMPLE;
  const inner = spaceTrim(source.slice(1, -1));
  if (close === ']')
    return inner === '' ? [] : inner.split(',').map((p) => scalarOf(spaceTrim(p), true));
  const map: Record<string, unknown> = {};
  if (inner === '') return map;
  for (const part of inner.split(',')) {
    const item = spaceTrim(part);
    const key = KEY_LINE.exec(item);
    if (key === null || key[0].length === item.length) throw NOT_SIMPLE;
    setKey(map, key[1] as string, scalarOf(item.slice(key[0].length), true));
  }
  return map;
};

const inlineOf = (source: string): unknown =>
  source[0] === '{' || source[0] === '[' ? flowOf(source) : scalarOf(source, false);

/** The content lines of a text: indentation, text after it (right-trimmed), offset. */
interface Lines {
  readonly indent: number[];
  readonly body: string[];
  readonly start: number[];
}

const linesOf = (text: string): Lines => {
  const lines: Lines = { indent: [], body: [], start: [] };
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    let first = at;
    while (first < end && text.charCodeAt(first) === 32) first += 1;
    if (first < end && text.charCodeAt(first) !== 35) {
      const body = spaceTrim(text.slice(first, end));
      // A comment after a value, or a document marker: the event parser's.
      if (
        body.includes('#') ||
        (first === at && (body.startsWith('---') || body.startsWith('...')))
      )
        throw NOT_SIMPLE;
      lines.indent.push(first - at);
      lines.body.push(body);
      lines.start.push(at);
    }
    at = end + 1;
  }
  return lines;
};

interface Cursor {
  readonly lines: Lines;
  i: number;
  /** Offsets of the map items of the root's `calls` list, when it is a block list. */
  callStarts?: number[];
}

const isItem = (body: string): boolean => body === '-' || body.startsWith('- ');

/** A block node whose first line is the cursor's, at indentation `n`. */
const blockAt = (c: Cursor, n: number, starts?: number[]): unknown =>
  isItem(c.lines.body[c.i] as string) ? listAt(c, n, starts) : mapAt(c, n);

/** After a value that ends on its own line, the next line may not be indented more. */
const endOfValue = (c: Cursor, n: number): void => {
  if (c.i < c.lines.body.length && (c.lines.indent[c.i] as number) > n) throw NOT_SIMPLE;
};

const mapAt = (c: Cursor, n: number): Record<string, unknown> => {
  const { indent, body } = c.lines;
  const map: Record<string, unknown> = {};
  while (c.i < body.length && indent[c.i] === n) {
    const line = body[c.i] as string;
    const key = KEY_LINE.exec(line);
    if (key === null) throw NOT_SIMPLE;
    const name = key[1] as string;
    const rest = line.slice(key[0].length);
    c.i += 1;
    let value: unknown = null;
    if (rest !== '') {
      value = inlineOf(rest);
      endOfValue(c, n);
    } else if (c.i < body.length) {
      const next = indent[c.i] as number;
      const starts = n === 0 && name === 'calls' ? [] : undefined;
      if (next > n) value = blockAt(c, next, starts);
      else if (next === n && isItem(body[c.i] as string)) value = listAt(c, n, starts);
      if (starts !== undefined && Array.isArray(value)) c.callStarts = starts;
    }
    setKey(map, name, value);
  }
  if (c.i < body.length && (indent[c.i] as number) > n) throw NOT_SIMPLE;
  return map;
};

const listAt = (c: Cursor, n: number, starts?: number[]): unknown[] => {
  const { indent, body, start } = c.lines;
  const list: unknown[] = [];
  while (c.i < body.length && indent[c.i] === n && isItem(body[c.i] as string)) {
    const line = body[c.i] as string;
    let skip = 1;
    while (line.charCodeAt(skip) === 32) skip += 1;
    const rest = line.slice(skip);
    if (rest === '' || isItem(rest)) throw NOT_SIMPLE;
    const m = n + skip;
    if (KEY_LINE.test(rest)) {
      // `- key: value`: a map whose keys line up with this first one.
      starts?.push((start[c.i] as number) + m);
      indent[c.i] = m;
      body[c.i] = rest;
      list.push(mapAt(c, m));
    } else {
      starts?.push(rest[0] === '{' ? (start[c.i] as number) + m : -1);
      c.i += 1;
      list.push(inlineOf(rest));
    }
    endOfValue(c, n);
  }
  return list;
};

/** The one document of `text` in the simple shape, or undefined when it is not. */
export const simpleRead = (text: string): FastRead | undefined => {
  try {
    const lines = linesOf(text);
    if (lines.body.length === 0 || lines.indent[0] !== 0) return undefined;
    const cursor: Cursor = { lines, i: 0 };
    if (isItem(lines.body[0] as string)) return undefined;
    const data = mapAt(cursor, 0);
    if (cursor.i !== lines.body.length) return undefined;
    return { data: [data], callStarts: [cursor.callStarts ?? []] };
  } catch (error) {
    if (error === NOT_SIMPLE || error === NOT_AS_JSON) return undefined;
    throw error;
  }
};

/** The documents of `text` as plain data, or undefined when `yaml` must read it. */
export const fastRead = (text: string): FastRead | undefined => {
  if (UNSAFE_TEXT.test(text)) return undefined;
  const simple = simpleRead(text);
  if (simple !== undefined) return simple;
  try {
    const events = parseEvents(text, PARSER_OPTIONS);
    if (!plainEvents(events, text)) return undefined;
    const data = constructFromEvents(events, { source: text, schema: SCHEMA, maxAliases: 0 });
    const callStarts = callStartsOf(events, text);
    return callStarts.length === data.length ? { data, callStarts } : undefined;
  } catch {
    return undefined;
  }
};

/** The documents of `text` as plain data, or undefined when `yaml` must read it. */
export const fastDocuments = (text: string): readonly unknown[] | undefined => fastRead(text)?.data;
