import { describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import {
  callsYaml,
  holdCalls,
  output,
  plainText,
  spawnCli,
  spawnOnTerminal,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * Two runners on one schema both asked to `apply --replace` one placed call: the call is
 * replaced once. The second runner's plan named the sid the first one replaced; its claim
 * finds another call there, so it sends nothing and says that another runner replaced that
 * call first (exit 0, as for a key another runner claimed first). A runner that finds the
 * call being replaced right now, its plan made while the other's request is at the gateway,
 * skips it the same way (exit 0), rather than refusing the name as a usage error.
 */

const db = postgresForFile();

describe('--replace by two runners at once on the Postgres state', () => {
  it('the runner that comes second replaces nothing: not the first one’s new call', {
    timeout: 90_000,
  }, async () => {
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'x1' }]) },
      { schema: 'race' },
    );
    const first = await gw.run(['apply', '--yes'], db.env);
    expect(first.code, first.stderr).toBe(0);
    const original = gw.placed()[0]?.sid;
    expect(original).toBeDefined();

    // The second runner has planned, and waits at its question, naming the call it replaces.
    const second = spawnOnTerminal(['apply', '--replace', 'x1'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...db.env },
    });
    const { done, soFar } = watch(second, 40_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(soFar())) ? true : undefined,
    );
    expect(plainText(soFar())).toContain(`replaces ${original}`);

    // Meanwhile the other runner replaces it.
    const other = await gw.run(['apply', '--yes', '--replace', 'x1'], db.env);
    expect(other.code, other.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const replacement = gw.placed()[1]?.sid;

    second.stdin?.write('yes\r');
    const r = await done;
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(0);
    // Nothing more reached the gateway: the other runner's call stands.
    expect(gw.placed()).toHaveLength(2);
    expect(text).toContain(
      `skipped sim/x1  not replaced: another runner replaced ${original} first`,
    );
    expect(await placementRows(db.url, 'race')).toEqual([
      { key: 'sim/x1', status: 'placed', sid: replacement },
    ]);
  });

  it('a runner that finds the call being replaced right now skips it, exit 0', {
    timeout: 90_000,
  }, async () => {
    // Calls pass until the gate closes; then each waits at the gateway until it opens.
    let hold: ReturnType<typeof holdCalls> | undefined;
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'c06' }]) },
      { schema: 'race_in_flight', latencyMs: 1, wait: () => hold?.wait() ?? Promise.resolve() },
    );
    const first = await gw.run(['apply', '--yes'], db.env);
    expect(first.code, first.stderr).toBe(0);
    const original = gw.placed()[0]?.sid;
    hold = holdCalls();
    const args = ['apply', '--yes', '--replace', 'c06', '--only', 'c06'];
    const replacing = watch(
      spawnCli(args, { cwd: gw.project.dir, env: { ...gw.env, ...db.env } }),
      60_000,
    );
    await waitFor('the replacement at the gateway', () => (hold?.held() === 1 ? true : undefined), {
      timeoutMs: 30_000,
    });
    // A second runner plans while that request is in flight.
    const second = await gw.run(args, db.env);
    expect(second.code, output(second)).toBe(0);
    expect(second.stderr).toMatch(
      /^skipped\s+sim\/c06\s+not replaced: being placed by another runner right now$/m,
    );
    expect(second.stdout).not.toMatch(/^placed/m);
    hold.release();
    const done = await replacing.done;
    expect(done.code, output(done)).toBe(0);
    // One replacement reached the gateway: the call placed first, and the one replacing it.
    expect(gw.sim.received()).toHaveLength(2);
    const replacement = gw.placed()[1]?.sid;
    expect(replacement).not.toBe(original);
    expect(await placementRows(db.url, 'race_in_flight')).toEqual([
      { key: 'sim/c06', status: 'placed', sid: replacement },
    ]);
  });
});
