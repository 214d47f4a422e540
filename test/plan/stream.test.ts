import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  byteChunks,
  canonicalJson,
  definitionEntries,
  definitionsOf,
  JsonEntries,
  JsonItems,
  jsonBytes,
  type PlanItem,
  planDigest,
  planFileJson,
  saltedDigest,
  sha256,
  toPlanFile,
} from '../../src/plan/index.js';
import { call, lock, schedule } from './make.js';

/** The digest as it was made before: the whole canonical text, then its hash. */
const digestWhole = (plan: {
  readonly target: string;
  readonly now: string;
  readonly salt?: string;
  readonly gateways?: Readonly<Record<string, string>>;
  readonly due: readonly { key: string; definition: string; values?: string }[];
}): string =>
  sha256(
    canonicalJson({
      target: plan.target,
      now: plan.now,
      salt: plan.salt,
      gateways: plan.gateways,
      due: plan.due.map((item) => ({
        key: item.key,
        definition: item.definition,
        values: item.values,
      })),
    }),
  );

const text = (buffers: Iterable<Uint8Array>): string =>
  Buffer.concat([...buffers].map((b) => Buffer.from(b))).toString('utf8');

const anyText = fc.string({ unit: 'binary' });

describe('planDigest, hashed a due item at a time', () => {
  it('is the digest of the whole canonical text, for any plan (property)', () => {
    const item = fc.record({ key: anyText, definition: anyText });
    fc.assert(
      fc.property(anyText, anyText, fc.array(item, { maxLength: 40 }), (target, now, due) => {
        expect(planDigest({ target, now, due })).toBe(digestWhole({ target, now, due }));
      }),
      { numRuns: 300 },
    );
  });

  it('covers the salt, the gateways and the values of a plan file of version 2 (property)', () => {
    const item = fc.record(
      { key: anyText, definition: anyText, values: anyText },
      { requiredKeys: ['key', 'definition'] },
    );
    const gateways = fc.dictionary(anyText, anyText, { maxKeys: 3 });
    fc.assert(
      fc.property(
        anyText,
        anyText,
        anyText,
        gateways,
        fc.array(item, { maxLength: 20 }),
        (target, now, salt, gws, due) => {
          const plan = { target, now, salt, gateways: gws, due };
          expect(planDigest(plan)).toBe(digestWhole(plan));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is the same across its chunks, for a plan of many rows', () => {
    const due = Array.from({ length: 3000 }, (_, i) => ({
      key: `prod/remind/r${i}@2026-12-01T09:00:00Z`,
      definition: `sha256:${String(i).padStart(64, 'é')}`,
    }));
    const plan = { target: 'prod', now: '2026-12-01T09:05:00.000Z', due };
    expect(planDigest(plan)).toBe(digestWhole(plan));
    expect(planDigest({ ...plan, due: [] })).toBe(digestWhole({ ...plan, due: [] }));
  });
});

describe('JSON written in buffers', () => {
  it('byteChunks joins to the pieces as UTF-8, no buffer over its size but a longer piece (property)', () => {
    fc.assert(
      fc.property(
        fc.array(anyText, { maxLength: 60 }),
        fc.integer({ min: 4, max: 64 }),
        (pieces, size) => {
          const chunks = [...byteChunks(pieces, size)];
          expect(text(chunks)).toBe(Buffer.from(pieces.join('')).toString('utf8'));
          for (const chunk of chunks) {
            if (chunk.length > size) expect(pieces).toContain(chunk.toString('utf8'));
            expect(chunk.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('JsonItems and JsonEntries are written as the array and object they stand for (property)', () => {
    const value = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.array(value, { maxLength: 8 }),
        fc.array(fc.tuple(fc.string(), value), { maxLength: 8 }),
        (items, entries) => {
          const unique = [...new Map(entries)].filter(([k]) => !/^(0|[1-9][0-9]*)$/.test(k));
          const streamed = { a: new JsonItems(() => items), b: new JsonEntries(() => unique) };
          const plain = { a: items, b: Object.fromEntries(unique) };
          expect(text(jsonBytes(streamed))).toBe(`${JSON.stringify(plain, null, 2)}\n`);
          expect(JSON.stringify(streamed)).toBe(JSON.stringify(plain));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a plan file made while written', () => {
  it('is byte for byte the plan file of toPlanFile, names that are array indexes first', () => {
    const calls = [
      call('welcome'),
      call('10'),
      call('daily', { schedule: schedule({ cron: '0 9 * * *' }) }),
      call('7'),
      call('07'),
      call('0'),
      call('4294967295'),
      call('quiet', { enabled: false }),
    ];
    const plan = buildPlan({
      calls,
      lock: lock(),
      now: new Date('2026-12-01T09:05:00Z'),
      runTarget: 'prod',
      explicitTarget: false,
    });
    expect(plan.due.length).toBeGreaterThan(3);
    // Values for some items, a gateway for one target: what the file writes after the items.
    const digests = {
      gateway: (target: string) => (target === 'prod' ? saltedDigest('s', target) : undefined),
      values: (item: PlanItem) =>
        item.name === 'welcome' ? undefined : saltedDigest('s', item.key),
    };
    const context = {
      lockDigest: 'sha256:lock',
      retryUnknown: true,
      only: ['welcome'],
      salt: 's',
      digests,
    };
    const file = toPlanFile(plan, { ...context, definitions: definitionsOf(calls) });
    expect(text(jsonBytes(planFileJson(plan, context, calls)))).toBe(
      `${JSON.stringify(file, null, 2)}\n`,
    );
    expect([...definitionEntries(calls)].map(([name]) => name)).toEqual(
      Object.keys(definitionsOf(calls)),
    );
  });
});
