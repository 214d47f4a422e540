import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { POSTGRES_STATE } from '../support/state-backends.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  envConfigYaml,
  holdCalls,
  makeProject,
  output,
  type Project,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';

const db = postgresForFile();

const NAMES = ['k1', 'k2', 'k3', 'k4'];
const LATER = NAMES.slice(1);
const SINCE = 'placed by another runner since this one planned';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/**
 * A project on the database (its own schema) whose one target `gw` is wherever VG_BASE_URL
 * points, and two simulators for it: `held` holds each call it accepts until `release()`,
 * `free` answers at once. The runner under test plans every call, sends k1 (concurrency 1)
 * to `held`, and waits there; meanwhile another runner places k2…k4 through `free` and ends;
 * then k1 is answered, and the first runner claims k2…k4: placed since it planned.
 */
const setUp = async (schema: string) => {
  const hold = holdCalls();
  const held: RunningSimulator = await startSimulator({
    accountSid: ACCOUNT_SID,
    apiKey: API_KEY,
    latencyMs: 1,
    wait: hold.wait,
  });
  const free: RunningSimulator = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
  const project: Project = await makeProject({
    'callops.yaml': `${envConfigYaml(['concurrency: 1'])}${[...POSTGRES_STATE, `  schema: ${schema}`].join('\n')}\n`,
    'calls/a.yaml': callsYaml(NAMES.map((name) => ({ name }))),
  });
  open.push(held, free, { close: () => project.cleanup() });
  const env = (sim: RunningSimulator) => ({
    ...db.env,
    VG_BASE_URL: sim.url,
    VG_ACCOUNT_SID: ACCOUNT_SID,
    VG_API_KEY: API_KEY,
  });
  /** Starts `args` against `held`, and lets another runner place k2…k4 while k1 is held. */
  const race = async (args: readonly string[], extra: Record<string, string> = {}) => {
    const child = spawnCli(args, { cwd: project.dir, env: { ...env(held), ...extra } });
    const first = { child, ...watch(child, 60_000) };
    await waitFor('k1 held at the gateway', () => (hold.held() === 1 ? true : undefined));
    const other = await runCli(['apply', '--yes', ...LATER.flatMap((n) => ['--only', n])], {
      cwd: project.dir,
      env: env(free),
      timeoutMs: 30_000,
    });
    expect(other.code, output(other)).toBe(0);
    expect(other.stdout).toMatch(/Done: 3 placed, 0 failed, 0 unknown in/);
    hold.release();
    return first;
  };
  const placed = () =>
    [...held.received(), ...free.received()].filter((r) => r.status === 201).length;
  return { project, race, placed };
};

describe('calls another runner placed after this one planned', () => {
  it('apply says each is placed since it planned, and counts them apart from those in flight', {
    timeout: 90_000,
  }, async () => {
    const { race, placed } = await setUp('since_apply');
    const r = await (await race(['apply', '--yes'])).done;
    expect(r.code, output(r)).toBe(0);
    for (const name of LATER) expect(r.stdout).toContain(`skipped gw/${name}  ${SINCE}\n`);
    expect(r.stdout).toMatch(
      /Done: 1 placed, 0 failed, 0 unknown, 3 placed by another runner since this one planned in /,
    );
    expect(output(r)).not.toContain('being placed by another runner');
    // Each call went once.
    expect(placed()).toBe(NAMES.length);
  });

  it('--format json and the step summary count them as placedElsewhere, not inFlight', {
    timeout: 90_000,
  }, async () => {
    const { project, race, placed } = await setUp('since_json');
    const summaryFile = join(project.dir, 'step-summary.md');
    const r = await (
      await race(['apply', '--yes', '--format', 'json'], {
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summaryFile,
      })
    ).done;
    expect(r.code, output(r)).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ placed: 1, inFlight: 0, placedElsewhere: 3, unknownElsewhere: 0 });
    expect(json.held).toEqual(
      LATER.map((name) => ({ key: `gw/${name}`, reason: SINCE, status: 'placed-elsewhere' })),
    );
    expect(await project.read('step-summary.md')).toContain(
      `1 placed · 0 failed · 0 unknown · 3 ${SINCE}`,
    );
    expect(placed()).toBe(NAMES.length);
  });

  it('run says the same of its batch', { timeout: 90_000 }, async () => {
    const { race, placed } = await setUp('since_run');
    const run = await race(['run', '--yes']);
    await waitFor('the batch summary', () => (/Done: /.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    // A scheduler stopped on request exits 0.
    expect(r.code, output(r)).toBe(0);
    for (const name of LATER) expect(r.stdout).toContain(`skipped gw/${name}  ${SINCE}\n`);
    expect(r.stdout).toMatch(
      /Done: 1 placed, 0 failed, 0 unknown, 3 placed by another runner since this one planned in /,
    );
    expect(output(r)).not.toContain('being placed by another runner');
    expect(placed()).toBe(NAMES.length);
  });
});
