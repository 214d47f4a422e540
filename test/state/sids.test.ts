import { describe, expect, it } from 'vitest';
import { watchedEntries } from '../../src/execute/observe.js';
import { holderOf, keysOfSids, sharedSids, sidBits } from '../../src/state/sids.js';
import { entry, lockOf } from './helpers.js';

/** A call sid, as the gateway writes one. */
const sid = (n: number) => `0ca110b5-0000-4000-8000-${String(n).padStart(12, '0')}`;
const AT = '2026-11-24T10:00:00.000Z';
const NOW = new Date('2026-11-24T10:05:00.000Z');

describe('sidBits', () => {
  it('gives 30 bits, the same for a sid in either case', () => {
    for (let n = 0; n < 1_000; n++) {
      const bits = sidBits(sid(n));
      expect(bits).toBeGreaterThanOrEqual(0);
      expect(bits).toBeLessThan(2 ** 30);
    }
    expect(sidBits('0CA110B5-0000-4000-8000-00000000ABCD')).toBe(
      sidBits('0ca110b5-0000-4000-8000-00000000abcd'),
    );
    expect(sidBits(sid(1))).not.toBe(sidBits(sid(2)));
  });
});

describe('holderOf', () => {
  it('names another key that holds the sid, in any case, never the key itself', () => {
    const lock = lockOf({
      'sim/a': entry({ status: 'placed', sid: sid(1) }),
      'sim/b': entry({ status: 'placed', sid: sid(2) }),
    });
    expect(holderOf(lock, sid(1).toUpperCase(), 'sim/b')).toBe('sim/a');
    expect(holderOf(lock, sid(1), 'sim/a')).toBeUndefined();
    expect(holderOf(lock, sid(3), 'sim/c')).toBeUndefined();
  });
});

describe('sharedSids', () => {
  it('finds the sids more than one entry holds', () => {
    const entries = [
      ['sim/a', { sid: sid(1) }],
      ['sim/b', { sid: sid(2) }],
      ['sim/c', { sid: sid(1).toUpperCase() }],
      ['sim/d', {}],
    ] as const;
    expect([...sharedSids(entries)]).toEqual([sid(1)]);
    expect(sharedSids(entries.slice(0, 2)).size).toBe(0);
  });
});

describe('outcomes are never recorded on several calls for one sid', () => {
  const lock = lockOf({
    'sim/a': entry({ status: 'placed', sid: sid(1), at: AT }),
    'sim/b': entry({ status: 'placed', sid: sid(1), at: AT }),
    'sim/c': entry({ status: 'placed', sid: sid(2), at: AT }),
    'other/a': entry({ status: 'placed', sid: sid(2), at: AT }),
  });

  it('watches no call of a target whose sid another entry of it holds', () => {
    expect(watchedEntries(lock, 'sim', NOW).map((w) => w.key)).toEqual(['sim/c']);
    expect(watchedEntries(lock, 'other', NOW).map((w) => w.key)).toEqual(['other/a']);
  });

  it('maps a status to no entry when its sid is held by more than one', () => {
    const { keys, shared } = keysOfSids(lock, [sid(1), sid(3)]);
    expect([...keys]).toEqual([]);
    expect(shared).toEqual([sid(1)]);
    const single = keysOfSids(
      lockOf({ 'sim/c': entry({ status: 'placed', sid: sid(2), at: AT }) }),
      [sid(2)],
    );
    expect([...single.keys]).toEqual([[sid(2), 'sim/c']]);
  });
});
