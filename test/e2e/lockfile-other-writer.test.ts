import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  callsYaml,
  type Gateway,
  holdCalls,
  type LockEntryJson,
  type LockJson,
  spawnCli,
  startGateway,
  startRun as startRunIn,
  waitFor,
  watch,
} from './helpers.js';

/**
 * callops.lock and `.callops/` changed by something else while a run works: a `git pull` of
 * placements made on another host, an older copy put back, the run lock removed under an
 * apply while a second one starts. No call is placed twice by callops for it, and every call
 * the gateway accepted ends in callops.lock.
 */

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** Start-up of a child process on a loaded CI machine has been seen to take 13 s. */
const SLOW = { timeoutMs: 30_000 };

/** Outcomes are never asked for: run wakes only at its slots. */
const QUIET = { CALLOPS_RUN_REFRESH_SECONDS: '3600' };

/** A call placed every 2 s keeps run waking (and writing callops.lock after each batch). */
const tick = { name: 'tick', extra: ['schedule: { cron: "*/2 * * * * *", deadline: 10s }'] };

/** The number callsYaml gives the call at `index`. */
const numberAt = (index: number) => `+1555000${String(2000 + index).padStart(4, '0')}`;

const numberOf = (body: unknown): string =>
  String((body as { to?: { number?: string } }).to?.number);

const startRun = (g: Gateway) => startRunIn(g, [], { env: QUIET, killAfterMs: 100_000 });

const ticks = (lock: LockJson | undefined): string[] =>
  Object.keys(lock?.calls ?? {})
    .filter((k) => k.startsWith('sim/tick@'))
    .sort();

/** Waits until run has placed and recorded a tick after the `after` ticks it had recorded. */
const nextTickRecorded = async (g: Gateway, run: ReturnType<typeof startRun>, after: number) =>
  run.until('the next tick in callops.lock', async () => {
    const lock = await g.project.lock();
    return ticks(lock).length > after ? lock : undefined;
  });

/** What another writer does: a new callops.lock put in place whole (as git does). */
const replaceLockfile = async (g: Gateway, lock: LockJson): Promise<void> => {
  const path = join(g.project.dir, 'callops.lock');
  await writeFile(`${path}.pulled`, `${JSON.stringify(lock, null, 2)}\n`);
  await rename(`${path}.pulled`, path);
};

const copyOf = async (g: Gateway): Promise<LockJson> =>
  JSON.parse(await g.project.read('.callops/written.lock')) as LockJson;

/** An entry as another host's run wrote it. */
const placedElsewhere = (sid: string, at: string): LockEntryJson =>
  ({
    status: 'placed',
    sid,
    callId: `elsewhere-${sid.slice(0, 8)}`,
    at,
    file: 'calls/a.yaml',
    definition: `sha256:${'0'.repeat(64)}`,
  }) as LockEntryJson;

const S_X1 = '33333333-3333-4333-8333-333333333333';
const S_PULLED = '44444444-4444-4444-8444-444444444444';

/** Every call the gateway accepted has its entry in `lock`, placed, for the number it dialled. */
const everyAcceptedRecorded = (g: Gateway, lock: LockJson | undefined, names: string[]) => {
  const bySid = new Map(
    Object.entries(lock?.calls ?? {}).flatMap(([key, e]) => (e.sid ? [[e.sid, key]] : [])),
  );
  for (const call of g.placed()) {
    const key = bySid.get(call.sid ?? '');
    expect(key, `sid ${call.sid} (to ${numberOf(call.body)}) is not in callops.lock`).toBeDefined();
    const name = String(key)
      .replace(/^sim\//, '')
      .replace(/@.*$/, '');
    expect(numberOf(call.body)).toBe(numberAt(names.indexOf(name)));
    expect(lock?.calls[String(key)]?.status).toBe('placed');
  }
};

describe('run, while callops.lock is changed by another writer', () => {
  it('a git pull of a call and its placement made elsewhere: the call is not placed again, and the pulled entries stay', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'a1' }, tick]) });
    const g = gw;
    const run = startRun(g);
    const before = await run.until('a1 and a tick in callops.lock', async () => {
      const lock = await g.project.lock();
      return lock?.calls['sim/a1'] !== undefined && ticks(lock).length > 0 ? lock : undefined;
    });
    // The pull: callops.lock first (x1 was placed on another host), then the call file.
    await replaceLockfile(g, {
      ...before,
      calls: {
        ...before.calls,
        'sim/x1': placedElsewhere(S_X1, '2026-12-01T10:00:00.000Z'),
        'sim/pulled-only': placedElsewhere(S_PULLED, '2026-12-01T10:00:00.000Z'),
      },
    });
    await g.project.write('calls/a.yaml', callsYaml([{ name: 'a1' }, tick, { name: 'x1' }]));
    await run.until('the reload', () =>
      run.soFar().includes('definitions reloaded: 3 calls (were 2)') ? true : undefined,
    );
    // A wake after the reload has planned, placed its tick and written callops.lock.
    const reloaded = ticks(await g.project.lock()).length;
    await nextTickRecorded(g, run, reloaded);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(g.placed().filter((c) => numberOf(c.body) === numberAt(2))).toEqual([]);
    const lock = await g.project.lock();
    for (const written of [lock, await copyOf(g)]) {
      expect(written?.calls['sim/x1']?.sid).toBe(S_X1);
      expect(written?.calls['sim/pulled-only']?.sid).toBe(S_PULLED);
    }
    everyAcceptedRecorded(g, lock, ['a1', 'tick', 'x1']);
    expect(r.stderr).not.toContain('warning:');
  });

  it('an older callops.lock put back: nothing is placed again, and run writes its records back', {
    timeout: 120_000,
  }, async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'a1' }, tick]) });
    const g = gw;
    const run = startRun(g);
    const before = await run.until('a1 and a tick in callops.lock', async () => {
      const lock = await g.project.lock();
      return lock?.calls['sim/a1'] !== undefined && ticks(lock).length > 0 ? lock : undefined;
    });
    // As a `git checkout` of the lockfile committed before this run placed anything.
    await replaceLockfile(g, { lockfileVersion: 1, calls: {} });
    await nextTickRecorded(g, run, 0);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(g.placed().filter((c) => numberOf(c.body) === numberAt(0))).toHaveLength(1);
    const lock = await g.project.lock();
    expect(lock?.calls['sim/a1']).toEqual(before.calls['sim/a1']);
    for (const key of ticks(before)) expect(lock?.calls[key]).toEqual(before.calls[key]);
    everyAcceptedRecorded(g, lock, ['a1', 'tick']);
  });

  it('a call placed here and on another host: the warning names both sids, callops.lock keeps the one recorded here', {
    timeout: 120_000,
  }, async () => {
    // The other host's sid is also a value of .env: the warning shows its reference instead.
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'a1' }, tick]),
      '.env': `OTHER_HOST_TOKEN=${S_X1}\n`,
    });
    const g = gw;
    const run = startRun(g);
    const before = await run.until('a1 and a tick in callops.lock', async () => {
      const lock = await g.project.lock();
      return lock?.calls['sim/a1'] !== undefined && ticks(lock).length > 0 ? lock : undefined;
    });
    const here = before.calls['sim/a1']?.sid;
    const earlier = '2026-12-01T10:00:00.000Z';
    await replaceLockfile(g, {
      ...before,
      calls: { ...before.calls, 'sim/a1': placedElsewhere(S_X1, earlier) },
    });
    await nextTickRecorded(g, run, ticks(before).length);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, run.soFar()).toBe(0);
    expect(r.stderr).toContain(`warning: sim/a1 holds two sids: ${here} at `);
    expect(r.stderr).toContain(
      `, recorded here, and \${OTHER_HOST_TOKEN} at ${earlier} in callops.lock as another writer left it`,
    );
    expect(r.stderr).toContain(`callops.lock keeps the one recorded here, ${here}: check both`);
    expect(r.stderr).not.toContain(S_X1);
    // The sid this run recorded is the one only it holds: never replaced by the file's.
    const lock = await g.project.lock();
    expect(lock?.calls['sim/a1']?.sid).toBe(here);
    const copy = JSON.parse(await g.project.read('.callops/written.lock')) as LockJson;
    expect(copy.calls['sim/a1']?.sid).toBe(here);
    expect(g.placed().filter((c) => numberOf(c.body) === numberAt(0))).toHaveLength(1);
  });
});

describe('apply whose run lock is removed while a second apply starts', () => {
  it('the lockfile ends with every call the gateway accepted, each placed once', {
    timeout: 90_000,
  }, async () => {
    const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
    // The first apply's two first calls wait at the gateway until released; all others pass.
    const hold = holdCalls();
    let held = 0;
    gw = await startGateway(
      { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
      {
        targetExtra: ['concurrency: 2'],
        latencyMs: 1,
        wait: () => (++held <= 2 ? hold.wait() : Promise.resolve()),
      },
    );
    const g = gw;
    const first = watch(spawnCli(['apply', '--yes'], { cwd: g.project.dir, env: g.env }), 60_000);
    await waitFor('two calls in flight', () => (hold.held() === 2 ? true : undefined), SLOW);
    // `rm .callops/run.lock` (or `git clean -X`) while they are in flight, and a second apply.
    await rm(join(g.project.dir, '.callops/run.lock'));
    const second = await g.run(['apply', '--yes']);
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    hold.release();
    const r = await first.done;
    expect(r.code, first.soFar()).toBe(75);
    expect(r.stderr).toContain('the run lock .callops/run.lock was');
    const lock = await g.project.lock();
    everyAcceptedRecorded(g, lock, names);
    const numbers = g.placed().map((c) => numberOf(c.body));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers).toHaveLength(names.length);
    const status = await g.run(['status']);
    expect(status.code, status.stdout).toBe(0);
  });

  it('a claim committed after the run lock was removed is never sent, and stays due', {
    timeout: 60_000,
  }, async () => {
    const names = ['c0', 'c1', 'c2'];
    gw = await startGateway({ 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) });
    const g = gw;
    const release = join(g.project.dir, 'release-commits');
    const child = spawnCli(['apply', '--yes'], {
      cwd: g.project.dir,
      env: { ...g.env, [HOLD_SYNC_ENV]: release },
    });
    const apply = watch(child, 40_000);
    // The first intent is written; its commit waits.
    await waitFor(
      'a commit held',
      () => (existsSync(`${release}.reached`) ? true : undefined),
      SLOW,
    );
    await rm(join(g.project.dir, '.callops/run.lock'));
    await writeFile(release, '');
    const r = await apply.done;
    expect(r.code, apply.soFar()).toBe(75);
    expect(g.sim.received()).toEqual([]);
    // The intents left are closed as not sent: the next apply places every call, once.
    const next = await g.run(['apply', '--yes']);
    expect(next.code, `${next.stdout}\n${next.stderr}`).toBe(0);
    expect(
      g
        .placed()
        .map((c) => numberOf(c.body))
        .sort(),
    ).toEqual(names.map((_, i) => numberAt(i)));
    everyAcceptedRecorded(g, await g.project.lock(), names);
    expect(await readFile(join(g.project.dir, 'callops.lock'), 'utf8')).not.toContain('unknown');
  });
});
