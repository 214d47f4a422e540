import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import {
  recordOutcome,
  serializeLockfile,
  settleUnknown,
  summarize,
} from '../../src/state/lockfile.js';
import { cleanEntry } from '../../src/state/lockfile-shape.js';
import { draftLock, entryOf, recordOutcomes, SETTLED_NOT_PLACED } from '../../src/state/record.js';
import { entry, lockOf } from './helpers.js';

const meta = { definition: 'sha256:def2', file: 'calls/b.yaml' };
const at = '2026-11-24T11:00:00.000Z';

const outcomeArb: fc.Arbitrary<Outcome> = fc.record(
  {
    key: fc.constantFrom('p/a', 'p/b'),
    status: fc.constantFrom('placed', 'failed', 'unknown'),
    at: fc.constant(at),
    sid: fc.uuid(),
    httpStatus: fc.integer({ min: 200, max: 599 }),
    message: fc.string(),
  },
  { requiredKeys: ['key', 'status', 'at'] },
);

describe('entryOf', () => {
  it('gives what cleanEntry gives for the same fields, in the same order', () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const outcome = fc.record({
      key: fc.string(),
      status: fc.constantFrom('placed' as const, 'failed' as const, 'unknown' as const),
      at: fc.constantFrom(at, '2026-01-01T00:00:00.000Z'),
      sid: maybe(fc.string()),
      callId: maybe(fc.string()),
      httpStatus: maybe(fc.integer({ min: 100, max: 599 })),
      message: maybe(fc.string()),
      attempts: maybe(fc.nat()),
    });
    const metaArb = fc.record({
      definition: fc.string(),
      file: fc.string(),
      number: maybe(fc.string()),
      replace: maybe(fc.constant(true)),
    });
    fc.assert(
      fc.property(outcome, metaArb, (o, m) => {
        const expected = cleanEntry({
          status: o.status,
          sid: o.sid,
          callId: o.callId,
          at: o.at,
          definition: m.definition,
          file: m.file,
          number: m.number,
          httpStatus: o.status === 'placed' ? undefined : o.httpStatus,
          message: o.status === 'placed' ? undefined : o.message,
        });
        expect(Object.entries(entryOf(o, m))).toEqual(Object.entries(expected));
      }),
      { numRuns: 500 },
    );
  });
});

describe('recordOutcome', () => {
  it('records a new outcome with its definition, status and message', () => {
    const lock = recordOutcome(
      lockOf({}),
      { key: 'p/a', status: 'failed', at, httpStatus: 422, message: 'invalid from', attempts: 1 },
      meta,
    );
    expect(lock.calls['p/a']).toEqual({
      status: 'failed',
      at,
      httpStatus: 422,
      message: 'invalid from',
      ...meta,
    });
  });

  it('never downgrades a placed entry, whatever comes after', () => {
    fc.assert(
      fc.property(fc.array(outcomeArb), (outcomes) => {
        const placed = entry({ status: 'placed', sid: 'FIRST' });
        let lock = lockOf({ 'p/a': placed });
        for (const outcome of outcomes) lock = recordOutcome(lock, outcome, meta);
        expect(lock.calls['p/a']).toEqual(placed);
      }),
    );
  });

  it('lets failed and unknown replace failed and unknown, and placed replace both', () => {
    let lock = lockOf({ 'p/a': entry({ status: 'failed', httpStatus: 400 }) });
    lock = recordOutcome(lock, { key: 'p/a', status: 'unknown', at, message: 'timeout' }, meta);
    expect(lock.calls['p/a']).toMatchObject({ status: 'unknown', message: 'timeout' });
    expect(lock.calls['p/a']?.httpStatus).toBeUndefined();
    lock = recordOutcome(lock, { key: 'p/a', status: 'placed', at, sid: 'S2', callId: 'C2' }, meta);
    expect(lock.calls['p/a']).toEqual({ status: 'placed', at, sid: 'S2', callId: 'C2', ...meta });
  });

  it('leaves no entry for a missed slot, and does not touch the one it has', () => {
    const missed = { key: 'p/a', status: 'missed', at, message: 'not sent' } as const;
    expect(recordOutcome(lockOf({}), missed, meta).calls).toEqual({});
    const failed = entry({ status: 'failed', httpStatus: 400 });
    expect(recordOutcome(lockOf({ 'p/a': failed }), missed, meta).calls['p/a']).toEqual(failed);
  });

  it('does not change the lock it was given', () => {
    const lock = lockOf({ 'p/a': entry() });
    const copy = structuredClone(lock);
    recordOutcome(lock, { key: 'p/b', status: 'placed', at, sid: 'S' }, meta);
    expect(lock).toEqual(copy);
  });
});

describe('settleUnknown', () => {
  const attempt = '2026-11-24T10:00:00.000Z';
  const digest = 'sha256:00000000000000d1';
  const lock = lockOf({
    'p/u': entry({
      status: 'unknown',
      at: attempt,
      number: digest,
      httpStatus: 502,
      message: 'timeout after sending',
    }),
    'p/ok': entry({ status: 'placed', sid: 'S' }),
  });

  it('settles as placed with the sid the user found, still the attempt it was', () => {
    const result = settleUnknown(lock, 'p/u', { placed: 'SID-9', callId: 'CID' });
    if ('error' in result) throw new Error(result.error);
    // `at` and `number` stay: the call rang at that time, and per-number limits count it.
    expect(result.calls['p/u']).toEqual({
      status: 'placed',
      sid: 'SID-9',
      callId: 'CID',
      at: attempt,
      definition: 'sha256:abc',
      file: 'calls/welcome.yaml',
      number: digest,
      message: 'settled by hand: placed',
      resolvedBy: 'hand',
    });
  });

  it('says who settled it: the gateway, when its records gave the sid', () => {
    const result = settleUnknown(lock, 'p/u', {
      placed: 'SID-9',
      note: "settled from the gateway's records",
      resolvedBy: 'gateway',
    });
    if ('error' in result) throw new Error(result.error);
    expect(result.calls['p/u']).toMatchObject({
      status: 'placed',
      at: attempt,
      number: digest,
      message: "settled from the gateway's records",
      resolvedBy: 'gateway',
    });
  });

  it('settles as not placed: failed, so that a later apply retries it', () => {
    const result = settleUnknown(lock, 'p/u', { notPlaced: true });
    if ('error' in result) throw new Error(result.error);
    expect(result.calls['p/u']).toEqual({
      status: 'failed',
      at: attempt,
      definition: 'sha256:abc',
      file: 'calls/welcome.yaml',
      number: digest,
      message: SETTLED_NOT_PLACED,
      resolvedBy: 'hand',
    });
    expect(SETTLED_NOT_PLACED).toBe('settled by hand: not placed');
  });

  it('settles only unknown entries, and names the unknown ones when the key is wrong', () => {
    expect(settleUnknown(lock, 'p/ok', { notPlaced: true })).toEqual({
      error: 'p/ok is placed, not unknown: only unknown entries can be settled by hand',
    });
    const missing = settleUnknown(lock, 'p/x', { placed: 'S' });
    expect(missing).toEqual({ error: 'the lockfile has no entry "p/x"; unknown entries: p/u' });
    expect(settleUnknown(lock, 'p/u', { placed: ' ' })).toHaveProperty('error');
  });

  it('refuses a sid already recorded for another key, in any letter case, naming that key', () => {
    const withSid = lockOf({
      'p/u': entry({ status: 'unknown' }),
      'p/ok': entry({ status: 'placed', sid: '98e4dd21-b178-4af1-83b6-3c1582893890' }),
    });
    for (const sid of [
      '98e4dd21-b178-4af1-83b6-3c1582893890',
      '98E4DD21-B178-4AF1-83B6-3C1582893890',
    ]) {
      const result = settleUnknown(withSid, 'p/u', { placed: sid });
      expect(result).toHaveProperty('error');
      expect('error' in result && result.error).toContain('already recorded for p/ok');
    }
  });
});

describe('summarize', () => {
  it('counts entries by status', () => {
    const lock = lockOf({
      a: entry({ status: 'placed' }),
      b: entry({ status: 'placed' }),
      c: entry({ status: 'unknown' }),
    });
    expect(summarize(lock)).toEqual({ placed: 2, failed: 0, unknown: 1, total: 3 });
  });
});

describe('draftLock', () => {
  const lock = lockOf({ 'p/a': entry({ status: 'placed', sid: 'A' }), 'p/b': entry() });

  it('copies the calls once per batch and leaves earlier snapshots as they were', () => {
    const draft = draftLock(lock);
    expect(draft.record({ key: 'p/b', status: 'placed', at, sid: 'B' }, meta)).toBe(true);
    expect(draft.record({ key: 'p/c', status: 'failed', at }, meta)).toBe(true);
    const first = draft.lock;
    expect(Object.keys(first.calls).sort()).toEqual(['p/a', 'p/b', 'p/c']);
    // No change since: the same snapshot, nothing copied.
    expect(draft.lock).toBe(first);
    // After a snapshot, the next change copies again: the snapshot never changes.
    draft.record({ key: 'p/d', status: 'unknown', at }, meta);
    expect(Object.keys(first.calls).sort()).toEqual(['p/a', 'p/b', 'p/c']);
    expect(Object.keys(draft.lock.calls).sort()).toEqual(['p/a', 'p/b', 'p/c', 'p/d']);
    expect(Object.keys(lock.calls).sort()).toEqual(['p/a', 'p/b']);
    expect(draft.lock.calls['p/a']).toBe(lock.calls['p/a']);
  });

  it('shows an entry recorded in the batch, the given lock untouched', () => {
    const draft = draftLock(lock);
    expect(draft.entry('p/b')).toBe(lock.calls['p/b']);
    draft.record({ key: 'p/b', status: 'placed', at, sid: 'B' }, meta);
    expect(draft.entry('p/b')).toMatchObject({ status: 'placed', sid: 'B' });
    expect(draft.entry('p/c')).toBeUndefined();
    expect(lock.calls['p/b']?.status).toBe('failed');
    expect(draft.lock.calls['p/b']).toBe(draft.entry('p/b'));
  });

  it('changes nothing and copies nothing for outcomes that change nothing', () => {
    const draft = draftLock(lock);
    expect(draft.record({ key: 'p/a', status: 'failed', at }, meta)).toBe(false);
    expect(draft.record({ key: 'p/z', status: 'missed', at }, meta)).toBe(false);
    expect(draft.changed).toBe(false);
    expect(draft.lock).toBe(lock);
    expect(recordOutcomes(lock, [])).toBe(lock);
  });

  it('records a batch exactly as recordOutcome does one by one', () => {
    fc.assert(
      fc.property(fc.array(outcomeArb, { maxLength: 12 }), (outcomes) => {
        const oneByOne = outcomes.reduce((l, o) => recordOutcome(l, o, meta), lock);
        const draft = draftLock(lock);
        for (const o of outcomes) draft.record(o, meta);
        expect(serializeLockfile(draft.lock)).toBe(serializeLockfile(oneByOne));
        expect(
          recordOutcomes(
            lock,
            outcomes.map((outcome) => ({ outcome, meta })),
          ),
        ).toEqual(oneByOne);
      }),
    );
  });
});
