import { describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import { callsYaml, holdCalls, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * The state database stops while two requests are at the gateway: their answers come back
 * and cannot be recorded. Neither may be reported placed: each is unknown, named with its
 * sid and the command that settles it once the database is back.
 */

const db = postgresForFile();

const rows = (schema: string) => placementRows(db.url, schema);

/** Three calls at concurrency 2; the database stops while the first two are at the gateway. */
const applyWhileDatabaseStops = async (schema: string, args: readonly string[]) => {
  const hold = holdCalls();
  const gw = await db.gateway(
    { 'calls/a.yaml': callsYaml(['c00', 'c01', 'c02'].map((name) => ({ name }))) },
    { targetExtra: ['concurrency: 2'], latencyMs: 1, wait: hold.wait, schema },
  );
  const env = { ...gw.env, CALLOPS_DATABASE_URL: db.url };
  const { done } = watch(
    spawnCli(['apply', '--yes', ...args], { cwd: gw.project.dir, env }),
    40_000,
  );
  await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined), {
    timeoutMs: 20_000,
  });
  await db.server.halt();
  hold.release();
  const result = await done;
  await db.server.resume();
  return { gw, env, result };
};

describe('the state database gone while calls are at the gateway', () => {
  it('their calls are unknown, not placed, each named with its sid and the resolve command', {
    timeout: 90_000,
  }, async () => {
    const { gw, result } = await applyWhileDatabaseStops('lost_human', []);
    expect(result.code, result.stderr).toBe(1);
    const sids = gw.placed().map((r) => r.sid);
    expect(sids).toHaveLength(2);
    // Nothing is reported placed: the database never saw those answers.
    expect(result.stdout).not.toMatch(/^placed\s/m);
    expect(result.stdout).toMatch(/Done: 0 placed, 0 failed, 2 unknown, 1 not sent \(still due\)/);
    const commands = [...result.stdout.matchAll(/callops resolve (\S+) --placed (\S+)/g)];
    expect(commands.map((m) => m[2]).sort()).toEqual([...sids].sort());
    for (const [, key, sid] of commands)
      expect(result.stdout).toMatch(new RegExp(`^unknown\\s+${key}\\s.*sid ${sid}`, 'm'));
    expect(result.stderr).toMatch(/state database/);
    expect(result.stdout + result.stderr).not.toContain('callops-test');

    // Back up, the database holds both claims without an outcome.
    const before = await rows('lost_human');
    expect(before.filter((r) => r.status === 'claimed' && r.sid === null)).toHaveLength(2);
    // The runner could not end its lease with the database down: its claims are in flight
    // until the lease runs out (15 s after its last renewal), then unknown.
    await waitFor(
      'the lease to run out',
      async () => {
        const status = await gw.run(['status'], { CALLOPS_DATABASE_URL: db.url });
        return status.code === 3 ? true : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    // The printed command settles each one.
    for (const [, key, sid] of commands) {
      const settle = await gw.run(['resolve', key as string, '--placed', sid as string], {
        CALLOPS_DATABASE_URL: db.url,
      });
      expect(settle.code, settle.stderr).toBe(0);
    }
    const after = await rows('lost_human');
    expect(
      after
        .filter((r) => r.status === 'placed')
        .map((r) => r.sid)
        .sort(),
    ).toEqual([...sids].sort());
    const status = await gw.run(['status'], { CALLOPS_DATABASE_URL: db.url });
    expect(status.code, status.stdout).toBe(0);
  });

  it('--format json counts them unknown, with their sids', { timeout: 90_000 }, async () => {
    const { gw, result } = await applyWhileDatabaseStops('lost_json', ['--format', 'json']);
    expect(result.code, result.stderr).toBe(1);
    const out = JSON.parse(result.stdout) as {
      placed: number;
      unknown: number;
      results: { key: string; status: string; sid?: string; message?: string }[];
    };
    expect(out.placed).toBe(0);
    expect(out.unknown).toBe(2);
    const sids = gw.placed().map((r) => r.sid);
    expect(out.results.map((r) => r.status)).toEqual(['unknown', 'unknown']);
    expect(out.results.map((r) => r.sid).sort()).toEqual([...sids].sort());
    for (const r of out.results)
      expect(r.message).toContain(`callops resolve ${r.key} --placed ${r.sid}`);
  });
});
