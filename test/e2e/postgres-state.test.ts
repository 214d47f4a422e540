import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { placementRows } from '../support/postgres.js';
import {
  callsYaml,
  type Gateway,
  output,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile, transactionWaiters } from './postgres-project.js';

const db = postgresForFile();

/** A project on the simulator whose state is in its own schema of the test database. */
const project = (
  schema: string,
  names: readonly string[],
  options: Parameters<typeof startGateway>[1] = {},
): Promise<Gateway> =>
  db.gateway(
    { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
    {
      ...options,
      schema,
    },
  );

const rows = (schema: string) => placementRows(db.url, schema);

const RACED = ['c1', 'c2', 'c3'];

/**
 * Two runners apply one project at once: the first holds the commit of each of its claims
 * (the failpoint) until the second, which planned every call due (none claimed yet for it),
 * is claiming them, waiting on the first's claims (the lock of each key but for its target,
 * or its uncommitted rows); then both go on. The first
 * places every call; the second finds each claimed first. `args` and `extraEnv` (given the
 * project's folder) are the second's.
 */
const raceForClaims = async (
  schema: string,
  args: readonly string[] = [],
  extraEnv: (dir: string) => Readonly<Record<string, string>> = () => ({}),
) => {
  const gw = await project(schema, RACED, { targetExtra: [`concurrency: ${RACED.length}`] });
  const gate = join(gw.project.dir, 'gate');
  const reached = async () =>
    (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const env = { ...gw.env, ...db.env };
  const first = watch(
    spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
    40_000,
  );
  await waitFor('the first runner holding a claim of each call', async () =>
    (await reached()) === RACED.length ? true : undefined,
  );
  const second = watch(
    spawnCli(['apply', '--yes', ...args], {
      cwd: gw.project.dir,
      env: { ...env, ...extraEnv(gw.project.dir) },
    }),
    40_000,
  );
  // Every claim of the second runner waiting (its concurrency lets all go at once): one let
  // go later would find the first runner's call recorded, not in flight.
  await waitFor('the second runner claiming what the first holds', async () =>
    (await transactionWaiters(db.url)) + (await advisoryWaiters(db.url)) >= RACED.length ||
    gw.placed().length > 0
      ? true
      : undefined,
  );
  await writeFile(gate, '');
  const [r1, r2] = await Promise.all([first.done, second.done]);
  expect(r1.code, output(r1)).toBe(0);
  expect(r1.stdout).toMatch(/Done: 3 placed, 0 failed, 0 unknown in/);
  expect(r2.code, output(r2)).toBe(0);
  // Each call went once, by the first runner.
  expect(gw.placed()).toHaveLength(RACED.length);
  return { gw, r2 };
};

describe('state on postgres', () => {
  it('apply, plan, status, resolve, state pull and state push go through the database', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('round_trip', ['c1', 'c2']);
    const env = db.env;
    const plan = await gw.run(['plan', '--detailed-exitcode'], env);
    expect(plan.code, plan.stderr).toBe(2);

    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // The database holds the state: no lockfile is written by the commands.
    expect(gw.project.exists('callops.lock')).toBe(false);
    const stored = await rows('round_trip');
    expect(stored.map((r) => [r.key, r.status])).toEqual([
      ['sim/c1', 'placed'],
      ['sim/c2', 'placed'],
    ]);
    expect(new Set(stored.map((r) => r.sid))).toEqual(new Set(gw.placed().map((r) => r.sid)));

    // A second apply finds nothing due: the database says they are placed.
    const again = await gw.run(['apply', '--yes'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing is due');
    expect(gw.placed()).toHaveLength(2);
    const replan = await gw.run(['plan', '--detailed-exitcode'], env);
    expect(replan.code, replan.stderr).toBe(0);

    const status = await gw.run(['status', '--format', 'json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(stored[0]?.sid as string);

    // state pull writes the lockfile view, in callops.lock's format.
    const pull = await gw.run(['state', 'pull'], env);
    expect(pull.code, pull.stderr).toBe(0);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/c1', 'sim/c2']);
    expect(lock?.calls['sim/c1']?.sid).toBe(stored[0]?.sid);

    // That lockfile pushed into a fresh schema is imported once; again, nothing changes.
    const other = await project('pushed', ['c1', 'c2']);
    await other.project.write('callops.lock', await gw.project.read('callops.lock'));
    const push = await other.run(['state', 'push'], env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toContain('imported 2 entries');
    const twice = await other.run(['state', 'push'], env);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toContain('imported 0 entries');
    expect((await rows('pushed')).map((r) => r.status)).toEqual(['placed', 'placed']);
    const none = await other.run(['apply', '--yes'], env);
    expect(none.code, none.stderr).toBe(0);
    expect(other.placed()).toHaveLength(0);

    // The url and its password are never shown.
    for (const out of [plan, apply, again, status, pull, push, twice, none]) {
      expect(out.stdout + out.stderr).not.toContain('callops-test');
    }
  });

  it('plan --format markdown names the database it compared against, not a lockfile', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('compared', ['c1', 'c2']);
    const env = db.env;
    const first = await gw.run(['plan', '--format', 'markdown'], env);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain('### Changes against postgres (schema `compared`)\n');
    expect(first.stdout).toContain('**New (2)**');
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(0);
    // c2 no longer defined: its entry stays in the database, which no lockfile mirrors.
    await gw.project.write('calls/a.yaml', callsYaml([{ name: 'c1' }]));
    const later = await gw.run(['plan', '--format', 'markdown'], env);
    expect(later.code, output(later)).toBe(0);
    expect(later.stdout).toContain('### Changes against postgres (schema `compared`)\n');
    expect(later.stdout).toContain(
      '**No longer defined (1)** — their entries stay in the database:',
    );
    for (const out of [first, later]) {
      expect(out.stdout).not.toContain('callops.lock');
      expect(out.stdout).not.toContain('lockfile');
      // Neither the url nor its password.
      expect(out.stdout + out.stderr).not.toContain(db.url);
      expect(out.stdout + out.stderr).not.toContain('callops-test');
    }
  });

  it('resolve settles an unknown row; push refuses a conflicting key with a way on', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('settle', ['c1']);
    const env = db.env;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Bring the schema up, then leave a claim without an outcome, as a killed runner does.
      expect((await gw.run(['plan'], env)).code).toBe(0);
      await client.query(
        `INSERT INTO settle.placements (key, status, at, definition, file, runner)
         VALUES ('sim/c1', 'unknown', '2026-01-01T00:00:00.000Z', 'sha256:x', 'calls/a.yaml', NULL)`,
      );
    } finally {
      await client.end();
    }
    const status = await gw.run(['status'], env);
    expect(status.code, status.stdout).toBe(3);
    const sid = '98e4dd21-b178-4af1-83b6-3c1582893890';
    const resolve = await gw.run(['resolve', 'sim/c1', '--placed', sid], env);
    expect(resolve.code, resolve.stderr).toBe(0);
    expect(await rows('settle')).toEqual([{ key: 'sim/c1', status: 'placed', sid }]);
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(0);

    await gw.project.write(
      'callops.lock',
      `${JSON.stringify({ calls: { 'sim/c1': { at: '2026-01-01T00:00:00.000Z', definition: 'sha256:x', file: 'calls/a.yaml', status: 'failed' } }, lockfileVersion: 1 }, null, 2)}\n`,
    );
    const push = await gw.run(['state', 'push'], env);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain(
      'callops.lock conflicts with the state database in 1 entry; it was not imported:\n' +
        `  sim/c1: the database has placed (sid ${sid}), callops.lock has failed\n` +
        'To settle it, run `callops state push --keep-database`',
    );
    expect(await rows('settle')).toEqual([{ key: 'sim/c1', status: 'placed', sid }]);
  });

  it('a second run is refused with 75 naming the first; apply still works beside it; unlock refuses a live holder', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('two_runs', ['c1']);
    const env = { ...gw.env, ...db.env };
    const first = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const running = watch(first, 50_000);
    await waitFor(
      'the first run to start',
      () => (running.soFar().includes('running:') ? true : undefined),
      { timeoutMs: 30_000 },
    );
    const second = await gw.run(['run', '--yes'], db.env);
    expect(second.code, second.stderr).toBe(75);
    expect(second.stderr).toContain('callops run');
    expect(second.stderr).toContain(`pid ${first.pid}`);
    const unlock = await gw.run(['unlock'], db.env);
    expect(unlock.code, unlock.stderr).toBe(75);
    expect(unlock.stderr).toContain(`pid ${first.pid}`);
    // apply takes no single-holder lock on the database: it runs beside run.
    const apply = await gw.run(['apply', '--yes'], db.env);
    expect(apply.code, apply.stderr).toBe(0);
    // Outcomes are written row by row beside runs: status --refresh asks and records, unrefused.
    const refresh = await gw.run(['status', '--refresh'], db.env);
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(refresh.stderr).toContain('refresh: asked target sim about 1 call');
    expect(refresh.stderr).not.toContain('in use');
    first.kill('SIGTERM');
    const stopped = await running.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    // Placed once, by whichever runner claimed it.
    expect(gw.placed()).toHaveLength(1);
    // The holder gone, unlock has nothing to clear, and a new run starts.
    const after = await gw.run(['unlock'], db.env);
    expect(after.code, after.stderr).toBe(0);
  });

  it('a run killed with SIGKILL blocks until its lease runs out: run and unlock say when, and never to unlock', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('killed_run', ['c1']);
    const env = { ...gw.env, ...db.env };
    const first = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const running = watch(first, 50_000);
    await waitFor(
      'the first run to start',
      () => (running.soFar().includes('running:') ? true : undefined),
      { timeoutMs: 30_000 },
    );
    first.kill('SIGKILL');
    await running.done;
    const lease =
      /frees its lock at (\S+Z) \(in (\d+) s\); try again then \(`callops unlock` has nothing to clear\)/;
    const second = await gw.run(['run', '--yes'], db.env);
    expect(second.code, second.stderr).toBe(75);
    expect(second.stderr).toContain(`pid ${first.pid}`);
    expect(second.stderr).toContain('That process is gone: the state database frees its lock');
    expect(second.stderr).toMatch(lease);
    expect(second.stderr).not.toContain('`callops unlock` removes');
    const until = Date.parse(lease.exec(second.stderr)?.[1] ?? '');
    expect(until - Date.now()).toBeLessThanOrEqual(16_000);
    const unlock = await gw.run(['unlock'], db.env);
    expect(unlock.code, unlock.stderr).toBe(75);
    expect(unlock.stderr).toMatch(lease);
    expect(unlock.stderr).not.toContain('`callops unlock` removes');
    // Once the lease has run out, the lock is free without anything cleared.
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 1_000));
    const after = await gw.run(['unlock'], db.env);
    expect(after.code, after.stderr).toBe(0);
  });

  it('a call another runner is placing now is in flight: not unknown, not due, nothing to settle', {
    timeout: 60_000,
  }, async () => {
    // The simulator holds the first runner's request until released.
    const waiting: (() => void)[] = [];
    let open = false;
    const wait = () => new Promise<void>((resolve) => (open ? resolve() : waiting.push(resolve)));
    const gw = await project('busy', ['c1'], { latencyMs: 1, wait });
    const env = { ...gw.env, ...db.env };
    const first = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 50_000);
    await waitFor('the request at the gateway', () => (waiting.length === 1 ? true : undefined), {
      timeoutMs: 30_000,
    });
    try {
      const status = await gw.run(['status'], db.env);
      expect(status.code, status.stdout).toBe(0);
      // Counted for the database, which writes no callops.lock.
      expect(status.stdout).toContain(
        'postgres (schema busy): 0 placed, 0 failed, 0 unknown, 1 in flight',
      );
      expect(status.stdout).not.toContain('callops.lock');
      expect(status.stdout).toMatch(/in flight \(1\)[^\n]*\n {2}sim\/c1 {2}at /);
      expect(status.stdout).not.toMatch(/^unknown|callops resolve/m);
      const json = await gw.run(['status', '--format', 'json'], db.env);
      expect(json.code, json.stdout).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        lockfile: 'callops.lock',
        state: 'postgres (schema busy)',
        unknown: 0,
        inFlight: 1,
        unsettled: [],
        calls: [{ key: 'sim/c1', inFlight: true }],
      });
      // Not due, even with --retry-unknown: its runner records its outcome.
      const plan = await gw.run(['plan', '--retry-unknown', '--detailed-exitcode'], db.env);
      expect(plan.code, plan.stdout).toBe(0);
      expect(plan.stdout).toContain('being placed by another runner right now');
      for (const args of [
        ['apply', '--yes'],
        ['apply', '--yes', '--retry-unknown'],
      ]) {
        const second = await gw.run(args, db.env);
        expect(second.code, second.stdout + second.stderr).toBe(0);
        expect(second.stdout).not.toMatch(/Unknown|callops resolve/);
      }
      // Named, it cannot be checked (exit 1, nothing asked): its runner records its outcome.
      const check = await gw.run(['resolve', '--check', 'sim/c1'], db.env);
      expect(check.code, check.stderr).toBe(1);
      expect(check.stderr).toContain(
        'sim/c1 is being placed by a run that is still going: that run records its outcome, nothing to check',
      );
      // No second request reached the gateway.
      expect(waiting).toHaveLength(1);
    } finally {
      open = true;
      for (const go of waiting.splice(0)) go();
    }
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect((await rows('busy')).map((r) => r.status)).toEqual(['placed']);
  });

  it("apply --only of a call another runner is placing says so, in plan's words, not only that nothing is due", {
    timeout: 60_000,
  }, async () => {
    // The simulator holds the first runner's request until released.
    const waiting: (() => void)[] = [];
    let open = false;
    const wait = () => new Promise<void>((resolve) => (open ? resolve() : waiting.push(resolve)));
    const gw = await project('busy_only', ['a1', 'a2'], { latencyMs: 1, wait });
    const env = { ...gw.env, ...db.env };
    const first = watch(
      spawnCli(['apply', '--yes', '--only', 'a1'], { cwd: gw.project.dir, env }),
      50_000,
    );
    await waitFor('the request at the gateway', () => (waiting.length === 1 ? true : undefined), {
      timeoutMs: 30_000,
    });
    try {
      const second = await gw.run(['apply', '--yes', '--only', 'a1'], db.env);
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(second.stdout).toContain('skipped sim/a1  being placed by another runner right now');
      expect(second.stdout).toContain('Nothing is due now');
      expect(second.stdout).not.toContain('every call is placed');
      const json = await gw.run(['apply', '--yes', '--only', 'a1', '--format', 'json'], db.env);
      expect(json.code, json.stdout + json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        placed: 0,
        inFlight: 1,
        held: [
          {
            key: 'sim/a1',
            reason: 'being placed by another runner right now',
            status: 'in-flight',
          },
        ],
      });
      // No second request reached the gateway.
      expect(waiting).toHaveLength(1);
    } finally {
      open = true;
      for (const go of waiting.splice(0)) go();
    }
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });

  it('calls another runner claimed first during the run are counted as those it was placing at the plan', {
    timeout: 90_000,
  }, async () => {
    const { r2 } = await raceForClaims('claimed_first');
    expect(r2.stdout).toContain('3 calls due');
    // Before the summary, in the words of a claim refused: each due call accounted for.
    for (const name of RACED)
      expect(r2.stdout).toContain(`skipped sim/${name}  being placed by another runner`);
    expect(r2.stdout).toMatch(
      /Done: 0 placed, 0 failed, 0 unknown, 3 being placed by another runner in /,
    );
    expect(r2.stderr).not.toMatch(/skipped/);
  });

  it('--format json and the step summary count them too: inFlight, held in-flight', {
    timeout: 90_000,
  }, async () => {
    const { gw, r2 } = await raceForClaims('claimed_first_json', ['--format', 'json'], (dir) => ({
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'),
    }));
    const json = JSON.parse(r2.stdout);
    expect(json).toMatchObject({ placed: 0, failed: 0, unknown: 0, inFlight: 3, results: [] });
    expect(json.held).toEqual(
      RACED.map((name) => ({
        key: `sim/${name}`,
        reason: 'being placed by another runner',
        status: 'in-flight',
      })),
    );
    expect(await gw.project.read('step-summary.md')).toContain(
      '0 placed · 0 failed · 0 unknown · 3 being placed by another runner',
    );
  });

  it('PGSSLMODE is read as the url sslmode is: disable connects, an unknown mode is refused naming it', {
    timeout: 60_000,
  }, async () => {
    const gw = await project('pgsslmode', ['c1']);
    const disable = await gw.run(['apply', '--yes'], { ...db.env, PGSSLMODE: 'disable' });
    expect(disable.code, disable.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);

    // The pg client alone would take it as no TLS and connect: callops refuses it, sends nothing.
    const other = await project('pgsslmode_bogus', ['c1']);
    const bogus = await other.run(['apply', '--yes'], { ...db.env, PGSSLMODE: 'bogus' });
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain(
      'environment: error: PGSSLMODE is not an sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full, or unset it',
    );
    expect(bogus.stderr).toContain('nothing was sent');
    expect(other.placed()).toHaveLength(0);
    expect(await rows('pgsslmode_bogus').catch((error: Error) => error.message)).toMatch(
      /does not exist/,
    );

    // The test server has no TLS: require, encrypted without checks as in libpq, cannot connect
    // and says so in callops' own words, without the pg client's warnings.
    const require = await other.run(['plan'], { ...db.env, PGSSLMODE: 'require' });
    expect(require.code).toBe(1);
    expect(require.stderr).toContain('the state database could not be reached');
    expect(require.stderr).toContain('does not support SSL');
    for (const out of [disable, bogus, require]) {
      expect(out.stdout + out.stderr).not.toContain('callops-test');
      expect(out.stderr).not.toMatch(/SECURITY WARNING|Warning/);
    }
  });

  it('state push on the file store is a usage error', { timeout: 30_000 }, async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'c1' }]) });
    try {
      const push = await gw.run(['state', 'push']);
      expect(push.code).toBe(64);
      expect(push.stderr).toContain('already is the state');
    } finally {
      await gw.close();
    }
  });
});
