import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/state/lockfile.js';
import { packedEntry, packPlacedEntries } from '../../src/state/packed-entry.js';
import { entryOf } from '../../src/state/record.js';
import type { LockEntry } from '../../src/state/types.js';

const SID = '0f1e2d3c-4b5a-4697-8877-66554433aa10';
const CALL_ID = 'a0b1c2d3-e4f5-4061-9283-a4b5c6d7e8f9';
const AT = '2026-12-01T06:05:07.123Z';
const DEFINITION = `sha256:${'ab'.repeat(32)}`;
const NUMBER = 'sha256:0123456789abcdef';

/** The plain entry, its fields in the order entryOf writes them (`number` last). */
const plain = (number?: string): LockEntry => ({
  status: 'placed',
  sid: SID,
  callId: CALL_ID,
  at: AT,
  definition: DEFINITION,
  file: 'calls/a.yaml',
  ...(number === undefined ? {} : { number }),
});

/** Every way the rest of callops reads an entry gives what the plain entry gives. */
const expectSame = (packed: LockEntry | undefined, expected: LockEntry): void => {
  expect(packed).toBeDefined();
  const entry = packed as LockEntry;
  expect(entry).toEqual(expected);
  expect(Object.keys(entry)).toEqual(Object.keys(expected));
  expect(JSON.stringify(entry)).toBe(JSON.stringify(expected));
  expect({ ...entry }).toEqual({ ...expected });
  expect(structuredClone(entry)).toEqual(expected);
  const lock = (e: LockEntry) => ({ lockfileVersion: 1 as const, calls: { 'main/a': e } });
  expect(serializeLockfile(lock(entry))).toBe(serializeLockfile(lock(expected)));
};

describe('packedEntry', () => {
  beforeEach(() => packPlacedEntries(true));
  afterEach(() => packPlacedEntries(false));

  it('stands for the plain placed entry, with and without a number digest', () => {
    expectSame(packedEntry(SID, CALL_ID, AT, DEFINITION, 'calls/a.yaml', undefined), plain());
    expectSame(packedEntry(SID, CALL_ID, AT, DEFINITION, 'calls/a.yaml', NUMBER), plain(NUMBER));
  });

  it('is what entryOf gives for a placed outcome', () => {
    const outcome = { key: 'main/a', status: 'placed' as const, sid: SID, callId: CALL_ID, at: AT };
    const meta = { definition: DEFINITION, file: 'calls/a.yaml', number: NUMBER };
    const entry = entryOf(outcome, meta);
    expect(entry.constructor).not.toBe(Object);
    expectSame(entry, plain(NUMBER));
  });

  it('is not made while packing is off (a small run): entryOf gives the plain entry', () => {
    packPlacedEntries(false);
    const outcome = { key: 'main/a', status: 'placed' as const, sid: SID, callId: CALL_ID, at: AT };
    const entry = entryOf(outcome, {
      definition: DEFINITION,
      file: 'calls/a.yaml',
      number: NUMBER,
    });
    expect(entry.constructor).toBe(Object);
    expect(Object.entries(entry)).toEqual(Object.entries(plain(NUMBER)));
  });

  it('leaves values it could not give back the same to the plain entry', () => {
    for (const [sid, callId, at, number] of [
      [SID.toUpperCase(), CALL_ID, AT, undefined],
      [SID, 'not-a-uuid', AT, undefined],
      [SID, `${CALL_ID} `, AT, undefined],
      [SID, CALL_ID, '2026-12-01T06:05:07Z', undefined],
      [SID, CALL_ID, '2026-12-01T06:05:07.123+00:00', undefined],
      [SID, CALL_ID, 'yesterday', undefined],
      [SID, CALL_ID, AT, 'sha256:0123'],
      [SID, CALL_ID, AT, 'sha256:0123456789ABCDEF'],
    ] as const) {
      expect(packedEntry(sid, callId, at, DEFINITION, 'f', number)).toBeUndefined();
      const outcome = { key: 'k', status: 'placed' as const, sid, callId, at };
      const entry = entryOf(outcome, { definition: DEFINITION, file: 'f', number });
      expect(entry.constructor).toBe(Object);
      expect(entry).toMatchObject({ sid, callId, at, ...(number === undefined ? {} : { number }) });
    }
    for (const definition of [
      'd',
      DEFINITION.toUpperCase(),
      `${DEFINITION}0`,
      DEFINITION.slice(1),
    ]) {
      expect(packedEntry(SID, CALL_ID, AT, definition, 'f', NUMBER)).toBeUndefined();
      const outcome = { key: 'k', status: 'placed' as const, sid: SID, callId: CALL_ID, at: AT };
      const entry = entryOf(outcome, { definition, file: 'f', number: NUMBER });
      expect(entry.constructor).toBe(Object);
      expect(entry.definition).toBe(definition);
    }
  });

  it('gives back every value it packs, across pool chunks (property)', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const uuid = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));
    const time = fc
      .integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) })
      .map((ms) => new Date(ms).toISOString());
    const number = fc.option(
      hex(16).map((h) => `sha256:${h}`),
      { nil: undefined },
    );
    const digest = hex(64).map((h) => `sha256:${h}`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(uuid, uuid, time, number, digest), { maxLength: 300 }),
        (rows) => {
          // Packed one after the other, so that some share a chunk and later ones start another.
          const packed = rows.map(([sid, callId, at, n, d]) =>
            packedEntry(sid, callId, at, d, 'f', n),
          );
          rows.forEach(([sid, callId, at, n, d], i) => {
            expect(packed[i]?.constructor).not.toBe(Object);
            expect({ ...packed[i] }).toEqual({
              status: 'placed',
              sid,
              callId,
              at,
              definition: d,
              file: 'f',
              ...(n === undefined ? {} : { number: n }),
            });
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
