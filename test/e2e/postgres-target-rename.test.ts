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
  type Gateway,
  holdCalls,
  makeProject,
  output,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

/**
 * A target renamed between two checkouts at two commits that share one PostgreSQL schema,
 * applied at once (`sim:` in one, `production:` in the other, the same gateway): each call
 * and slot is placed once. Neither checkout sees the other's claims when it plans, so the
 * rule that holds a call placed under a target no longer defined cannot hold it in the plan;
 * the claim, checked in the database under a lock of its key (but for its target), does. The
 * first checkout's `apply` holds each claim's commit (the failpoint) until the second's claims
 * are waiting behind it, then lets them go.
 */

const db = postgresForFile();

let other: RunningSimulator | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
});

/** 30 s into the slot both checkouts place: a rehearsal against the simulator. */
const NOW = '2026-12-03T10:00:30Z';
const SLOT = '2026-12-03T10:00:00Z';
const ONE = '+15550170001';
const TWO = '+15550170002';
const DAILY = '+15550170009';

const CALLS = {
  'calls/a.yaml': callsYaml([
    { name: 'c1', to: `{ type: phone, number: "${ONE}" }` },
    { name: 'c2', to: `{ type: phone, number: "${TWO}" }` },
    {
      name: 'daily',
      to: `{ type: phone, number: "${DAILY}" }`,
      extra: ['schedule: { cron: "*/10 * * * *", deadline: 10m }'],
    },
  ]),
};

/**
 * The first checkout (target `sim`) and a second whose callops.yaml is `second(config)`,
 * applied at once: the first holds its three claims uncommitted until the second is claiming.
 */
const applyAtOnce = async (
  schema: string,
  second: (config: string, gw: Gateway) => string,
): Promise<{ gw: Gateway; r1: CliResult; r2: CliResult }> => {
  const gw = await db.gateway(CALLS, { schema });
  const config = await gw.project.read('callops.yaml');
  const checkout = await makeProject({ 'callops.yaml': second(config, gw), ...CALLS });
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
    await waitFor('the first checkout holding its claims', async () =>
      (await reached()) === 3 ? true : undefined,
    );
    const two = watch(spawnCli(args, { cwd: checkout.dir, env }), 30_000);
    // The second's claims wait for the first's (or, were they not checked under a lock, its
    // calls go out at once).
    await waitFor('the second checkout claiming the same calls', async () =>
      (await advisoryWaiters(db.url)) >= 3 || gw.placed().length > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([one.done, two.done]);
    return { gw, r1, r2 };
  } finally {
    await checkout.cleanup();
  }
};

/** callops.yaml with its target `sim` renamed `production` (the same gateway). */
const renamedTarget = (config: string): string =>
  config
    .replace(/^ {2}sim:$/m, '  production:')
    .replace(/^default_target: sim$/m, 'default_target: production');

describe('a target renamed between two checkouts applied at once', () => {
  it('each call and slot is placed once; the second says why, as the plan would', {
    timeout: 60_000,
  }, async () => {
    const { gw, r1, r2 } = await applyAtOnce('target_renamed', renamedTarget);
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw.sim)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    expect(gw.sim.received()).toHaveLength(3);
    expect(output(r1)).toMatch(/3 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*3 skipped/);
    // Found being placed, or placed already when the first recorded it before the second
    // looked (a loaded machine): held either way.
    const found = '\\((being placed by another runner right now|placed \\S+ at \\S+)\\)';
    const gone =
      "the same call under target sim, which this checkout's callops.yaml does not define";
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped production/c1  not placed: (being|already) placed as sim/c1 ${found}, ${gone}: a call is placed once, whatever its target's name`,
        'm',
      ),
    );
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped production/daily@${SLOT}  not placed: this slot already dialled its number as sim/daily@${SLOT} ${found}, ${gone}: a slot is placed once, whatever its target's name; the next slot is placed as usual$`,
        'm',
      ),
    );
  });

  it('the old name kept beside but unresolved here: held by the gateway its claims record', {
    timeout: 60_000,
  }, async () => {
    // The second checkout keeps `sim:` beside `production:` (the same gateway), its base_url a
    // variable this job lacks: the first's claims record the gateway they go to, and the
    // second's claims of the same calls read it, as its plan would.
    const { gw, r1, r2 } = await applyAtOnce('unresolved_twin', (config, g) =>
      config
        .replace(`base_url: ${g.sim.url}`, 'base_url: ${GW_URL}')
        .replace(
          /^default_target: sim$/m,
          [
            '  production:',
            `    base_url: ${g.sim.url}`,
            '    account_sid: ${VG_ACCOUNT_SID}',
            '    api_key: ${VG_API_KEY}',
            'default_target: production',
          ].join('\n'),
        ),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw.sim)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    expect(output(r1)).toMatch(/3 placed, 0 failed, 0 unknown/);
    expect(output(r2)).toMatch(/0 placed, 0 failed, 0 unknown, .*3 skipped/);
    const found = '\\((being placed by another runner right now|placed \\S+ at \\S+)\\)';
    const recorded =
      'placed on the gateway of target production, as its entry records \\(the base_url or account_sid of sim does not resolve here\\)';
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped production/c1  not placed: (being|already) placed as sim/c1 ${found}, the same call under target sim, ${recorded}: a call is placed once on a gateway, whatever its target's name`,
        'm',
      ),
    );
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped production/daily@${SLOT}  not placed: this slot already dialled its number as sim/daily@${SLOT} ${found}, the same call under target sim, ${recorded}: a slot is placed once on a gateway, whatever its target's name; the next slot is placed as usual$`,
        'm',
      ),
    );
  });

  it('a target defined beside on another gateway places its own calls there', {
    timeout: 60_000,
  }, async () => {
    other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    const url = other.url;
    const { gw, r1, r2 } = await applyAtOnce('other_gateway', (config) =>
      config.replace(
        /^default_target: sim$/m,
        [
          '  staging:',
          `    base_url: ${url}`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
          'default_target: staging',
        ].join('\n'),
      ),
    );
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    // Two gateways, two calls each: the first's on `sim`, the second's on `staging`.
    expect(callsPerNumber(gw.sim)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    expect(callsPerNumber(other)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    expect(output(r2)).toMatch(/3 placed, 0 failed, 0 unknown/);
  });
});

describe('a call the other checkout is placing under the old target name right now', () => {
  /** What the second checkout's plan says of each call it holds for the first's. */
  const gone = "the same call under target sim, which this checkout's callops.yaml does not define";
  const C1 = `not placed: being placed as sim/c1 (being placed by another runner right now), ${gone}: a call is placed once, whatever its target's name`;
  const DAILY_HELD = `not placed: this slot already dialled its number as sim/daily@${SLOT} (being placed by another runner right now), ${gone}: a slot is placed once, whatever its target's name; the next slot is placed as usual`;

  it('is named before the summary and counted as being placed by another runner, in JSON too', {
    timeout: 90_000,
  }, async () => {
    // The first checkout's two requests (c1 and the slot) wait at the gateway until released:
    // its claims are committed, its calls in flight. Any later request is answered at once.
    const hold = holdCalls();
    let accepted = 0;
    const gw = await db.gateway(CALLS, {
      schema: 'twin_in_flight',
      targetExtra: ['concurrency: 2'],
      latencyMs: 1,
      wait: () => (++accepted <= 2 ? hold.wait() : Promise.resolve()),
    });
    const checkout = await makeProject({
      'callops.yaml': renamedTarget(await gw.project.read('callops.yaml')),
      ...CALLS,
    });
    const env = { ...gw.env, ...db.env };
    const apply = ['apply', '--yes', '--now', NOW];
    const first = watch(
      spawnCli([...apply, '--only', 'c1', '--only', 'daily'], { cwd: gw.project.dir, env }),
      60_000,
    );
    try {
      await waitFor('the first checkout placing c1 and the slot', () =>
        hold.held() === 2 ? true : undefined,
      );
      const second = await runCli(apply, { cwd: checkout.dir, env });
      expect(second.code, output(second)).toBe(0);
      // c2 is placed; each call held for the first's is said before the summary, in the
      // plan's words, and counted as a call another runner is placing.
      expect(second.stdout).toContain('1 call due');
      expect(second.stdout).toMatch(/^placed {2}production\/c2 /m);
      expect(second.stdout).toContain(`\nskipped production/c1  ${C1}\n`);
      expect(second.stdout).toContain(`\nskipped production/daily@${SLOT}  ${DAILY_HELD}\n`);
      expect(second.stdout).toMatch(
        /Done: 1 placed, 0 failed, 0 unknown, 2 being placed by another runner in /,
      );

      // Nothing else due: they are still said and counted, never "every call is placed".
      const json = await runCli([...apply, '--format', 'json'], { cwd: checkout.dir, env });
      expect(json.code, output(json)).toBe(0);
      const object = JSON.parse(json.stdout);
      expect(object).toMatchObject({ placed: 0, failed: 0, unknown: 0, inFlight: 2, skipped: 0 });
      expect(object.held).toEqual([
        { key: 'production/c1', reason: C1, status: 'in-flight' },
        { key: `production/daily@${SLOT}`, reason: DAILY_HELD, status: 'in-flight' },
      ]);
      const again = await runCli(apply, { cwd: checkout.dir, env });
      expect(again.code, output(again)).toBe(0);
      expect(again.stdout).toContain(`\nskipped production/c1  ${C1}\n`);
      expect(again.stdout).toContain(`\nskipped production/daily@${SLOT}  ${DAILY_HELD}\n`);
      expect(again.stdout).toContain('Nothing is due now (see `callops plan`).');
      expect(again.stdout).not.toContain('every call is placed');
      // Neither checkout sent more while the first's requests were at the gateway.
      expect(hold.held()).toBe(2);
      expect(accepted).toBe(3);
    } finally {
      hold.release();
      await checkout.cleanup();
    }
    const r1 = await first.done;
    expect(r1.code, output(r1)).toBe(0);
    expect(r1.stdout).toMatch(/Done: 2 placed, 0 failed, 0 unknown in /);
    expect(callsPerNumber(gw.sim)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
  });
});
