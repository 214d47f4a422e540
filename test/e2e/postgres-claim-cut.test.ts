import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { placementRows, terminateRunners } from '../support/postgres.js';
import { callsYaml, type Gateway, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * With a per-number limit a claim runs in a transaction on a connection of its own. The
 * connection is cut while that transaction is open (its commit held by the failpoint) and
 * another call is at the gateway: the claim fails as any state write does. The run ends
 * with its summary and exit 1, nothing more is sent, and the call at the gateway is
 * recorded or listed unknown with its sid; never a crash on an unhandled 'error' event.
 */

const db = postgresForFile();

/** A simulator `wait` that holds each accepted call until the test lets one go. */
const heldOneByOne = () => {
  const waiting: (() => void)[] = [];
  let open = false;
  return {
    held: () => waiting.length,
    next: () => waiting.shift()?.(),
    all: () => {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    wait: () => new Promise<void>((resolve) => (open ? resolve() : waiting.push(resolve))),
  };
};

/**
 * Three calls at concurrency 2 under `per_number: 5/24h`: the first two go to the gateway;
 * one is answered, and the third's claim is held before its commit while `cut` runs, the
 * other call still at the gateway. Then that call is answered.
 */
const applyCutDuringClaim = async (schema: string, cut: () => Promise<void>) => {
  const calls = heldOneByOne();
  const gw = await db.gateway(
    { 'calls/a.yaml': callsYaml(['c00', 'c01', 'c02'].map((name) => ({ name }))) },
    {
      targetExtra: ['concurrency: 2'],
      latencyMs: 1,
      wait: calls.wait,
      schema,
      extra: ['limits: { per_number: 5/24h }'],
    },
  );
  const gate = join(gw.project.dir, 'gate');
  const reached = async () =>
    (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const env = { ...gw.env, CALLOPS_DATABASE_URL: db.url, [HOLD_SYNC_ENV]: gate };
  const { done } = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 40_000);
  await waitFor('the first claim held', async () => ((await reached()) > 0 ? true : undefined));
  await writeFile(gate, '');
  await waitFor('two requests at the gateway', () => (calls.held() === 2 ? true : undefined), {
    timeoutMs: 20_000,
  });
  const before = await reached();
  await rm(gate);
  calls.next();
  await waitFor('the third claim held', async () =>
    (await reached()) > before ? true : undefined,
  );
  await cut();
  calls.all();
  const result = await done;
  return { gw, result };
};

/** What every cut must end in: a clean failure of the claim, the sent calls accounted for. */
const expectCleanEnd = (gw: Gateway, result: Awaited<ReturnType<typeof watch>['done']>) => {
  const text = output(result);
  expect(text).not.toMatch(/Unhandled 'error' event|node:events|at parseErrorMessage/);
  expect(result.code, text).toBe(1);
  // The third call was never sent.
  const sids = gw.placed().map((r) => r.sid);
  expect(sids).toHaveLength(2);
  expect(result.stdout).toMatch(/^Done: /m);
  // Every call the gateway accepted is placed or unknown, named with its sid.
  for (const sid of sids)
    expect(result.stdout).toMatch(new RegExp(`^(placed|unknown) .*${sid}`, 'm'));
  expect(result.stderr).toMatch(/state database/);
  expect(text).not.toContain('callops-test');
  return sids;
};

describe('the state database cut during a claim under a per-number limit', () => {
  it('pg_terminate_backend: the claim fails cleanly, the sent calls accounted for, exit 1', {
    timeout: 90_000,
  }, async () => {
    const { gw, result } = await applyCutDuringClaim('cut_terminate', async () => {
      expect(await terminateRunners(db.url)).toBeGreaterThan(0);
    });
    const sids = expectCleanEnd(gw, result);
    // The database stayed up: what it holds is what the run reported.
    const rows = await placementRows(db.url, 'cut_terminate');
    for (const row of rows.filter((r) => r.sid !== null)) expect(sids).toContain(row.sid);
    expect(rows.filter((r) => r.status === 'placed')).toHaveLength(
      [...result.stdout.matchAll(/^placed /gm)].length,
    );
  });

  it('a server stop: the call at the gateway is unknown with its sid and the resolve command', {
    timeout: 90_000,
  }, async () => {
    const { gw, result } = await applyCutDuringClaim('cut_halt', () => db.server.halt());
    await db.server.resume();
    const sids = expectCleanEnd(gw, result);
    const commands = [...result.stdout.matchAll(/callops resolve (\S+) --placed (\S+)/g)];
    expect(commands).toHaveLength(1);
    expect(sids).toContain(commands[0]?.[2]);
    expect(result.stdout).toMatch(/Done: 1 placed, 0 failed, 1 unknown/);
  });
});
