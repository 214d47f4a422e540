import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { lstat, lutimes, mkdir, readFile, symlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, spawnCli, startGateway, startHeldApply } from './helpers.js';

const NAMES = ['u1', 'u2', 'u3', 'u4', 'u5'];

const open: Gateway[] = [];
const sleepers: ChildProcess[] = [];
let release: () => void = () => {};
afterEach(async () => {
  for (const sleeper of sleepers.splice(0)) sleeper.kill('SIGKILL');
  release();
  release = () => {};
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** `.callops/run.lock` as src/state/runlock.ts writes it. */
const holder = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, host, since: new Date(Date.now() - 5 * 60_000).toISOString(), command: 'callops run' })}\n`;

describe('callops unlock', () => {
  it('refuses the lock of a live apply on this host, even with --force; a second apply is refused too', async () => {
    const held = await startHeldApply(spawnCli, NAMES);
    open.push(held.gw);
    release = held.release;
    const { gw } = held;
    const pid = held.child.pid as number;

    for (const args of [['unlock'], ['unlock', '--force']]) {
      const refused = await gw.run(args);
      expect(refused.code).toBe(75);
      expect(refused.stderr).toContain(`pid ${pid}`);
      expect(refused.stderr).toContain(hostname());
      expect(refused.stderr).toContain('callops apply');
      expect(refused.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
      expect(gw.project.exists('.callops/run.lock')).toBe(true);
    }

    const second = await gw.run(['apply', '--yes']);
    expect(second.code).toBe(75);
    expect(second.stderr).toContain(`pid ${pid}`);
    // The holder is alive: the message must not send the user to `unlock`.
    expect(second.stderr).not.toContain('unlock');

    held.release();
    const first = await held.done;
    expect(first.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(NAMES.length);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(NAMES.length);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });

  it('removes the lock of a process that is gone on this host', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    await gw.project.write('.callops/run.lock', holder(gone));
    const r = await gw.run(['unlock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`pid ${gone}`);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });

  it('a crashed apply whose pid now names another live process: status says unknown, unlock removes the lock', {
    timeout: 60_000,
  }, async () => {
    const held = await startHeldApply(spawnCli, NAMES);
    open.push(held.gw);
    release = held.release;
    const { gw } = held;
    // Killed with two requests held; its lock says when it started, in which boot.
    held.child.kill('SIGKILL');
    await held.done;
    const path = join(gw.project.dir, '.callops', 'run.lock');
    const left = JSON.parse(await readFile(path, 'utf8'));
    expect(left).toMatchObject({ pid: held.child.pid, command: 'callops apply' });
    expect(left.startTime).toEqual(expect.any(Number));
    expect(left.bootId).toEqual(expect.any(String));
    // After the crash the OS gives its pid to an unrelated process that started later.
    const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {
      stdio: 'ignore',
    });
    sleepers.push(sleeper);
    const pid = sleeper.pid as number;
    await gw.project.write('.callops/run.lock', JSON.stringify({ ...left, pid }));

    const status = await gw.run(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(3);
    expect(status.stdout).toContain('2 unknown');
    expect(status.stdout).not.toContain('in flight');
    expect(status.stdout).toContain('interrupted or crashed');

    const unlocked = await gw.run(['unlock']);
    expect(unlocked.code, unlocked.stderr).toBe(0);
    expect(unlocked.stdout).toContain(`removed the run lock held by pid ${pid}`);
    expect(unlocked.stderr).toBe('');
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
    expect(sleeper.exitCode).toBeNull();
  });

  it('a holder on another host: refused without --force; --force removes it with a warning', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    await gw.project.write('.callops/run.lock', holder(4242, 'build-7.example'));

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(75);
    expect(apply.stderr).toContain('callops unlock --force');

    const refused = await gw.run(['unlock']);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('build-7.example');
    expect(refused.stderr).toContain('--force');
    expect(gw.project.exists('.callops/run.lock')).toBe(true);

    const forced = await gw.run(['unlock', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warning: .*build-7\.example/);
    expect(forced.stdout).toContain('pid 4242');
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a run lock that is a broken link: apply refused as unidentified; --force removes the link', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    const link = join(gw.project.dir, '.callops', 'run.lock');
    await mkdir(join(gw.project.dir, '.callops'));
    await symlink('/nonexistent/run.lock', link);
    const changed = new Date(Date.now() - 5 * 60_000);
    await lutimes(link, changed, changed);

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(75);
    expect(apply.stderr).toContain('could not be identified (run.lock is unreadable)');
    expect(apply.stderr).toContain('(5 minutes ago)');
    expect(apply.stderr).toContain('callops unlock --force');
    expect(gw.sim.received()).toHaveLength(0);

    const refused = await gw.run(['unlock']);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('could not be identified');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);

    const forced = await gw.run(['unlock', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/warning: .*unreadable/);
    expect(forced.stdout).toContain(
      'removed the run lock held by a run that could not be identified',
    );
    await expect(lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });

    const again = await gw.run(['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });
});
