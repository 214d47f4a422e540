import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { placementRows } from '../support/postgres.js';
import {
  type CliResult,
  callsYaml,
  type Gateway,
  holdCalls,
  makeProject,
  output,
  type Project,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

/**
 * `apply --replace` by two runners at once, in two checkouts of one project sharing one
 * PostgreSQL schema, the target renamed in one of them (`sim:` in the first, `production:` in
 * the second, the same gateway): the call is replaced once. The first checkout replaces
 * `sim/welcome`; the second places it again as `production/welcome` (it was placed as
 * sim/welcome, a target it no longer defines). Neither sees the other's claim when it plans;
 * each claim is checked in the database under the lock of the key but for its target, against
 * what its plan read of that key under the other targets. The runner that comes second sends
 * nothing and says that another runner replaced the call first (exit 0). One that plans while
 * the other's replacement is at the gateway skips it as being placed right now (exit 0), not as
 * a wrong name.
 */

const db = postgresForFile();

const NUMBER = '+15550190001';
const CALLS = {
  'calls/a.yaml': callsYaml([{ name: 'welcome', to: `{ type: phone, number: "${NUMBER}" }` }]),
};
const REPLACE = ['apply', '--yes', '--replace', 'welcome'];

/** The second checkout: the first's callops.yaml with its target renamed `production`. */
const renamedCheckout = async (gw: Gateway): Promise<Project> => {
  const config = (await gw.project.read('callops.yaml'))
    .replace(/^ {2}sim:$/m, '  production:')
    .replace(/^default_target: sim$/m, 'default_target: production');
  return makeProject({ 'callops.yaml': config, ...CALLS });
};

/** `welcome` placed once by the first checkout: the sid both replacements name. */
const placedOnce = async (gw: Gateway): Promise<string> => {
  const first = await gw.run(['apply', '--yes'], db.env);
  expect(first.code, output(first)).toBe(0);
  const sid = gw.placed()[0]?.sid;
  expect(sid).toBeDefined();
  return sid as string;
};

/**
 * Both checkouts run `apply --replace welcome` at once: `held` (the first checkout, or the
 * renamed one) holds its claim's commit until the other's claim waits behind it.
 */
const replaceAtOnce = async (
  schema: string,
  held: 'sim' | 'production',
): Promise<{ gw: Gateway; original: string; sim: CliResult; production: CliResult }> => {
  const gw = await db.gateway(CALLS, { schema });
  const original = await placedOnce(gw);
  const checkout = await renamedCheckout(gw);
  try {
    const dirs = { sim: gw.project.dir, production: checkout.dir };
    const other = held === 'sim' ? 'production' : 'sim';
    const gate = join(gw.project.dir, 'gate');
    const env = { ...gw.env, ...db.env };
    const first = watch(
      spawnCli(REPLACE, { cwd: dirs[held], env: { ...env, [HOLD_SYNC_ENV]: gate } }),
      30_000,
    );
    await waitFor('the first replacement holding its claim', async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).length > 0 ? true : undefined,
    );
    const second = watch(spawnCli(REPLACE, { cwd: dirs[other], env }), 30_000);
    // The second's claim waits for the first's (or, were it not checked under the key's lock,
    // its call goes out at once).
    await waitFor('the second replacement claiming the same call', async () =>
      (await advisoryWaiters(db.url)) >= 1 || gw.placed().length > 1 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([first.done, second.done]);
    return held === 'sim'
      ? { gw, original, sim: r1, production: r2 }
      : { gw, original, sim: r2, production: r1 };
  } finally {
    await checkout.cleanup();
  }
};

describe('--replace by two runners at once, the target renamed in one checkout', () => {
  it('the replacement under the renamed target that comes second sends nothing', {
    timeout: 60_000,
  }, async () => {
    const { gw, original, sim, production } = await replaceAtOnce('twin_second', 'sim');
    for (const r of [sim, production]) expect(r.code, output(r)).toBe(0);
    // The call placed first, and one replacement: the person is called once more, not twice.
    expect(gw.sim.received()).toHaveLength(2);
    expect(gw.placed()).toHaveLength(2);
    expect(sim.stdout).toMatch(/^placed {2}sim\/welcome /m);
    expect(production.stdout).toContain(
      `skipped production/welcome  not replaced: another runner replaced ${original} first`,
    );
    expect(output(production)).toMatch(/0 placed, 0 failed, 0 unknown, 1 skipped/);
    const replacement = gw.placed()[1]?.sid;
    expect(await placementRows(db.url, 'twin_second')).toEqual([
      { key: 'sim/welcome', status: 'placed', sid: replacement },
    ]);
  });

  it('the replacement of the key a renamed target placed again first sends nothing', {
    timeout: 60_000,
  }, async () => {
    const { gw, original, sim, production } = await replaceAtOnce('twin_first', 'production');
    for (const r of [sim, production]) expect(r.code, output(r)).toBe(0);
    expect(gw.sim.received()).toHaveLength(2);
    expect(production.stdout).toMatch(/^placed {2}production\/welcome /m);
    expect(sim.stdout).toContain(
      `skipped sim/welcome  not replaced: another runner replaced ${original} first`,
    );
    const replacement = gw.placed()[1]?.sid;
    expect(await placementRows(db.url, 'twin_first')).toEqual([
      { key: 'production/welcome', status: 'placed', sid: replacement },
      { key: 'sim/welcome', status: 'placed', sid: original },
    ]);
  });

  it('a runner that finds it being replaced under the other name right now skips it, exit 0', {
    timeout: 90_000,
  }, async () => {
    // Calls pass until the gate closes; then each waits at the gateway until it opens.
    let hold: ReturnType<typeof holdCalls> | undefined;
    const gw = await db.gateway(CALLS, {
      schema: 'twin_in_flight',
      latencyMs: 1,
      wait: () => hold?.wait() ?? Promise.resolve(),
    });
    await placedOnce(gw);
    const checkout = await renamedCheckout(gw);
    try {
      hold = holdCalls();
      const env = { ...gw.env, ...db.env };
      const replacing = watch(spawnCli(REPLACE, { cwd: gw.project.dir, env }), 60_000);
      await waitFor(
        'the replacement at the gateway',
        () => (hold?.held() === 1 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      // The renamed checkout plans while that request is in flight.
      const second = await watch(spawnCli(REPLACE, { cwd: checkout.dir, env }), 30_000).done;
      expect(second.code, output(second)).toBe(0);
      expect(second.stderr).toMatch(
        /^skipped\s+production\/welcome\s+not replaced: being placed by another runner right now$/m,
      );
      expect(second.stdout).not.toMatch(/^placed/m);
      hold.release();
      const done = await replacing.done;
      expect(done.code, output(done)).toBe(0);
      expect(gw.sim.received()).toHaveLength(2);
    } finally {
      hold?.release();
      await checkout.cleanup();
    }
  });
});
