import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import { callsYaml, type Gateway, holdCalls, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * The state database stops while calls are at the gateway, and starts again while their
 * runner lives: the outcomes it could not record are not left claimed without an outcome
 * (in flight for everyone else, unknown once it ends). The runner keeps each one, with its
 * sid, and records it once the database answers again — `run` before it places anything
 * more, `run` and `apply` as they end — and no key is sent a second time.
 */

const db = postgresForFile();

const NAMES = ['c00', 'c01', 'c02', 'c03'];

/**
 * Four unscheduled calls at concurrency 4 (or the target lines given), each held at the
 * gateway until `release`.
 */
const heldProject = async (
  schema: string,
  names: readonly string[] = NAMES,
  targetExtra: readonly string[] = ['concurrency: 4'],
) => {
  const hold = holdCalls();
  const gw = await db.gateway(
    { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
    { targetExtra, latencyMs: 1, wait: hold.wait, schema },
  );
  const env = { ...gw.env, CALLOPS_DATABASE_URL: db.url, CALLOPS_RUN_REFRESH_SECONDS: '3600' };
  return { gw, hold, env };
};

/** Waits until what a running CLI said matches `pattern`; fails with what it said. */
const said = (soFar: () => string, pattern: RegExp, timeoutMs = 30_000) =>
  waitFor(pattern.source, () => (pattern.test(soFar()) ? true : undefined), { timeoutMs }).catch(
    (error: Error) => {
      throw new Error(`${error.message}; it said:\n${soFar()}`);
    },
  );

/** Each call's requests that reached the gateway, by the number it dials: one each. */
const requestsPerNumber = (gw: Gateway): number[] => {
  const counts = new Map<string, number>();
  for (const r of gw.sim.received()) {
    const to = (r.body as { to?: { number?: string } }).to?.number ?? '?';
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return [...counts.values()];
};

/** Every row of `schema` is placed, with the sid the gateway gave for it: none twice. */
const expectRecorded = async (gw: Gateway, schema: string, count: number) => {
  const rows = await placementRows(db.url, schema);
  expect(rows.map((r) => r.status)).toEqual(Array(count).fill('placed'));
  const sids = gw.placed().map((r) => r.sid);
  expect(sids).toHaveLength(count);
  expect(rows.map((r) => r.sid).sort()).toEqual([...sids].sort());
  // No second request for any key reached the gateway.
  expect(requestsPerNumber(gw)).toEqual(Array(count).fill(1));
};

/** The four calls at the gateway, then the server stopped before they are answered. */
const haltWhileHeld = async (hold: ReturnType<typeof holdCalls>, count = NAMES.length) => {
  await waitFor('the calls at the gateway', () => (hold.held() === count ? true : undefined), {
    timeoutMs: 30_000,
  });
  await db.server.halt();
  hold.release();
};

const stop = async (child: ChildProcess, done: ReturnType<typeof watch>['done']) => {
  child.kill('SIGTERM');
  return done;
};

describe('outcomes the state database could not take while it was down', () => {
  it('run records them once the database answers again, before it places anything more', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldProject('kept_run');
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const { done, soFar } = watch(child, 110_000);
    let halted = false;
    try {
      halted = true;
      await haltWhileHeld(hold);
      // Each answer is said with its sid, and that run records it itself: no command to run.
      for (const name of NAMES)
        await said(soFar, new RegExp(`unknown\\s+sim/${name}\\s.*run records it`));
      expect(soFar()).not.toMatch(/callops resolve/);
      await delay(3_000);
      expect(child.exitCode, soFar()).toBeNull();
      await db.server.resume();
      halted = false;
      await said(soFar, /the state database answers again[^\n]*placing resumes/);
      // Recorded while run lives, before it said placing resumes.
      const text = soFar();
      for (const name of NAMES)
        expect(text.indexOf(`recorded  sim/${name}  placed`)).toBeGreaterThan(-1);
      expect(text.indexOf('recorded  sim/')).toBeLessThan(text.indexOf('placing resumes'));
      await expectRecorded(gw, 'kept_run', NAMES.length);
      // Nothing is left for a person: another checkout's status is clean.
      const status = await gw.run(['status'], { CALLOPS_DATABASE_URL: db.url });
      expect(status.code, output(status)).toBe(0);
    } finally {
      if (halted) await db.server.resume();
    }
    const result = await stop(child, done);
    expect(result.code, output(result)).toBe(0);
    expect(output(result)).not.toContain('callops-test');
    await expectRecorded(gw, 'kept_run', NAMES.length);
  });

  it('run stopped while the database is down records them as it ends, once it is back', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldProject('kept_stop');
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const { done, soFar } = watch(child, 110_000);
    let halted = false;
    try {
      halted = true;
      await haltWhileHeld(hold);
      for (const name of NAMES)
        await said(soFar, new RegExp(`unknown\\s+sim/${name}\\s.*run records it`));
      child.kill('SIGTERM');
      await said(soFar, /stopping/);
      await db.server.resume();
      halted = false;
    } finally {
      if (halted) await db.server.resume();
    }
    const result = await done;
    expect(result.code, output(result)).toBe(0);
    for (const name of NAMES) expect(result.stderr).toContain(`recorded  sim/${name}  placed`);
    expect(output(result)).not.toMatch(/callops resolve/);
    await expectRecorded(gw, 'kept_stop', NAMES.length);
  });

  it('run stopped while the database stays down names each with its sid and the command that settles it', {
    timeout: 120_000,
  }, async () => {
    const { gw, hold, env } = await heldProject('kept_lost');
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const { done, soFar } = watch(child, 110_000);
    let result: Awaited<typeof done>;
    try {
      await haltWhileHeld(hold);
      for (const name of NAMES)
        await said(soFar, new RegExp(`unknown\\s+sim/${name}\\s.*run records it`));
      child.kill('SIGTERM');
      result = await done;
    } finally {
      await db.server.resume();
    }
    // A call of the run is unknown: exit 1, each named on stderr with its sid and the command.
    expect(result.code, output(result)).toBe(1);
    const commands = [...result.stderr.matchAll(/callops resolve (\S+) --placed (\S+)/g)];
    const sids = gw.placed().map((r) => r.sid);
    expect(commands.map((m) => m[2]).sort()).toEqual([...sids].sort());
    for (const [, key, sid] of commands)
      expect(result.stderr).toMatch(
        new RegExp(`^unknown\\s+${key}\\s.*sid ${sid}.*it stays unknown`, 'm'),
      );
    expect(output(result)).not.toContain('callops-test');
    // The command works once the runner's lease has run out; before, resolve says when it does.
    const [, firstKey, firstSid] = commands[0] ?? [];
    const early = await gw.run(['resolve', firstKey as string, '--placed', firstSid as string], {
      CALLOPS_DATABASE_URL: db.url,
    });
    if (early.code !== 0) expect(early.stderr).toMatch(/its claim lapses at \S+ \(in \d+ s\)/);
    await waitFor(
      'the lease to run out',
      async () => {
        const status = await gw.run(['status'], { CALLOPS_DATABASE_URL: db.url });
        return status.code !== 0 ? true : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    for (const [, key, sid] of commands) {
      if (key === firstKey && early.code === 0) continue;
      const settle = await gw.run(['resolve', key as string, '--placed', sid as string], {
        CALLOPS_DATABASE_URL: db.url,
      });
      expect(settle.code, output(settle)).toBe(0);
    }
    await expectRecorded(gw, 'kept_lost', NAMES.length);
  });

  it('apply records them before it ends when the database is back by then', {
    timeout: 90_000,
  }, async () => {
    const names = NAMES.slice(0, 2);
    const { gw, hold, env } = await heldProject('kept_apply', names);
    const { done, soFar } = watch(
      spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }),
      80_000,
    );
    let halted = false;
    try {
      halted = true;
      await haltWhileHeld(hold, names.length);
      await delay(1_000);
      await db.server.resume();
      halted = false;
    } finally {
      if (halted) await db.server.resume();
    }
    const result = await done;
    expect(result.code, `${output(result)}\n${soFar()}`).toBe(0);
    expect(result.stdout).toMatch(/Done: 2 placed, 0 failed, 0 unknown/);
    expect(output(result)).not.toMatch(/callops resolve/);
    await expectRecorded(gw, 'kept_apply', names.length);
  });

  it('apply stopped by the failure says so, not that an outcome it recorded later is unrecorded', {
    timeout: 90_000,
  }, async () => {
    // The first call goes; the second waits its turn at the rate (one a minute) and is never
    // sent: the outcome that could not be recorded stops the run first.
    const { gw, hold, env } = await heldProject('kept_apply_stopped', NAMES.slice(0, 2), [
      'concurrency: 2',
      'rate: 1/m',
    ]);
    const { done, soFar } = watch(
      spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }),
      80_000,
    );
    let halted = false;
    try {
      halted = true;
      await haltWhileHeld(hold, 1);
      await delay(1_000);
      await db.server.resume();
      halted = false;
    } finally {
      if (halted) await db.server.resume();
    }
    const result = await done;
    expect(result.code, `${output(result)}\n${soFar()}`).toBe(1);
    // The outcome is listed and counted as the gateway answered: the database took it late.
    expect(result.stdout).toMatch(/^placed\s+sim\/c00\s+sid /m);
    expect(result.stdout).toMatch(/Done: 1 placed, 0 failed, 0 unknown, 1 not sent \(still due\)/);
    expect(await placementRows(db.url, 'kept_apply_stopped')).toMatchObject([
      { key: 'sim/c00', status: 'placed' },
    ]);
    // The closing line says why the run stopped, and that sim/c00's outcome is recorded.
    const closing = result.stderr.trim().split('\n').at(-1) ?? '';
    expect(closing).not.toMatch(/could not be recorded/);
    expect(closing).toMatch(
      /^callops apply: the run stopped: the state database failed \(.+\) while recording the outcome of sim\/c00, which has been recorded since; 1 call not sent — run `callops apply` again once the state database answers \(none of the calls not sent was dialled\)$/,
    );
    expect(output(result)).not.toMatch(/callops resolve/);
    expect(output(result)).not.toContain('callops-test');
  });
});
