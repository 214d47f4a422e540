import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const CALLS = {
  'calls/a.yaml': callsYaml([
    { name: 'berlin', extra: ['schedule: { cron: "0 9 * * *", timezone: Europe/Berlin }'] },
    { name: 'utc', extra: ['schedule: { cron: "0 10 * * *" }'] },
  ]),
};

describe('local time beside UTC', () => {
  it('plan and status show the local time of a slot whose call has a time zone', async () => {
    gw = await startGateway(CALLS);
    const now = '2026-12-01T08:05:00Z';
    const plan = await gw.run(['plan', '--now', now]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('sim/berlin@2026-12-01T08:00:00Z (09:00 Europe/Berlin)');
    expect(plan.stdout).toContain('sim/berlin@2026-12-02T08:00:00Z (09:00 Europe/Berlin)');
    // A UTC schedule needs no second clock.
    expect(plan.stdout).toMatch(/sim\/utc@2026-12-01T10:00:00Z +→/);

    const json = JSON.parse((await gw.run(['plan', '--format', 'json', '--now', now])).stdout) as {
      due: { key: string; local?: string }[];
    };
    expect(json.due).toEqual([
      expect.objectContaining({
        key: 'sim/berlin@2026-12-01T08:00:00Z',
        local: '09:00 Europe/Berlin',
      }),
    ]);

    expect((await gw.run(['apply', '--yes', '--now', now])).code).toBe(0);
    const status = await gw.run(['status', '--now', now]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('sim/berlin@2026-12-01T08:00:00Z (09:00 Europe/Berlin)  sid');
    expect(status.stdout).toContain('sim/berlin@2026-12-02T08:00:00Z (09:00 Europe/Berlin)');
  });
});
