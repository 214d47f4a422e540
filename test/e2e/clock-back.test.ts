import { afterEach, describe, expect, it } from 'vitest';
import { CLOCK_SHIFT_ENV } from '../../src/cli/failpoint-clock.js';
import { callsYaml, type Gateway, output, startGateway, startRun } from './helpers.js';

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

describe('a clock that was ahead, set right', () => {
  // A daily call placed for 4 March 2027 by a clock 90 days ahead; the clock is then set right.
  const DAILY = callsYaml([{ name: 'daily', extra: ['schedule: { cron: "0 9 * * *" }'] }]);
  const HELD =
    'slots before it held until after 2027-03-04T09:00:00Z: a later slot is recorded placed — the clock went back or was ahead';
  const warning =
    /^warning: sim\/daily@2027-03-04T09:00:00Z is recorded placed, later than this runner's clock \(2026-12-04T10:\d\d:\d\dZ\): the clock went back, or a runner's clock was ahead; its earlier slots are not placed$/m;
  const placeAhead = async (): Promise<Gateway> => {
    const g = await startGateway({ 'calls/daily.yaml': DAILY });
    const ahead = await g.run(['apply', '--yes'], clockAt('2027-03-04T09:00:30Z'));
    expect(ahead.code, output(ahead)).toBe(0);
    expect(Object.keys((await g.project.lock())?.calls ?? {})).toEqual([
      'sim/daily@2027-03-04T09:00:00Z',
    ]);
    return g;
  };
  const now = clockAt('2026-12-04T10:00:00Z');

  it('plan and status list as next the first slot after the one recorded, not tomorrow', {
    timeout: 60_000,
  }, async () => {
    gw = await placeAhead();
    // Tomorrow's 09:00 and every one up to 4 March are superseded by it when they fall due:
    // none is listed as to come.
    const human = await gw.run(['plan'], now);
    expect(human.code, output(human)).toBe(0);
    expect(human.stderr).toMatch(warning);
    expect(human.stdout).not.toContain('sim/daily@2026-');
    expect(human.stdout).toMatch(
      new RegExp(`~ sim/daily@2027-03-05T09:00:00Z .* — in 9\\dd \\d+h; ${HELD}$`, 'm'),
    );

    const json = await gw.run(['plan', '--format', 'json'], now);
    expect(json.code, output(json)).toBe(0);
    const upcoming = (JSON.parse(json.stdout) as { upcoming: { slot: string; reason?: string }[] })
      .upcoming;
    expect(upcoming.map((i) => i.slot)).toEqual([
      '2027-03-05T09:00:00Z',
      '2027-03-06T09:00:00Z',
      '2027-03-07T09:00:00Z',
    ]);
    expect(upcoming[0]?.reason).toBe(HELD);

    const markdown = await gw.run(['plan', '--format', 'markdown'], now);
    expect(markdown.code, output(markdown)).toBe(0);
    expect(markdown.stdout).not.toContain('| 2026-');
    expect(markdown.stdout).toContain(`| 2027-03-05 09:00 UTC | (UTC) — ${HELD} |`);

    const status = await gw.run(['status'], now);
    expect(status.code, output(status)).toBe(0);
    expect(status.stderr).toMatch(warning);
    const next = status.stdout.slice(status.stdout.indexOf('next slots:'));
    expect(next).toMatch(new RegExp(`^  sim/daily@2027-03-05T09:00:00Z  → .* — ${HELD}$`, 'm'));
    expect(next).not.toContain('sim/daily@2026-');
    expect(gw.placed()).toHaveLength(1);
  });

  it('run warns once that a slot is recorded later than its clock, and places nothing', {
    timeout: 90_000,
  }, async () => {
    gw = await placeAhead();
    const run = startRun(gw, [], { env: now });
    await run.until('the warning', () => (warning.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: sim/daily'))).toHaveLength(1);
    expect(gw.placed()).toHaveLength(1);
  });
});

describe('a clock that went back behind the schedule memory', () => {
  // Every 10 minutes, `deadline: 5m`: 12:00 placed at 12:00:30, then on a clock an hour ahead
  // 13:00 placed and 12:10 to 12:50 reported missed (reportedThrough 12:50). Set right at 12:05,
  // the clock is behind both: none of 12:10 to 12:50 is ever placed, nor anything before 13:00.
  const TICK = callsYaml([
    { name: 'tick', extra: ['schedule: { cron: "*/10 * * * *", deadline: 5m }'] },
  ]);
  const HELD =
    'slots before it held until after 2026-12-07T13:00:00Z: a later slot is recorded placed — the clock went back or was ahead';
  const warning =
    /^warning: sim\/tick@2026-12-07T13:00:00Z is recorded placed, later than this runner's clock \(2026-12-07T12:\d\d:\d\dZ\): the clock went back, or a runner's clock was ahead; its earlier slots are not placed$/m;
  const now = clockAt('2026-12-07T12:05:00Z');

  it('plan and status warn and list as next the slots after 13:00; apply places nothing', {
    timeout: 90_000,
  }, async () => {
    gw = await startGateway({ 'calls/tick.yaml': TICK });
    const first = await gw.run(['apply', '--yes'], clockAt('2026-12-07T12:00:30Z'));
    expect(first.code, output(first)).toBe(0);
    const ahead = await gw.run(['apply', '--yes'], clockAt('2026-12-07T13:00:30Z'));
    expect(ahead.code, output(ahead)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    expect((await gw.project.lock())?.schedules?.['sim/tick']?.reportedThrough).toBe(
      '2026-12-07T12:50:00Z',
    );

    const human = await gw.run(['plan'], now);
    expect(human.code, output(human)).toBe(0);
    expect(human.stderr).toMatch(warning);
    expect(human.stdout).not.toMatch(/~ sim\/tick@2026-12-07T12:/);
    expect(human.stdout).toMatch(
      new RegExp(`~ sim/tick@2026-12-07T13:10:00Z .* — in 1h 5m; ${HELD}$`, 'm'),
    );

    const json = await gw.run(['plan', '--format', 'json'], now);
    expect(json.code, output(json)).toBe(0);
    const upcoming = (JSON.parse(json.stdout) as { upcoming: { slot: string; reason?: string }[] })
      .upcoming;
    expect(upcoming.map((i) => i.slot)).toEqual([
      '2026-12-07T13:10:00Z',
      '2026-12-07T13:20:00Z',
      '2026-12-07T13:30:00Z',
    ]);
    expect(upcoming[0]?.reason).toBe(HELD);

    const markdown = await gw.run(['plan', '--format', 'markdown'], now);
    expect(markdown.code, output(markdown)).toBe(0);
    expect(markdown.stdout).not.toMatch(/\| 2026-12-07 12:[1-5]0 UTC \|/);
    expect(markdown.stdout).toContain(`| 2026-12-07 13:10 UTC | (UTC) — ${HELD} |`);

    const status = await gw.run(['status'], now);
    expect(status.code, output(status)).toBe(0);
    expect(status.stderr).toMatch(warning);
    const next = status.stdout.slice(status.stdout.indexOf('next slots:'));
    expect(next).toMatch(new RegExp(`^  sim/tick@2026-12-07T13:10:00Z  → .* — ${HELD}$`, 'm'));
    expect(next).not.toContain('sim/tick@2026-12-07T12:');

    // As before: 12:10 falls due on this clock and is not placed, 13:00 being placed.
    const due = await gw.run(['apply', '--yes'], clockAt('2026-12-07T12:10:30Z'));
    expect(due.code, output(due)).toBe(0);
    expect(due.stdout).toContain('Nothing is due');
    expect(due.stderr).toMatch(warning);
    expect(gw.placed()).toHaveLength(2);
  });

  it('a memory settled on the later clock alone, with no slot placed on it, holds them too', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({ 'calls/tick.yaml': TICK });
    const first = await gw.run(['apply', '--yes'], clockAt('2026-12-07T12:00:30Z'));
    expect(first.code, output(first)).toBe(0);
    // At 13:07 13:00 is past its deadline: reported missed, nothing placed.
    const late = await gw.run(['apply', '--yes'], clockAt('2026-12-07T13:07:00Z'));
    expect(late.code, output(late)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect((await gw.project.lock())?.schedules?.['sim/tick']?.reportedThrough).toBe(
      '2026-12-07T13:00:00Z',
    );
    const settled =
      /^warning: sim\/tick settled its slots through 2026-12-07T13:00:00Z \(reportedThrough\), later than this runner's clock \(2026-12-07T12:\d\d:\d\dZ\): the clock went back, or a runner's clock was ahead; none of them is placed$/m;
    for (const command of ['plan', 'status']) {
      const seen = await gw.run([command], now);
      expect(seen.code, output(seen)).toBe(0);
      expect(seen.stderr, command).toMatch(settled);
      expect(seen.stdout, command).not.toContain('sim/tick@2026-12-07T12:10:00Z');
      expect(seen.stdout, command).toContain('sim/tick@2026-12-07T13:10:00Z');
      expect(seen.stdout, command).toContain(
        'slots before it held until after 2026-12-07T13:00:00Z: they were settled on a later clock (reportedThrough) — the clock went back or was ahead',
      );
    }
    const due = await gw.run(['apply', '--yes'], clockAt('2026-12-07T12:10:30Z'));
    expect(due.code, output(due)).toBe(0);
    expect(due.stdout).toContain('Nothing is due');
    expect(gw.placed()).toHaveLength(1);
  });
});
