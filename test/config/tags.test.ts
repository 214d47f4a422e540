import { describe, expect, it } from 'vitest';
import { fastRead, simpleRead } from '../../src/config/fast-parse.js';
import { parseSource } from '../../src/config/index.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';
import { CALL, error, validate, yaml } from '../validate/fixtures.js';

const F = 'calls/x.yaml';

/** line and column (1-based) of the first `needle` in `text`. */
const at = (text: string, needle: string): { line: number; column: number } => {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
};

const errorAt = (text: string, needle: string, message: string): Diagnostic => {
  const { line, column } = at(text, needle);
  return error(F, line, column, '', message);
};

/** A call file whose one call carries `lines` (indented under it). */
const callWith = (...lines: string[]): string =>
  yaml('calls:', '  - name: a', ...[...CALL, ...lines].map((l) => `    ${l}`));

const MAP = 'write a plain map without it (`key: value` lines, or `{ key: value }`)';
const READ = 'callops reads no YAML tag but !!str, !!int, !!float, !!bool, !!null, !!map and !!seq';
const unfit = (tag: string, kind: string): string =>
  `\`${tag}\` does not fit this value, which is not ${kind}: remove the tag (quote the value to keep it as text)`;

/** The fast parser takes none of these texts: `yaml` reads them, and this test what it does. */
const toYaml = (text: string): void => {
  expect(fastRead(text), text).toBeUndefined();
  expect(simpleRead(text), text).toBeUndefined();
};

describe('tags that change what a value is', () => {
  it('refuses `!!omap` in headers and tag at the tag, and keeps no data of the document', () => {
    const text = callWith(
      'headers: !!omap',
      '  - X-Campaign: "spring"',
      '  - "Bad Name:": "a\\r\\nP-Asserted-Identity: x"',
      'tag: !!omap [ {customer: alice} ]',
    );
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([
      errorAt(text, '!!omap\n', `callops does not read the tag \`!!omap\`: ${MAP}`),
      errorAt(text, '!!omap [', `callops does not read the tag \`!!omap\`: ${MAP}`),
    ]);
    expect(source.documents).toHaveLength(1);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it.each([
    ['!!pairs [ {a: 1} ]', '!!pairs', `callops does not read the tag \`!!pairs\`: ${MAP}`],
    [
      '!!set { a, b }',
      '!!set',
      'callops does not read the tag `!!set`: write a plain list without it (`- item` lines, or `[a, b]`)',
    ],
    [
      '!!binary aGVsbG8=',
      '!!binary',
      'callops does not read the tag `!!binary`: write the value as plain text without it',
    ],
    [
      '!!timestamp 2026-12-01',
      '!!timestamp',
      'callops does not read the tag `!!timestamp`: write the time as quoted text without it (`"2026-12-01T09:00:00Z"`)',
    ],
    [
      '!<tag:yaml.org,2002:omap> [ {a: 1} ]',
      '!<tag:yaml.org,2002:omap>',
      `callops does not read the tag \`!<tag:yaml.org,2002:omap>\`: ${MAP}`,
    ],
    ['!foo bar', '!foo', `${READ}: remove \`!foo\` (quote the value to keep it as text)`],
    [
      '!<tag:example.com,2000:x> bar',
      '!<tag:example.com,2000:x>',
      `${READ}: remove \`!<tag:example.com,2000:x>\` (quote the value to keep it as text)`,
    ],
    [
      '!<tag:yaml.org,2002:str> 123',
      '!<tag:yaml.org,2002:str>',
      'write the tag `!<tag:yaml.org,2002:str>` as `!!str`',
    ],
    [
      '! 123',
      '! ',
      'callops does not read the non-specific tag `!`: remove it (quote the value to keep it as text)',
    ],
    ['!!merge x', '!!merge', `${READ}: remove \`!!merge\` (quote the value to keep it as text)`],
  ])('refuses `%s` at the tag, with what to write instead', (value, tag, message) => {
    const text = callWith(`tag: { k: ${value} }`);
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    // One error, yaml's own warning about the tag (when it has one) not said again.
    expect(diagnostics).toEqual([errorAt(text, tag, message)]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('refuses a tag on a document, on a key and in a block list; only the documents holding one lose their data', () => {
    const text = [
      callWith('tag: { k: v }'),
      yaml('--- !!omap', '- calls: []'),
      `---\n${callWith('headers:', '  - !!binary aGk=')}`,
      yaml('---', '!foo calls:', '  - name: b'),
      `---\n${callWith('tag: { k: v2 }')}`,
    ].join('');
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics.map((d) => [d.line, d.column, d.message.slice(0, 40)])).toEqual([
      [at(text, '!!omap').line, 5, 'callops does not read the tag `!!omap`: '],
      [at(text, '!!binary').line, 9, 'callops does not read the tag `!!binary`'],
      [at(text, '!foo').line, 1, `${READ.slice(0, 40)}`],
    ]);
    expect(source.documents.map((d) => d.data === undefined)).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(source.documents[4]?.data).toMatchObject({ calls: [{ tag: { k: 'v2' } }] });
  });
});

describe('tags deep down', () => {
  it('finds a tag in a document nested thousands of levels deep without overflowing the stack', () => {
    const text = `a: ${'[!foo '.repeat(20_000)}`;
    const { diagnostics } = parseSource(F, text);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.file === F && d.severity === 'error')).toBe(true);
    expect(diagnostics.some((d) => d.message.includes('cannot read this file'))).toBe(false);
    expect(diagnostics[0]).toEqual(
      errorAt(text, '!foo', `${READ}: remove \`!foo\` (quote the value to keep it as text)`),
    );
  });
});

describe('directives', () => {
  it('reads `%YAML 1.2`, which says what callops reads anyway', () => {
    const text = `%YAML 1.2\n---\n${callWith('enabled: no')}`;
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([]);
    expect(source.documents[0]?.data).toMatchObject({ calls: [{ enabled: 'no' }] });
  });

  it('refuses `%YAML 1.1`, `%TAG` and any other directive, and the document after each', () => {
    const text = [
      `%YAML 1.1\n---\n${callWith('enabled: no', 'timeout: 0100')}`,
      `...\n%TAG !e! tag:yaml.org,2002:\n---\n${callWith('tag: { k: !e!str v }')}`,
      `...\n%FOO bar\n---\n${callWith('timeout: 30')}`,
      `---\n${callWith('timeout: 40')}`,
    ].join('');
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([
      errorAt(
        text,
        '%YAML',
        'callops reads YAML 1.2: remove `%YAML 1.1` (under YAML 1.1, `no` is false and `0100` is 64)',
      ),
      errorAt(
        text,
        '%TAG',
        'callops does not read `%TAG` directives (they change what tags mean): remove it, and the tags it names',
      ),
      errorAt(text, '!e!str', `${READ}: remove \`!e!str\` (quote the value to keep it as text)`),
      errorAt(text, '%FOO', 'callops does not read the directive `%FOO`: remove it'),
    ]);
    expect(source.documents.map((d) => d.data === undefined)).toEqual([true, true, true, false]);
  });

  it('refuses `%TAG !! …`, which would give `!!str` another meaning', () => {
    const text = `%TAG !! tag:example.com,2000:\n---\n${callWith('tag: { k: !!str v }')}`;
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics.map((d) => [d.line, d.column])).toEqual([
      [1, 1],
      [at(text, '!!str').line, at(text, '!!str').column],
    ]);
    expect(diagnostics[1]?.message).toBe(unfit('!!str', 'text'));
    expect(source.documents[0]?.data).toBeUndefined();
  });
});

describe('the YAML core tags', () => {
  /** Each tagged value, and the untagged value it must read exactly as. */
  const SAME: readonly (readonly [string, string, unknown])[] = [
    ['!!str +15550002222', '"+15550002222"', '+15550002222'],
    ['!!str 123', '"123"', '123'],
    ['!!str true', '"true"', 'true'],
    ['!!str ~', '"~"', '~'],
    ['!!str', '""', ''],
    ['!!int "5"', '5', 5],
    ['!!int 60', '60', 60],
    ['!!int "0x3c"', '0x3c', 60],
    ['!!int 0o17', '0o17', 15],
    ['!!float "1.5"', '1.5', 1.5],
    ['!!float 1e3', '1e3', 1000],
    ['!!bool "true"', 'true', true],
    ['!!bool False', 'false', false],
    ['!!null ""', 'null', null],
    ['!!null ~', '~', null],
    ['!!map { a: 1 }', '{ a: 1 }', { a: 1 }],
    ['!!seq [a, 1]', '[a, 1]', ['a', 1]],
  ];

  it.each(SAME)('reads `%s` as `%s` reads', (tagged, plain, value) => {
    const text = callWith(`tag: { k: ${tagged} }`);
    toYaml(text);
    const read = parseSource(F, text);
    const untagged = parseSource(F, callWith(`tag: { k: ${plain} }`));
    expect(read.diagnostics).toEqual([]);
    expect(read.source.documents[0]?.data).toEqual(untagged.source.documents[0]?.data);
    expect(read.source.documents[0]?.data).toMatchObject({ calls: [{ tag: { k: value } }] });
  });

  it('reads core tags on a document, a key and block collections', () => {
    const text = yaml(
      '--- !!map',
      '!!str calls:',
      '  - !!map',
      '    name: a',
      '    dtmfCapture: !!seq',
      '      - !!str 12',
    );
    toYaml(text);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([]);
    expect(source.documents[0]?.data).toEqual({ calls: [{ name: 'a', dtmfCapture: ['12'] }] });
  });

  it.each([
    ['!!int "abc"', '!!int', 'an integer (`60`, `0x3c`)'],
    ['!!int 3.5', '!!int', 'an integer (`60`, `0x3c`)'],
    ['!!int 1_000', '!!int', 'an integer (`60`, `0x3c`)'],
    ['!!float 1', '!!float', 'a number with a point or an exponent (`1.5`, `1e3`)'],
    ['!!bool yes', '!!bool', '`true` or `false`'],
    ['!!null none', '!!null', '`null`, `~` or nothing'],
    ['!!str { a: 1 }', '!!str', 'text'],
    ['!!int [1]', '!!int', 'an integer (`60`, `0x3c`)'],
    ['!!map [1]', '!!map', 'a map'],
    ['!!seq { a: 1 }', '!!seq', 'a list'],
  ])('refuses `%s`, which the tag does not fit, at the tag', (value, tag, kind) => {
    const text = callWith(`tag: { k: ${value} }`);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([errorAt(text, tag, unfit(tag, kind))]);
    expect(source.documents[0]?.data).toBeUndefined();
  });
});

describe('tagged values in the project', () => {
  const digestOf = (...lines: string[]): string | undefined => {
    const project = validate({ [F]: callWith(...lines) });
    expect(project.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return project.calls[0]?.definition;
  };

  it('checks and digests a value read through a core tag as the untagged one', () => {
    expect(digestOf('timeout: !!int "60"', 'tag: !!map { id: !!str 7 }')).toBe(
      digestOf('timeout: 60', 'tag: { id: "7" }'),
    );
    expect(digestOf('headers: !!map', '  X-A: !!str 1')).toBe(digestOf('headers: { X-A: "1" }'));
  });

  it('changes the digest with any change inside a tagged map or list', () => {
    const base = digestOf('tag: !!map { id: !!str 7, list: !!seq [a, b] }');
    expect(digestOf('tag: !!map { id: !!str 8, list: !!seq [a, b] }')).not.toBe(base);
    expect(digestOf('tag: !!map { id: !!str 7, list: !!seq [a, c] }')).not.toBe(base);
    expect(digestOf('tag: !!map { id: !!str 7, list: !!seq [a, b], x: 1 }')).not.toBe(base);
  });

  it('holds a tag against a value just as it would the untagged one (`!!str` on a timeout)', () => {
    const project = validate({ [F]: callWith('timeout: !!str 60') });
    const plain = validate({ [F]: callWith('timeout: "60"') });
    expect(project.diagnostics.map((d) => d.message)).toEqual(
      plain.diagnostics.map((d) => d.message),
    );
    expect(project.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  });

  it('a refused tag is the one problem of its call: no schema message about what it hid, no call', () => {
    const text = callWith('amd: !!omap [ {actionHook: "/amd"} ]', 'to2: x');
    const project = validate({ [F]: text });
    expect(project.diagnostics).toEqual([
      errorAt(text, '!!omap', `callops does not read the tag \`!!omap\`: ${MAP}`),
    ]);
    expect(project.calls).toEqual([]);
  });

  it('refuses a tag in callops.yaml as in a call file', () => {
    const config = yaml('defaults: !!omap', '  - timeout: 30');
    const project = validate({ 'callops.yaml': config, [F]: callWith() });
    expect(project.diagnostics).toContainEqual({
      ...error('callops.yaml', 1, 11, '', `callops does not read the tag \`!!omap\`: ${MAP}`),
    });
  });
});
