import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import { BIN, callsYaml, cliEnv, collect, type Gateway, startGateway } from './helpers.js';

const NAMES = Array.from({ length: 12 }, (_, i) => `d${i + 1}`);

const open: Gateway[] = [];
const unmount: string[] = [];
afterEach(async () => {
  for (const dir of unmount.splice(0)) spawnSync('umount', [dir]);
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/**
 * Makes `.callops/` run out of room after about 4 KiB of journal: a 12 KiB tmpfs (one page
 * for .gitignore, one for run.lock, one for the journal) where mounting is allowed, giving
 * ENOSPC; elsewhere (a container without CAP_SYS_ADMIN) a 4 KiB file size limit on the CLI,
 * giving EFBIG. Either way a write of the journal fails in the middle of the run.
 * `room` sets both: the tmpfs's pages of 4 KiB and the limit in KiB.
 */
const fillUp = async (gw: Gateway, room = { pages: 3, limitKiB: 4 }) => {
  const state = join(gw.project.dir, '.callops');
  await mkdir(state);
  const mounted = spawnSync('mount', [
    '-t',
    'tmpfs',
    '-o',
    `size=${room.pages * 4}k`,
    'tmpfs',
    state,
  ]);
  if (mounted.status === 0) unmount.push(state);
  const run = (args: readonly string[]) => {
    const argv = [BIN, ...args];
    const child =
      mounted.status === 0
        ? spawn(process.execPath, argv, { cwd: gw.project.dir, env: cliEnv(gw.env) })
        : spawn(
            'sh',
            ['-c', `ulimit -f ${room.limitKiB} && exec "$0" "$@"`, process.execPath, ...argv],
            { cwd: gw.project.dir, env: cliEnv(gw.env) },
          );
    return collect(track(child));
  };
  // Room again: the tmpfs grows (keeping its files), or the limit is not applied.
  const makeRoom = () => {
    if (mounted.status === 0) {
      expect(spawnSync('mount', ['-o', 'remount,size=4m', state]).status).toBe(0);
    }
  };
  /**
   * The room left on the tmpfs taken by `.callops/filler` (with a limit, the limit does it),
   * and given back; `ours` lists what the state directory holds besides that file.
   */
  const filler = join(state, 'filler');
  const takeRest = () => {
    if (mounted.status !== 0) return;
    const fd = openSync(filler, 'a');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096));
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  };
  const ours = async () => (await readdir(state)).filter((name) => name !== 'filler').sort();
  const giveBack = () => rmSync(filler, { force: true });
  return {
    run,
    makeRoom,
    takeRest,
    giveBack,
    ours,
    code: mounted.status === 0 ? 'ENOSPC' : 'EFBIG',
  };
};

describe('the journal on a full disk', () => {
  it('one clear line, exit 1, run lock released, every answer recorded, no request without its intent', async () => {
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(NAMES.map((name) => ({ name }))) },
      { targetExtra: ['concurrency: 2'] },
    );
    open.push(gw);
    const disk = await fillUp(gw);

    const r = await disk.run(['apply', '--yes']);
    expect(r.code).toBe(1);
    const sent = gw.sim.received();
    const notSent = NAMES.length - sent.length;
    expect(notSent).toBeGreaterThan(0);
    const line = new RegExp(
      `^callops apply: cannot write the journal \\.callops/journal\\.jsonl: .+ \\(${disk.code}\\); ${notSent} calls? not sent$`,
      'm',
    );
    expect(r.stderr).toMatch(line);
    expect(r.stderr).not.toMatch(/\n\s+at |Node\.js v|could not be recorded/);
    expect(r.stdout).toMatch(new RegExp(`${sent.length} placed, 0 failed, 0 unknown`));
    expect(existsSync(join(gw.project.dir, '.callops/run.lock'))).toBe(false);

    // Every call the gateway placed is in the lockfile with its sid; the others have no entry.
    const lock = await gw.project.lock();
    const entries = Object.values(lock?.calls ?? {});
    expect(entries).toHaveLength(sent.length);
    expect(new Set(entries.map((e) => e.sid))).toEqual(new Set(gw.placed().map((p) => p.sid)));

    disk.makeRoom();
    const next = await gw.run(['apply', '--yes']);
    expect(next.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(NAMES.length);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(NAMES.length);
  }, 40_000);
});

describe('the state directory on a full disk', () => {
  it('leaves no empty .gitignore or temp file behind, and writes .gitignore again once there is room', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    // No room: a tmpfs of 2 pages, each taken before a command runs; or a file size limit of 0.
    const disk = await fillUp(gw, { pages: 2, limitKiB: 0 });
    const ignore = join(gw.project.dir, '.callops/.gitignore');
    const line = new RegExp(
      `^callops apply: cannot take the run lock \\.callops/run\\.lock: .+ \\(${disk.code}\\); nothing was sent$`,
      'm',
    );
    const refused = async () => {
      const r = await disk.run(['apply', '--yes']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(line);
      expect(gw.sim.received()).toHaveLength(0);
    };

    // .gitignore cannot be written: it is not left there empty (ignoring nothing).
    disk.takeRest();
    await refused();
    expect(await disk.ours()).toEqual([]);

    // .gitignore is there, run.lock cannot be written: no empty temp file of it stays.
    disk.giveBack();
    writeFileSync(ignore, '*\n');
    disk.takeRest();
    await refused();
    expect(await disk.ours()).toEqual(['.gitignore']);

    // An empty .gitignore, as earlier versions left it: it cannot be written again yet.
    writeFileSync(ignore, '');
    disk.takeRest();
    await refused();
    expect(await disk.ours()).toEqual(['.gitignore']);
    expect(readFileSync(ignore, 'utf8')).toBe('');

    // Room again: the call is placed, and .gitignore ignores everything in .callops/ again.
    disk.giveBack();
    disk.makeRoom();
    const placed = await gw.run(['apply', '--yes']);
    expect(placed.code, placed.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(readFileSync(ignore, 'utf8')).toBe('*\n');
    expect(await disk.ours()).toEqual(['.gitignore', 'written.lock']);
  }, 40_000);
});
