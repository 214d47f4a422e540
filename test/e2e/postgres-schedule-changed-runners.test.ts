import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  type CliResult,
  callsPerNumber,
  callsYaml,
  type Gateway,
  makeProject,
  output,
  type Project,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

/**
 * A call that runs once whose schedule changed between two checkouts at two commits that
 * share one PostgreSQL schema, applied at once: the person is called once. Neither checkout
 * sees the other's claim when it plans, so the rule that holds a call that runs once placed
 * under another key of its own (Schedules, "A call that runs once whose schedule changed")
 * cannot hold it in the plan; the claim, checked in the database under a lock of the call,
 * does. The first checkout's `apply` holds its claim's commit (the failpoint) until the
 * second's claim waits behind it, then lets it go. The real CLI, the built-in simulator over
 * loopback, a real PostgreSQL server.
 */

const db = postgresForFile();

const checkouts: Project[] = [];
afterEach(async () => {
  await Promise.all(checkouts.splice(0).map((c) => c.cleanup()));
});

/** 30 s after the `at` of the checkout that has one: due in both. */
const NOW = '2026-12-03T10:00:30Z';
const AT = '2026-12-03T10:00:00Z';
const NUMBER = '+15550180001';

/** The calls file with `welcome` scheduled so (none: unscheduled). */
const welcome = (schedule?: string): Record<string, string> => ({
  'calls/a.yaml': callsYaml([
    {
      name: 'welcome',
      to: `{ type: phone, number: "${NUMBER}" }`,
      extra: schedule === undefined ? [] : [`schedule: ${schedule}`],
    },
  ]),
});

/**
 * The first checkout (calls `first`) and a second one (calls `second`, the same callops.yaml),
 * applied at once: the first holds its claim uncommitted until the second is claiming.
 */
const applyAtOnce = async (
  schema: string,
  first: Record<string, string>,
  second: Record<string, string>,
): Promise<{ gw: Gateway; r1: CliResult; r2: CliResult; checkout: string }> => {
  const gw = await db.gateway(first, { schema });
  const checkout = await makeProject({
    'callops.yaml': await gw.project.read('callops.yaml'),
    ...second,
  });
  checkouts.push(checkout);
  const gate = join(gw.project.dir, 'gate');
  const env = { ...gw.env, ...db.env };
  const args = ['apply', '--yes', '--now', NOW];
  const one = watch(
    spawnCli(args, { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
    30_000,
  );
  await waitFor('the first checkout holding its claim', async () =>
    (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).length > 0 ? true : undefined,
  );
  const two = watch(spawnCli(args, { cwd: checkout.dir, env }), 30_000);
  // The second's claim waits for the first's (or, were it not checked under a lock, its call
  // goes out at once).
  await waitFor('the second checkout claiming the same call', async () =>
    (await advisoryWaiters(db.url)) >= 1 || gw.placed().length > 0 ? true : undefined,
  );
  await writeFile(gate, '');
  const [r1, r2] = await Promise.all([one.done, two.done]);
  return { gw, r1, r2, checkout: checkout.dir };
};

/** Found being placed, or placed already when the first recorded it before the second looked. */
const held = (key: string, name: string): RegExp =>
  new RegExp(
    `^skipped ${key.replace(/[@.]/g, '\\$&')} {2}(may have been placed as sim/welcome \\(being placed by another runner right now\\): its schedule changed since, and a call that runs once is placed once|already placed as sim/welcome \\(placed \\S+ at \\S+\\): its schedule changed since, and a call that runs once is placed once; \`callops apply --replace ${name}\` places it again)$`,
    'm',
  );

describe('a call that runs once, given an `at` in one of two checkouts applied at once', () => {
  it('is placed once; the second says why, as the plan would; --replace places it again', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2, checkout } = await applyAtOnce(
      'once_at_given',
      welcome(),
      welcome(`{ at: "${AT}", deadline: 1h }`),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // One create-call request for the person, not two.
    expect(gw.sim.received()).toHaveLength(1);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(output(r1)).toMatch(/1 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*1 skipped/);
    expect(r2.stdout).toMatch(held(`sim/welcome@${AT}`, 'welcome'));

    // The plan of the second checkout says the same now, and `--replace` still places it.
    const env = { ...gw.env, ...db.env };
    const again = watch(
      spawnCli(['apply', '--yes', '--now', NOW, '--replace', 'welcome'], { cwd: checkout, env }),
      30_000,
    );
    const r3 = await again.done;
    expect(r3.code, output(r3)).toBe(0);
    expect(r3.stdout).toMatch(/1 placed, 0 failed, 0 unknown/);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 2 });
  });

  it('placed first under its new key, the old checkout is held by it', {
    timeout: 60_000,
  }, async () => {
    // The checkout with the `at` claims first: the unscheduled one, planned before that claim
    // committed, is held by it at its claim, as its plan would hold it.
    const { gw, r1, r2 } = await applyAtOnce(
      'once_at_first',
      welcome(`{ at: "${AT}", deadline: 1h }`),
      welcome(),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*1 skipped/);
    expect(r2.stdout).toMatch(
      /^skipped sim\/welcome {2}(may have been|already) placed as sim\/welcome@/m,
    );
  });

  it('a cron call made unscheduled in one checkout: its slot holds the call', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2 } = await applyAtOnce(
      'cron_removed',
      welcome('{ cron: "0 10 * * *", deadline: 1h }'),
      welcome(),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*1 skipped/);
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped sim/welcome {2}(may have been|already) placed as sim/welcome@${AT}`,
        'm',
      ),
    );
  });
});
