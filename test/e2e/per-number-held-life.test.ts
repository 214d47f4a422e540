import { afterEach, describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150024';

interface PlanJson {
  missed: { key: string; reason?: string }[];
  skipped: { key: string; reason?: string }[];
}

const HELD = 'held back by the per-number limit 1/150m while it was due (waiting), not missed: ';

describe('callops plan after slots the per-number limit held back until a later slot', () => {
  it('lists them as held back, superseded by the next slot, not missed', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        {
          name: 'h',
          to: `{ type: phone, number: "${NUMBER}" }`,
          extra: ['schedule: { cron: "0 * * * *", deadline: 2h }'],
        },
      ]),
    });
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}limits: { per_number: 1/150m }\n`);
    // The plan looks as at 14:30; the limit is judged on the real clock, where the calls it
    // counts rang: each call rang as long before the clock as before 14:30 (plan --now).
    const now = '2025-06-01T14:30:00Z';
    const shift = Date.now() - Date.parse(now);
    const rang = (at: string) => new Date(Date.parse(at) + shift).toISOString();
    // Placed at 09:00, at 11:31 (the 11:00 slot, once the 09:00 call left the window) and at
    // 14:02: 10:00, 12:00 and 13:00 were held back until the next slot superseded each.
    const placed = {
      '2025-06-01T09:00:00Z': '2025-06-01T09:00:01.775Z',
      '2025-06-01T11:00:00Z': '2025-06-01T11:31:00.786Z',
      '2025-06-01T14:00:00Z': '2025-06-01T14:02:00.684Z',
    };
    const calls = Object.fromEntries(
      Object.entries(placed).map(([slot, at], i) => [
        `sim/h@${slot}`,
        {
          at: rang(at),
          callId: `1459be02-424e-447d-82e9-5362ffe123d${i}`,
          definition: 'sha256:0',
          file: 'calls/a.yaml',
          number: numberDigest(NUMBER),
          sid: `f5323c91-5cf1-4253-8928-9270e4fb4d3${i}`,
          status: 'placed',
        },
      ]),
    );
    await gw.project.write(
      'callops.lock',
      `${JSON.stringify(
        {
          calls,
          lockfileVersion: 1,
          schedules: { 'sim/h': { since: '2025-06-01T09:00:01.482Z' } },
        },
        null,
        2,
      )}\n`,
    );
    const r = await gw.run(['plan', '--now', now, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    const by = (next: string) =>
      `${HELD}superseded by 2025-06-01T${next}Z before an earlier call to this number left the window`;
    expect(
      Object.fromEntries(
        plan.skipped.filter((i) => i.reason?.startsWith('held back')).map((i) => [i.key, i.reason]),
      ),
    ).toEqual({
      'sim/h@2025-06-01T10:00:00Z': by('11:00:00'),
      'sim/h@2025-06-01T12:00:00Z': by('13:00:00'),
      'sim/h@2025-06-01T13:00:00Z': by('14:00:00'),
    });
    // 08:00, before any call rang, is missed as any slot is.
    expect(plan.missed.map((i) => i.key)).toEqual(['sim/h@2025-06-01T08:00:00Z']);
    const text = await gw.run(['plan', '--now', now]);
    expect(text.stdout).toMatch(/Plan: 0 to place, 1 missed, /);
  });
});
