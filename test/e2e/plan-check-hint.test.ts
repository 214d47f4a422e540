import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

// Each test runs the CLI several times; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 60_000 });

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** What `status` offers first for an unknown entry: the look-up on the gateway. */
const CHECK = 'callops resolve --check sim/maybe';

/** The reasons `plan --format json` gives, by key, of every list. */
const reasons = (stdout: string): Record<string, string> => {
  const plan = JSON.parse(stdout) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const list of Object.values(plan)) {
    if (!Array.isArray(list)) continue;
    for (const item of list as { key?: string; reason?: string }[])
      if (item.key !== undefined && item.reason !== undefined) out[item.key] = item.reason;
  }
  return out;
};

/**
 * A project whose call `maybe` ended `unknown` (the gateway answered 500 while failing: it
 * may have placed it); the gateway answers again after.
 */
const withUnknown = async (): Promise<Gateway> => {
  let failing = true;
  const gw = await startGateway(
    { 'calls/a.yaml': callsYaml([{ name: 'maybe' }]) },
    { failStatus: 500, failRate: 0.5, random: () => (failing ? 0 : 0.99) },
  );
  open.push(gw);
  const first = await gw.run(['apply', '--yes']);
  expect(first.code, output(first)).toBe(1);
  expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
  failing = false;
  const status = await gw.run(['status']);
  expect(status.code, output(status)).toBe(3);
  expect(status.stdout).toContain(`settle: ${CHECK} looks it up on the gateway`);
  return gw;
};

describe("plan's line for a call an unknown entry holds back offers the look-up status offers", () => {
  it('its own unknown entry', async () => {
    const gw = await withUnknown();
    const plan = await gw.run(['plan', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    expect(reasons(plan.stdout)['sim/maybe']).toContain(`\`${CHECK}\``);
  });

  it('held on a renamed target until the unknown entry of its old one is settled', async () => {
    const gw = await withUnknown();
    const config = await gw.project.read('callops.yaml');
    await gw.project.write(
      'callops.yaml',
      config.replace(/^ {2}sim:$/m, '  lab:').replace('default_target: sim', 'default_target: lab'),
    );
    const human = await gw.run(['plan']);
    expect(human.code, output(human)).toBe(0);
    const line = human.stdout.split('\n').find((l) => l.includes('lab/maybe'));
    expect(line, human.stdout).toContain(`\`${CHECK}\` looks it up on the gateway`);
    const json = await gw.run(['plan', '--format', 'json']);
    expect(reasons(json.stdout)['lab/maybe']).toMatch(
      /`callops resolve --check sim\/maybe` looks it up on the gateway, or `callops resolve sim\/maybe --not-placed` lets it be placed on target lab$/,
    );
    expect(gw.sim.received()).toHaveLength(1);
  });

  it('not retried as its number changed since its unknown attempt', async () => {
    const gw = await withUnknown();
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([{ name: 'maybe', to: '{ type: phone, number: "+15550009876" }' }]),
    );
    const plan = await gw.run(['plan', '--retry-unknown', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    expect(reasons(plan.stdout)['sim/maybe']).toMatch(
      /^not retried: .*settle it first: `callops resolve --check sim\/maybe` looks it up on the gateway; or `callops resolve sim\/maybe --placed SID` or `--not-placed`$/,
    );
  });
});
