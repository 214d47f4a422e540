// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import { canonicalJson, definitionHash } from '../../src/validate/index.js';
import { deepMerge, type Layer, siteInLayers } from '../../src/validate/merge.js';
import { oneCall, validate, yaml } from './fixtures.js';

const doc = (file: string, text: string) => {
  const d = parseSource(file, text).source.documents[0];
  if (!d) throw new Error('fixture has no document');
  return d;
};

describe('deepMerge', () => {
  it('merges objects deeply, replaces arrays and scalars, and changes neither input', () => {
    const lower = { a: { x: 1, y: [1, 2] }, b: 1, c: { d: 1 } };
    const higher = { a: { y: [3] }, b: { e: 2 }, c: 'flat' };
    expect(deepMerge(lower, higher)).toEqual({ a: { x: 1, y: [3] }, b: { e: 2 }, c: 'flat' });
    expect(lower).toEqual({ a: { x: 1, y: [1, 2] }, b: 1, c: { d: 1 } });
    expect(higher).toEqual({ a: { y: [3] }, b: { e: 2 }, c: 'flat' });
  });

  it('treats __proto__ as an ordinary key', () => {
    const higher = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = deepMerge({}, higher);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe('siteInLayers', () => {
  const project = doc(
    'callops.yaml',
    yaml(
      'defaults:',
      '  tag: { team: ops }',
      '  to: { type: user, name: ops }',
      '  headers: { X-A: "1" }',
    ),
  );
  const file = doc(
    'calls/a.yaml',
    yaml('defaults:', '  headers: flat', 'calls:', '  - name: a', '    tag: { call: a }'),
  );
  const layers: Layer[] = [
    {
      data: (project.data as { defaults: Record<string, unknown> }).defaults,
      doc: project,
      base: ['defaults'],
    },
    {
      data: (file.data as { defaults: Record<string, unknown> }).defaults,
      doc: file,
      base: ['defaults'],
    },
    { data: { name: 'a', tag: { call: 'a' } }, doc: file, base: ['calls', 0] },
  ];

  it('points at the layer that supplied the value', () => {
    expect(siteInLayers(layers, ['tag', 'team'])).toEqual({
      file: 'callops.yaml',
      line: 2,
      column: 16,
      path: '/defaults/tag/team',
    });
    expect(siteInLayers(layers, ['tag', 'call'])).toEqual({
      file: 'calls/a.yaml',
      line: 5,
      column: 18,
      path: '/calls/0/tag/call',
    });
    expect(siteInLayers(layers, ['tag'])).toEqual({
      file: 'calls/a.yaml',
      line: 5,
      column: 10,
      path: '/calls/0/tag',
    });
    expect(siteInLayers(layers, ['to', 'name'])).toEqual({
      file: 'callops.yaml',
      line: 3,
      column: 27,
      path: '/defaults/to/name',
    });
  });

  it('stops at a value that replaced the lower layers', () => {
    expect(siteInLayers(layers, ['headers', 'X-A'])).toEqual({
      file: 'calls/a.yaml',
      line: 2,
      column: 12,
      path: '/defaults/headers',
    });
  });

  it('does not reach past a scalar between two objects', () => {
    const top = doc(
      'calls/b.yaml',
      yaml(
        'defaults:',
        '  amd: off',
        'calls:',
        '  - name: b',
        '    amd: { thresholdWordCount: 3 }',
      ),
    );
    const project = doc('callops.yaml', yaml('defaults:', '  amd: { actionHook: /amd }'));
    const stack: Layer[] = [
      { data: { amd: { actionHook: '/amd' } }, doc: project, base: ['defaults'] },
      { data: { amd: 'off' }, doc: top, base: ['defaults'] },
      { data: { name: 'b', amd: { thresholdWordCount: 3 } }, doc: top, base: ['calls', 0] },
    ];
    expect(siteInLayers(stack, ['amd', 'actionHook'])).toEqual({
      file: 'calls/b.yaml',
      line: 5,
      column: 10,
      path: '/calls/0/amd',
    });
    expect(siteInLayers(stack, ['amd', 'thresholdWordCount'])).toEqual({
      file: 'calls/b.yaml',
      line: 5,
      column: 32,
      path: '/calls/0/amd/thresholdWordCount',
    });
  });

  it('gives the call for a path no layer has', () => {
    expect(siteInLayers(layers, ['from'])).toEqual({
      file: 'calls/a.yaml',
      line: 4,
      column: 5,
      path: '/calls/0',
    });
  });

  it('can point at the key instead of the value', () => {
    expect(siteInLayers(layers, ['tag', 'team'], true)).toEqual({
      file: 'callops.yaml',
      line: 2,
      column: 10,
      path: '/defaults/tag/team',
    });
  });
});

describe('definitions', () => {
  it('canonical JSON sorts keys at every level and leaves out undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"z":1}]},"b":1}',
    );
  });

  it('canonical JSON is the JSON of the value, its keys sorted as strings (property)', () => {
    /** The reference, written the plain way: keys sorted as strings, then joined. */
    const reference = (value: unknown): string => {
      if (Array.isArray(value))
        return `[${value.map((item) => reference(item === undefined ? null : item)).join(',')}]`;
      if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`);
      return `{${members.join(',')}}`;
    };
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('"', '\\', '\u2028', 'é'),
    );
    const key = fc.oneof(
      text,
      fc.nat({ max: 12 }).map(String),
      fc.constantFrom('__proto__', 'a', 'B'),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 5 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = canonicalJson(v);
        expect(text).toBe(reference(v));
        // The same data as JSON.stringify gives, whatever the order.
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v) ?? 'null'));
      }),
      { numRuns: 2000 },
    );
  });

  it('a definition digest is the one earlier versions wrote to lockfiles', () => {
    const digest = definitionHash({
      name: 'welcome',
      enabled: true,
      target: undefined,
      options: {
        to: { type: 'phone', number: '+15550002222' },
        from: '+15550001111',
        tag: { n: 1.5, ok: false, note: 'é "x"' },
        timeout: 30,
      },
    });
    expect(digest).toBe('sha256:161336936d130adff7d6285c4c5e808965d5153f1585c4b379222e96a2c51cf3');
  });

  it('a call under no window or dates of defaults keeps the digest earlier versions wrote', () => {
    // Lockfiles hold these digests: a call whose schedule did not change is not "changed since placed".
    const digests = validate({
      'callops.yaml': yaml('defaults:', '  schedule: { timezone: Europe/Paris }'),
      'calls/a.yaml': [
        oneCall('plain'),
        oneCall('daily', 'schedule: { cron: "0 9 * * *", window: "08:00-18:00" }'),
        yaml('defaults:', '  schedule: { cron: "0 8 * * 1-5" }', ...oneCall('weekday').split('\n')),
        oneCall('camp', 'recipients: r.csv', 'tag: { id: "${row.id}" }'),
      ].join('---\n'),
      'calls/b.yaml': oneCall('bare'),
    }).named.map((c) => [c.name, c.definition]);
    expect(digests).toEqual([
      ['plain', 'sha256:7e8eaa2b4a5a349c8a2a16865e9898d55a754880038ac869defc136d3ccb0af6'],
      ['daily', 'sha256:b686dc084d25c5b5043500d2c86d18fedf233bc8f97c9674e8c2028f01865e94'],
      ['weekday', 'sha256:53c6ddf4bc8bba84a372e34d059d831971de5d25c1574bcda97fdc6293f82cc1'],
      ['camp', 'sha256:6e04cb2e007febc438cdb08fa84c4002147821f7ff1cbd5539b931be52a9c02a'],
      ['bare', 'sha256:6f5a50fe5baa82f119fb5ac5ef9d9e5c59ec53e415c7aad0b1fb36559dc13f8c'],
    ]);
  });

  it("a campaign's hours under a defaults deadline or catchup keep their digest: slots only use them", () => {
    const camp = (defaults: string) =>
      validate({
        'callops.yaml': yaml('defaults:', `  schedule: { ${defaults} }`),
        'calls/a.yaml': oneCall(
          'camp',
          'recipients: r.csv',
          'schedule: { window: "09:00-17:00" }',
          'tag: { id: "${row.id}" }',
        ),
      }).named.map((c) => [c.name, c.definition, c.schedule?.timezone]);
    const plain = camp('timezone: Europe/Paris');
    expect(camp('timezone: Europe/Paris, deadline: 30m, catchup: all')).toEqual(plain);
    // Written by the call itself, a deadline stays in its digest, as earlier releases wrote it.
    const own = validate({
      'callops.yaml': yaml('defaults:', '  schedule: { timezone: Europe/Paris }'),
      'calls/a.yaml': oneCall(
        'camp',
        'recipients: r.csv',
        'schedule: { window: "09:00-17:00", deadline: 30m }',
        'tag: { id: "${row.id}" }',
      ),
    }).named.map((c) => [c.name, c.definition, c.schedule?.timezone]);
    expect(own).not.toEqual(plain);
    // With a cron, the defaults' deadline is the call's: its digest changes with it.
    const cron = (defaults: string) =>
      validate({
        'callops.yaml': yaml('defaults:', `  schedule: { ${defaults} }`),
        'calls/a.yaml': oneCall('daily', 'schedule: { cron: "0 9 * * *" }'),
      }).named[0]?.definition;
    expect(cron('deadline: 30m')).not.toBe(cron('timezone: UTC'));
  });

  it('hash the merged call: the same whatever the key order or where a value came from', () => {
    const inline = validate({ 'calls/a.yaml': oneCall('x', 'timeout: 30') }).calls[0];
    const reordered = validate({
      'calls/a.yaml': yaml(
        'calls:',
        '  - timeout: 30',
        '    to: { number: "+15550002222", type: phone }',
        '    from: "+15550001111"',
        '    application_sid: app-1',
        '    name: x',
      ),
    }).calls[0];
    const fromDefaults = validate({
      'callops.yaml': yaml('defaults: { timeout: 30 }'),
      'calls/a.yaml': oneCall('x'),
    }).calls[0];
    expect(inline?.definition).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(reordered?.definition).toBe(inline?.definition);
    expect(fromDefaults?.definition).toBe(inline?.definition);
    expect(inline?.definition).toBe(
      definitionHash({
        name: 'x',
        enabled: true,
        options: {
          application_sid: 'app-1',
          from: '+15550001111',
          to: { type: 'phone', number: '+15550002222' },
          timeout: 30,
        },
      }),
    );
  });

  it('change with any option, the schedule, the target or enabled', () => {
    const base = validate({ 'calls/a.yaml': oneCall('x') }).calls[0]?.definition;
    const variants = [
      'timeout: 31',
      'schedule: { cron: "0 9 * * *" }',
      'target: simulator',
      'enabled: false',
    ].map((line) => validate({ 'calls/a.yaml': oneCall('x', line) }).calls[0]?.definition);
    expect(new Set([base, ...variants]).size).toBe(5);
  });

  it('keep references unresolved', () => {
    const call = validate({ 'calls/a.yaml': oneCall('x', 'tag: { key: "${KEY}" }') }).calls[0];
    expect(call?.options.tag).toEqual({ key: '${KEY}' });
  });
});
