import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { layeredCalls } from '../../src/state/layered.js';
import { emptyLockfile, lockfileChanged } from '../../src/state/lockfile.js';
import { entryText } from '../../src/state/lockfile-text.js';
import { openSpool, type Spool, type SpoolView } from '../../src/state/spool.js';
import type { LockEntry } from '../../src/state/types.js';
import { entry, lockOf, tempDir } from './helpers.js';

/** Two keys whose 32-bit FNV-1a hashes are equal. */
const TWINS = ['sim/c139599', 'sim/c322382'] as const;

const placed = (i: number): LockEntry =>
  entry({ status: 'placed', sid: `sid-${i}`, message: i % 7 === 0 ? 'ü'.repeat(i) : undefined });

const spoolIn = async (): Promise<{ spool: Spool; dir: string }> => {
  const dir = await tempDir();
  const spool = openSpool(dir);
  if (spool === undefined) throw new Error('no spool');
  return { spool, dir };
};

describe('spool', () => {
  it('gives back each key and text added, across many pieces, by record and by key', async () => {
    const { spool, dir } = await spoolIn();
    // Removed as soon as it is opened: nothing is left in the folder.
    expect(await readdir(dir)).toEqual([]);
    const keys = Array.from({ length: 3000 }, (_, i) => `sim/remind/r${i}`);
    // One record larger than a piece (64 KiB) among them.
    const texts = keys.map((_, i) => (i === 1500 ? 'x'.repeat(100_000) : entryText(placed(i))));
    keys.forEach((key, i) => {
      expect(spool.add(key, texts[i] as string)).toBe(i);
    });
    expect(spool.size).toBe(keys.length);
    for (const i of [0, 1, 1499, 1500, 1501, 2999, 17, 2500]) {
      expect(spool.find(keys[i] as string)).toBe(i);
      expect(spool.key(i)).toBe(keys[i]);
      expect(spool.text(i)).toBe(texts[i]);
    }
    // In order, as a walk reads them.
    keys.forEach((key, i) => {
      expect(spool.key(i)).toBe(key);
    });
    expect(spool.find('sim/remind/r3000')).toBe(-1);
    expect(() => spool.add(keys[5] as string, 'again')).toThrow(/spooled already/);
    spool.close();
  });

  it('tells keys of one hash apart', async () => {
    const { spool } = await spoolIn();
    expect(spool.find(TWINS[0])).toBe(-1);
    spool.add(TWINS[0], '{"a": 1}');
    expect(spool.find(TWINS[1])).toBe(-1);
    spool.add(TWINS[1], '{"b": 2}');
    expect([spool.find(TWINS[0]), spool.find(TWINS[1])]).toEqual([0, 1]);
    expect(spool.text(spool.find(TWINS[1]))).toBe('{"b": 2}');
  });
});

describe('calls layered over a spool', () => {
  /** A spool whose reads are counted. */
  const counted = (spool: Spool) => {
    const reads = { count: 0 };
    const view: Spool = {
      get size() {
        return spool.size;
      },
      add: (key, text) => spool.add(key, text),
      find: (key) => {
        reads.count++;
        return spool.find(key);
      },
      earliest: spool.earliest,
      key: (r) => {
        reads.count++;
        return spool.key(r);
      },
      text: (r) => {
        reads.count++;
        return spool.text(r);
      },
      close: () => spool.close(),
    };
    return { view, reads };
  };

  it('read, list and spread as the calls with the spooled entries added', async () => {
    const { spool } = await spoolIn();
    const base = { 'sim/a': entry(), 'sim/r2': entry({ status: 'unknown' }) };
    for (const i of [3, 1, 2]) spool.add(`sim/r${i}`, entryText(placed(i)));
    const view: SpoolView = { spool, from: 0, count: 3 };
    const calls = layeredCalls(base, undefined, new Map([['sim/b', entry()]]), view);
    expect(Object.keys(calls)).toEqual(['sim/a', 'sim/b', 'sim/r1', 'sim/r2', 'sim/r3']);
    expect(calls['sim/r2']).toEqual(placed(2));
    expect('sim/r3' in calls).toBe(true);
    expect('sim/r4' in calls).toBe(false);
    expect({ ...calls }).toEqual({
      'sim/a': entry(),
      'sim/b': entry(),
      'sim/r1': placed(1),
      'sim/r2': placed(2),
      'sim/r3': placed(3),
    });
    // A view up to record 1 sees the first record only.
    const before = layeredCalls(base, undefined, new Map(), { spool, from: 0, count: 1 });
    expect(Object.keys(before)).toEqual(['sim/a', 'sim/r2', 'sim/r3']);
    expect(before['sim/r2']?.status).toBe('unknown');
  });

  it('differ from an empty lockfile without a spooled entry read', async () => {
    const { spool } = await spoolIn();
    const { view, reads } = counted(spool);
    for (let i = 0; i < 500; i++) view.add(`sim/r${i}`, entryText(placed(i)));
    const calls = layeredCalls({}, undefined, new Map(), { spool: view, from: 0, count: 500 });
    // Listed once (as the lockfile's writer lists them): a record read for each key.
    expect(Object.keys(calls)).toHaveLength(500);
    reads.count = 0;
    expect(lockfileChanged(emptyLockfile(), lockOf(calls))).toBe(true);
    expect(Object.keys(calls)).toHaveLength(500);
    expect(reads.count).toBe(0);
  });
});
