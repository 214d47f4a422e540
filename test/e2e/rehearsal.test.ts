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

  it('reports the same missed slots at its first run as at the next (and as plan --now lists), a call first seen at the clock; a real apply after it is as without it', {
    timeout: 60_000,
  }, async () => {
    // Hourly slots; the deadline puts the clock minus the deadline near hh:30, far from any
    // slot, so which slots can be reported does not hang on the second the commands run at.
    const deadlineMs = (new Date().getUTCMinutes() + 90) * 60_000;
    const HOURLY = {
      name: 'tick',
      extra: [`schedule: { cron: "0 * * * *", deadline: ${deadlineMs / 60_000}m }`],
    };
    const g = await startGateway({ 'calls/a.yaml': callsYaml([HOURLY]) });
    gw = g;
    // Five hours ahead: the slot at the top of that hour is placed, the six hourly slots from
    // the one before the clock's to the one before it are missed (the clock first saw the call).
    const at = iso(Date.now() + 5 * 3_600_000);
    const hour = (ms: number) => Math.floor(ms / 3_600_000) * 3_600_000;
    type Missed = { missed: number; results: { key: string; status: string }[] };
    const rehearse = async (): Promise<Missed> => {
      const r = await g.run(['apply', '--yes', '--now', at, '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Missed;
    };
    const missedKeys = (r: Missed) =>
      r.results.filter((o) => o.status === 'missed').map((o) => o.key);

    const plan = await gw.run(['plan', '--now', at, '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    // missedCount is there only when it counts more than the list holds: not here.
    const planned = JSON.parse(plan.stdout) as { missed: { key: string }[]; missedCount?: number };
    const first = await rehearse();
    const second = await rehearse();
    expect(first.missed).toBe(6);
    expect(second.missed).toBe(first.missed);
    expect(missedKeys(second)).toEqual(missedKeys(first));
    expect(planned.missedCount).toBeUndefined();
    expect(planned.missed.map((i) => i.key)).toEqual(missedKeys(first));
    const rehearsed = await placedKeys();
    expect(rehearsed).toEqual([`sim/tick@${iso(hour(Date.parse(at)))}`]);
    // What it remembers: since the clock, never since its instant ahead of it.
    const lock = (await gw.project.lock()) as unknown as {
      schedules: Record<string, { since: string; reportedThrough?: string }>;
    };
    const since = Date.parse(lock.schedules['sim/tick']?.since ?? '');
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(lock.schedules['sim/tick']?.reportedThrough).toBeUndefined();

    // A real apply then places the real slot due now, and reports missed the slots before it
    // whose deadline ended after callops first saw the call: never a slot ahead of the clock.
    const before = Date.now();
    const real = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(real.code, real.stderr).toBe(0);
    const now = Date.now();
    const done = JSON.parse(real.stdout) as Missed & { placed: number };
    expect(done.placed).toBe(1);
    const placedNow = (await placedKeys()).find((k) => !rehearsed.includes(k));
    const slotOf = (key: string | undefined) => Date.parse(key?.split('@')[1] ?? '');
    expect(slotOf(placedNow)).toBeLessThanOrEqual(now);
    expect(slotOf(placedNow)).toBeGreaterThan(before - 3_600_000);
    const missedThen: string[] = [];
    for (let s = hour(since - deadlineMs) + 3_600_000; s < slotOf(placedNow); s += 3_600_000)
      missedThen.push(`sim/tick@${iso(s)}`);
    expect(missedThen.length).toBeGreaterThan(0);
    expect(missedKeys(done)).toEqual(missedThen);
    expect(gw.placed()).toHaveLength(2);
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
