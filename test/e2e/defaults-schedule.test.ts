import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  APP_SID,
  callsYaml,
  campaignStatus,
  campaignYaml,
  configYaml,
  FROM,
  type Gateway,
  recipientNumber as number,
  output,
} from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/** 02:00 UTC, outside 09:00-17:00; 12:00 UTC, inside. */
const NIGHT = '2026-06-10T02:00:00Z';
const DAY = '2026-06-10T12:00:00Z';
const HOURS = 'schedule: { window: "09:00-17:00", timezone: UTC }';
const CSV = `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,${number(2)}\n`;

interface PlanJson {
  readonly due: { key: string }[];
  readonly upcoming: { key: string; waiting?: boolean }[];
  readonly campaigns: { name: string; rows: number; due: number; waiting: number }[];
}

interface ValidateJson {
  readonly ok: boolean;
  readonly errors: { file: string; line: number; column: number; message: string }[];
}

/** The campaign `reminders` (two rows), under a call file whose `defaults:` hold `schedule` if given. */
const campaign = (schedule?: string): Record<string, string> => ({
  'calls/reminders.yaml':
    schedule === undefined ? campaignYaml() : `defaults:\n  ${schedule}\n${campaignYaml()}`,
  'lists/reminders.csv': CSV,
});

/** callops.yaml pointing at the gateway, with `defaults:` holding `schedule`. */
const withProjectDefaults = async (gw: Gateway, schedule: string): Promise<void> => {
  await gw.project.write('callops.yaml', `${configYaml(gw.sim.url)}defaults:\n  ${schedule}\n`);
};

/** At night: the rows wait for their hours, and apply sends nothing; by day both are placed. */
const expectHeldToHours = async (gw: Gateway): Promise<void> => {
  const plan = await gw.run(['plan', '--now', NIGHT]);
  expect(plan.code, output(plan)).toBe(0);
  expect(plan.stdout).toMatch(
    /sim\/reminders\/r1 .* — waiting: outside calling hours 09:00-17:00 UTC; opens 2026-06-10T09:00:00Z/,
  );
  const json = await gw.run(['plan', '--now', NIGHT, '--format', 'json']);
  const parsed = JSON.parse(json.stdout) as PlanJson;
  expect(parsed.due).toEqual([]);
  expect(parsed.upcoming.map((i) => [i.key, i.waiting])).toEqual([
    ['sim/reminders/r1', true],
    ['sim/reminders/r2', true],
  ]);
  expect(parsed.campaigns).toEqual([
    expect.objectContaining({ name: 'reminders', rows: 2, due: 0, waiting: 2 }),
  ]);

  const night = await gw.run(['apply', '--yes', '--now', NIGHT]);
  expect(night.code, output(night)).toBe(0);
  expect(gw.sim.received()).toHaveLength(0);
  expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([]);

  const day = await gw.run(['apply', '--yes', '--now', DAY]);
  expect(day.code, output(day)).toBe(0);
  expect(
    gw
      .placed()
      .map((c) => (c.body as { to: { number: string } }).to.number)
      .sort(),
  ).toEqual([number(1), number(2)]);
};

/** validate refuses with exactly these errors, and apply sends nothing and records nothing. */
const expectRefused = async (gw: Gateway, errors: ValidateJson['errors']): Promise<void> => {
  const validate = await gw.run(['validate', '--format', 'json']);
  expect(validate.code, output(validate)).toBe(1);
  expect((JSON.parse(validate.stdout) as ValidateJson).errors).toEqual(
    errors.map((e) => expect.objectContaining(e)),
  );
  const apply = await gw.run(['apply', '--yes', '--now', DAY]);
  expect(apply.code, output(apply)).toBe(1);
  const [first] = errors;
  if (first) expect(apply.stderr).toContain(`${first.file}:${first.line}:${first.column}: error:`);
  expect(gw.sim.received()).toHaveLength(0);
  expect(await gw.project.lock()).toBeUndefined();
};

describe("a schedule in a call file's defaults", () => {
  it('its window holds a campaign: rows wait outside their hours, nothing is sent then', async () => {
    const gw = await startGateway(campaign(HOURS));
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    await expectHeldToHours(gw);
  });

  it('its end, passed, expires the rows: never placed', async () => {
    const gw = await startGateway(campaign('schedule: { end: "2026-01-31" }'));
    const plan = await gw.run(['plan', '--now', DAY]);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(
      /sim\/reminders\/r1 .* — expired: end 2026-01-31 passed at 2026-02-01T00:00:00Z before the row was reached; never placed/,
    );
    expect(plan.stdout).toContain('reminders: 2 rows — 2 expired');
    const apply = await gw.run(['apply', '--yes', '--now', DAY]);
    expect(apply.code, output(apply)).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
    const status = await campaignStatus(gw, DAY);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      expired: 2,
    });
  });

  it('without cron or at, a call without recipients is refused where it is named: nothing is sent', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(
        [{ name: 'plain' }, { name: 'later', extra: ['schedule: { at: "2026-06-10T12:00:00Z" }'] }],
        [`application_sid: ${APP_SID}`, `from: "${FROM}"`, HOURS],
      ),
    });
    await expectRefused(gw, [
      {
        file: 'calls/a.yaml',
        line: 6,
        column: 11,
        message:
          "call `plain` takes a `schedule` with `window` from this file's defaults (calls/a.yaml:4:3), but neither `cron` (recurring) nor `at` (once): a call without `recipients` is placed by its `cron` or `at`, so give it one (only a campaign's rows keep to a window or dates alone)",
      },
    ]);
  });

  it('its cron under a call’s at is one too many, said at the at with where the cron is written', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(
        [{ name: 'once', extra: ['schedule: { at: "2026-06-10T12:00:00Z" }'] }],
        [`application_sid: ${APP_SID}`, `from: "${FROM}"`, 'schedule: { cron: "0 9 * * *" }'],
      ),
    });
    await expectRefused(gw, [
      {
        file: 'calls/a.yaml',
        line: 8,
        column: 21,
        message:
          "schedule has both `cron` and `at`; keep one: this `at` is under a `cron` from this file's defaults (calls/a.yaml:4:21), which a call cannot drop — write a `cron` in place of the `at`, or take the `cron` out of those defaults",
      },
    ]);
  });
});

describe("a schedule in callops.yaml's defaults", () => {
  it('its window holds a campaign in any call file: rows wait outside their hours, nothing is sent then', async () => {
    const gw = await startGateway(campaign());
    await withProjectDefaults(gw, HOURS);
    await expectHeldToHours(gw);
  });

  it('without cron or at, a call without recipients is refused where it is named: nothing is sent', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'plain' }]) });
    await withProjectDefaults(gw, 'schedule: { end: "2030-01-31" }');
    await expectRefused(gw, [
      {
        file: 'calls/a.yaml',
        line: 5,
        column: 11,
        message:
          "call `plain` takes a `schedule` with `end` from the defaults of callops.yaml (callops.yaml:8:3), but neither `cron` (recurring) nor `at` (once): a call without `recipients` is placed by its `cron` or `at`, so give it one (only a campaign's rows keep to a window or dates alone)",
      },
    ]);
  });

  it("its timezone does not override a campaign's zone column: rows outside their own hours are not sent", async () => {
    const gw = await startGateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "09:00-20:00" }']),
      // 13:41 UTC is 22:41 in Tokyo and 05:41 in Los Angeles (14:41 in Berlin).
      'lists/reminders.csv': `id,name,phone,timezone\nr1,Ann,${number(1)},Asia/Tokyo\nr2,Bob,${number(2)},America/Los_Angeles\n`,
    });
    await withProjectDefaults(gw, 'schedule: { timezone: Europe/Berlin }');
    const apply = await gw.run(['apply', '--yes', '--now', '2026-12-03T13:41:00Z']);
    expect(apply.code, output(apply)).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([]);
    const plan = await gw.run(['plan', '--now', '2026-12-03T13:41:00Z']);
    expect(plan.stdout).toContain(
      'waiting: outside calling hours 09:00-20:00 Asia/Tokyo; opens 2026-12-04T00:00:00Z (09:00 Asia/Tokyo)',
    );
    expect(plan.stdout).toContain(
      'waiting: outside calling hours 09:00-20:00 America/Los_Angeles; opens 2026-12-03T17:00:00Z (09:00 America/Los_Angeles)',
    );
  });

  it('its timezone is not taken for a header that reads as `timezone` and is not it: refused at the cell, nothing sent', async () => {
    const gw = await startGateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { cron: "0 9 * * *" }']),
      'lists/reminders.csv': `id,name,phone,Timezone\nr1,Ann,${number(1)},America/Los_Angeles\n`,
    });
    await withProjectDefaults(gw, 'schedule: { timezone: Europe/Berlin }');
    const message =
      "column `Timezone` is not the zone column (only `timezone`, lowercase, is): the campaign's `cron` would otherwise be read in Europe/Berlin (the defaults' zone) for every row; rename the column to `timezone` to read each row's hours in its own zone";
    const validate = await gw.run(['validate', '--format', 'json']);
    expect(validate.code, output(validate)).toBe(1);
    expect((JSON.parse(validate.stdout) as ValidateJson).errors).toEqual([
      expect.objectContaining({ file: 'lists/reminders.csv', line: 1, column: 15, message }),
    ]);
    // 07:00:30 UTC is 09:00 in Berlin: the slot the row would otherwise be rung at (00:00 in LA).
    const apply = await gw.run(['apply', '--yes', '--now', '2026-06-10T07:00:30Z']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(`lists/reminders.csv:1:15: error: ${message}`);
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
  });
});

/** 2026-06-10 is a Wednesday; 05:00 UTC is 07:00 in Berlin (summer time, +02:00). */
const MORNING = '2026-06-10T05:00:00Z';

/** Valid; planned at MORNING for 09:00 Berlin on weekdays, and placed at 09:00 Berlin. */
const expectBerlinNine = async (gw: Gateway): Promise<void> => {
  const validate = await gw.run(['validate']);
  expect(validate.code, output(validate)).toBe(0);
  const plan = await gw.run(['plan', '--now', MORNING]);
  expect(plan.code, output(plan)).toBe(0);
  expect(plan.stdout).toContain('sim/berlin@2026-06-10T07:00:00Z (09:00 Europe/Berlin)');
  expect(plan.stdout).toContain('sim/berlin@2026-06-11T07:00:00Z (09:00 Europe/Berlin)');
  const json = await gw.run(['plan', '--now', MORNING, '--format', 'json']);
  const upcoming = (JSON.parse(json.stdout) as PlanJson).upcoming.map((i) => i.key);
  expect(upcoming.slice(0, 3)).toEqual([
    'sim/berlin@2026-06-10T07:00:00Z',
    'sim/berlin@2026-06-11T07:00:00Z',
    'sim/berlin@2026-06-12T07:00:00Z',
  ]);
  const apply = await gw.run(['apply', '--yes', '--now', '2026-06-10T07:00:30Z']);
  expect(apply.code, output(apply)).toBe(0);
  expect(gw.placed()).toHaveLength(1);
  expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([
    'sim/berlin@2026-06-10T07:00:00Z',
  ]);
};

const BERLIN = { name: 'berlin', extra: ['schedule: { timezone: Europe/Berlin }'] };
const WEEKDAYS = 'schedule: { cron: "0 9 * * 1-5" }';

describe("a call's schedule that only adds to its defaults' cron", () => {
  it("in the file's defaults: valid, and placed at 09:00 in the call's zone", async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(
        [BERLIN],
        [`application_sid: ${APP_SID}`, `from: "${FROM}"`, WEEKDAYS],
      ),
    });
    await expectBerlinNine(gw);
  });

  it("in callops.yaml's defaults, which no schema of the call file sees: the same", async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([BERLIN]) });
    await withProjectDefaults(gw, WEEKDAYS);
    await expectBerlinNine(gw);
  });

  it('without a cron or at in any defaults: refused at its schedule, saying neither gives one', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml(
        [BERLIN],
        [`application_sid: ${APP_SID}`, `from: "${FROM}"`, HOURS],
      ),
    });
    await expectRefused(gw, [
      {
        file: 'calls/a.yaml',
        line: 8,
        column: 15,
        message:
          'schedule needs `cron` (recurring) or `at` (once): neither this call nor its defaults give one',
      },
    ]);
  });
});
