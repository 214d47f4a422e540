// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  ACCOUNT_SID,
  API_KEY,
  type CliResult,
  callsPerNumber,
  callsYaml,
  campaignYaml,
  type Gateway,
  makeProject,
  output,
  recipientNumber,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

/**
 * A scheduled call (or campaign) renamed between two checkouts at two commits that share one
 * PostgreSQL schema, applied at once: its slot is placed once. Neither checkout sees the
 * other's claim when it plans, so the rule that holds a renamed slot in the plan cannot hold
 * it; the claim, checked in the database under the number's lock, does. The first checkout's
 * `apply` holds each claim's commit (the failpoint) until the second's claims of that number
 * are waiting behind it, then lets them go.
 */

const db = postgresForFile();

let other: RunningSimulator | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
});

/** 30 s into the slot both checkouts place: a rehearsal against the simulator. */
const NOW = '2026-12-03T05:26:30Z';
const SLOT = '2026-12-03T05:26:00Z';
const NUMBER = '+15550150101';
const PER_MINUTE = 'schedule: { cron: "* * * * *" }';

/** A call `name` to NUMBER, as both checkouts write it but for its name. */
const call = (name: string, extra = PER_MINUTE) => ({
  name,
  to: `{ type: phone, number: "${NUMBER}" }`,
  extra: [extra],
});

/**
 * `first` and `second`, the call files of two checkouts of one project, applied at once: the
 * first holds its `claims` claims uncommitted until the second is claiming too. The second's
 * callops.yaml is the first's, or `config` of it.
 */
const applyAtOnce = async (
  schema: string,
  first: Readonly<Record<string, string>>,
  second: Readonly<Record<string, string>>,
  claims: number,
  config: (first: string) => string = (same) => same,
): Promise<{ gw: Gateway; r1: CliResult; r2: CliResult }> => {
  const gw = await db.gateway(first, { schema });
  const checkout = await makeProject({
    'callops.yaml': config(await gw.project.read('callops.yaml')),
    ...second,
  });
  try {
    const gate = join(gw.project.dir, 'gate');
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    const env = { ...gw.env, ...db.env };
    const args = ['apply', '--yes', '--now', NOW];
    const one = watch(
      spawnCli(args, { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
      30_000,
    );
    // Each claim of the first checkout is made, none committed: the second plans them due.
    await waitFor('the first checkout holding its claims', async () =>
      (await reached()) === claims ? true : undefined,
    );
    const two = watch(spawnCli(args, { cwd: checkout.dir, env }), 30_000);
    // The second's claims of the number wait for the first's (or, were they not checked under
    // the number's lock, its calls go out at once).
    await waitFor('the second checkout claiming the same number', async () =>
      (await advisoryWaiters(db.url)) >= claims || gw.placed().length > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([one.done, two.done]);
    return { gw, r1, r2 };
  } finally {
    await checkout.cleanup();
  }
};

/** callops.yaml with its target `sim` renamed `prod` (the same gateway), `default_target` too. */
const renamedTarget = (config: string): string =>
  config
    .replace(/^ {2}sim:$/m, '  prod:')
    .replace(/^default_target: sim$/m, 'default_target: prod');

describe('a scheduled call renamed between two checkouts applied at once', () => {
  it('cron: the slot is placed once; the second says why, as the plan would', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_cron',
      { 'calls/a.yaml': callsYaml([call('daily-check')]) },
      { 'calls/a.yaml': callsYaml([call('daily-check-v2')]) },
      1,
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(gw.sim.received()).toHaveLength(1);
    expect(r1.stdout).toContain(`placed  sim/daily-check@${SLOT}`);
    // Counted in the summary, as every due call is.
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*1 skipped/);
    // Being placed, or placed already by the time the second looked (a busy machine).
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped sim/daily-check-v2@${SLOT}  not placed: this slot already dialled its number as sim/daily-check@${SLOT} \\((being placed by another runner right now|placed \\S+ at \\S+)\\), a name no call has now \\(renamed\\?\\): a slot is placed once, whatever its call's name; the next slot is placed as usual$`,
        'm',
      ),
    );
  });

  it('renamed along with its target (the same gateway): the slot is placed once', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_with_target',
      { 'calls/a.yaml': callsYaml([call('daily-check')]) },
      { 'calls/a.yaml': callsYaml([call('daily-check-v2')]) },
      1,
      renamedTarget,
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(gw.sim.received()).toHaveLength(1);
    expect(r1.stdout).toContain(`placed  sim/daily-check@${SLOT}`);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*1 skipped/);
    // Found being placed, or placed already when the first recorded it before the second
    // looked (a loaded machine): held either way, with the plan's words for a twin target.
    const old = `sim/daily-check@${SLOT}`;
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped prod/daily-check-v2@${SLOT}  not placed: this slot already dialled its number as ${old} \\((being placed by another runner right now|placed \\S+ at \\S+)\\), a name no call has now \\(renamed\\?\\), under target sim, which this checkout's callops.yaml does not define: a slot is placed once, whatever its call's name, or its target's; the next slot is placed as usual$`,
        'm',
      ),
    );
  });

  it('renamed onto a target the second checkout defines on another gateway: both are placed', {
    timeout: 60_000,
  }, async () => {
    other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    const url = other.url;
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_other_gateway',
      { 'calls/a.yaml': callsYaml([call('daily-check')]) },
      { 'calls/a.yaml': callsYaml([call('daily-check-v2')]) },
      1,
      (config) =>
        config.replace(
          /^default_target: sim$/m,
          [
            '  prod:',
            `    base_url: ${url}`,
            '    account_sid: ${VG_ACCOUNT_SID}',
            '    api_key: ${VG_API_KEY}',
            'default_target: prod',
          ].join('\n'),
        ),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // Two gateways, two calls: the first's on `sim`, the second's on `prod`.
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(callsPerNumber(other)).toEqual({ [NUMBER]: 1 });
    expect(r2.stdout).toContain(`placed  prod/daily-check-v2@${SLOT}`);
    expect(output(r2)).toMatch(/1 placed, 0 failed, 0 unknown/);
  });

  it('at: the time is placed once', { timeout: 60_000 }, async () => {
    const at = `schedule: { at: "${SLOT}" }`;
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_at',
      { 'calls/a.yaml': callsYaml([call('follow-up', at)]) },
      { 'calls/a.yaml': callsYaml([call('follow-up-v2', at)]) },
      1,
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    expect(r2.stdout).toContain(
      `skipped sim/follow-up-v2@${SLOT}  not placed: this slot already dialled its number as sim/follow-up@${SLOT} (`,
    );
  });

  it('a second call beside the first, in the second checkout: both are placed', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2 } = await applyAtOnce(
      'beside',
      { 'calls/a.yaml': callsYaml([call('daily-check')]) },
      { 'calls/a.yaml': callsYaml([call('daily-check'), call('second-check')]) },
      1,
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // Two calls at one slot are two calls: the first's, and the second checkout's new one.
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 2 });
    expect(r1.stdout).toContain(`placed  sim/daily-check@${SLOT}`);
    expect(r2.stdout).toContain(`placed  sim/second-check@${SLOT}`);
    // Claimed first by the other runner: counted in the summary, as the plan's in-flight keys are.
    // Whether the first runner recorded it before the second's claim or not, on a busy
    // machine: either way the second names it and sends nothing for it.
    expect(r2.stdout).toMatch(
      /skipped sim\/daily-check@\S+ {2}(being placed by another runner|placed by another runner since this one planned)/,
    );
    expect(r2.stdout).toMatch(
      /1 placed, 0 failed, 0 unknown, .*1 (being placed by another runner|placed by another runner since this one planned)/,
    );
  });
});

describe('a cron campaign renamed between two checkouts applied at once', () => {
  it("each row's slot is placed once", { timeout: 60_000 }, async () => {
    const csv = `id,name,phone\nk1,Ann,${recipientNumber(31)}\nk2,Ben,${recipientNumber(32)}\n`;
    const named = (name: string) =>
      campaignYaml([PER_MINUTE]).replace('name: reminders', `name: ${name}`);
    const { gw, r1, r2 } = await applyAtOnce(
      'renamed_campaign',
      { 'calls/rem.yaml': named('rem'), 'lists/reminders.csv': csv },
      { 'calls/rem.yaml': named('rem-v2'), 'lists/reminders.csv': csv },
      2,
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [recipientNumber(31)]: 1, [recipientNumber(32)]: 1 });
    expect(output(r1)).toMatch(/2 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown/);
    for (const id of ['k1', 'k2']) {
      // Being placed, or placed already by the time the second looked (a busy machine).
      expect(r2.stdout).toMatch(
        new RegExp(
          `^skipped sim/rem-v2/${id}@${SLOT}  not placed: this slot already dialled its number as sim/rem/${id}@${SLOT} \\((being placed by another runner right now|placed \\S+ at \\S+)\\), a campaign no call has now \\(renamed\\?\\): a row's slot is placed once, whatever its campaign's name; the next slot is placed as usual$`,
          'm',
        ),
      );
    }
  });
});
