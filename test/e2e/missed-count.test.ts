import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const daily = (cron: string) => ({
  'calls/a.yaml': callsYaml([{ name: 'daily', extra: [`schedule: { cron: "${cron}" }`] }]),
});

interface ApplyJson {
  placed: number;
  missed: number;
  missedListed: number;
  results: { key: string; status: string; message?: string }[];
}

interface LockWithMemory {
  schedules?: Record<string, { since: string; reportedThrough?: string }>;
}

// Rehearsals before the clock: one ahead of it keeps no missed-slot memory.
describe('missed slots older than a day', () => {
  it('are all counted and reported once by apply, and reportedThrough moves only over them', async () => {
    gw = await startGateway(daily('0 9 * * *'));
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:00Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);

    const r = await gw.run(['apply', '--yes', '--now', '2025-01-06T08:00:00Z', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as ApplyJson;
    expect(json.missed).toBe(4);
    expect(json.missedListed).toBe(4);
    expect(json.results.filter((o) => o.status === 'missed').map((o) => o.key)).toEqual([
      'sim/daily@2025-01-02T09:00:00Z',
      'sim/daily@2025-01-03T09:00:00Z',
      'sim/daily@2025-01-04T09:00:00Z',
      'sim/daily@2025-01-05T09:00:00Z',
    ]);
    const lock = (await gw.project.lock()) as unknown as LockWithMemory;
    expect(lock.schedules?.['sim/daily']?.reportedThrough).toBe('2025-01-05T09:00:00Z');

    // Reported once: the next apply has none left to report.
    const again = await gw.run([
      'apply',
      '--yes',
      '--now',
      '2025-01-06T08:00:00Z',
      '--format',
      'json',
    ]);
    expect((JSON.parse(again.stdout) as ApplyJson).missed).toBe(0);
  });

  it('counts every missed slot in JSON when only the latest ten are listed', async () => {
    gw = await startGateway(daily('0 * * * *'));
    await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:00Z']);
    const r = await gw.run(['apply', '--yes', '--now', '2025-01-02T15:30:00Z', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as ApplyJson;
    // 01-01 10:00 … 01-02 15:00.
    expect(json.missed).toBe(30);
    expect(json.missedListed).toBe(10);
    const missed = json.results.filter((o) => o.status === 'missed');
    expect(missed).toHaveLength(10);
    expect(missed[0]?.message).toMatch(/\(earlier missed slots not listed\)$/);
  });

  it('are counted in the human summary of an apply that places nothing', async () => {
    gw = await startGateway(daily('0 9 * * *'));
    await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:00Z']);
    const r = await gw.run(['apply', '--yes', '--now', '2025-01-06T08:00:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^missed +sim\/daily@/.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/^4 missed, never placed late\.$/m);
    expect(r.stdout).not.toMatch(/every call is placed/);
    expect(r.stdout).toMatch(/^Nothing is due now/m);
  });
});
