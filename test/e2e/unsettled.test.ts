import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  callsYaml,
  type Gateway,
  output,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

// Each test runs the CLI several times; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 60_000 });

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const HINT = 'callops resolve sim/maybe --placed SID';

/**
 * A project whose call `maybe` ended `unknown` (the gateway answered 500: it may have placed
 * it), and a call `fine` the gateway then places.
 */
const withUnknown = async (): Promise<Gateway> => {
  const gw = await startGateway(
    { 'calls/a.yaml': callsYaml([{ name: 'maybe' }]) },
    { failStatus: 500 },
  );
  open.push(gw);
  const first = await gw.run(['apply', '--yes']);
  expect(first.code).toBe(1);
  expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
  await gw.sim.close();
  return gw;
};

describe('unsettled unknown entries never vanish from view', () => {
  it('apply with nothing due names each unknown entry with the resolve hint (human, json)', async () => {
    const gw = await withUnknown();
    const human = await gw.run(['apply', '--yes']);
    expect(human.code).toBe(0);
    expect(output(human)).not.toMatch(/every call is placed/);
    expect(human.stdout).toContain('sim/maybe');
    expect(human.stdout).toContain(HINT);
    expect(human.stdout).toContain('--not-placed');
    expect(human.stdout).toContain('--retry-unknown');

    const json = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { unsettled: { key: string; hint: string }[] };
    expect(parsed.unsettled).toHaveLength(1);
    expect(parsed.unsettled[0]?.key).toBe('sim/maybe');
    expect(parsed.unsettled[0]?.hint).toContain(HINT);
  });

  it('apply that places other calls still names them, and under GitHub Actions warns and writes the step summary', async () => {
    const gw = await withUnknown();
    const { startSimulator } = await import('../../src/simulator/index.js');
    const sim = await startSimulator({
      accountSid: gw.env.VG_ACCOUNT_SID,
      apiKey: gw.env.VG_API_KEY,
    });
    try {
      const yaml = (await gw.project.read('callops.yaml')).replace(
        /http:\/\/127\.0\.0\.1:\d+/,
        sim.url,
      );
      await gw.project.write('callops.yaml', yaml);
      await gw.project.write('calls/b.yaml', callsYaml([{ name: 'fine' }]));
      const summary = join(gw.project.dir, 'summary.md');
      await writeFile(summary, '');
      const r = await gw.run(['apply', '--yes'], {
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
      });
      expect(r.code).toBe(0);
      expect(sim.received()).toHaveLength(1);
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^::warning file=calls\/a\.yaml,line=\d+/);
      expect(warnings[0]).toContain('sim/maybe');
      expect(warnings[0]).toContain(HINT);
      const md = await readFile(summary, 'utf8');
      expect(md).toContain('sim/maybe');
      expect(md).toContain(HINT);
    } finally {
      await sim.close();
    }
  });

  it('plan names them in every format', async () => {
    const gw = await withUnknown();
    const human = await gw.run(['plan']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(HINT);
    expect(human.stdout).toMatch(/1 unknown/);

    const json = JSON.parse((await gw.run(['plan', '--format', 'json'])).stdout) as {
      unsettled: { key: string; hint: string }[];
    };
    expect(json.unsettled).toHaveLength(1);
    expect(json.unsettled[0]?.key).toBe('sim/maybe');

    const github = await gw.run(['plan', '--format', 'github']);
    const warnings = github.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(HINT);
  });

  it('status exits 3 while an entry is unknown, 0 once it is settled', async () => {
    const gw = await withUnknown();
    const before = await gw.run(['status']);
    expect(before.code).toBe(3);
    expect(before.stdout).toContain(HINT);
    expect((await gw.run(['status', '--format', 'json'])).code).toBe(3);
    const settled = await gw.run(['resolve', 'sim/maybe', '--not-placed']);
    expect(settled.code).toBe(0);
    expect((await gw.run(['status'])).code).toBe(0);
  });

  it('run names them when it starts, and a stop exits 0', async () => {
    const gw = await withUnknown();
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 15_000);
    await waitFor('run to name the unknown entry', () =>
      soFar().includes(HINT) ? true : undefined,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
  });
});
