import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import { BIN, callsYaml, cliEnv, collect, type Gateway, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** 40 calls placed while there is room, then 3 more. */
const NAMES = Array.from({ length: 43 }, (_, i) => `c${i + 1}`);

/**
 * The CLI under an 8 KiB file size limit (EFBIG past it, as ENOSPC on a full disk): the
 * journal of a few calls fits, a lockfile of 40 entries does not.
 */
const limited = (gw: Gateway, args: readonly string[]) =>
  collect(
    track(
      spawn('sh', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, BIN, ...args], {
        cwd: gw.project.dir,
        env: cliEnv(gw.env),
      }),
    ),
  );

const LINE =
  /^callops (?:apply|state): cannot write callops\.lock: file too large \(EFBIG\); nothing is lost: the journal \.callops\/journal\.jsonl keeps every record, and the next command records it once callops\.lock can be written$/m;

describe('the lockfile on a full disk, the journal written', () => {
  it('apply prints its summary and one line naming callops.lock; the next commands say the same; nothing is lost', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(NAMES.slice(0, 40).map((name) => ({ name }))),
    });
    open.push(gw);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    await gw.project.write('calls/a.yaml', callsYaml(NAMES.map((name) => ({ name }))));

    const r = await limited(gw, ['apply', '--yes']);
    expect(r.stderr).toMatch(LINE);
    expect(r.stderr).not.toMatch(/\n\s+at |Node\.js v/);
    expect(r.stdout).toMatch(/Done: 3 placed, 0 failed, 0 unknown/);
    expect(r.code).toBe(1);
    expect(gw.placed()).toHaveLength(NAMES.length);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toHaveLength(40);

    // Folding the journal into the lockfile fails the same way, and says so.
    for (const args of [
      ['apply', '--yes'],
      ['state', 'pull'],
    ]) {
      const next = await limited(gw, args);
      expect(next.stderr).toMatch(LINE);
      expect(next.stderr.trim().split('\n')).toHaveLength(1);
      expect(next.code).toBe(1);
    }
    expect(gw.sim.received()).toHaveLength(NAMES.length);

    // Room again: every call is recorded with its sid, and none is placed twice.
    const again = await gw.run(['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(NAMES.length);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toHaveLength(NAMES.length);
    expect(new Set(Object.values(lock?.calls ?? {}).map((e) => e.sid))).toEqual(
      new Set(gw.placed().map((p) => p.sid)),
    );
  }, 40_000);
});

describe('the copy in .callops/ on a full disk, the lockfile written', () => {
  it('says callops.lock holds every placement and what brings the copy up to date', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(NAMES.slice(0, 40).map((name) => ({ name }))),
    });
    open.push(gw);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    // Without the copy, a run writes it anew: a file as large as the lockfile, past the limit.
    await rm(join(gw.project.dir, '.callops/written.lock'));

    const r = await limited(gw, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'callops apply: cannot write .callops/written.lock: file too large (EFBIG); callops.lock holds every placement (it is written first); only its copy .callops/written.lock, kept to notice a callops.lock that moves backwards, is not up to date. Once .callops/ can be written again (room on the disk, its permissions, an immutable flag), the next apply, run, resolve or state pull brings the copy up to date',
    );
    expect(gw.sim.received()).toHaveLength(40);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toHaveLength(40);

    const again = await gw.run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(await gw.project.read('.callops/written.lock')).toBe(
      await gw.project.read('callops.lock'),
    );
  }, 40_000);
});
