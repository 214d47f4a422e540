import { describe, expect, it } from 'vitest';
import { sidLedger } from '../../src/engine/sids.js';
import { sidBits } from '../../src/state/sids.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

/** A call sid, as the gateway writes one. */
const sid = (n: number) => `0ca110b5-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const placed = (s: string): LockEntry => ({
  status: 'placed',
  sid: s,
  at: '2026-11-24T10:00:00.000Z',
  definition: 'sha256:abc',
  file: 'calls/a.yaml',
});

/** A state whose view is `calls`, counting its reads. */
const stateOf = (calls: Record<string, LockEntry>) => {
  let reads = 0;
  return {
    calls,
    reads: () => reads,
    read: async (): Promise<Lockfile> => {
      reads += 1;
      return { lockfileVersion: 1, calls: { ...calls } };
    },
  };
};

/** Two different sids whose 30 bits are the same. */
const collision = (): [string, string] => {
  const seen = new Map<number, string>();
  for (let n = 0; ; n++) {
    const s = sid(n);
    const other = seen.get(sidBits(s));
    if (other !== undefined) return [other, s];
    seen.set(sidBits(s), s);
  }
};

describe('sidLedger', () => {
  it('names the key the state already records a sid for', async () => {
    const state = stateOf({ 'sim/old': placed(sid(1)) });
    const ledger = sidLedger(state.read);
    expect(await ledger.holder('sim/a', sid(1).toUpperCase())).toBe('sim/old');
    expect(await ledger.holder('sim/b', sid(2))).toBeUndefined();
  });

  it('keeps the first call of the run that got a sid; the others get its key', async () => {
    const state = stateOf({});
    const ledger = sidLedger(state.read);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ledger.holder(`sim/c${i}`, sid(7))),
    );
    expect(answers[0]).toBeUndefined();
    expect(answers.slice(1)).toEqual(Array.from({ length: 19 }, () => 'sim/c0'));
    // Once recorded, the sid is found in the view; found once, it is not scanned for again.
    state.calls['sim/c0'] = placed(sid(7));
    ledger.recorded(sid(7));
    expect(await ledger.holder('sim/late', sid(7))).toBe('sim/c0');
    const reads = state.reads();
    expect(await ledger.holder('sim/later', sid(7))).toBe('sim/c0');
    expect(state.reads()).toBe(reads);
  });

  it('reads the state once for distinct sids, lets the same key have its sid again', async () => {
    const state = stateOf({ 'sim/old': placed(sid(1)) });
    const ledger = sidLedger(state.read);
    for (let n = 2; n < 200; n++) expect(await ledger.holder(`sim/k${n}`, sid(n))).toBeUndefined();
    expect(state.reads()).toBe(1);
    expect(await ledger.holder('sim/old', sid(1))).toBeUndefined();
  });

  it('keeps every sid of a large run apart without reading the state again', async () => {
    const state = stateOf({ 'sim/old': placed(sid(0)) });
    const ledger = sidLedger(state.read);
    for (let n = 1; n <= 20_000; n++) {
      expect(await ledger.holder(`sim/k${n}`, sid(n))).toBeUndefined();
      state.calls[`sim/k${n}`] = placed(sid(n));
      ledger.recorded(sid(n));
    }
    expect(state.reads()).toBe(1);
    // Each is still known, the first as well as the last, and the state's own.
    for (const n of [0, 1, 4097, 20_000]) {
      expect(await ledger.holder('sim/new', sid(n))).toBe(n === 0 ? 'sim/old' : `sim/k${n}`);
    }
  });

  it('tells two sids with the same 30 bits apart by their text', async () => {
    const [first, second] = collision();
    const state = stateOf({ 'sim/old': placed(first) });
    const ledger = sidLedger(state.read);
    expect(await ledger.holder('sim/new', second)).toBeUndefined();
    // Its other 30 bits differ: no scan of the view (a file store's read copies its entries).
    expect(state.reads()).toBe(1);
    expect(await ledger.holder('sim/other', first)).toBe('sim/old');
    expect(await ledger.holder('sim/again', second)).toBe('sim/new');
  });
});
