import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  type Gateway,
  spawnCli,
  startGateway,
  startHeldApply,
  waitFor,
  watch,
} from './helpers.js';

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];

let gw: Gateway | undefined;
let release: () => void = () => {};
afterEach(async () => {
  release();
  await gw?.close();
  gw = undefined;
});

/** The held apply of the helpers, kept for afterEach to release and close. */
const startHeld = async () => {
  const held = await startHeldApply(spawnCli, NAMES);
  gw = held.gw;
  release = held.release;
  return { ...held, stderrSoFar: held.soFar };
};

describe('apply interrupted by SIGINT', () => {
  it('the first SIGINT sends no new call, records the answers of those in flight, exits 130', async () => {
    const { gw, child, done, stderrSoFar } = await startHeld();
    child.kill('SIGINT');
    await waitFor('the stop to be acknowledged', () =>
      /stopping/.test(stderrSoFar()) ? true : undefined,
    );
    release();
    const r = await done;
    expect(r.code).toBe(130);
    expect(gw.sim.received()).toHaveLength(2);
    const lock = await gw.project.lock();
    const entries = Object.entries(lock?.calls ?? {});
    expect(entries).toHaveLength(2);
    for (const [, entry] of entries) expect(entry.status).toBe('placed');
    expect(new Set(entries.map(([, e]) => e.sid))).toEqual(new Set(gw.placed().map((p) => p.sid)));
    expect(r.stdout).toMatch(/2 placed, 0 failed, 0 unknown, 3 not sent \(still due\)/);

    // The calls never sent are still due, and the next apply places only them.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(NAMES.length);
    const after = await gw.project.lock();
    expect(Object.keys(after?.calls ?? {})).toHaveLength(NAMES.length);
    expect(Object.values(after?.calls ?? {}).filter((e) => e.status !== 'placed')).toEqual([]);
  });

  it('a second SIGINT exits 130 at once; the next command records the calls in flight unknown', async () => {
    const { gw, child, done, stderrSoFar } = await startHeld();
    child.kill('SIGINT');
    await waitFor('the stop to be acknowledged', () =>
      /stopping/.test(stderrSoFar()) ? true : undefined,
    );
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    release(); // the gateway places what it had received
    await waitFor('the held calls to be answered', () =>
      gw.placed().length === 2 ? true : undefined,
    );

    const next = await gw.run(['apply', '--yes']);
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/2 unknown/);
    const lock = await gw.project.lock();
    const unknown = Object.entries(lock?.calls ?? {}).filter(([, e]) => e.status === 'unknown');
    expect(unknown).toHaveLength(2);
    expect(gw.placed()).toHaveLength(NAMES.length);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(NAMES.length);
  });
});

describe('apply whose terminal goes away (SIGHUP)', () => {
  it('stops as on a first SIGINT: the calls in flight are recorded placed, none unknown', async () => {
    const { gw, child, done, stderrSoFar } = await startHeld();
    child.kill('SIGHUP');
    await waitFor('the stop to be acknowledged', () =>
      /SIGHUP — stopping/.test(stderrSoFar()) ? true : undefined,
    );
    release();
    const r = await done;
    expect(r.code).toBe(130);
    const entries = Object.values((await gw.project.lock())?.calls ?? {});
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry.status).toBe('placed');
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });
});

describe('apply --wait interrupted', () => {
  /** `apply --yes --wait 30s ARGS` of two calls that ring for an hour, stopped by SIGTERM once waiting. */
  const stopWhileWaiting = async (args: readonly string[]) => {
    gw = await startGateway(
      { 'calls/a.yaml': callsYaml([{ name: 'w1' }, { name: 'w2' }]) },
      { ringMs: 3_600_000 },
    );
    const child = spawnCli(['apply', '--yes', '--wait', '30s', ...args], {
      cwd: gw.project.dir,
      env: gw.env,
    });
    const { done, soFar } = watch(child, 25_000);
    await waitFor('apply to wait for outcomes', () =>
      soFar().includes('Waiting up to 30 s for the outcomes of 2 calls') ? true : undefined,
    );
    child.kill('SIGTERM');
    const r = await done;
    // What the run placed stays recorded placed; the run lock is let go.
    const entries = Object.values((await gw.project.lock())?.calls ?? {});
    expect(entries.map((e) => e.status)).toEqual(['placed', 'placed']);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
    return r;
  };

  it('a SIGTERM ends the wait at once: exit 130, "interrupted": true, and the stop said as it is', async () => {
    const r = await stopWhileWaiting(['--format', 'json']);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    const report = JSON.parse(r.stdout) as {
      placed: number;
      interrupted: boolean;
      pending: string[];
    };
    expect(report.interrupted).toBe(true);
    expect(report.placed).toBe(2);
    expect(report.pending).toEqual(['sim/w1', 'sim/w2']);
    expect(r.stderr).toContain(
      'callops: SIGTERM — stopping the wait for outcomes: no call is in flight; the outcomes seen so far are recorded\n',
    );
    expect(r.stderr).not.toContain('the ones in flight');
  });

  it('in human output the summary says the wait was interrupted', async () => {
    const r = await stopWhileWaiting([]);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).toMatch(
      /^Outcomes: 0 completed, 0 busy, 0 no-answer, 0 failed; 2 without a final outcome when the wait was interrupted /m,
    );
  });
});
