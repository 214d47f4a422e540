import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const daily = (deadline: string) =>
  callsYaml([
    { name: 'daily', extra: [`schedule: { cron: "0 16 * * *", deadline: ${deadline} }`] },
  ]);

const start = async (keep: string, deadline: string) => {
  gw = await startGateway({ 'calls/a.yaml': daily(deadline) });
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}state:\n  keep: ${keep}\n`);
  return gw;
};

const SLOT = 'sim/daily@2026-03-10T16:00:00Z';

describe('a slot whose entry state.keep let go is never placed again', () => {
  it('when its deadline is raised afterwards', async () => {
    const g = await start('1m', '50m');
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:05:00Z'])).code).toBe(0);
    expect(g.placed()).toHaveLength(1);
    // A shorter deadline: the slot is over, and a minute later its entry is let go.
    await g.project.write('calls/a.yaml', daily('10m'));
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:20:00Z'])).code).toBe(0);
    const lock = await g.project.lock();
    expect(lock?.calls[SLOT]).toBeUndefined();
    expect(lock?.schedules?.['sim/daily']?.prunedThrough).toBe('2026-03-10T16:00:00.000Z');
    // The deadline raised again: the slot would be within it, but it was placed.
    await g.project.write('calls/a.yaml', daily('50m'));
    const plan = await g.run(['plan', '--format', 'json', '--now', '2026-03-10T16:25:00Z']);
    const parsed = JSON.parse(plan.stdout) as Record<string, { key: string }[]>;
    expect(parsed.due).toEqual([]);
    expect(parsed.missed).toEqual([]);
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:25:00Z'])).code).toBe(0);
    expect(g.placed()).toHaveLength(1);
    // The next day's slot is due as ever.
    expect((await g.run(['apply', '--yes', '--now', '2026-03-11T16:01:00Z'])).code).toBe(0);
    expect(g.placed()).toHaveLength(2);
  });

  it('when its call is removed for a while and defined again', async () => {
    const g = await start('10m', '3h');
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:05:00Z'])).code).toBe(0);
    // Another branch: the call is gone, and its entry is counted from its slot.
    await g.project.write(
      'calls/a.yaml',
      callsYaml([{ name: 'other', to: '{ type: phone, number: "+15550009999" }' }]),
    );
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:20:00Z'])).code).toBe(0);
    expect((await g.project.lock())?.calls[SLOT]).toBeUndefined();
    // Back: its slot is still within its 3-hour deadline, but it was placed.
    await g.project.write('calls/a.yaml', daily('3h'));
    expect((await g.run(['apply', '--yes', '--now', '2026-03-10T16:25:00Z'])).code).toBe(0);
    expect(g.placed().map((r) => (r.body as { to: { number: string } }).to.number)).toEqual([
      '+15550002000',
      '+15550009999',
    ]);
  });
});
