import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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
 */
const fillUp = async (gw: Gateway) => {
  const state = join(gw.project.dir, '.callops');
  await mkdir(state);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=12k', 'tmpfs', state]);
  if (mounted.status === 0) unmount.push(state);
  const run = (args: readonly string[]) => {
    const argv = [BIN, ...args];
    const child =
      mounted.status === 0
        ? spawn(process.execPath, argv, { cwd: gw.project.dir, env: cliEnv(gw.env) })
        : spawn('sh', ['-c', 'ulimit -f 4 && exec "$0" "$@"', process.execPath, ...argv], {
            cwd: gw.project.dir,
            env: cliEnv(gw.env),
          });
    return collect(track(child));
  };
  // Room again: the tmpfs grows (keeping its files), or the limit is not applied.
  const makeRoom = () => {
    if (mounted.status === 0) {
      expect(spawnSync('mount', ['-o', 'remount,size=4m', state]).status).toBe(0);
    }
  };
  return { run, makeRoom, code: mounted.status === 0 ? 'ENOSPC' : 'EFBIG' };
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
