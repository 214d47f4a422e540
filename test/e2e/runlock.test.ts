import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startUnreaped, type UnreapedChild } from '../support/zombie.js';
import { track } from './children.js';
import {
  BIN,
  type CliOptions,
  callsYaml,
  cliEnv,
  collect,
  type Gateway,
  spawnCli,
  startGateway,
  startHeldApply,
  waitFor,
  watch,
} from './helpers.js';

const open: Gateway[] = [];
const sleepers: ChildProcess[] = [];
const unreaped: UnreapedChild[] = [];
afterEach(async () => {
  for (const sleeper of sleepers.splice(0)) sleeper.kill('SIGKILL');
  await Promise.all(unreaped.splice(0).map((u) => u.release()));
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** `.callops/run.lock` of the project, parsed once it names a process of `command`. */
const lockOf = (gw: Gateway, command: string) =>
  waitFor(
    `a run lock of \`${command}\``,
    async () => {
      const text = await gw.project.read('.callops/run.lock').catch(() => '');
      const lock = text === '' ? undefined : JSON.parse(text);
      return lock?.command === command ? { text, lock } : undefined;
    },
    { timeoutMs: 30_000 },
  );

/**
 * The CLI in a PID namespace of its own (`unshare --pid --fork --mount-proc`), as in another
 * container of this host: same host name, its pids counted from 1. Killing `unshare` kills it.
 */
const inOwnPidNamespace = (args: readonly string[], options: CliOptions): ChildProcess =>
  track(
    spawn(
      'unshare',
      ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '--', BIN, ...args],
      { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );

const CALLS = { 'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]) };

/** `.callops/run.lock` as src/state/runlock.ts writes it. */
const holder = (pid: number, command = 'callops apply') =>
  `${JSON.stringify({ pid, host: hostname(), since: new Date(Date.now() - 5 * 60_000).toISOString(), command })}\n`;

describe('the run lock', () => {
  it('held by a live process: apply exits 75 naming the holder, sends nothing, and unlock refuses', async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    await gw.project.write('.callops/run.lock', holder(process.pid, 'callops run'));

    const refused = await gw.run(['apply', '--yes']);
    expect(refused.code).toBe(75);
    // It names the file that is held (and that unlock would remove), not only the lockfile.
    expect(refused.stderr).toContain(
      `callops apply: callops.lock is in use: the run lock .callops/run.lock is held by pid ${process.pid} on host `,
    );
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(refused.stderr).toContain(hostname());
    expect(refused.stderr).toContain('callops run');
    expect(refused.stderr).toContain(`kill ${process.pid}`);
    expect(refused.stderr).not.toContain('unlock');
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(gw.project.exists('.callops/run.lock')).toBe(true);

    // resolve takes the lock too.
    expect((await gw.run(['resolve', 'sim/one', '--not-placed'])).code).toBe(75);

    const unlocked = await gw.run(['unlock', '--force']);
    expect(unlocked.code).toBe(75);
    expect(unlocked.stderr).toContain(`pid ${process.pid}`);
    expect(gw.project.exists('.callops/run.lock')).toBe(true);

    // The holder ends and removes its lock: the next apply runs and releases its own.
    await rm(join(gw.project.dir, '.callops/run.lock'));
    expect((await gw.run(['unlock'])).stdout).toMatch(/no run lock/);
    const placed = await gw.run(['apply', '--yes']);
    expect(placed.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });

  it('left by a process that is gone on this host: taken over with a note', async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    await gw.project.write('.callops/run.lock', holder(gone));
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/took over a stale run lock/);
    expect(r.stderr).toContain(`pid ${gone}`);
    expect(r.stderr).toContain('; that process is gone)');
    expect(gw.placed()).toHaveLength(2);
  });

  it('left by a process that is gone, several applies at once: one takes it over, each other names that one', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    for (let round = 0; round < 3; round++) {
      await gw.project.write('.callops/run.lock', holder(gone));
      const children = Array.from({ length: 4 }, () =>
        spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env }),
      );
      const pids = children.map((c) => c.pid);
      const results = await Promise.all(children.map((c) => collect(c, 30_000)));
      expect(results.filter((r) => r.code === 0).length).toBeGreaterThan(0);
      for (const r of results.filter((r) => r.code !== 0)) {
        expect(r.code, r.stderr).toBe(75);
        const named = /the run lock \.callops\/run\.lock is held by pid (\d+) /.exec(r.stderr);
        expect(pids, r.stderr).toContain(Number(named?.[1]));
        expect(r.stderr).not.toContain(`pid ${gone} `);
      }
    }
    // Taken over once each round, and never placed twice.
    expect(gw.placed()).toHaveLength(2);
  });

  it('taken, it removes the temp files that writers killed long ago left in .callops/', async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const old = new Date(Date.now() - 10 * 60_000);
    const left = [`run.lock.${gone}.0123456789ab.tmp`, `.written.lock.${gone}.0123456789ab.tmp`];
    for (const name of left) {
      await gw.project.write(`.callops/${name}`, '');
      await utimes(join(gw.project.dir, '.callops', name), old, old);
    }
    const r = await gw.run(['apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(gw.project.dir, '.callops'))).sort()).toEqual([
      '.gitignore',
      'written.lock',
    ]);
  });

  describe('taken, it removes the temp files of the lockfile that killed writers left beside it, and nothing else', () => {
    /** Names beside a lockfile `name`, of a writer that is gone, a live one, and others. */
    const besideLockfile = (name: string, gone: number) => ({
      // As replaceAtomic names them: `.<lockfile>.<pid>.<12 hex>.tmp`.
      stale: [`.${name}.${gone}.0123456789ab.tmp`, `.${name}.${gone}.fedcba987654.tmp`],
      kept: [
        // A writer alive (this test's process).
        `.${name}.${process.pid}.0123456789ab.tmp`,
        // Not a name replaceAtomic gives this lockfile: another file's, or nobody's.
        `.other.lock.${gone}.0123456789ab.tmp`,
        `${name}.${gone}.0123456789ab.tmp`,
        `.${name}.${gone}.tmp`,
        `.${name}.${gone}.0123456789ab.tmp.bak`,
        `.${name}.swp`,
        '.notes',
      ],
      // A writer gone, but changed just now: a process of another host may be writing it.
      recent: `.${name}.${gone}.aaaaaaaaaaaa.tmp`,
    });
    const old = new Date(Date.now() - 10 * 60_000);

    /** Leave the names in `dir` (relative to the project), each but `recent` 10 minutes old. */
    const leave = async (gw: Gateway, dir: string, names: ReturnType<typeof besideLockfile>) => {
      for (const name of [...names.stale, ...names.kept]) {
        await gw.project.write(join(dir, name), '{\n  "calls": {\n');
        await utimes(join(gw.project.dir, dir, name), old, old);
      }
      await gw.project.write(join(dir, names.recent), '{\n');
    };

    it('callops.lock in the project root', async () => {
      const gw = await startGateway(CALLS);
      open.push(gw);
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      const names = besideLockfile('callops.lock', gone);
      await leave(gw, '.', names);
      const r = await gw.run(['apply', '--yes']);
      expect(r.code, r.stderr).toBe(0);
      expect(gw.placed()).toHaveLength(2);
      expect((await readdir(gw.project.dir)).sort()).toEqual(
        ['.callops', 'callops.lock', 'callops.yaml', 'calls', ...names.kept, names.recent].sort(),
      );
    });

    it('`lockfile: state/callops.lock`: beside it, not in the project root', async () => {
      const gw = await startGateway(CALLS);
      open.push(gw);
      await gw.project.write(
        'callops.yaml',
        `${await gw.project.read('callops.yaml')}lockfile: state/callops.lock\n`,
      );
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      const names = besideLockfile('callops.lock', gone);
      await leave(gw, 'state', names);
      // In the root they are not this lockfile's: left alone.
      const root = besideLockfile('callops.lock', gone);
      await leave(gw, '.', root);
      const r = await gw.run(['apply', '--yes']);
      expect(r.code, r.stderr).toBe(0);
      expect(gw.placed()).toHaveLength(2);
      expect((await readdir(join(gw.project.dir, 'state'))).sort()).toEqual(
        ['callops.lock', ...names.kept, names.recent].sort(),
      );
      expect((await readdir(gw.project.dir)).sort()).toEqual(
        [
          '.callops',
          'callops.yaml',
          'calls',
          'state',
          ...root.stale,
          ...root.kept,
          root.recent,
        ].sort(),
      );
    });
  });

  it('left by a crashed run whose pid now names another live process: taken over with a note', async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
      stdio: 'ignore',
    });
    sleepers.push(sleeper);
    const pid = sleeper.pid as number;
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    // The crashed run started 1 tick after boot: not when the process now holding its pid did.
    const lock = JSON.parse(holder(pid));
    await gw.project.write('.callops/run.lock', JSON.stringify({ ...lock, startTime: 1, bootId }));
    const r = await gw.run(['apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/took over a stale run lock/);
    expect(r.stderr).toContain(`; pid ${pid} now belongs to another process, started after it)`);
    expect(r.stderr).not.toContain('that process is gone');
    expect(gw.placed()).toHaveLength(2);
    expect(sleeper.exitCode).toBeNull();
  });

  it('held by a run killed and not reaped yet (a zombie, as under a PID 1 that reaps nothing): taken over, and unlock removes it', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'one' },
        { name: 'two' },
        { name: 'later', extra: ['schedule: { cron: "0 0 1 1 *" }'] },
      ]),
    });
    open.push(gw);
    // `run` holds the run lock for its whole life; its parent never reaps it.
    const held = await startUnreaped(
      [process.execPath, '--', BIN, 'run', '--yes', '--only', 'later'],
      {
        cwd: gw.project.dir,
        env: cliEnv(gw.env),
      },
    );
    unreaped.push(held);
    const { text, lock } = await lockOf(gw, 'callops run');
    expect(lock.pid).toBe(held.pid);
    await held.kill();

    const r = await gw.run(['apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `note: took over a stale run lock (held by pid ${held.pid} on host `,
    );
    expect(r.stderr).toContain(
      '; that process has ended: killed or exited, it is a zombie its parent has not reaped)',
    );
    expect(gw.placed()).toHaveLength(2);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);

    // The same lock again: `unlock` removes it, no --force needed.
    await writeFile(join(gw.project.dir, '.callops/run.lock'), text);
    const unlocked = await gw.run(['unlock']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toContain(`removed the run lock held by pid ${held.pid} on host `);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });

  it('held by a live apply in another PID namespace of this host: refused, never taken over, and that apply ends as it would alone', {
    timeout: 60_000,
  }, async () => {
    const first = await startHeldApply(inOwnPidNamespace, ['a', 'b', 'c', 'd']);
    open.push(first.gw);
    const { text, lock } = await lockOf(first.gw, 'callops apply');
    const second = await first.gw.run(['apply', '--yes']);
    expect(second.code, second.stderr).toBe(75);
    // Its pid is of its namespace (1: the first process there), which is not this one.
    expect(lock.pidNs).toMatch(/^pid:\[\d+\]$/);
    expect(lock.pidNs).not.toBe(readlinkSync('/proc/self/ns/pid'));
    expect(second.stderr).toContain(
      `the run lock .callops/run.lock is held by pid ${lock.pid} of another PID namespace (${lock.pidNs}) on host ${hostname()} `,
    );
    expect(second.stderr).toContain(
      'if that run is certainly gone (its container stopped), `callops unlock --force` removes the run lock.',
    );
    expect(second.stderr).not.toContain('kill');
    expect((await first.gw.run(['unlock'])).code).toBe(75);
    expect(await first.gw.project.read('.callops/run.lock')).toBe(text);

    first.release();
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(first.gw.placed()).toHaveLength(4);
    const statuses = Object.values((await first.gw.project.lock())?.calls ?? {}).map(
      (e) => e.status,
    );
    expect(statuses).toEqual(['placed', 'placed', 'placed', 'placed']);
  });

  it('left by a run of another PID namespace that was killed: refused until `unlock --force` removes it', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'one' },
        { name: 'later', extra: ['schedule: { cron: "0 0 1 1 *" }'] },
      ]),
    });
    open.push(gw);
    const held = inOwnPidNamespace(['run', '--yes', '--only', 'later'], {
      cwd: gw.project.dir,
      env: gw.env,
    });
    const ended = collect(held, 30_000);
    const { lock } = await lockOf(gw, 'callops run');
    // Its container stops: the whole namespace is killed, the lock stays.
    held.kill('SIGKILL');
    await ended;
    expect(gw.project.exists('.callops/run.lock')).toBe(true);

    // From here it cannot be told from a live one.
    const refused = await gw.run(['apply', '--yes']);
    expect(refused.code, refused.stderr).toBe(75);
    expect(refused.stderr).toContain(`held by pid ${lock.pid} of another PID namespace`);
    expect((await gw.run(['unlock'])).code).toBe(75);
    const forced = await gw.run(['unlock', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain(
      `warning: removed a run lock that could not be checked (PID namespace ${lock.pidNs})`,
    );
    const placed = await gw.run(['apply', '--yes']);
    expect(placed.code, placed.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });

  it('held by a `callops receive` recording statuses: apply waits for it, says so, and goes on once it lets go', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway(CALLS);
    open.push(gw);
    // As a live receiver (this process) writes it while it records a batch.
    await gw.project.write('.callops/run.lock', holder(process.pid, 'callops receive'));
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const apply = watch(child, 50_000);
    await waitFor(
      'apply to say it waits for the receiver',
      () => {
        if (child.exitCode !== null) throw new Error(`apply ended:\n${apply.soFar()}`);
        return apply.soFar().includes('note: waiting for `callops receive`') ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // The receiver has recorded its batch.
    await rm(join(gw.project.dir, '.callops/run.lock'));
    const r = await apply.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `note: waiting for \`callops receive\` (pid ${process.pid}) to record a batch of statuses: it holds the run lock meanwhile (waiting up to 30 s)\n`,
    );
    expect(r.stderr).not.toContain('in use');
    expect(gw.placed()).toHaveLength(2);
  });
});
