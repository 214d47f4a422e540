// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  type Gateway,
  makeProject,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

let gw: Gateway | undefined;
let project: Project | undefined;
afterEach(async () => {
  await gw?.close();
  await project?.cleanup();
  gw = undefined;
  project = undefined;
});

const SLOT = { name: 'daily', extra: ['schedule: { cron: "0 9 * * *" }'] };

const remote = (baseUrl: string) =>
  [
    'targets:',
    '  production:',
    `    base_url: ${baseUrl}`,
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    'default_target: production',
    '',
  ].join('\n');

const ENV = {
  VG_ACCOUNT_SID: 'AC-not-real',
  VG_API_KEY: 'key-not-real',
  VG_URL: 'https://vg.example.com',
};

describe('apply --now is a rehearsal', () => {
  it('is refused (64) against a target that is not loopback, pointing at plan --now; nothing is sent or written', async () => {
    for (const baseUrl of ['https://vg.example.com', '${VG_URL}']) {
      project = await makeProject({
        'callops.yaml': remote(baseUrl),
        'calls/a.yaml': callsYaml([SLOT, { name: 'now-call' }]),
      });
      const r = await runCli(['apply', '--yes', '--now', '2026-03-10T09:01:00Z'], {
        cwd: project.dir,
        env: ENV,
      });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toMatch(/plan --now/);
      expect(r.stderr).toMatch(/production/);
      expect(r.stderr).toMatch(/nothing was sent/);
      expect(project.exists('callops.lock')).toBe(false);
      expect(project.exists('.callops/journal.jsonl')).toBe(false);
      await project.cleanup();
      project = undefined;
    }
  });

  it('against the built-in simulator it still places the slot, and says it is a rehearsal at that instant', async () => {
    project = await makeProject({ 'calls/a.yaml': callsYaml([SLOT]) });
    const r = await runCli(['apply', '--yes', '--now', '2026-03-10T09:01:00Z'], {
      cwd: project.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rehearsal at 2026-03-10T09:01:00(\.000)?Z/);
    expect(r.stdout).toMatch(/1 placed/);
    const lock = await project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['simulator/daily@2026-03-10T09:00:00Z']);
  });

  it('against a loopback target it places the slot', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([SLOT]) });
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:01:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rehearsal at 2026-03-10T09:01:00(\.000)?Z/);
    expect(gw.placed()).toHaveLength(1);
  });
});

describe('apply --now ahead of the clock', () => {
  const EVERY_2S = {
    name: 'tick',
    extra: ['schedule: { cron: "*/2 * * * * *", deadline: 10s }'],
  };
  const iso = (ms: number) =>
    new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const placedKeys = async (): Promise<string[]> => {
    const lock = (await gw?.project.lock()) as unknown as {
      calls: Record<string, { status: string }>;
    };
    return Object.entries(lock.calls)
      .filter(([, e]) => e.status === 'placed')
      .map(([k]) => k)
      .sort();
  };

  it('leaves the real slots to the real clock: the next apply places the slot due then, and no slot twice', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([EVERY_2S]) });
    // Far enough ahead that the rehearsal, status and the pause below end before it, even on a
    // busy machine: the real apply must run while the rehearsed slot is still to come.
    const at = iso(Date.now() + 16_000);
    const rehearsal = await gw.run(['apply', '--yes', '--now', at]);
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
    expect(rehearsal.stdout).toMatch(/rehearsal at /);
    const [rehearsed] = await placedKeys();
    expect(rehearsed).toMatch(/^sim\/tick@/);
    // status says that entry came from a rehearsal, placed before its slot.
    const status = await gw.run(['status']);
    expect(status.stdout).toMatch(/placed by a rehearsal \(apply --now\), \d+ s before its slot/);

    await new Promise((r) => setTimeout(r, 2500));
    const before = Date.now();
    const real = await gw.run(['apply', '--yes']);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/^Done: 1 placed/m);
    const keys = await placedKeys();
    expect(keys).toHaveLength(2);
    const slot = (key: string | undefined) => Date.parse(key?.split('@')[1] ?? '');
    const placedNow = keys.find((k) => k !== rehearsed);
    // A real slot, due on the real clock (not one ahead of it), placed once.
    expect(slot(placedNow)).toBeLessThanOrEqual(Date.now());
    expect(slot(placedNow)).toBeGreaterThan(before - 10_000);
    expect(slot(placedNow)).toBeLessThan(slot(rehearsed));
    expect(gw.placed()).toHaveLength(2);

    // Once the clock passes the rehearsed slot, it is still not placed again.
    const wait = slot(rehearsed) + 500 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const plan = await gw.run(['plan', '--format', 'json']);
    const due = (JSON.parse(plan.stdout) as { due: { key: string }[] }).due.map((i) => i.key);
    expect(due).not.toContain(rehearsed);
  });
});

describe('a slot a rehearsal placed ahead of the clock', () => {
  it('is listed as placed by plan and left out of the next slots by status, not as upcoming', async () => {
    const DAILY = {
      name: 'daily',
      extra: ['schedule: { cron: "0 9 * * *", deadline: 10m }'],
    };
    project = await makeProject({ 'calls/a.yaml': callsYaml([DAILY]) });
    // The next 09:00Z on the real clock, rehearsed 30 s after it.
    const next = new Date();
    next.setUTCHours(9, 0, 0, 0);
    if (next.getTime() <= Date.now()) next.setUTCDate(next.getUTCDate() + 1);
    const key = `simulator/daily@${next.toISOString().replace('.000Z', 'Z')}`;
    const at = new Date(next.getTime() + 30_000).toISOString();
    const rehearsal = await runCli(['apply', '--yes', '--now', at], { cwd: project.dir });
    expect(rehearsal.code, rehearsal.stderr).toBe(0);
    expect(Object.keys((await project.lock())?.calls ?? {})).toEqual([key]);

    const plan = await runCli(['plan'], { cwd: project.dir });
    expect(plan.code, plan.stderr).toBe(0);
    const upcoming = plan.stdout.slice(plan.stdout.indexOf('Upcoming'));
    expect(plan.stdout).toMatch(/Upcoming/);
    expect(upcoming).not.toContain(key);
    const json = await runCli(['plan', '--format', 'json'], { cwd: project.dir });
    const parsed = JSON.parse(json.stdout) as {
      upcoming: { key: string }[];
      skipped: { key: string; reason: string }[];
    };
    expect(parsed.upcoming.map((i) => i.key)).not.toContain(key);
    expect(parsed.upcoming).toHaveLength(3);
    expect(parsed.skipped.find((i) => i.key === key)?.reason).toMatch(/^already placed /);

    const status = await runCli(['status'], { cwd: project.dir });
    expect(status.stdout).toMatch(/placed by a rehearsal \(apply --now\)/);
    const nextSlots = status.stdout.slice(status.stdout.indexOf('next slots:'));
    expect(status.stdout).toMatch(/next slots:/);
    expect(nextSlots).not.toContain(key);
  });
});
