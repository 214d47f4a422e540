import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

interface Item {
  key: string;
  name: string;
  file: string;
  line: number;
  to: string;
  slot?: string;
  reason?: string;
}
interface PlanJson {
  target: string;
  due: Item[];
  upcoming: Item[];
  missed: Item[];
  skipped: Item[];
}

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});
const gateway = async (...args: Parameters<typeof startGateway>): Promise<Gateway> => {
  const gw = await startGateway(...args);
  open.push(gw);
  return gw;
};

const UNSCHEDULED = {
  'calls/a.yaml': callsYaml([
    { name: 'alpha' },
    { name: 'beta', to: '{ type: user, name: desk-12@example.com }' },
    { name: 'gamma' },
  ]),
};

const SCHEDULED = {
  'calls/s.yaml': callsYaml([
    { name: 'daily', extra: ['schedule: { cron: "0 9 * * *", timezone: UTC }'] },
    { name: 'once-later', extra: ['schedule: { at: "2026-03-12T10:00:00Z" }'] },
    {
      name: 'night',
      extra: ['schedule: { cron: "0 3 * * *", timezone: UTC, window: "08:00-21:00" }'],
    },
  ]),
};

const planJson = (stdout: string): PlanJson => JSON.parse(stdout) as PlanJson;

describe('callops plan', () => {
  it('--format json gives {target, due, upcoming, missed, skipped} with items {key,name,file,line,to}', async () => {
    const gw = await gateway(UNSCHEDULED);
    const r = await gw.run(['plan', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = planJson(r.stdout);
    expect(plan.target).toBe('sim');
    expect([plan.upcoming, plan.missed, plan.skipped]).toEqual([[], [], []]);
    expect(plan.due).toEqual([
      expect.objectContaining({
        key: 'sim/alpha',
        name: 'alpha',
        file: 'calls/a.yaml',
        line: 5,
        to: '+15550002000',
      }),
      expect.objectContaining({
        key: 'sim/beta',
        name: 'beta',
        file: 'calls/a.yaml',
        line: 7,
        to: 'user desk-12@example.com',
      }),
      expect.objectContaining({
        key: 'sim/gamma',
        name: 'gamma',
        file: 'calls/a.yaml',
        line: 9,
        to: '+15550002002',
      }),
    ]);
    for (const item of plan.due) expect(item.slot).toBeUndefined();
    expect(gw.sim.received()).toHaveLength(0);
  });

  it("needs no secrets: plan and status run without the target's environment variables", async () => {
    const gw = await gateway(UNSCHEDULED);
    const noSecrets = { VG_API_KEY: undefined, VG_ACCOUNT_SID: undefined };
    const plan = await gw.run(['plan', '--detailed-exitcode'], noSecrets);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/3 to place/);
    expect((await gw.run(['status'], noSecrets)).code).toBe(0);
    expect((await gw.run(['validate'], noSecrets)).code).toBe(0);
  });

  it('--detailed-exitcode: 2 while calls are due, 0 after apply', async () => {
    const gw = await gateway(UNSCHEDULED);
    const before = await gw.run(['plan', '--detailed-exitcode']);
    expect(before.code).toBe(2);
    expect(before.stdout).toMatch(/3 to place/);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const after = await gw.run(['plan', '--detailed-exitcode']);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/Nothing to do now/);
    const plain = await gw.run(['plan']);
    expect(plain.code).toBe(0);
  });

  it('plan --out FILE, then apply --plan FILE places exactly those calls', async () => {
    const gw = await gateway(UNSCHEDULED);
    const file = join(gw.project.dir, 'reviewed.plan.json');
    const planned = await gw.run(['plan', '--only', 'alpha', '--only', 'beta', '--out', file]);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('apply --plan');
    expect(gw.sim.received()).toHaveLength(0);
    const r = await gw.run(['apply', '--plan', file, '--yes']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual(['sim/alpha', 'sim/beta']);
    // The plan is spent: run again, it is refused (the lockfile changed) and sends nothing.
    const again = await gw.run(['apply', '--plan', file, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/nothing was sent/);
    expect(gw.sim.received()).toHaveLength(2);
  });

  it('apply --plan is refused, sending nothing, once the lockfile changed since the plan', async () => {
    const gw = await gateway(UNSCHEDULED);
    const file = join(gw.project.dir, 'p.json');
    expect((await gw.run(['plan', '--out', file])).code).toBe(0);
    expect((await gw.run(['apply', '--yes', '--only', 'gamma'])).code).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    const lockBefore = await gw.project.read('callops.lock');
    const r = await gw.run(['apply', '--plan', file, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/lockfile/);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(gw.sim.received()).toHaveLength(1);
    expect(await gw.project.read('callops.lock')).toBe(lockBefore);
  });

  it('apply --plan of a file that is not a plan file is a bad value of the flag: exit 64, nothing sent', async () => {
    const gw = await gateway(UNSCHEDULED);
    await gw.project.write('broken.json', '{"planFileVersion": 2,');
    await gw.project.write('other.json', '{"hello": 1}\n');
    for (const [name, why] of [
      ['broken.json', 'invalid JSON'],
      ['other.json', 'not a callops plan file (it has no planFileVersion)'],
      ['missing.json', 'no such file'],
    ] as const) {
      const r = await gw.run(['apply', '--plan', join(gw.project.dir, name), '--yes']);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toContain(why);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('apply --plan takes no flag the plan file fixes (--retry-unknown among them): exit 64, nothing sent', async () => {
    const gw = await gateway(UNSCHEDULED);
    const file = join(gw.project.dir, 'p.json');
    expect((await gw.run(['plan', '--out', file])).code).toBe(0);
    for (const [flags, refusal] of [
      [['--only', 'alpha'], 'it takes neither --only nor --now'],
      [['--now', '2026-03-10T09:00:00Z'], 'it takes neither --only nor --now'],
      [['--replace', 'alpha'], 'it takes no --replace'],
      [
        ['--retry-unknown'],
        'it takes no --retry-unknown (the plan file records whether it was made with --retry-unknown)',
      ],
    ] as const) {
      const r = await gw.run(['apply', '--plan', file, '--yes', ...flags]);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toContain(`--plan executes the plan file as it is: ${refusal}`);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('apply --plan is refused, sending nothing, once a definition changed since the plan', async () => {
    const gw = await gateway(UNSCHEDULED);
    const file = join(gw.project.dir, 'p.json');
    expect((await gw.run(['plan', '--out', file])).code).toBe(0);
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([
        { name: 'alpha', to: '{ type: phone, number: "+15550009999" }' },
        { name: 'beta' },
        { name: 'gamma' },
      ]),
    );
    const r = await gw.run(['apply', '--plan', file, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('scheduled calls with --now: the cron slot due at --now is due, keyed <target>/<name>@<slot>', async () => {
    const gw = await gateway(SCHEDULED);
    const now = '2026-03-10T09:02:00Z';
    const r = await gw.run(['plan', '--format', 'json', '--now', now]);
    expect(r.code).toBe(0);
    const plan = planJson(r.stdout);
    expect(plan.due).toEqual([
      expect.objectContaining({
        key: 'sim/daily@2026-03-10T09:00:00Z',
        name: 'daily',
        slot: '2026-03-10T09:00:00Z',
        file: 'calls/s.yaml',
        line: 5,
      }),
    ]);
    expect(plan.upcoming.map((i) => i.key)).toContain('sim/daily@2026-03-11T09:00:00Z');
    expect(plan.upcoming.map((i) => i.key)).toContain('sim/once-later@2026-03-12T10:00:00Z');
    for (const item of plan.upcoming) expect(item.slot).toBe(item.key.split('@')[1]);

    const applied = await gw.run(['apply', '--yes', '--now', now]);
    expect(applied.code).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/daily@2026-03-10T09:00:00Z']);
    expect((await gw.run(['plan', '--detailed-exitcode', '--now', now])).code).toBe(0);
    expect((await gw.run(['apply', '--yes', '--now', now])).code).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
  });

  it('scheduled calls with --now: a slot past its deadline is missed and never placed late', async () => {
    const gw = await gateway(SCHEDULED);
    // callops sees the calls (an apply with nothing due) before the slot: it is then missed.
    expect((await gw.run(['apply', '--yes', '--now', '2026-03-10T08:00:00Z'])).code).toBe(0);
    const now = '2026-03-10T09:30:00Z';
    const plan = planJson((await gw.run(['plan', '--format', 'json', '--now', now])).stdout);
    expect(plan.due).toEqual([]);
    expect(plan.missed.map((i) => i.key)).toContain('sim/daily@2026-03-10T09:00:00Z');
    const r = await gw.run(['apply', '--yes', '--now', now]);
    expect(r.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('scheduled calls with --now: a time outside the window is no slot, neither listed nor placed', async () => {
    const gw = await gateway(SCHEDULED);
    const now = '2026-03-10T03:01:00Z';
    const plan = planJson((await gw.run(['plan', '--format', 'json', '--now', now])).stdout);
    expect(plan.due).toEqual([]);
    const all = [...plan.skipped, ...plan.missed, ...plan.upcoming].map((i) => i.key);
    expect(all.filter((key) => key.startsWith('sim/night@'))).toEqual([]);
    const r = await gw.run(['apply', '--yes', '--now', now]);
    expect(r.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
  });
});
