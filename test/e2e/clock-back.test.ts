import { afterEach, describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** The CLI's clock moved to `at` (the test failpoint: its wall clock alone is shifted). */
const clockAt = (at: string) => ({ [CLOCK_SHIFT_ENV]: String(Date.parse(at) - Date.now()) });

describe('a clock that steps back', () => {
  it('places no slot earlier than one it placed when the clock was later, and warns', async () => {
    gw = await startGateway({
      'calls/hourly.yaml': callsYaml([
        { name: 'hourly', extra: ['schedule: { cron: "0 * * * *", deadline: 30m }'] },
      ]),
    });
    const first = await gw.run(['apply', '--yes'], clockAt('2026-12-05T09:05:00Z'));
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([
      'sim/hourly@2026-12-05T09:00:00Z',
    ]);

    // The clock went back 55 minutes (an NTP step): 08:00 is within its deadline, but 09:00
    // was placed, and a person is not called again minutes later for an earlier slot.
    // The clock runs on from the instant it was moved to: its seconds are not fixed.
    const warning =
      /^warning: sim\/hourly@2026-12-05T09:00:00Z is recorded placed, later than this runner's clock \(2026-12-05T08:10:\d\dZ\): the clock went back, or a runner's clock was ahead; its earlier slots are not placed$/m;
    const back = await gw.run(['apply', '--yes'], clockAt('2026-12-05T08:10:00Z'));
    expect(back.code, output(back)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(back.stdout).toContain('Nothing is due');
    const warnings = back.stderr.split('\n').filter((l) => l.startsWith('warning: sim/hourly'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(warning);

    for (const command of ['plan', 'status']) {
      const seen = await gw.run([command], clockAt('2026-12-05T08:10:00Z'));
      expect(seen.stderr, command).toMatch(warning);
    }

    // A rehearsal at that instant goes by it, as before: it places 08:00, and warns of nothing.
    const rehearsal = await gw.run(['apply', '--yes', '--now', '2026-12-05T08:10:00Z']);
    expect(rehearsal.code, output(rehearsal)).toBe(0);
    expect(rehearsal.stderr).not.toContain('warning: sim/hourly');
    expect(gw.placed()).toHaveLength(2);
  });
});
