import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

interface JsonItem {
  key: string;
  local?: string;
  reason?: string;
}
interface JsonPlan {
  due: JsonItem[];
  upcoming: JsonItem[];
  missed: JsonItem[];
  skipped: JsonItem[];
}

const plan = async (g: Gateway, now: string, only: string) => {
  const human = await g.run(['plan', '--now', now, '--only', only]);
  expect(human.code, human.stderr).toBe(0);
  const json = await g.run(['plan', '--format', 'json', '--now', now, '--only', only]);
  return { text: human.stdout, json: JSON.parse(json.stdout) as JsonPlan };
};

describe('daylight saving', () => {
  it('the spring change: an every-hour cron has no slot in the skipped hour, and rings once', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'hourly', extra: ['schedule: { cron: "59 * * * *", timezone: America/New_York }'] },
      ]),
    });
    // 01:50 EST on 2026-03-08: at 02:00 the clocks jump to 03:00 EDT; 02:59 does not exist.
    const { text, json } = await plan(gw, '2026-03-08T06:50:00Z', 'hourly');
    expect(text).toContain('sim/hourly@2026-03-08T06:59:00Z (01:59 America/New_York)');
    expect(text).toContain('sim/hourly@2026-03-08T07:59:00Z (03:59 America/New_York)');
    expect(text).not.toContain('@2026-03-08T07:00:00Z');
    expect(json.upcoming.map((i) => i.key)).toEqual([
      'sim/hourly@2026-03-08T06:59:00Z',
      'sim/hourly@2026-03-08T07:59:00Z',
      'sim/hourly@2026-03-08T08:59:00Z',
    ]);
    // A rehearsal at 01:59:30 and another a minute after the jump: one call, not two.
    for (const now of ['2026-03-08T06:59:30Z', '2026-03-08T07:00:30Z']) {
      const apply = await gw.run(['apply', '--yes', '--now', now]);
      expect(apply.code, apply.stderr).toBe(0);
    }
    expect(gw.placed()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([
      'sim/hourly@2026-03-08T06:59:00Z',
    ]);
  });

  it('windows are judged by the time the cron names: no slot outside, a skipped window missed with why', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        {
          name: 'early',
          extra: [
            'schedule: { cron: "30 1 * * *", timezone: Europe/London, window: "02:00-03:00" }',
          ],
        },
        {
          name: 'night',
          extra: [
            'schedule: { cron: "30 2 * * *", timezone: America/New_York, window: "02:00-03:00", deadline: 1h }',
          ],
        },
      ]),
    });
    const validate = await gw.run(['validate']);
    expect(validate.stderr).toContain(
      'cron `30 1 * * *` never falls inside window 02:00-03:00 (Europe/London time): no slot of it is ever placed',
    );
    // 01:30 is skipped in London on 2027-03-28 (the clocks show 02:00): still no slot.
    const early = await plan(gw, '2027-03-27T23:00:00Z', 'early');
    // Listed only as a call that has no slot: skipped, in validate's words.
    expect(early.json).toMatchObject({ due: [], missed: [], upcoming: [] });
    expect(early.json.skipped).toEqual([
      expect.objectContaining({
        key: 'sim/early',
        reason:
          'cron `30 1 * * *` never falls inside window 02:00-03:00 (Europe/London time): no slot of it is ever placed',
      }),
    ]);
    expect(early.text).not.toContain('sim/early@');
    // 02:30 is skipped in New York on 2026-03-08, and its whole window with it.
    const ahead = await plan(gw, '2026-03-08T06:50:00Z', 'night');
    expect(ahead.text).toContain(
      'sim/night@2026-03-08T07:00:00Z (03:00 America/New_York)  → +15550002001  (calls/a.yaml:8) — in 10m; to be missed: the clocks jump from 02:00 to 03:00 America/New_York over its time, and its window 02:00-03:00 is closed when they land',
    );
    // status and the markdown plan say so too, never listing it as an ordinary call to come.
    const toBeMissed =
      'to be missed: the clocks jump from 02:00 to 03:00 America/New_York over its time, and its window 02:00-03:00 is closed when they land';
    const status = await gw.run(['status', '--no-color', '--now', '2026-03-08T06:50:00Z']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `sim/night@2026-03-08T07:00:00Z (03:00 America/New_York)  → +15550002001 — ${toBeMissed}`,
    );
    const md = await gw.run(['plan', '--format', 'markdown', '--now', '2026-03-08T06:50:00Z']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`03:00 EDT (America/New_York) — ${toBeMissed} |`);
    const over = await plan(gw, '2026-03-08T07:30:00Z', 'night');
    const why =
      'its time was skipped: the clocks jumped from 02:00 to 03:00 America/New_York at 2026-03-08T07:00:00Z, and its window 02:00-03:00 was closed when they landed; never placed late';
    expect(over.text).toContain(`sim/night@2026-03-08T07:00:00Z (03:00 America/New_York)`);
    expect(over.json.missed).toEqual([
      expect.objectContaining({ key: 'sim/night@2026-03-08T07:00:00Z', reason: why }),
    ]);
    const apply = await gw.run(['apply', '--yes', '--now', '2026-03-08T07:30:00Z']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(`${apply.stdout}${apply.stderr}`).toContain(why);
    expect(gw.placed()).toHaveLength(0);
  });

  it('the autumn change: a repeated `at` is warned of, and its local time says which one', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        {
          name: 'twice',
          extra: ['schedule: { at: "2027-10-31T01:30:00", timezone: Europe/London }'],
        },
        {
          name: 'second',
          extra: ['schedule: { at: "2027-10-31T01:30:00+00:00", timezone: Europe/London }'],
        },
      ]),
    });
    const validate = await gw.run(['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain(
      '`at` `2027-10-31T01:30:00` occurs twice in Europe/London (the clocks go back); it is placed at the first, 2027-10-31T00:30:00Z (01:30 GMT+1); write an offset to choose: `2027-10-31T01:30:00+01:00` for the first, `2027-10-31T01:30:00+00:00` for the second',
    );
    const now = '2027-10-30T12:00:00Z';
    const human = await gw.run(['plan', '--now', now]);
    expect(human.stdout).toContain('sim/twice@2027-10-31T00:30:00Z (01:30 GMT+1 Europe/London)');
    expect(human.stdout).toContain('sim/second@2027-10-31T01:30:00Z (01:30 GMT Europe/London)');
    const json = JSON.parse(
      (await gw.run(['plan', '--format', 'json', '--now', now])).stdout,
    ) as JsonPlan;
    expect(json.upcoming.map((i) => [i.key, i.local])).toEqual([
      ['sim/twice@2027-10-31T00:30:00Z', '01:30 GMT+1 Europe/London'],
      ['sim/second@2027-10-31T01:30:00Z', '01:30 GMT Europe/London'],
    ]);
  });
});
