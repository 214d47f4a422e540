import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { newAjv } from '../../src/options/ajv.js';
import { REPO_ROOT } from '../../src/options/generate.js';
import { buildCallsSchema, buildConfigSchema } from '../../src/options/schema.js';
import { LAZY_DEFINITIONS, VALIDATOR_FILES, withoutProse } from '../../src/options/standalone.js';

/**
 * The generated validators leave the recognizer's options to a module of their own, required
 * on first use. Against the whole schema compiled in one piece they must agree exactly: the
 * same verdict and the same errors, field for field and in the same order.
 */

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

const require = createRequire(import.meta.url);
const generated = (path: string): Validate => require(join(REPO_ROOT, path)) as Validate;
const whole = (schema: Record<string, unknown>): Validate =>
  newAjv().compile(withoutProse(schema as never) as Record<string, unknown>) as Validate;

const wholeCalls = whole(buildCallsSchema());
const wholeConfig = whole(buildConfigSchema());
const splitCalls = generated(VALIDATOR_FILES.calls);
const splitConfig = generated(VALIDATOR_FILES.config);

/**
 * An error as explained: its schema and parent schema without `$defs` (a root schema's
 * definitions, which the generated validator holds fewer of: the lazy ones are elsewhere).
 */
const comparable = (errors: unknown[] | null | undefined): unknown =>
  (errors ?? []).map((e) => {
    const { schema, parentSchema, ...rest } = e as Record<string, unknown>;
    const strip = (s: unknown) => {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) return s;
      const { $defs: _, ...others } = s as Record<string, unknown>;
      return others;
    };
    return { ...rest, schema: strip(schema), parentSchema: strip(parentSchema) };
  });

const agree = (split: Validate, one: Validate, doc: unknown): void => {
  const verdict = one(doc);
  expect(split(doc)).toBe(verdict);
  expect(comparable(split.errors)).toEqual(comparable(one.errors));
};

const RECOGNIZERS: unknown[] = [
  { vendor: 'google', language: 'en-US' },
  { vendor: 'deepgram', deepgramOptions: { model: 'nova-2', smartFormatting: true } },
  { vendor: 'deepgram', deepgramOptions: { model: 5, nope: true } },
  { vendor: 7, hints: ['a', { phrase: 'b', boost: 'x' }, { boost: 2 }], vad: { enable: 'yes' } },
  { language: 'de-DE', googleOptions: { serviceVersion: 'v9' }, unknownKey: 1 },
  { vendor: 'aws', awsOptions: [], azureOptions: 'x', sonioxOptions: null },
  { vendor: 'custom', customOptions: { authToken: '\u0024{TOKEN}' }, hintsBoost: '\u0024{B}' },
  'google',
  ['google'],
  null,
  42,
  {},
];

/** A document of each kind placing a recognizer everywhere the schemas take one. */
const callsDoc = (recognizer: unknown): unknown => ({
  defaults: { amd: { actionHook: '/amd', recognizer } },
  calls: [
    { name: 'a', to: { type: 'phone', number: '+15550001111' }, amd: { recognizer } },
    { name: 'b', transcribe: { recognizer, channel: 3 } },
    { name: 'c', listen: { url: 5, transcribe: { recognizer } } },
  ],
});
const configDoc = (recognizer: unknown): unknown => ({
  defaults: { amd: { actionHook: '/amd', recognizer }, transcribe: { recognizer } },
});

describe('validators with the recognizer in a module of its own', () => {
  test('are half the size or less of the whole, and require it only when a document holds one', () => {
    const [lazyFile] = Object.values(LAZY_DEFINITIONS);
    if (lazyFile === undefined) throw new Error('no lazy module');
    const lazyPath = join(REPO_ROOT, lazyFile);
    for (const path of Object.values(VALIDATOR_FILES)) {
      const text = readFileSync(join(REPO_ROOT, path), 'utf8');
      expect(text).toContain(JSON.stringify(`./${lazyFile.split('/').pop()}`));
      expect(text).not.toContain('deepgramOptions');
    }
    delete require.cache[lazyPath];
    const fresh = (path: string): Validate => {
      const full = join(REPO_ROOT, path);
      delete require.cache[full];
      return require(full) as Validate;
    };
    const calls = fresh(VALIDATOR_FILES.calls);
    expect(calls({ calls: [{ name: 'a', amd: { actionHook: '/x' } }] })).toBe(true);
    expect(require.cache[lazyPath]).toBeUndefined();
    expect(calls({ calls: [{ name: 'a', transcribe: { recognizer: { vendor: 3 } } }] })).toBe(
      false,
    );
    expect(require.cache[lazyPath]).toBeDefined();
  });

  test.each(RECOGNIZERS.map((r) => [JSON.stringify(r), r]))(
    'agree with the whole schema on a recognizer %s',
    (_label, recognizer) => {
      agree(splitCalls, wholeCalls, callsDoc(recognizer));
      agree(splitConfig, wholeConfig, configDoc(recognizer));
    },
  );

  test('agree with the whole schema on documents without one', () => {
    for (const doc of [
      { calls: [] },
      { calls: [{ name: 'A', to: { type: 'phone', number: 5 }, amd: { x: 1 }, timeout: 0 }] },
      { calls: 'x' },
      { defaults: { amd: 'x', listen: [] }, calls: [{ name: 'a', amd: null }] },
    ])
      agree(splitCalls, wholeCalls, doc);
    for (const doc of [{}, { targetz: {} }, { defaults: { amd: 'x' } }])
      agree(splitConfig, wholeConfig, doc);
  });

  test('agree with the whole schema on any recognizer (property)', () => {
    const vendorOptions = [
      'deepgramOptions',
      'googleOptions',
      'awsOptions',
      'azureOptions',
      'nvidiaOptions',
      'sonioxOptions',
      'speechmaticsOptions',
      'openaiOptions',
      'houndifyOptions',
      'customOptions',
    ];
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('model', 'enable', 'x', 'language', 'phrase'), fc.jsonValue(), {
        maxKeys: 3,
      }),
    );
    const recognizer = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom('vendor', 'language', 'hints', 'vad', 'altLanguages', ...vendorOptions),
        value,
        { maxKeys: 6 },
      ),
    );
    fc.assert(
      fc.property(recognizer, (r) => {
        agree(splitCalls, wholeCalls, callsDoc(r));
        agree(splitConfig, wholeConfig, configDoc(r));
      }),
      { numRuns: 300 },
    );
  });
});
