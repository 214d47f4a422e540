import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withOutcomes } from '../../src/state/outcome.js';
import { openReceivedSpool, recordReceived } from '../../src/state/received.js';
import { ackPath, readAck, writeAck } from '../../src/state/received-ack.js';
import type { Observation } from '../../src/state/store.js';
import type { Lockfile } from '../../src/state/types.js';
import { entry, lockOf, tempDir } from './helpers.js';

/**
 * A command that records the spool of a receiver still running (a `run` beside `receive`)
 * tells it so, in a file beside the spool, once what it recorded is durable.
 */

const SID_A = '98e4dd21-b178-4af1-83b6-3c1582893890';
const SID_B = '0b7c6f2e-41d3-4c55-9a1e-7d2b8c9e0f13';
const SID_X = 'c4e1f9a0-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const AT = '2026-11-24T10:00:05.000Z';

const busy = {
  status: 'busy',
  sip_status: 486,
  duration: 0,
  answered: false,
  ended_at: AT,
} as const;
const completed = {
  status: 'completed',
  sip_status: 200,
  duration: 9,
  answered: true,
  ended_at: AT,
} as const;

/** A spool as a receiver writes it, its first line naming `pid` (alive: this test's parent). */
const spoolFile = async (
  dir: string,
  lines: readonly Record<string, unknown>[],
  pid = process.ppid,
): Promise<string> => {
  const path = join(dir, `received.${pid}.0123456789ab.jsonl`);
  const owner = { pid, host: hostname(), since: AT, command: 'callops receive' };
  await writeFile(path, [owner, ...lines].map((l) => `${JSON.stringify(l)}\n`).join(''));
  return path;
};

/** A store holding placed entries `sim/a` (SID_A) and `sim/b` (SID_B), as a lock holder sees it. */
const heldStore = (dir: string, spool: string) => {
  let lock: Lockfile = lockOf({
    'sim/a': entry({ status: 'placed', sid: SID_A }),
    'sim/b': entry({ status: 'placed', sid: SID_B }),
  });
  let durable = lock;
  const persisted: { acked: boolean }[] = [];
  return {
    durable: () => durable,
    persisted,
    store: {
      view: async () => lock,
      observe: async (updates: readonly Observation[]) => {
        const next = withOutcomes(lock, updates);
        lock = next.lock;
        return next.changed;
      },
      persist: async () => {
        // What the acknowledgement will claim must be on disk before it is written.
        persisted.push({ acked: existsSync(ackPath(spool)) });
        durable = lock;
      },
    },
    dir,
  };
};

describe('the acknowledgement of a running receiver’s spool', () => {
  it('is written once what it claims is durable, saying the lines read and the calls no entry held', async () => {
    const dir = await tempDir();
    const spool = await spoolFile(dir, [
      { sid: SID_A, at: AT, n: 1, outcome: busy },
      { sid: SID_X, at: AT, n: 2, outcome: busy },
      { sid: SID_B, at: AT, n: 3, outcome: completed },
    ]);
    const before = await readFile(spool, 'utf8');
    const held = heldStore(dir, spool);
    expect(await recordReceived(dir, held.store)).toBe(2);
    expect(held.persisted).toEqual([{ acked: false }]);
    expect(held.durable().calls['sim/a']?.outcome?.status).toBe('busy');
    expect(held.durable().calls['sim/b']?.outcome?.status).toBe('completed');
    // SID_X is held by no entry: not recorded, so not acknowledged.
    expect(await readAck(spool)).toEqual({ upTo: 3, except: [SID_X] });
    // The spool of a running receiver is its own: left as it was.
    expect(await readFile(spool, 'utf8')).toBe(before);
    // Read again unchanged: recorded again (nothing changes), acknowledged as it is already.
    expect(await recordReceived(dir, held.store)).toBe(0);
    expect(held.persisted).toHaveLength(1);
  });

  it('acknowledges statuses the state held already, after making the state durable', async () => {
    const dir = await tempDir();
    const spool = await spoolFile(dir, [{ sid: SID_A, at: AT, n: 4, outcome: busy }]);
    const held = heldStore(dir, spool);
    // The lock holder took this outcome in itself (from the gateway), not written yet.
    await held.store.observe([{ key: 'sim/a', outcome: busy }]);
    expect(await recordReceived(dir, held.store)).toBe(0);
    expect(held.persisted).toEqual([{ acked: false }]);
    expect(held.durable().calls['sim/a']?.outcome?.status).toBe('busy');
    expect(await readAck(spool)).toEqual({ upTo: 4, except: [] });
  });

  it('is not written when the record could not be made durable', async () => {
    const dir = await tempDir();
    const spool = await spoolFile(dir, [{ sid: SID_A, at: AT, n: 1, outcome: busy }]);
    const held = heldStore(dir, spool);
    const store = {
      ...held.store,
      persist: async () => {
        throw new Error('no space left on device (ENOSPC)');
      },
    };
    await expect(recordReceived(dir, store)).rejects.toThrow('ENOSPC');
    expect(existsSync(ackPath(spool))).toBe(false);
  });

  it('is not written for lines without a number (a receiver from before acknowledgements)', async () => {
    const dir = await tempDir();
    const spool = await spoolFile(dir, [{ sid: SID_A, at: AT, outcome: busy }]);
    const held = heldStore(dir, spool);
    expect(await recordReceived(dir, held.store)).toBe(1);
    expect(existsSync(ackPath(spool))).toBe(false);
  });

  it('goes with its spool: a receiver that is gone, one that stops, one removed before it came', async () => {
    const dir = await tempDir();
    // A receiver that is gone (no process has that pid): its spool recorded, then removed.
    const gone = await spoolFile(dir, [{ sid: SID_A, at: AT, n: 1, outcome: busy }], 2 ** 22 + 1);
    await writeAck(gone, { upTo: 1, except: [] });
    // An acknowledgement written just after its receiver removed its spool on stopping.
    await writeAck(join(dir, 'received.4242.abcdefabcdef.jsonl'), { upTo: 7, except: [] });
    const held = heldStore(dir, gone);
    expect(await recordReceived(dir, held.store)).toBe(1);
    expect(await readdir(dir)).toEqual([]);
    // A receiver that stops having recorded everything removes its spool and its acknowledgement.
    const own = await openReceivedSpool(dir);
    await writeAck(own.path, { upTo: 1, except: [] });
    expect(await own.acked()).toEqual({ upTo: 1, except: [] });
    await own.remove();
    expect(await readdir(dir)).toEqual(['.gitignore']);
  });

  it('is whole or absent: an unreadable one counts as none', async () => {
    const dir = await tempDir();
    const spool = join(dir, 'received.4242.abcdefabcdef.jsonl');
    await writeFile(ackPath(spool), '{"upTo":3,"exc');
    expect(await readAck(spool)).toBeUndefined();
    await writeFile(ackPath(spool), '{"upTo":0,"except":[]}');
    expect(await readAck(spool)).toBeUndefined();
    await writeAck(spool, { upTo: 3, except: [SID_X] });
    expect(await readAck(spool)).toEqual({ upTo: 3, except: [SID_X] });
    // No temp file is left beside it.
    expect(await readdir(dir)).toEqual(['received.4242.abcdefabcdef.ack']);
  });
});
