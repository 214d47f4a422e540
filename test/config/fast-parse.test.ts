// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { fastDocuments, simpleRead } from '../../src/config/fast-parse.js';
import { parseSource, parseWithYaml } from '../../src/config/parse.js';
import { callStartsIn, createSourceDocument } from '../../src/config/source-document.js';
import type { PathSegments } from '../../src/config/types.js';

/** Plain scalars that YAML 1.2, YAML 1.1 and other parsers read in different ways. */
const TRICKY = [
  '1',
  '-1',
  '+1',
  '0',
  '-0',
  '+0',
  '007',
  '0o17',
  '0o8',
  '0x1F',
  '0X1F',
  '-0x1',
  '0xg',
  '0b101',
  '1_000',
  '1.5',
  '1.',
  '.5',
  '-.5',
  '1.50',
  '1e3',
  '1E-3',
  '.1e+2',
  '1e',
  '1e400',
  '-1e400',
  '99999999999999999999999',
  '1'.repeat(400),
  '.inf',
  '-.Inf',
  '+.INF',
  '.NaN',
  '.nan',
  '-.nan',
  '~',
  'null',
  'Null',
  'NULL',
  'nUll',
  'true',
  'True',
  'TRUE',
  'tRue',
  'false',
  'FALSE',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  '2026-11-30',
  '2026-11-30T09:00:00Z',
  '2026-11-30 09:00:00 +01:00',
  '12:30',
  '1:20:30',
  '${VAR}',
  '${env:X}',
  '$${X}',
  'x-${A}-${B}',
  '+15551234567',
  'https://example.test/a?b=1&c=2',
  'tel:+1555',
  'a b',
  'a  b',
  'é',
  '😀',
  'a#b',
  'a #b',
  '-',
  '- a',
  'a:b',
  'a: b',
  '<<',
  '=',
  '[a]',
  '{a: 1}',
  'a,b',
  'a]',
  "it's",
  'say "hi"',
  'back\\slash',
  '%x',
  '@x',
  '`x`',
  '&a',
  '*a',
  '!x',
  '?x',
  '|x',
  '>x',
  '#x',
  '&a 1',
  '&b [1, 2]',
  '&c { k: v }',
  '!!str 1',
  '!!int "3"',
  '!local x',
  '!!map { a: 1 }',
  '? x',
  '"x',
  "'x",
  '',
];

const KEYS = [
  'name',
  'to',
  'number',
  'type',
  'tag',
  'calls',
  'defaults',
  'from',
  'a b',
  'a:b',
  '1',
  '-1',
  '0x1',
  '1.5',
  'null',
  '~',
  'true',
  'yes',
  '<<',
  '__proto__',
  'constructor',
  'toString',
  '${KEY}',
  'é',
  '"quoted"',
  "'single'",
  '"a\\tb"',
  '',
  'x'.repeat(300),
];

/**
 * Short keys whose `:` is over 1024 characters from their start, which yaml refuses. Drawn
 * rarely: a file holds many keys, and each of these makes the whole file one yaml refuses.
 */
const FAR_COLON_KEYS = [`"${'\\x41'.repeat(256)}"`, `k${' '.repeat(1030)}`];

const DOUBLE_QUOTED_EXTRAS = [
  '"\\x41"',
  '"\\u00e9"',
  '"\\U0001F600"',
  '"\\U0010FFFF"',
  '"\\N\\_\\L\\P"',
  '"\\0\\a\\b\\e\\f\\v"',
  '"\\ "',
  '"\\/"',
  '"\\q"',
  '"\\x4"',
  '"a\\\nb"',
  // Escapes beyond U+10FFFF (yaml refuses them), lone surrogates and \x above 0x7f.
  '"\\U00110000"',
  '"+1555000\\U800000311111"',
  '"\\UFFFFFFFF"',
  '"\\ud800"',
  '"\\uDC00\\uD800"',
  '"\\x80\\xff"',
  // An escaped line break, then a blank line: deep enough to be inside the value.
  '"+1555\\\n\n          0002222"',
  '"one \\\n          \n          two"',
  '"a\\\n          b"',
];

/**
 * A scalar or flow collection with more text after it on its line: `yaml` refuses it, and
 * js-yaml took the text after a list item of a list at its key's indentation as a key of
 * the map around the list.
 */
const TEXT_AFTER = [
  '"*2" to: x',
  '"x"to: 1',
  "'x' y : 1",
  "'x'enabled : false",
  '[x] y: 1',
  '{ a: 1 } b: 2',
  '"x" y',
  "'x' # c",
];

const str = fc.string({ maxLength: 12, unit: 'grapheme' });
const anyChars = fc.string({ maxLength: 8, unit: 'binary' });

/** A scalar as written in a file. */
const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: str },
  { weight: 1, arbitrary: anyChars },
  { weight: 2, arbitrary: str.map((s) => `'${s.replaceAll("'", "''")}'`) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY).map((s) => `'${s.replaceAll("'", "''")}'`) },
  { weight: 2, arbitrary: fc.oneof(str, anyChars).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.constantFrom(...DOUBLE_QUOTED_EXTRAS) },
  { weight: 1, arbitrary: fc.constantFrom(...TEXT_AFTER) },
);

const key = fc.oneof(
  { weight: 50, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 10, arbitrary: str },
  { weight: 10, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.constantFrom(...FAR_COLON_KEYS) },
);

type Tree =
  | { kind: 'scalar'; text: string }
  | { kind: 'block'; header: string; lines: string[] }
  | { kind: 'map'; flow: boolean; pairs: [string, Tree][] }
  | { kind: 'seq'; flow: boolean; items: Tree[] };

/** Key-value pairs; each key once when `once` (a repeated key sends a file to yaml). */
const pairsOf = <V>(
  keys: fc.Arbitrary<string>,
  values: fc.Arbitrary<V>,
  once: boolean,
  size: { minLength?: number; maxLength: number },
): fc.Arbitrary<[string, V][]> =>
  once
    ? fc.uniqueArray(fc.tuple(keys, values), { ...size, selector: ([k]) => k })
    : fc.array(fc.tuple(keys, values), size);

/**
 * Trees of `leaf` scalars and `keys` (each once in a map when `once`), with block scalars
 * among them when `blocks`, and lists `lists` times as often as the default.
 */
const treeOf = (
  leaf: fc.Arbitrary<string>,
  keys: fc.Arbitrary<string>,
  { blocks, once, lists = 1 }: { blocks: boolean; once: boolean; lists?: number },
): fc.Arbitrary<Tree> =>
  fc.letrec<{ node: Tree }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: leaf.map((text) => ({ kind: 'scalar' as const, text })) },
      {
        weight: blocks ? 1 : 0,
        arbitrary: fc.record({
          kind: fc.constant('block' as const),
          header: fc.constantFrom('|', '>', '|-', '>+', '|2', '&t |', '!!str >'),
          lines: fc.array(fc.oneof(str, fc.constantFrom(...TRICKY)), { maxLength: 3 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('map' as const),
          flow: fc.boolean(),
          pairs: pairsOf(keys, tie('node'), once, { maxLength: 4 }),
        }),
      },
      {
        weight: lists,
        arbitrary: fc.record({
          kind: fc.constant('seq' as const),
          flow: fc.boolean(),
          items: fc.array(tie('node'), { maxLength: 4 }),
        }),
      },
    ),
  })).node;

const tree = treeOf(scalar, key, { blocks: true, once: false });

/**
 * Flow style: `{ a: 1, b: [x, y] }`; with `nl` a line break (and the indentation after it)
 * after each item, before its comma: `{ a: 1` / `, b: 2` / `}`.
 */
const flow = (node: Tree, nl = ''): string => {
  if (node.kind === 'scalar') return node.text;
  if (node.kind === 'block') return JSON.stringify(node.lines.join('\n'));
  if (node.kind === 'seq') return `[${node.items.map((i) => `${flow(i, nl)}${nl}`).join(', ')}]`;
  return `{ ${node.pairs.map(([k, v]) => `${k}: ${flow(v, nl)}${nl}`).join(', ')} }`;
};

/** Deeper than the generated files' indentation, so that a flow collection may break there. */
const FLOW_BREAK = `\n${' '.repeat(14)}`;

/** Block style, each line indented by `indent` (flow collections and scalars: one line). */
const block = (node: Tree, indent: number, style: Style): string[] => {
  const pad = ' '.repeat(indent);
  if (node.kind === 'block') return [node.header, ...node.lines.map((l) => `${pad}${l}`)];
  if (node.kind === 'scalar' || node.flow) return flow(node, style.flowBreak).split('\n');
  if (node.kind === 'seq') {
    if (node.items.length === 0) return ['[]'];
    return node.items.flatMap((item) => {
      const [first = '', ...rest] = block(item, indent + 2, style);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    });
  }
  if (node.pairs.length === 0) return ['{}'];
  return node.pairs.flatMap(([k, v]) => {
    // A list may stand at its key's indentation (`key:` then `- item`).
    const compact = style.compact && v.kind === 'seq' && !v.flow;
    const inner = block(v, compact ? indent : indent + style.step, style);
    // Text after such a list's last item, a quoted value or a flow collection, on its line
    // (`- "*2" to: x`).
    const last = compact ? v.items.at(-1) : undefined;
    if (
      last !== undefined &&
      (last.kind === 'scalar' ? /^["']/.test(last.text) : last.kind !== 'block' && last.flow)
    )
      inner[inner.length - 1] += style.after;
    const nested =
      v.kind !== 'scalar' &&
      v.kind !== 'block' &&
      !v.flow &&
      inner.length > 0 &&
      inner[0] !== '[]' &&
      inner[0] !== '{}';
    const comment = style.comments ? ' # note' : '';
    if (nested) return [`${pad}${k}:${comment}`, ...inner];
    // A scalar or flow value on the line below its key.
    if (style.below && v.kind !== 'block')
      return [`${pad}${k}:`, `${pad}${' '.repeat(style.step)}${inner[0] ?? ''}`, ...inner.slice(1)];
    return [`${pad}${k}: ${inner[0] ?? ''}${comment}`, ...inner.slice(1)];
  });
};

interface Style {
  readonly step: number;
  readonly comments: boolean;
  /** Block lists at their key's indentation, with `after` at the end of their last line. */
  readonly compact: boolean;
  readonly after: string;
  /** Scalar and flow values on the line below their key. */
  readonly below: boolean;
  /** A line break after each item of a flow collection: '' or FLOW_BREAK. */
  readonly flowBreak: string;
}

/**
 * Lines of comments and blank lines put between a file's lines: `yaml` reads the lines
 * after `#TODO`-like comments, and after a blank line before a comment at column 0,
 * otherwise than js-yaml when a value stands on a line of its own below them.
 */
const COMMENT_LINES = ['# note', '#TODO', '#', '##', '#-', '', '  ', '  # note', '  #x'];

/** A call file: `defaults` and a list of `calls`, each a map written in block style. */
const callFileOf = (keys: fc.Arbitrary<string>, values: fc.Arbitrary<Tree>, once: boolean) =>
  fc
    .record({
      defaults: pairsOf(keys, values, once, { maxLength: 3 }),
      calls: fc.array(pairsOf(keys, values, once, { minLength: 1, maxLength: 4 }), {
        maxLength: 4,
      }),
      step: fc.constantFrom(1, 2, 4),
      comments: fc.boolean(),
      compact: fc.boolean(),
      after: fc.constantFrom('', '', ' to: x', 'y: 1', ' # c'),
      below: fc.boolean(),
      flowBreak: fc.constantFrom('', FLOW_BREAK),
      commentLines: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...COMMENT_LINES)), {
        maxLength: 3,
      }),
      trailing: fc.constantFrom('\n', '', '\n\n', '\n# end\n'),
    })
    .map(({ defaults, calls, commentLines, trailing, ...style }) => {
      const root: Tree = {
        kind: 'map',
        flow: false,
        pairs: [
          ...(defaults.length > 0
            ? ([['defaults', { kind: 'map', flow: false, pairs: defaults }]] as [string, Tree][])
            : []),
          [
            'calls',
            {
              kind: 'seq',
              flow: false,
              items: calls.map((pairs) => ({ kind: 'map' as const, flow: false, pairs })),
            },
          ],
        ],
      };
      const lines = block(root, 0, style);
      for (const [at, line] of commentLines) lines.splice(at % (lines.length + 1), 0, line);
      return `${lines.join('\n')}${trailing}`;
    });

const callFile = callFileOf(key, tree, false);

/** Values both parsers read alike, so that a file of them is read by the fast path. */
const ORDINARY = [
  'call-1',
  'phone',
  '"+15550001111"',
  "'+15550002222'",
  '"*2"',
  "'x, y'",
  '"a: b"',
  'a b',
  '1',
  '-1.5',
  'true',
  'null',
  '${PHONE}',
  '"é"',
];

/**
 * Ordinary call files with now and then one of the values the two parsers read otherwise
 * (an escape, text after a value), laid out in all the ways above (lists at their key's
 * indentation, values below their key, flow collections over lines, comment lines): most
 * such files are read by the fast path, so a value it misreads is seen.
 */
const ordinaryFile = callFileOf(
  fc.constantFrom('name', 'to', 'type', 'number', 'tag', 'dtmfCapture', 'groups'),
  treeOf(
    fc.oneof(
      { weight: 40, arbitrary: fc.constantFrom(...ORDINARY) },
      { weight: 1, arbitrary: fc.constantFrom(...DOUBLE_QUOTED_EXTRAS) },
      { weight: 1, arbitrary: fc.constantFrom(...TEXT_AFTER) },
    ),
    fc.constantFrom('a', 'b', 'number', 'to'),
    { blocks: false, once: true, lists: 2 },
  ),
  true,
);

/** Fragments that break a file in the ways people do. */
const BREAKS = [
  '\t',
  ' ',
  '  ',
  '\n',
  '\r\n',
  ':',
  ': ',
  '- ',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '#',
  ' #',
  '&a ',
  '*a',
  '!x ',
  '? ',
  '|\n',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '\ufeff',
  '\u0085',
  '\u2028',
  '\\',
  'a: b: c',
];

/** One to three call files as the documents of one file, `---` between them. */
const documents = fc
  .tuple(
    fc.array(callFile, { minLength: 1, maxLength: 3 }),
    fc.constantFrom('---\n', '--- # next\n', '---\n# only a comment\n---\n', '---\n\n'),
    fc.constantFrom('', '---\n', '# head\n---\n', '--- '),
    fc.constantFrom('', '---\n', '---'),
  )
  .map(([files, between, head, tail]) => `${head}${files.join(between)}${tail}`);

/** A call file, sometimes with fragments inserted at random places. */
const fileText = fc.oneof(
  { weight: 3, arbitrary: callFile },
  { weight: 2, arbitrary: ordinaryFile },
  { weight: 1, arbitrary: documents },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(callFile, documents),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BREAKS)), { minLength: 1, maxLength: 3 }),
      )
      .map(([text, edits]) =>
        edits.reduce((t, [at, piece]) => {
          const i = t.length === 0 ? 0 : at % (t.length + 1);
          return `${t.slice(0, i)}${piece}${t.slice(i)}`;
        }, text),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(tree, { maxLength: 3 }), fc.constantFrom('', '\n', '\n ', FLOW_BREAK))
      .map(([nodes, nl]) => nodes.map((n) => flow(n, nl)).join('\n')),
  },
);

/** A value as data, comparable exactly: key order, -0, NaN and prototypes included. */
const shape = (value: unknown): unknown => {
  if (Array.isArray(value)) return ['seq', value.map(shape)];
  if (typeof value === 'object' && value !== null) {
    return [
      'map',
      Object.getPrototypeOf(value) === Object.prototype,
      Object.entries(value).map(([k, v]) => [k, shape(v)]),
    ];
  }
  if (typeof value === 'number') return ['number', Object.is(value, -0) ? '-0' : String(value)];
  return [typeof value, value];
};

/** Every path into a value (its maps' keys and lists' indexes), the value itself first. */
const pathsOf = (value: unknown, base: PathSegments = []): PathSegments[] => {
  const out: PathSegments[] = [base];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push(...pathsOf(v, [...base, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...base, k]));
  }
  return out;
};

const F = 'calls/f.yaml';
/**
 * Runs per property; FAST_PARSE_RUNS raises it for a longer search. Each count handed to
 * fast-check must be a whole number: fast-check counts runs down to exactly -1, so a count
 * like 8000 / 3 never ends the run and the property loops forever.
 */
const RUNS = Number(process.env.FAST_PARSE_RUNS ?? 1500);
if (!Number.isSafeInteger(RUNS) || RUNS < 1) {
  throw new Error(
    `FAST_PARSE_RUNS must be a positive whole number, not ${process.env.FAST_PARSE_RUNS}`,
  );
}
/** A third of the runs for the slower property that also compares positions. */
const POSITION_RUNS = Math.ceil(RUNS / 3);
/**
 * A property runs synchronously, so the test timeout can only fail it once it is done:
 * with the default 20 s a longer search (FAST_PARSE_RUNS=8000) fails on a busy machine
 * after it found nothing. About 2 ms a run unloaded: allow 10 ms a run on top.
 */
vi.setConfig({ testTimeout: 20_000 + RUNS * 10 });

describe('the fast parser against yaml', () => {
  it('reads a file only when yaml reads it without a problem, and to the same data', () => {
    let taken = 0;
    let clean = 0;
    fc.assert(
      fc.property(fileText, (text) => {
        const fast = fastDocuments(text);
        const slow = parseWithYaml(F, text);
        if (slow.diagnostics.length === 0) clean += 1;
        if (fast === undefined) return;
        taken += 1;
        expect(slow.diagnostics).toEqual([]);
        expect(shape(fast)).toEqual(shape(slow.source.documents.map((d) => d.data)));
      }),
      { numRuns: RUNS },
    );
    // The property says something only if the fast path is taken often. About 28% of the
    // generated files are clean (17 files a standard deviation at 1,500 runs): a fifth is
    // well below any run's count, a quarter was not.
    expect(clean).toBeGreaterThan(RUNS / 5);
    expect(taken).toBeGreaterThan(clean / 3);
  });

  it('gives parseSource the same diagnostics, data and positions as yaml alone', () => {
    fc.assert(
      fc.property(fileText, (text) => {
        // A NUL is refused before either parser sees the text.
        if (text.includes('\0')) return;
        const ours = parseSource(F, text);
        const slow = parseWithYaml(F, text);
        expect(ours.diagnostics).toEqual(slow.diagnostics);
        expect(ours.source.text).toBe(slow.source.text);
        const docs = ours.source.documents;
        expect(docs.length).toBe(slow.source.documents.length);
        docs.forEach((doc, i) => {
          const other = slow.source.documents[i];
          expect(shape(doc.data)).toEqual(shape(other?.data));
          const paths = [...pathsOf(doc.data), ['calls', 9, 'absent'], ['nothing']];
          expect(paths.length).toBeGreaterThan(0);
          // Positions by walking yaml's document alone, without the noted call starts.
          const walked = createSourceDocument(F, i, { text }, doc.data);
          for (const path of paths) {
            expect(doc.locate(path)).toEqual(walked.locate(path));
            expect(other?.locate(path)).toEqual(walked.locate(path));
            expect(doc.locateKey(path)).toEqual(walked.locateKey(path));
            expect(other?.locateKey(path)).toEqual(walked.locateKey(path));
            // A number written otherwise than JSON writes it is seen the same way either way.
            expect(doc.writtenNumber?.(path)).toBe(walked.writtenNumber?.(path));
            expect(other?.writtenNumber?.(path)).toBe(walked.writtenNumber?.(path));
          }
        });
      }),
      { numRuns: POSITION_RUNS },
    );
  });

  it('takes an ordinary call file, and leaves anchors, tags, tabs and block text to yaml', () => {
    const ordinary = [
      'defaults:',
      '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '  from: "+15550001111"',
      'calls:',
      '  - name: call-1 # first',
      '    to: { type: phone, number: "+15550000001" }',
      "    tag: { run: bench, i: 1, when: 2026-11-30, url: 'https://x.test/?a=1&b=2' }",
      '',
    ].join('\n');
    expect(fastDocuments(ordinary)).toEqual([
      {
        defaults: {
          application_sid: '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
          from: '+15550001111',
        },
        calls: [
          {
            name: 'call-1',
            to: { type: 'phone', number: '+15550000001' },
            tag: { run: 'bench', i: 1, when: '2026-11-30', url: 'https://x.test/?a=1&b=2' },
          },
        ],
      },
    ]);
    for (const text of [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a:\n\t- b\n',
      'a: |\n  text\n',
      'a: 1\n...\n',
      '%YAML 1.2\n---\na: 1\n',
      '? a\n: b\n',
      'a: 1\r\nb: 2\r\n',
      '\ufeffa: 1\n',
      'a: 1\na: 2\n',
      '~: 1\n',
      '1: a\n',
      '[a]: b\n',
      `${'k'.repeat(300)}: v\n`,
      // A document marker after spaces: js-yaml takes it as a marker, yaml refuses it.
      ' ---\ncalls: []\n',
      'a: 1\n  ---\nb: 2\n',
      ' ...\ncalls: []\n',
    ]) {
      expect(fastDocuments(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(parseWithYaml(F, ' ---\ncalls: []\n').diagnostics).not.toEqual([]);
  });

  it('leaves to yaml what js-yaml reads otherwise, and gives its diagnostics at their place', () => {
    /** Each text, and what yaml makes of it: its diagnostics (line:column words), or data. */
    const refused: [string, string[]][] = [
      // Text after a list item on its line: js-yaml read it as a key of the map around.
      [
        'calls:\n  - name: a\n    dtmfCapture:\n    - "*2" to: {type: phone, number: "+15550002222"}\n',
        ['4:12 unexpected scalar token'],
      ],
      ["a:\n- 'x' y : 1\n", ['2:7 unexpected scalar token']],
      ["calls:\n- 'x'enabled : false\n", ['2:6 unexpected scalar token']],
      [
        'groups:\n- [gold] silver: 1\n',
        ['2:10 unexpected scalar token', '2:3 a key must be plain text, not a list or a map'],
      ],
      // \U beyond U+10FFFF: js-yaml made other characters of it.
      [
        'a: "+1555000\\U800000311111"\n',
        [
          '1:13 invalid escape sequence \\U80000031 in a double-quoted string (use single quotes, or double the backslash)',
        ],
      ],
      [
        'a: "\\U00110000"\n',
        [
          '1:5 invalid escape sequence \\U00110000 in a double-quoted string (use single quotes, or double the backslash)',
        ],
      ],
      // A value on a line of its own below `#c` (yaml then reads it on into `groups:`).
      [
        '   a:\n  #c\n    c]\n   groups:\n',
        ['3:5 a key must fit on one line (is a `:` or a closing quote missing?)'],
      ],
      // A comment at column 0 inside a flow map, after a value.
      [
        'a: {b: x\n#c\n  }\n',
        ['2:1 comments must be separated from other tokens by white space characters'],
      ],
      [
        'a: {b: x\n# c\n  }\n',
        ['2:1 comments must be separated from other tokens by white space characters'],
      ],
      [
        'a: [b: x # d\n# c\n  ]\n',
        ['2:1 comments must be separated from other tokens by white space characters'],
      ],
      [
        'a: [b]#c\n',
        ['1:7 comments must be separated from other tokens by white space characters'],
      ],
    ];
    for (const [text, expected] of refused) {
      expect(fastDocuments(text), JSON.stringify(text)).toBeUndefined();
      const ours = parseSource(F, text);
      expect(ours.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual(expected);
      expect(ours.diagnostics.every((d) => d.file === F && d.severity === 'error')).toBe(true);
      expect(ours.diagnostics).toEqual(parseWithYaml(F, text).diagnostics);
    }
    const readOtherwise: [string, unknown][] = [
      // An escaped line break before a blank line: js-yaml dropped the blank line with it.
      ['a: "+1555\\\n\n        0002222"\n', { a: '+1555 0002222' }],
      ['a: "one \\\n  \n  two"\n', { a: 'one  two' }],
      // A value on a line of its own below `#-`, or below a blank line and a comment at
      // column 0: yaml reads it on into the next item.
      ['tag:\n  groups:\n  -\n#-\n    gold\n  - silver\n', { tag: { groups: ['gold - silver'] } }],
      ['- a:\n\n# note\n    x\n- z\n', [{ a: 'x - z' }]],
      [
        'calls:\n  - name: a\n    tag:\n#TODO\n      "x\n    y"\n',
        { calls: [{ name: 'a', tag: 'x y' }] },
      ],
    ];
    for (const [text, data] of readOtherwise) {
      expect(fastDocuments(text), JSON.stringify(text)).toBeUndefined();
      const ours = parseSource(F, text);
      expect(ours.diagnostics).toEqual([]);
      expect(ours.source.documents.map((d) => d.data)).toEqual([data]);
    }
    // Read alike, and still read fast: escapes in range (lone surrogates too), an escaped
    // line break before text, comment lines above keys and list items, after a flow map.
    for (const [text, data] of [
      ['a: "\\ud800\\udc00\\ud800"\n', { a: '\ud800\udc00\ud800' }],
      ['a: "\\x80\\xff\\U0010FFFF\\U0001F600"\n', { a: '\x80\xff\u{10ffff}\u{1f600}' }],
      ['a: "+1555\\\n        0002222"\n', { a: '+15550002222' }],
      [
        'calls:\n  - name: a\n    to: {type: phone}\n\n# second\n  - name: b\n#TODO check\n    tag: {x: "1"}\n',
        {
          calls: [
            { name: 'a', to: { type: 'phone' } },
            { name: 'b', tag: { x: '1' } },
          ],
        },
      ],
      [
        'calls:\n- name: a\n  dtmfCapture:\n  - "*2"\n  to: x\n',
        { calls: [{ name: 'a', dtmfCapture: ['*2'], to: 'x' }] },
      ],
      ['a: {b: x,\n  c: y}\n# after\nd: 1\n', { a: { b: 'x', c: 'y' }, d: 1 }],
    ] as const) {
      expect(fastDocuments(text), JSON.stringify(text)).toEqual([data]);
      expect(parseWithYaml(F, text).source.documents.map((d) => d.data)).toEqual([data]);
    }
  });

  it('leaves to yaml a number written otherwise than JSON writes it, which it then names', () => {
    const forms: [string, string | undefined][] = [
      ['01234', '01234'],
      ['-007', '-007'],
      ['0o17', '0o17'],
      ['0x1F', '0x1F'],
      ['1.10', '1.10'],
      ['+1', '+1'],
      ['1e3', '1e3'],
      ['.5', '.5'],
      ['-0', '-0'],
      ['1.', '1.'],
      ['.inf', '.inf'],
      ['1e400', '1e400'],
      ['0', undefined],
      ['0.5', undefined],
      ['-3', undefined],
      ['1.5e-7', undefined],
      ['6.02e23', undefined],
      ['6.02e+23', undefined],
    ];
    for (const [written, named] of forms) {
      // The line reader's shape, and one only the event parser reads (a comment after it).
      for (const text of [`tag:\n  a: ${written}\n`, `tag: { a: [${written}] } # c\n`]) {
        const path = text.includes('[') ? ['tag', 'a', 0] : ['tag', 'a'];
        if (named === undefined) expect(fastDocuments(text), text).toBeDefined();
        else expect(fastDocuments(text), text).toBeUndefined();
        const [ours] = parseSource(F, text).source.documents;
        const [slow] = parseWithYaml(F, text).source.documents;
        expect(ours?.writtenNumber?.(path), text).toBe(named);
        expect(slow?.writtenNumber?.(path), text).toBe(named);
      }
    }
    // Text is not a number, whatever it looks like.
    for (const text of ['a: "01234"\n', "a: '0x1F'\n", 'a: 1_000\n', 'a: 0o8\n']) {
      expect(fastDocuments(text), text).toBeDefined();
      expect(parseWithYaml(F, text).source.documents[0]?.writtenNumber?.(['a'])).toBeUndefined();
    }
  });

  it('leaves to yaml a key whose `:` is over 1024 characters from its start', () => {
    // yaml refuses such an implicit key (KEY_OVER_1024_CHARS); the event parser took these,
    // their text being short: spaces before the `:`, or escapes in a quoted key.
    for (const text of [
      `a${' '.repeat(1024)}: 1\n`,
      `"${'\\x41'.repeat(256)}": 1\n`,
      `calls:\n  - to${' '.repeat(1030)}: x\n`,
      `[ "${'\\x41'.repeat(256)}": 1 ]\n`,
    ]) {
      expect(fastDocuments(text), text.slice(0, 40)).toBeUndefined();
      const slow = parseWithYaml(F, text);
      expect(slow.diagnostics.map((d) => d.message)).toEqual([
        'a key is longer than 1024 characters',
      ]);
      expect(parseSource(F, text).diagnostics).toEqual(slow.diagnostics);
    }
    // Just under the limit, both read it.
    const under = `a${' '.repeat(990)}: 1\n`;
    expect(fastDocuments(under)).toEqual([{ a: 1 }]);
    expect(parseWithYaml(F, under).diagnostics).toEqual([]);
  });
});

/** Call files of the shape the line reader takes, with scalars chosen to trip it up. */
const TOKENS = [
  'call-1',
  '+15550001111',
  '"+15550001111"',
  "'x, y'",
  '"a: b"',
  '""',
  "''",
  'null',
  'Null',
  '~',
  'True',
  'FALSE',
  'yes',
  '0x1F',
  '0o17',
  '0b1',
  '.inf',
  '-.Inf',
  '.nan',
  '-5',
  '-.5',
  '1e3',
  '1.',
  '1_000',
  '007',
  '12345678901234567890',
  'a:b',
  'a b',
  'a  b',
  '${PHONE}',
  '$${X}',
  'http://x.test:9/p',
  'x=1',
  'f(x)',
  '2026-11-30',
  '-',
  'a\u00a0b',
  '"é"',
  'a}',
  '{}',
  '[]',
  '[a, 1]',
  '[ ]',
  '{ a: 1 }',
  '{a: 1,b: x}',
  '{ a: b c, d: "e" }',
  '[a,]',
  '{a:1}',
  // Read otherwise by js-yaml's event parser: the line reader must not take them either.
  '"*2" to: x',
  "'x'enabled : false",
  '[x] y: 1',
  '"\\U00110000"',
  '"a\\"',
];
const tokenArb = fc.constantFrom(...TOKENS);
const keyArb = fc.constantFrom('name', 'to', 'from', 'tag', 'number', 'a-b', '_x', 'true', 'on');
const simpleFile = fc
  .record({
    defaults: fc.option(fc.array(fc.tuple(keyArb, tokenArb), { maxLength: 3 }), { nil: undefined }),
    calls: fc.array(
      fc.tuple(
        fc.constantFrom('  - ', '- ', '  -   '),
        fc.array(fc.tuple(keyArb, tokenArb), { minLength: 1, maxLength: 4 }),
      ),
      { maxLength: 4 },
    ),
    tail: fc.constantFrom('', '\n', '\n# done\n', '\n\n'),
  })
  .map(({ defaults, calls, tail }) => {
    const lines: string[] = [];
    if (defaults !== undefined) {
      lines.push('defaults:');
      for (const [k, v] of defaults) lines.push(`  ${k}: ${v}`);
    }
    lines.push('calls:');
    for (const [dash, pairs] of calls) {
      pairs.forEach(([k, v], i) => {
        lines.push(`${i === 0 ? dash : ' '.repeat(dash.length)}${k}: ${v}`);
      });
    }
    return lines.join('\n') + tail;
  });

describe('the line reader of the common shape', () => {
  it('gives what yaml gives, call starts included, whenever it reads a file', () => {
    let taken = 0;
    fc.assert(
      fc.property(simpleFile, (text) => {
        const fast = simpleRead(text);
        if (fast === undefined) return;
        taken += 1;
        const slow = parseWithYaml(F, text);
        expect(slow.diagnostics).toEqual([]);
        expect(shape(fast.data)).toEqual(shape(slow.source.documents.map((d) => d.data)));
        expect(fast.callStarts).toEqual(callStartsIn(parseAllDocuments(text)));
        // Every number it reads is written as JSON writes it.
        for (const doc of slow.source.documents)
          for (const path of pathsOf(doc.data)) expect(doc.writtenNumber?.(path)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    expect(taken).toBeGreaterThan(RUNS / 10);
  });
});
