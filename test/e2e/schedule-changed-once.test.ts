import { afterEach, describe, expect, it } from 'vitest';
import {
  callsPerNumber,
  callsYaml,
  campaignYaml,
  type Gateway,
  recipientNumber,
  startGateway,
} from './helpers.js';

/**
 * A call that runs once (unscheduled, or with `at`) whose schedule changed since it was placed
 * finds no entry under its new key: it is not placed again, and the plan says why, in every
 * format; `--replace` places it deliberately. Calls are counted per number at the simulator.
 */

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15551500001';

const daily = (schedule?: string) => ({
  name: 'daily',
  to: `{ type: phone, number: "${NUMBER}" }`,
  extra: schedule === undefined ? [] : [`schedule: ${schedule}`],
});

interface PlanJson {
  due: { key: string; reason?: string }[];
  skipped: { key: string; reason?: string }[];
  upcoming: { key: string }[];
  missed: { key: string }[];
}

const planJson = async (g: Gateway, now: string, more: string[] = []): Promise<PlanJson> => {
  const r = await g.run(['plan', '--format', 'json', '--now', now, ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

describe('a scheduled call whose schedule line is removed', () => {
  it('is not placed again at once under its unscheduled key; --replace places it', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([daily('{ cron: "*/30 * * * *", deadline: 29m }')]),
    });
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    const slotKey = 'sim/daily@2026-12-03T16:30:00Z';
    const sid = (await gw.project.lock())?.calls[slotKey]?.sid;
    expect(sid).toBeDefined();

    await gw.project.write('calls/a.yaml', callsYaml([daily()]));
    const plan = await planJson(gw, '2026-12-03T16:35:00Z');
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'sim/daily');
    expect(held?.reason).toMatch(
      new RegExp(`^already placed as sim/daily@2026-12-03T16:30:00Z \\(placed ${sid} at `),
    );
    expect(held?.reason).toContain('its schedule changed since');
    expect(held?.reason).toContain('`callops apply --replace daily` places it again');
    const text = await gw.run(['plan', '--now', '2026-12-03T16:35:00Z']);
    expect(text.stdout).toContain(`already placed as ${slotKey} (placed ${sid}`);
    expect(text.stdout).toMatch(/Plan: 0 to place/);
    const markdown = await gw.run([
      'plan',
      '--format',
      'markdown',
      '--now',
      '2026-12-03T16:35:00Z',
    ]);
    expect(markdown.stdout).toContain(`already placed as ${slotKey}`);

    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:35:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    // Days later too: an unscheduled key has no deadline.
    const later = await gw.run(['apply', '--yes', '--now', '2026-12-09T09:00:00Z']);
    expect(later.code, later.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });

    const asked = await planJson(gw, '2026-12-09T09:00:00Z', ['--replace', 'daily']);
    expect(asked.due.map((i) => i.key)).toEqual(['sim/daily']);
    expect(asked.due[0]?.reason).toContain(`placed again (--replace): it was placed as ${slotKey}`);
    const replaced = await gw.run([
      'apply',
      '--yes',
      '--replace',
      'daily',
      '--now',
      '2026-12-09T09:00:00Z',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 2 });
  });

  it('places it when the earlier slot failed: a failed call reached no one', async () => {
    const other = '0b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
    // The gateway knows one other application only: the slot's request is refused (400).
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([daily('{ cron: "*/30 * * * *", deadline: 29m }')]),
      },
      { applicationSids: [other] },
    );
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(first.code).not.toBe(0);
    expect((await gw.project.lock())?.calls['sim/daily@2026-12-03T16:30:00Z']?.status).toBe(
      'failed',
    );
    expect(callsPerNumber(gw)).toEqual({});
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([daily()], [`application_sid: ${other}`, 'from: "+15550001111"']),
    );
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:35:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
  });
});

describe('a campaign with cron whose schedule line is removed', () => {
  it('places none of its rows again at once', async () => {
    const ann = recipientNumber(41);
    const bob = recipientNumber(42);
    const csv = `id,name,phone\nr1,Ann,${ann}\nr2,Bob,${bob}\n`;
    gw = await startGateway({
      'calls/rem.yaml': campaignYaml(['schedule: { cron: "*/30 * * * *", deadline: 29m }']),
      'lists/reminders.csv': csv,
    });
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ann]: 1, [bob]: 1 });

    await gw.project.write('calls/rem.yaml', campaignYaml());
    const plan = await planJson(gw, '2026-12-03T16:40:00Z');
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'sim/reminders/r1');
    expect(held?.reason).toMatch(
      /^already placed as sim\/reminders\/r1@2026-12-03T16:30:00Z \(placed .*its schedule changed since.*`callops apply --replace reminders\/r1` places it again/,
    );
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:40:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ann]: 1, [bob]: 1 });

    const replaced = await gw.run([
      'apply',
      '--yes',
      '--replace',
      'reminders/r1',
      '--now',
      '2026-12-03T16:45:00Z',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ann]: 2, [bob]: 1 });
  });
});

describe('a call with `at` placed, then moved', () => {
  it('is not placed again at its new time; --replace places it', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([daily('{ at: "2026-12-03T16:30:00Z" }')]),
    });
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });

    await gw.project.write('calls/a.yaml', callsYaml([daily('{ at: "2026-12-03T16:50:00Z" }')]));
    const ahead = await planJson(gw, '2026-12-03T16:40:00Z');
    expect(ahead.upcoming).toEqual([]);
    const plan = await planJson(gw, '2026-12-03T16:50:10Z');
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'sim/daily@2026-12-03T16:50:00Z')?.reason).toMatch(
      /^already placed as sim\/daily@2026-12-03T16:30:00Z \(placed .*its schedule changed since/,
    );
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:50:10Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    // Past its deadline: not reported missed either (the person was called).
    const past = await gw.run(['apply', '--yes', '--now', '2026-12-03T17:30:00Z']);
    expect(past.code, past.stderr).toBe(0);
    expect(`${past.stdout}${past.stderr}`).not.toMatch(/missed/);

    await gw.project.write('calls/a.yaml', callsYaml([daily('{ at: "2026-12-03T18:00:00Z" }')]));
    const replaced = await gw.run([
      'apply',
      '--yes',
      '--replace',
      'daily',
      '--now',
      '2026-12-03T18:00:10Z',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 2 });
  });

  it('an unscheduled call placed, then given `at`, is not placed again at that time', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([daily()]) });
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    await gw.project.write('calls/a.yaml', callsYaml([daily('{ at: "2026-12-03T17:00:00Z" }')]));
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T17:00:10Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('placed  sim/daily@');
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    const plan = await planJson(gw, '2026-12-03T17:00:10Z');
    expect(plan.skipped.find((i) => i.key === 'sim/daily@2026-12-03T17:00:00Z')?.reason).toMatch(
      /^already placed as sim\/daily \(placed /,
    );
  });

  it('an unscheduled call refused, then placed with `at`, then unscheduled again: not tried again', async () => {
    const other = '0b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
    const known = [`application_sid: ${other}`, 'from: "+15550001111"'];
    // The gateway knows one other application only: the unscheduled request is refused.
    gw = await startGateway({ 'calls/a.yaml': callsYaml([daily()]) }, { applicationSids: [other] });
    const refused = await gw.run(['apply', '--yes', '--now', '2026-12-03T16:30:10Z']);
    expect(refused.code).not.toBe(0);
    expect((await gw.project.lock())?.calls['sim/daily']?.status).toBe('failed');
    expect(callsPerNumber(gw)).toEqual({});

    await gw.project.write(
      'calls/a.yaml',
      callsYaml([daily('{ at: "2026-12-03T17:00:00Z" }')], known),
    );
    const placed = await gw.run(['apply', '--yes', '--now', '2026-12-03T17:00:10Z']);
    expect(placed.code, placed.stderr).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
    const sid = (await gw.project.lock())?.calls['sim/daily@2026-12-03T17:00:00Z']?.sid;
    expect(sid).toBeDefined();

    // The `at` removed: the refused key reached no one, but the call rang under its `at`.
    await gw.project.write('calls/a.yaml', callsYaml([daily()], known));
    const plan = await planJson(gw, '2026-12-03T17:30:00Z');
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'sim/daily')?.reason).toMatch(
      new RegExp(`^already placed as sim/daily@2026-12-03T17:00:00Z \\(placed ${sid} at `),
    );
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-03T17:30:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('placed  sim/daily ');
    expect(callsPerNumber(gw)).toEqual({ [NUMBER]: 1 });
  });
});

describe('--replace of a campaign row outside its calling hours', () => {
  it('the plan says what it replaces and that it waits; apply says it did not replace it', async () => {
    const ann = recipientNumber(51);
    gw = await startGateway({
      'calls/rem.yaml': campaignYaml(['schedule: { window: "09:00-17:00", timezone: UTC }']),
      'lists/reminders.csv': `id,name,phone\nny,Ann,${ann}\n`,
    });
    const first = await gw.run(['apply', '--yes', '--now', '2026-12-03T10:00:00Z']);
    expect(first.code, first.stderr).toBe(0);
    const sid = (await gw.project.lock())?.calls['sim/reminders/ny']?.sid;
    expect(sid).toBeDefined();

    const plan = await gw.run([
      'plan',
      '--replace',
      'reminders/ny',
      '--now',
      '2026-12-03T18:00:00Z',
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      new RegExp(`sim/reminders/ny.*replaces ${sid} placed at .*waiting: outside calling hours`),
    );
    const apply = await gw.run([
      'apply',
      '--yes',
      '--replace',
      'reminders/ny',
      '--now',
      '2026-12-03T18:00:00Z',
    ]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stderr).toContain(
      'skipped  sim/reminders/ny  not replaced: the row is outside its calling hours until 2026-12-04T09:00:00Z; nothing was sent for it: give `--replace reminders/ny` again then',
    );
    expect(callsPerNumber(gw)).toEqual({ [ann]: 1 });
  });
});
