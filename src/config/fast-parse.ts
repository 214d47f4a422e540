import {
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

/**
 * The data of a YAML file read without positions, several times faster than the `yaml`
 * library builds its position-bearing documents; or undefined whenever the text might hold
 * anything that `yaml` reads differently, refuses or warns about. Then (and only then) the
 * caller parses the file with `yaml`, which finds every problem and its position. A value
 * given here is exactly what `yaml` would give: test/config/fast-parse.test.ts compares the
 * two on generated call files.
 *
 * Never read here: text with tabs, carriage returns, control and other special characters
 * (BOM, NEL, line and paragraph separators), document end markers (`...`), directives,
 * `?` keys; documents with anchors, aliases, tags or block scalars (`|`, `>`), and plain
 * text starting with a reserved indicator (`@`, backquote, `%`).
 */
const UNSAFE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\0-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]|(?:^|[\s[{,])\?(?:\s|$)|^(?:\.\.\.|%)/m;

const RESERVED_START = new Set(['@', '`', '%']);

/** Whether the parsed events hold only what `yaml` and this parser read alike. */
const plainEvents = (events: readonly Event[], text: string): boolean => {
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if (event.explicitEnd || event.directives.length > 0) return false;
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        if (event.anchorStart !== -1 || event.tagStart !== -1) return false;
        break;
      case EVENT_ID.SCALAR:
        if (event.anchorStart !== -1 || event.tagStart !== -1) return false;
        if (event.style === SCALAR_STYLE.LITERAL_BLOCK) return false;
        if (event.style === SCALAR_STYLE.FOLDED_BLOCK) return false;
        if (event.style === SCALAR_STYLE.PLAIN && RESERVED_START.has(text[event.valueStart] ?? ''))
          return false;
        break;
      case EVENT_ID.ALIAS:
        return false;
      default:
        break;
    }
  }
  return true;
};

/** Keys this long are left to `yaml`, which refuses implicit keys over 1024 characters. */
const MAX_KEY = 256;

// The YAML 1.2 core schema's numbers exactly as `yaml` resolves them (js-yaml's own core
// tags give a string, not Infinity, for a number too large for a double).
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: ['-', '+', ...'0123456789'],
  resolve: (source) => {
    if (INT.test(source)) return Number.parseInt(source, 10);
    if (INT_OCT.test(source)) return Number.parseInt(source.slice(2), 8);
    if (INT_HEX.test(source)) return Number.parseInt(source.slice(2), 16);
    return NOT_RESOLVED;
  },
  identify: (value) => Number.isInteger(value),
});

const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: ['-', '+', '.', ...'0123456789'],
  resolve: (source) => {
    if (FLOAT_SPECIAL.test(source)) {
      if (source.slice(-3).toLowerCase() === 'nan') return Number.NaN;
      return source.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (FLOAT_EXP.test(source) || FLOAT.test(source)) return Number.parseFloat(source);
    return NOT_RESOLVED;
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

/** The documents of `text` as plain data, or undefined when `yaml` must read it. */
export const fastRead = (text: string): FastRead | undefined => {
  if (UNSAFE_TEXT.test(text)) return undefined;
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
