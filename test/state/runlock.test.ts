import { spawn } from 'node:child_process';
import {
  lutimes,
  mkdir,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStateDir } from '../../src/state/dir.js';
import { ownStart } from '../../src/state/process-start.js';
import {
  acquireRunLock,
  describeHolder,
  forceUnlock,
  goneWords,
  livenessOf,
  lockAdvice,
  RECEIVER_WAIT_MS,
  type RunLockHolder,
  runGoingOn,
  unlockRunLock,
} from '../../src/state/runlock.js';
import { STALE_TEMP_MS } from '../../src/state/stale-temps.js';
import { startUnreaped } from '../support/zombie.js';
import { tempDir } from './helpers.js';

const now = new Date('2026-11-24T10:00:00.000Z');
const later = new Date('2026-11-24T10:12:30.000Z');

/** The pid of a process that has certainly exited. */
const deadPid = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => (child.pid ? resolve(child.pid) : reject(new Error('no pid'))));
  });

const writeHolder = (dir: string, holder: RunLockHolder): Promise<void> =>
  writeFile(join(dir, 'run.lock'), `${JSON.stringify(holder)}\n`);

/** A state directory whose run.lock names a process of this host that has exited. */
const staleLockDir = async (command: string) => {
  const dir = join(await tempDir(), '.callops');
  const stale = { pid: await deadPid(), host: hostname(), since: now.toISOString(), command };
  await ensureStateDir(dir);
  await writeHolder(dir, stale);
  return { dir, stale };
};

/**
 * A state directory whose run.lock is a symbolic link to `target` (in it), changed at `now`:
 * `gone.lock` is a missing file, `run.lock` the link itself (a loop).
 */
const linkedLockDir = async (target: string) => {
  const dir = join(await tempDir(), '.callops');
  await ensureStateDir(dir);
  await symlink(target, join(dir, 'run.lock'));
  await lutimes(join(dir, 'run.lock'), now, now);
  return { dir, since: now.toISOString() };
};

describe('acquireRunLock', () => {
  it('creates the state directory, a .gitignore and run.lock naming this process and its start', async () => {
    const dir = join(await tempDir(), 'project', '.callops');
    const lock = await acquireRunLock(dir, { command: 'callops apply', now });
    expect(lock.ok).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8'))).toEqual({
      pid: process.pid,
      host: hostname(),
      since: '2026-11-24T10:00:00.000Z',
      command: 'callops apply',
      startTime: ownStart().startTime,
      bootId: ownStart().bootId,
      pidNs: ownStart().pidNs,
    });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('*\n');
    if (lock.ok) await lock.release();
    expect((await readdir(dir)).sort()).toEqual(['.gitignore']);
  });

  it('refuses a second run, naming the holder, until the first releases', async () => {
    const dir = join(await tempDir(), '.callops');
    const first = await acquireRunLock(dir, { command: 'callops run', now });
    const second = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(second).toEqual({
      ok: false,
      holder: {
        pid: process.pid,
        host: hostname(),
        since: now.toISOString(),
        command: 'callops run',
        ...ownStart(),
      },
    });
    if (!first.ok) throw new Error('first acquire refused');
    await first.release();
    const third = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(third.ok).toBe(true);
    expect(third.ok && third.tookOver).toBeUndefined();
  });

  it('takes over a lock whose process died on this host, and says so', async () => {
    const { dir, stale } = await staleLockDir('callops apply');
    const lock = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(lock).toMatchObject({ ok: true, tookOver: stale });
    expect(JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8')).pid).toBe(process.pid);
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'run.lock']);
  });

  it('lets exactly one of several racing runs take over a stale lock', async () => {
    const { dir, stale } = await staleLockDir('callops run');
    // Racers start a few event-loop turns apart, so that one may finish its takeover while
    // another has already read the stale holder; several rounds vary the interleaving.
    const hops = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    for (let round = 0; round < 12; round++) {
      await forceUnlock(dir);
      await ensureStateDir(dir);
      await writeHolder(dir, stale);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, s) =>
          hops((s * (round + 1)) % 7).then(() =>
            acquireRunLock(dir, { command: 'callops apply', now: new Date(later.getTime() + s) }),
          ),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = results.find((r) => r.ok);
      // Each one refused names the run that took the lock over, never the one that is gone.
      for (const loser of results.filter((r) => !r.ok)) {
        expect(loser.holder.since).toBe(winner?.holder.since);
      }
    }
  });

  it('does not take over a stale lock while another run is taking it over, and names that run', async () => {
    const { dir } = await staleLockDir('callops run');
    const taker = {
      pid: process.pid,
      host: hostname(),
      since: later.toISOString(),
      command: 'callops apply',
    };
    await writeFile(join(dir, 'run.lock.takeover'), `${JSON.stringify(taker)}\n`);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
      ok: false,
      holder: taker,
    });
    await forceUnlock(dir);
    expect((await acquireRunLock(dir, { command: 'callops apply', now: later })).ok).toBe(true);
  });

  it('names the stale holder when the run taking it over is gone too: unlock clears both', async () => {
    const { dir, stale } = await staleLockDir('callops run');
    const taker = { ...stale, pid: await deadPid(), command: 'callops apply' };
    await writeFile(join(dir, 'run.lock.takeover'), `${JSON.stringify(taker)}\n`);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
      ok: false,
      holder: stale,
    });
    expect(await unlockRunLock(dir, { force: false, now: later })).toMatchObject({
      kind: 'removed',
    });
    expect((await acquireRunLock(dir, { command: 'callops apply', now: later })).ok).toBe(true);
  });

  it('removes the temp files of writers that are gone, once it holds the lock', async () => {
    const dir = join(await tempDir(), '.callops');
    await ensureStateDir(dir);
    const gone = await deadPid();
    const old = new Date(Date.now() - 2 * STALE_TEMP_MS);
    const stale = [
      `run.lock.${gone}.0123456789ab.tmp`,
      `.written.lock.${gone}.0123456789ab.tmp`,
      `lock-index.json.${gone}.tmp`,
    ];
    // Kept: a writer alive (this one's parent), one that changed just now (it may be a
    // process of another host sharing the folder), and what is not a temp file of callops.
    const kept = [
      `run.lock.${process.ppid}.0123456789ab.tmp`,
      `run.lock.takeover.${gone}.0123456789ab.tmp`,
      `notes.${gone}.txt`,
    ];
    for (const name of [...stale, ...kept]) await writeFile(join(dir, name), '');
    for (const name of [...stale, kept[0] as string, kept[2] as string]) {
      await utimes(join(dir, name), old, old);
    }
    // Changed just now on the clock the sweep reads, not only the file system's (the two part
    // when the tests run on a shifted clock, e.g. under faketime).
    const justNow = new Date();
    await utimes(join(dir, kept[1] as string), justNow, justNow);
    const lock = await acquireRunLock(dir, { command: 'callops apply', now });
    if (!lock.ok) throw new Error('acquire refused');
    await lock.release();
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', ...kept].sort());
  });

  it('never takes over a lock from another host, even with a dead pid', async () => {
    const dir = join(await tempDir(), '.callops');
    const other = {
      pid: await deadPid(),
      host: `not-${hostname()}`,
      since: now.toISOString(),
      command: 'callops run',
    };
    await ensureStateDir(dir);
    await writeHolder(dir, other);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
      ok: false,
      holder: other,
    });
  });

  it('refuses an unreadable lock rather than guessing', async () => {
    const dir = join(await tempDir(), '.callops');
    await ensureStateDir(dir);
    await writeFile(join(dir, 'run.lock'), '');
    const result = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(result.ok).toBe(false);
    expect(result.holder.unreadable).toBe(true);
    expect(describeHolder(result.holder, later)).toContain('run.lock is unreadable');
  });

  it('refuses a run lock that is a broken link (missing file, loop) as unreadable, not as no lock', async () => {
    for (const target of ['gone.lock', 'run.lock']) {
      const { dir, since } = await linkedLockDir(target);
      const result = await acquireRunLock(dir, { command: 'callops apply', now: later });
      expect(result).toEqual({
        ok: false,
        holder: { pid: 0, host: '', since, command: '', unreadable: true },
      });
      expect(describeHolder(result.holder, later)).toContain('could not be identified');
      expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'run.lock']);
    }
  });

  it('release leaves alone a lock that another run took after an unlock', async () => {
    const dir = join(await tempDir(), '.callops');
    const first = await acquireRunLock(dir, { command: 'callops run', now });
    await forceUnlock(dir);
    const second = await acquireRunLock(dir, { command: 'callops apply', now: later });
    if (!first.ok || !second.ok) throw new Error('acquire refused');
    await first.release();
    expect(JSON.parse(await readFile(join(dir, 'run.lock'), 'utf8')).command).toBe('callops apply');
  });
});

describe('forceUnlock', () => {
  it('removes the lock and returns who held it', async () => {
    const dir = join(await tempDir(), '.callops');
    await acquireRunLock(dir, { command: 'callops run', now });
    const { removed } = await forceUnlock(dir);
    expect(removed).toMatchObject({ pid: process.pid, command: 'callops run' });
    expect(await readdir(dir)).toEqual(['.gitignore']);
    expect(await forceUnlock(dir)).toEqual({ removed: undefined });
  });

  it('removes a run lock that is a broken link, saying it could not be read', async () => {
    const { dir, since } = await linkedLockDir('gone.lock');
    expect(await forceUnlock(dir)).toEqual({
      removed: { pid: 0, host: '', since, command: '', unreadable: true },
    });
    expect(await readdir(dir)).toEqual(['.gitignore']);
  });
});

describe('unlockRunLock', () => {
  const unlock = (dir: string, force = false) => unlockRunLock(dir, { force, now: later });

  it('never removes a holder alive on this host, even forced', async () => {
    const dir = join(await tempDir(), '.callops');
    await acquireRunLock(dir, { command: 'callops run', now });
    for (const force of [false, true]) {
      expect(await unlock(dir, force)).toMatchObject({ kind: 'refused', liveness: 'alive' });
    }
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'run.lock']);
  });

  it('removes a holder gone from this host, and a takeover it left half-way', async () => {
    const { dir, stale } = await staleLockDir('callops apply');
    await writeFile(join(dir, 'run.lock.takeover'), `${JSON.stringify(stale)}\n`);
    expect(await unlock(dir)).toEqual({ kind: 'removed', holder: stale, liveness: 'gone' });
    expect(await readdir(dir)).toEqual(['.gitignore']);
    expect(await unlock(dir)).toEqual({ kind: 'none' });
  });

  it('removes a run lock that is a broken link only when forced, the link itself', async () => {
    for (const target of ['gone.lock', 'run.lock']) {
      const { dir, since } = await linkedLockDir(target);
      const holder = { pid: 0, host: '', since, command: '', unreadable: true };
      expect(await unlock(dir)).toEqual({ kind: 'refused', holder, liveness: 'unreadable' });
      expect(await unlock(dir, true)).toEqual({ kind: 'removed', holder, liveness: 'unreadable' });
      expect(await readdir(dir)).toEqual(['.gitignore']);
      expect((await acquireRunLock(dir, { command: 'callops apply', now: later })).ok).toBe(true);
    }
  });

  it('treats a folder made at run.lock as a lock that cannot be read: refused, removed when forced', async () => {
    const dir = join(await tempDir(), '.callops');
    await ensureStateDir(dir);
    await mkdir(join(dir, 'run.lock'));
    await writeFile(join(dir, 'run.lock', 'x'), 'x');
    const refused = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(refused.ok).toBe(false);
    expect(refused.holder.unreadable).toBe(true);
    expect(await unlock(dir)).toMatchObject({ kind: 'refused', liveness: 'unreadable' });
    expect(await unlock(dir, true)).toMatchObject({ kind: 'removed', liveness: 'unreadable' });
    expect(await readdir(dir)).toEqual(['.gitignore']);
    expect((await acquireRunLock(dir, { command: 'callops apply', now: later })).ok).toBe(true);
  });

  it('removes a takeover left half-way as a broken link', async () => {
    const { dir } = await staleLockDir('callops apply');
    await symlink('gone.lock', join(dir, 'run.lock.takeover'));
    expect(await unlock(dir)).toMatchObject({ kind: 'removed', liveness: 'gone' });
    expect(await readdir(dir)).toEqual(['.gitignore']);
  });

  it('removes a holder on another host only when forced', async () => {
    const dir = join(await tempDir(), '.callops');
    const other = { pid: 1, host: `not-${hostname()}`, since: now.toISOString(), command: 'x' };
    await ensureStateDir(dir);
    await writeHolder(dir, other);
    expect(await unlock(dir)).toMatchObject({ kind: 'refused', liveness: 'elsewhere' });
    expect(await unlock(dir, true)).toMatchObject({ kind: 'removed', liveness: 'elsewhere' });
    expect(await readdir(dir)).toEqual(['.gitignore']);
  });
});

describe('a holder whose pid now names another process', () => {
  /** A lock on this host naming this (live) process, with `start` for its start identity. */
  const lockOfThisPid = async (start: Partial<Pick<RunLockHolder, 'startTime' | 'bootId'>>) => {
    const dir = join(await tempDir(), '.callops');
    const holder: RunLockHolder = {
      pid: process.pid,
      host: hostname(),
      since: now.toISOString(),
      command: 'callops run',
      ...start,
    };
    await ensureStateDir(dir);
    await writeHolder(dir, holder);
    return { dir, holder };
  };
  const mine = (): { startTime: number; bootId: string } => {
    const { startTime, bootId } = ownStart();
    if (startTime === undefined || bootId === undefined) {
      throw new Error('/proc does not tell this process start');
    }
    return { startTime, bootId };
  };

  it('is gone when the process with that pid started at another time', async () => {
    const { dir, holder } = await lockOfThisPid({ ...mine(), startTime: mine().startTime + 1 });
    expect(livenessOf(holder)).toBe('gone');
    expect(await runGoingOn(dir)).toBe(false);
    expect(await unlockRunLock(dir, { force: false, now: later })).toEqual({
      kind: 'removed',
      holder,
      liveness: 'gone',
    });
    await writeHolder(dir, holder);
    const lock = await acquireRunLock(dir, { command: 'callops apply', now: later });
    expect(lock).toMatchObject({ ok: true, tookOver: holder });
  });

  it('is gone when the lock was written in another boot', async () => {
    const { dir, holder } = await lockOfThisPid({ ...mine(), bootId: 'another-boot' });
    expect(livenessOf(holder)).toBe('gone');
    expect(await runGoingOn(dir)).toBe(false);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toMatchObject({
      ok: true,
      tookOver: holder,
    });
  });

  it('is alive when that process started when the lock says, in this boot', async () => {
    const { dir, holder } = await lockOfThisPid(mine());
    expect(livenessOf(holder)).toBe('alive');
    expect(await runGoingOn(dir)).toBe(true);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
      ok: false,
      holder,
    });
    expect(await unlockRunLock(dir, { force: true, now: later })).toMatchObject({
      kind: 'refused',
      liveness: 'alive',
    });
  });

  it('a lock written without a start (older callops) is checked by its pid alone', async () => {
    const { dir, holder } = await lockOfThisPid({});
    expect(livenessOf(holder)).toBe('alive');
    expect(await runGoingOn(dir)).toBe(true);
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
      ok: false,
      holder,
    });
    const gone = { ...holder, pid: await deadPid() };
    expect(livenessOf(gone)).toBe('gone');
  });

  it('a start that is not whole (a bad start time, no boot id) is ignored: the pid alone decides', async () => {
    const dir = join(await tempDir(), '.callops');
    await ensureStateDir(dir);
    const base = { pid: process.pid, host: hostname(), since: now.toISOString(), command: 'x' };
    for (const start of [{ startTime: '12', bootId: 'b' }, { startTime: 1 }, { bootId: 'b' }]) {
      await writeFile(join(dir, 'run.lock'), `${JSON.stringify({ ...base, ...start })}\n`);
      expect(await runGoingOn(dir)).toBe(true);
      expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
        ok: false,
        holder: base,
      });
    }
  });
});

describe('a holder killed and not reaped yet (a zombie)', () => {
  it('is gone: taken over, and unlock removes it without --force', async () => {
    const child = await startUnreaped(['sleep', '30']);
    try {
      const dir = join(await tempDir(), '.callops');
      await ensureStateDir(dir);
      const holder: RunLockHolder = {
        pid: child.pid,
        host: hostname(),
        since: now.toISOString(),
        command: 'callops apply',
      };
      await writeHolder(dir, holder);
      expect(livenessOf(holder)).toBe('alive');
      await child.kill();
      // kill(pid, 0) still succeeds: only /proc/PID/stat says it has ended.
      expect(() => process.kill(child.pid, 0)).not.toThrow();
      expect(livenessOf(holder)).toBe('gone');
      expect(goneWords(holder)).toBe(
        'that process has ended: killed or exited, it is a zombie its parent has not reaped',
      );
      expect(await runGoingOn(dir)).toBe(false);
      expect(await unlockRunLock(dir, { force: false, now: later })).toEqual({
        kind: 'removed',
        holder,
        liveness: 'gone',
      });
      await writeHolder(dir, holder);
      const lock = await acquireRunLock(dir, { command: 'callops apply', now: later });
      expect(lock).toMatchObject({ ok: true, tookOver: holder });
      if (lock.ok) await lock.release();
    } finally {
      await child.release();
    }
  });
});

describe('a holder of another PID namespace on this host (another container)', () => {
  /** A lock on this host whose pid is of namespace `pidNs`, naming `pid` there. */
  const lockFrom = async (pid: number, pidNs: string) => {
    const dir = join(await tempDir(), '.callops');
    const holder: RunLockHolder = {
      pid,
      host: hostname(),
      since: now.toISOString(),
      command: 'callops apply',
      // Its start, as that namespace's /proc said it: nothing here started then.
      startTime: 1,
      bootId: ownStart().bootId ?? 'boot',
      pidNs,
    };
    await ensureStateDir(dir);
    await writeHolder(dir, holder);
    return { dir, holder };
  };
  const OTHER = 'pid:[4026532999]';

  it('is never judged by its pid: neither a live pid here nor a dead one lets it be taken over', async () => {
    expect(ownStart().pidNs).not.toBe(OTHER);
    for (const pid of [1, process.pid, await deadPid()]) {
      const { dir, holder } = await lockFrom(pid, OTHER);
      expect(livenessOf(holder)).toBe('other-namespace');
      expect(await runGoingOn(dir)).toBe(true);
      expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toEqual({
        ok: false,
        holder,
      });
      expect(await unlockRunLock(dir, { force: false, now: later })).toEqual({
        kind: 'refused',
        holder,
        liveness: 'other-namespace',
      });
      // Once the user knows it is gone, --force removes it.
      expect(await unlockRunLock(dir, { force: true, now: later })).toEqual({
        kind: 'removed',
        holder,
        liveness: 'other-namespace',
      });
    }
  });

  it('is named with its namespace, and the advice is `unlock --force` once it is certainly gone', async () => {
    const { holder } = await lockFrom(2, OTHER);
    expect(describeHolder(holder, later)).toBe(
      `held by pid 2 of another PID namespace (${OTHER}) on host ${hostname()} since 2026-11-24T10:00:00Z (12 minutes ago), running \`callops apply\``,
    );
    const advice = lockAdvice(holder, livenessOf(holder));
    expect(advice).toContain('another PID namespace of this host');
    expect(advice).toContain('`callops unlock --force` removes the run lock');
    expect(advice).not.toContain('kill');
  });

  it('a holder of this namespace, or of a lock without one (older callops), is judged by its pid as before', async () => {
    const ours = ownStart().pidNs ?? '';
    const gone = await deadPid();
    const { holder: here } = await lockFrom(gone, ours);
    expect(livenessOf(here)).toBe('gone');
    const { dir, holder: older } = await lockFrom(gone, OTHER);
    const { pidNs: _, ...withoutNamespace } = older;
    await writeHolder(dir, withoutNamespace);
    expect(livenessOf(withoutNamespace)).toBe('gone');
    expect(await acquireRunLock(dir, { command: 'callops apply', now: later })).toMatchObject({
      ok: true,
      tookOver: withoutNamespace,
    });
  });
});

describe('a lock held by `callops receive`', () => {
  /** A lock naming a live receiver (this process). */
  const receiverLock = async () => {
    const dir = join(await tempDir(), '.callops');
    const holder: RunLockHolder = {
      pid: process.pid,
      host: hostname(),
      since: now.toISOString(),
      command: 'callops receive',
    };
    await ensureStateDir(dir);
    await writeHolder(dir, holder);
    return { dir, holder };
  };

  it('is waited for, and taken once the receiver lets go of it', async () => {
    const { dir, holder } = await receiverLock();
    const told: RunLockHolder[] = [];
    const lock = await acquireRunLock(dir, {
      command: 'callops apply',
      now: later,
      // Told once the wait has lasted a second: the receiver lets go then.
      waiting: (h) => {
        told.push(h);
        void rm(join(dir, 'run.lock'));
      },
    });
    expect(told).toEqual([holder]);
    expect(lock).toMatchObject({ ok: true, holder: { command: 'callops apply' } });
    expect(lock.ok && lock.tookOver).toBeUndefined();
    if (lock.ok) await lock.release();
  });

  it('still held at the end of the wait: refused, saying how long it waited', async () => {
    const { dir, holder } = await receiverLock();
    const lock = await acquireRunLock(dir, {
      command: 'callops apply',
      now: later,
      receiverWaitMs: 50,
    });
    expect(lock).toEqual({ ok: false, holder, waitedMs: expect.any(Number) });
    if (lock.ok) throw new Error('taken');
    expect(lock.waitedMs).toBeGreaterThanOrEqual(50);
  });

  it('the advice: never to kill a receiver at once; after a wait in vain, that it may be stuck', () => {
    const holder: RunLockHolder = {
      pid: 755,
      host: hostname(),
      since: now.toISOString(),
      command: 'callops receive',
    };
    const atOnce = lockAdvice(holder, 'alive');
    expect(atOnce).toBe(
      `That process is a \`callops receive\`, alive on this host: it holds the run lock only while it records a batch of statuses and lets go of it by itself (commands wait up to ${RECEIVER_WAIT_MS / 1000} s for it).`,
    );
    const waited = lockAdvice(holder, 'alive', RECEIVER_WAIT_MS);
    expect(waited).toContain(
      `it kept it through the ${RECEIVER_WAIT_MS / 1000} s this command waited`,
    );
    expect(waited).toContain('(kill 755)');
    expect(lockAdvice({ ...holder, command: 'callops apply' }, 'alive')).toBe(
      'That process is alive on this host: wait for it to finish, or stop it (kill 755).',
    );
  });
});

describe('runGoingOn', () => {
  it('is true for a lock that cannot be read (runners refuse it as possibly alive), false for none', async () => {
    const dir = join(await tempDir(), '.callops');
    await ensureStateDir(dir);
    expect(await runGoingOn(dir)).toBe(false);
    await writeFile(join(dir, 'run.lock'), 'not json\n');
    expect(await runGoingOn(dir)).toBe(true);
    expect(await acquireRunLock(dir, { command: 'callops apply', now })).toMatchObject({
      ok: false,
      holder: { unreadable: true },
    });
  });
});

describe('describeHolder', () => {
  it('says who, where, since when and what', () => {
    const holder = {
      pid: 1234,
      host: 'build-7',
      since: '2026-11-24T10:00:00.000Z',
      command: 'callops apply',
    };
    expect(describeHolder(holder, later)).toBe(
      'held by pid 1234 on host build-7 since 2026-11-24T10:00:00Z (12 minutes ago), running `callops apply`',
    );
    expect(describeHolder(holder, new Date('2026-11-24T10:00:20Z'))).toContain(
      '(less than a minute ago)',
    );
    expect(describeHolder(holder, new Date('2026-11-24T15:00:00Z'))).toContain('(5 hours ago)');
    expect(describeHolder(holder, new Date('2026-11-27T10:00:00Z'))).toContain('(3 days ago)');
  });
});
