import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, spawnCli, startGateway, waitFor, watch } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** Start-up of a child process on a loaded CI machine has been seen to take 13 s. */
const SLOW = { timeoutMs: 30_000 };

/** Outcomes are never asked for between slots: run wakes only at a slot (and 2 s after it). */
const QUIET = { CALLOPS_RUN_REFRESH_SECONDS: '3600' };

const startRun = (g: Gateway) => {
  const child: ChildProcess = spawnCli(['run', '--yes'], {
    cwd: g.project.dir,
    env: { ...g.env, ...QUIET },
  });
  return { child, ...watch(child, 100_000) };
};

const tickKeys = async (g: Gateway): Promise<string[]> =>
  Object.keys((await g.project.lock())?.calls ?? {})
    .filter((k) => k.startsWith('sim/tick@'))
    .sort();

/** Every call the gateway placed has its own entry in callops.lock, placed: none twice, none lost. */
const eachPlacedOnceAndRecorded = async (g: Gateway): Promise<void> => {
  const lock = await g.project.lock();
  const sids = g.placed().map((p) => p.sid);
  const recorded = Object.values(lock?.calls ?? {}).map((e) => e.sid);
  expect(new Set(sids).size).toBe(sids.length);
  expect(recorded.sort()).toEqual([...sids].sort());
};

describe('a run whose run lock is taken from it', () => {
  it('removed while it runs: it places nothing more and stops, exit 75, saying so', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const g = gw;
    const run = startRun(g);
    await waitFor(
      'a tick in the lockfile',
      async () => ((await tickKeys(g)).length > 0 ? true : undefined),
      SLOW,
    );
    await rm(join(g.project.dir, '.callops/run.lock'));
    await waitFor('run to end', () => (run.child.exitCode !== null ? true : undefined), SLOW);
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(75);
    expect(r.stderr).toContain(
      'the run lock .callops/run.lock was removed while this run held it (a cleanup such as `git clean -X`, or `callops unlock --force`): another run may have taken the lock since and be placing the same calls; this run places nothing more and stops; what it placed is recorded in callops.lock: keep `.callops/` out of cleanups, and start run again once no other run holds the lock',
    );
    // Ticks fall due each second: none is placed once it stopped, and it left no lock.
    const placed = g.placed().length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(g.placed()).toHaveLength(placed);
    expect(g.project.exists('.callops/run.lock')).toBe(false);
    await eachPlacedOnceAndRecorded(g);
    const status = await g.run(['status']);
    expect(status.code, status.stderr).toBe(0);
  });

  it('its project folder moved while it runs: it stops, exit 75, saying the folder moved', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const g = gw;
    const run = startRun(g);
    await waitFor(
      'a tick in the lockfile',
      async () => ((await tickKeys(g)).length > 0 ? true : undefined),
      SLOW,
    );
    const moved = `${g.project.dir}-moved`;
    await rename(g.project.dir, moved);
    try {
      await waitFor('run to end', () => (run.child.exitCode !== null ? true : undefined), SLOW);
      const r = await run.done;
      expect(r.code, run.soFar()).toBe(75);
      expect(r.stderr).toContain(
        `the project folder ${g.project.dir} was moved or renamed while this run held its run lock .callops/run.lock (it is at ${moved} now): this run no longer works in the folder it started in; this run places nothing more and stops`,
      );
      expect(r.stderr).toContain('start run again in the folder where it is now');
      expect(r.stderr).not.toContain('git clean -X');
      // Nothing placed once it stopped.
      const placed = g.placed().length;
      await new Promise((r) => setTimeout(r, 1_500));
      expect(g.placed()).toHaveLength(placed);
      // Moved back, the next command records what the journal kept: each call placed once.
      // (A write under way as it moved may have left a copy at the old path: not the project.)
      await rm(g.project.dir, { recursive: true, force: true });
      await rename(moved, g.project.dir);
      const status = await g.run(['status']);
      expect(status.code, status.stderr).toBe(0);
      await eachPlacedOnceAndRecorded(g);
    } finally {
      if (existsSync(moved)) {
        await rm(g.project.dir, { recursive: true, force: true });
        await rename(moved, g.project.dir);
      }
    }
  });

  it('taken by a second run once removed: the first stops at its next slot, naming it; each slot placed once', {
    timeout: 120_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "*/20 * * * * *", deadline: 5s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'first' }, tick]) });
    const g = gw;
    const first = startRun(g);
    await waitFor(
      'a tick in the lockfile',
      async () => ((await tickKeys(g)).length > 0 ? true : undefined),
      { timeoutMs: 45_000 },
    );
    // Past the wake 2 s after the batch: the first run sleeps until the next slot, 20 s on.
    await new Promise((r) => setTimeout(r, 3_000));
    const atRemoval = g.placed().length;
    await rm(join(g.project.dir, '.callops/run.lock'));
    const second = startRun(g);
    await waitFor(
      'the second run started',
      () => (second.soFar().includes('running:') ? true : undefined),
      SLOW,
    );
    await waitFor(
      'the first run to end',
      () => (first.child.exitCode !== null ? true : undefined),
      SLOW,
    );
    const r = await first.done;
    expect(r.code, first.soFar()).toBe(75);
    expect(r.stderr).toContain(
      `the run lock .callops/run.lock was replaced while this run held it: it is now held by pid ${second.child.pid} on host `,
    );
    expect(r.stderr).toContain(
      'which may be placing the same calls; this run places nothing more and stops; what it placed is recorded in callops.lock: that run places the calls from now on',
    );
    await waitFor(
      'the second run places the next slot',
      () => (g.placed().length > atRemoval ? true : undefined),
      SLOW,
    );
    // Its records are written once the batch is.
    await waitFor(
      'the slot in the lockfile',
      async () => ((await tickKeys(g)).length + 1 >= g.placed().length ? true : undefined),
      SLOW,
    );
    second.child.kill('SIGTERM');
    const stopped = await second.done;
    expect(stopped.code, second.soFar()).toBe(0);
    expect(g.placed()).toHaveLength(atRemoval + 1);
    await eachPlacedOnceAndRecorded(g);
  });

  it('apply whose run lock is removed while it places calls stops placing them, exit 75', {
    timeout: 60_000,
  }, async () => {
    const names = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}` }));
    gw = await startGateway({ 'calls/a.yaml': callsYaml(names) });
    const g = gw;
    const child = spawnCli(['apply', '--yes', '--rate', '2/s'], { cwd: g.project.dir, env: g.env });
    const apply = watch(child, 50_000);
    await waitFor('two calls placed', () => (g.placed().length >= 2 ? true : undefined), SLOW);
    await rm(join(g.project.dir, '.callops/run.lock'));
    const r = await apply.done;
    expect(r.code, apply.soFar()).toBe(75);
    expect(r.stderr).toContain('the run lock .callops/run.lock was removed while this run held it');
    expect(r.stderr).toMatch(/\d+ calls? not sent/);
    expect(g.placed().length).toBeLessThan(12);
    await eachPlacedOnceAndRecorded(g);
  });
});
