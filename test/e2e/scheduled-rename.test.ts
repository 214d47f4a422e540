import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, campaignYaml, type Gateway, recipientNumber, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150001';

/** One per-minute call `name` to `number`, whose slots may be placed for 50 s. */
const minutely = (name: string, number = NUMBER) => ({
  name,
  to: `{ type: phone, number: "${number}" }`,
  extra: ['schedule: { cron: "* * * * *", deadline: 50s }'],
});

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
  missed: { key: string }[];
}

const planAt = async (g: Gateway, now: string): Promise<PlanJson> => {
  const r = await g.run(['plan', '--format', 'json', '--now', now]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

describe('a scheduled call renamed within a slot’s deadline', () => {
  it('does not place that slot again under its new name, says why, and places the next slot', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([minutely('t15')]) });
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const sid = (await gw.project.lock())?.calls['sim/t15@2025-01-01T09:00:00Z']?.sid;
    expect(sid).toBeDefined();

    await gw.project.write('calls/a.yaml', callsYaml([minutely('t15-renamed')]));
    const plan = await planAt(gw, '2025-01-01T09:00:30Z');
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'sim/t15-renamed@2025-01-01T09:00:00Z');
    expect(held?.reason).toMatch(
      /^not placed: this slot already dialled its number as sim\/t15@2025-01-01T09:00:00Z \(placed /,
    );
    expect(held?.reason).toContain(`${sid}`);
    expect(held?.reason).toContain('the next slot is placed as usual');
    const text = await gw.run(['plan', '--now', '2025-01-01T09:00:30Z']);
    expect(text.stdout).toMatch(/Plan: 0 to place, 0 missed, 1 skipped/);

    const again = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:30Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);

    // Its deadline passed: not missed either (the person was called for it).
    const next = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:05Z']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('placed  sim/t15-renamed@2025-01-01T09:01:00Z');
    expect(`${next.stdout}${next.stderr}`).not.toMatch(/missed/);
    expect(gw.placed()).toHaveLength(2);
    expect((await planAt(gw, '2025-01-01T09:01:05Z')).missed).toEqual([]);
  });

  it('still places the slot when the new name dials another number, or the old name is still a call', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([minutely('t15')]) });
    await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z']);
    expect(gw.placed()).toHaveLength(1);
    // Renamed, and now to someone else: that person was not called for the slot.
    await gw.project.write('calls/a.yaml', callsYaml([minutely('t16', '+15550150002')]));
    const other = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:20Z']);
    expect(other.stdout).toContain('placed  sim/t16@2025-01-01T09:00:00Z');
    // A second call to the same number beside the first: two calls, as the same apply would place.
    await gw.project.write('calls/a.yaml', callsYaml([minutely('t15'), minutely('t17')]));
    const beside = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:30Z']);
    expect(beside.stdout).toContain('placed  sim/t17@2025-01-01T09:00:00Z');
    expect(gw.placed()).toHaveLength(3);
  });
});

describe('a campaign with cron renamed within a slot’s deadline', () => {
  it('does not place its rows’ slot again under its new name, says why, and places the next slot', async () => {
    const yaml = campaignYaml(['schedule: { cron: "* * * * *", deadline: 50s }']);
    gw = await startGateway({
      'calls/reminders.yaml': yaml,
      'lists/reminders.csv': `id,name,phone\nx1,Ann,${recipientNumber(81)}\nx2,Bob,${recipientNumber(82)}\n`,
    });
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const sid = (await gw.project.lock())?.calls['sim/reminders/x1@2025-01-01T09:00:00Z']?.sid;
    expect(sid).toBeDefined();

    await gw.project.write(
      'calls/reminders.yaml',
      yaml.replace('name: reminders', 'name: reminders-v2'),
    );
    const plan = await planAt(gw, '2025-01-01T09:00:30Z');
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'sim/reminders-v2/x1@2025-01-01T09:00:00Z');
    expect(held?.reason).toBe(
      `not placed: this slot already dialled its number as sim/reminders/x1@2025-01-01T09:00:00Z (placed ${sid} at ${(await gw.project.lock())?.calls['sim/reminders/x1@2025-01-01T09:00:00Z']?.at}), a campaign no call has now (renamed?): a row's slot is placed once, whatever its campaign's name; the next slot is placed as usual`,
    );
    expect(plan.skipped.map((i) => i.key)).toContain('sim/reminders-v2/x2@2025-01-01T09:00:00Z');

    // Each row waits for its next slot: it is not held as a row whose person another row called.
    const status = await gw.run([
      'status',
      '--campaign',
      'reminders-v2',
      '--format',
      'json',
      '--now',
      '2025-01-01T09:00:30Z',
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).states).toMatchObject({ held: 0, waiting: 2 });

    const again = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:30Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);

    // Its deadline passed: not missed either (each person was called for it).
    const next = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:05Z']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('placed  sim/reminders-v2/x1@2025-01-01T09:01:00Z');
    expect(next.stdout).toContain('placed  sim/reminders-v2/x2@2025-01-01T09:01:00Z');
    expect(`${next.stdout}${next.stderr}`).not.toMatch(/missed/);
    expect(gw.placed()).toHaveLength(4);
    expect((await planAt(gw, '2025-01-01T09:01:05Z')).missed).toEqual([]);
  });
});

describe('a scheduled call made a campaign of the same name within a slot’s deadline, and back', () => {
  it('calls the person once for each slot, whichever of them placed it', async () => {
    const ann = recipientNumber(91);
    const plain = callsYaml([minutely('t15', ann)]);
    const campaign = campaignYaml(['schedule: { cron: "* * * * *", deadline: 50s }']).replace(
      'name: reminders',
      'name: t15',
    );
    gw = await startGateway({
      'calls/t15.yaml': plain,
      'lists/reminders.csv': `id,name,phone\nx1,Ann,${ann}\n`,
    });
    const g = gw;
    const dialled = () =>
      g.placed().map((r) => (r.body as { to?: { number?: string } }).to?.number);
    const first = await g.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(dialled()).toEqual([ann]);

    // The call made a campaign whose row dials the same number: that slot is the person's call.
    await g.project.write('calls/t15.yaml', campaign);
    const plan = await planAt(g, '2025-01-01T09:00:30Z');
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'sim/t15/x1@2025-01-01T09:00:00Z');
    expect(held?.reason).toMatch(
      /^not placed: this slot already dialled its number as sim\/t15@2025-01-01T09:00:00Z \(placed .*\), a call no longer defined, whose name is a campaign's now \(made a campaign\?\)/,
    );
    const again = await g.run(['apply', '--yes', '--now', '2025-01-01T09:00:30Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(dialled()).toEqual([ann]);

    // The next slot is the row's, placed once; made a call again, that slot is not placed twice.
    const next = await g.run(['apply', '--yes', '--now', '2025-01-01T09:01:05Z']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('placed  sim/t15/x1@2025-01-01T09:01:00Z');
    expect(`${next.stdout}${next.stderr}`).not.toMatch(/missed/);
    await g.project.write('calls/t15.yaml', plain);
    const back = await g.run(['apply', '--yes', '--now', '2025-01-01T09:01:30Z']);
    expect(back.code, back.stderr).toBe(0);
    expect(dialled()).toEqual([ann, ann]);
    const after = await planAt(g, '2025-01-01T09:01:30Z');
    expect(after.skipped.find((i) => i.key === 'sim/t15@2025-01-01T09:01:00Z')?.reason).toContain(
      'as sim/t15/x1@2025-01-01T09:01:00Z (placed ',
    );
  });
});

describe('a scheduled call whose number comes from the environment, renamed', () => {
  it('does not place that slot again either: its number is read from the environment', async () => {
    const env = { ALICE: NUMBER };
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { ...minutely('t15'), to: `{ type: phone, number: "\${ALICE}" }` },
      ]),
    });
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([{ ...minutely('t15-renamed'), to: `{ type: phone, number: "\${ALICE}" }` }]),
    );
    const again = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:30Z'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const plan = await gw.run(['plan', '--now', '2025-01-01T09:00:30Z'], env);
    expect(plan.stdout).toContain('not placed: this slot already dialled its number as sim/t15@');
    expect(plan.stdout).not.toContain(NUMBER);
  });
});

describe('an unscheduled call renamed', () => {
  it('is placed again, and plan says whom it rings a second time', async () => {
    const once = (name: string) => ({ name, to: `{ type: phone, number: "${NUMBER}" }` });
    gw = await startGateway({ 'calls/a.yaml': callsYaml([once('welcome-alice')]) });
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    const sid = (await gw.project.lock())?.calls['sim/welcome-alice']?.sid;
    expect(sid).toBeDefined();

    await gw.project.write('calls/a.yaml', callsYaml([once('welcome-alice-v2')]));
    const words = `new by its name, but its number was dialled as sim/welcome-alice (placed ${sid} at `;
    const plan = await gw.run(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(words);
    // The markdown plan a reviewer reads before the merge says so too, in its due row.
    const md = await gw.run(['plan', '--format', 'markdown']);
    expect(md.code, md.stderr).toBe(0);
    const row = md.stdout.split('\n').find((l) => l.startsWith('| `welcome-alice-v2` |'));
    expect(row).toContain(`| on merge (unscheduled) | ${words}`);
    expect(row).toContain('a name no call has now (renamed?): placed again |');
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // Placed: nothing new by its name any more.
    const after = await gw.run(['plan']);
    expect(after.stdout).not.toContain('new by its name');
  });
});

describe('an unscheduled call copied under a new name, the old one disabled', () => {
  it('is placed again, and plan says the old call is disabled, not that no call has its name', async () => {
    const once = (name: string, extra: readonly string[] = []) => ({
      name,
      to: `{ type: phone, number: "${NUMBER}" }`,
      extra,
    });
    gw = await startGateway({ 'calls/a.yaml': callsYaml([once('welcome-alice')]) });
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    const sid = (await gw.project.lock())?.calls['sim/welcome-alice']?.sid;
    expect(sid).toBeDefined();

    await gw.project.write(
      'calls/a.yaml',
      callsYaml([once('welcome-alice', ['enabled: false']), once('welcome-alice-v2')]),
    );
    const plan = await gw.run(['plan', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const due = (JSON.parse(plan.stdout) as { due: { key: string; reason?: string }[] }).due;
    expect(due.map((i) => i.key)).toEqual(['sim/welcome-alice-v2']);
    expect(due[0]?.reason).toMatch(
      new RegExp(
        `^new by its name, but its number was dialled as sim/welcome-alice \\(placed ${sid} at \\S+\\), a call now disabled \\(replaced by this one\\?\\): placed again$`,
      ),
    );
  });
});

describe('a daily call moved to another time zone as it is renamed or made a campaign', () => {
  // 09:00 UTC placed at 09:00:10; at 09:10 the call is moved to Europe/Berlin, whose 09:00 is
  // 08:00 UTC: within its deadline of 2 h, but earlier than the call already made.
  const UTC = 'schedule: { cron: "0 9 * * *", deadline: 2h }';
  const BERLIN = 'schedule: { cron: "0 9 * * *", timezone: Europe/Berlin, deadline: 2h }';
  const daily = (name: string, extra: string) => ({
    name,
    to: `{ type: phone, number: "${NUMBER}" }`,
    extra: [extra],
  });
  const firstCall = async (g: Gateway) => {
    const first = await g.run(['apply', '--yes', '--now', '2027-01-05T09:00:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(g.placed()).toHaveLength(1);
  };

  it('renamed: does not call the person again for the earlier slot, and says why', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([daily('t15', UTC)]) });
    await firstCall(gw);
    await gw.project.write('calls/a.yaml', callsYaml([daily('t16', BERLIN)]));
    const plan = await planAt(gw, '2027-01-05T09:10:00Z');
    expect(plan.due).toEqual([]);
    // Ahead of the clock, t16 counts as first seen at the clock, not at --now: the slot of the
    // day before is listed too (deadline passed). The one at issue is that day's 08:00.
    const missed = (plan.missed as { key: string; reason?: string }[]).filter((i) =>
      i.key.includes('@2027-01-05'),
    );
    expect(missed.map((i) => i.key)).toEqual(['sim/t16@2027-01-05T08:00:00Z']);
    expect(missed[0]?.reason).toMatch(
      /^superseded by 2027-01-05T09:00:00Z, already placed: its number was dialled as sim\/t15@2027-01-05T09:00:00Z \(placed .*\), a name no call has now \(renamed\?\): an earlier slot is never placed after a later one/,
    );
    const again = await gw.run(['apply', '--yes', '--now', '2027-01-05T09:10:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });

  it('made a campaign of the same name: its row that dials the number is not called again', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([daily('t15', UTC)]),
      'lists/reminders.csv': `id,name,phone\nr1,Ann,${NUMBER}\n`,
    });
    await firstCall(gw);
    await gw.project.write(
      'calls/a.yaml',
      campaignYaml([BERLIN]).replace('name: reminders', 'name: t15'),
    );
    const plan = await planAt(gw, '2027-01-05T09:10:00Z');
    expect(plan.due).toEqual([]);
    const missed = plan.missed as { key: string; reason?: string }[];
    const earlier = missed.find((i) => i.key === 'sim/t15/r1@2027-01-05T08:00:00Z');
    expect(earlier?.reason).toMatch(/^superseded by 2027-01-05T09:00:00Z, already placed: /);
    expect(earlier?.reason).toContain('as sim/t15@2027-01-05T09:00:00Z (placed ');
    expect(earlier?.reason).toContain("whose name is a campaign's now (made a campaign?)");
    const again = await gw.run(['apply', '--yes', '--now', '2027-01-05T09:10:00Z']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });
});

describe('a scheduled call renamed after its missed slots were reported', () => {
  /** Per minute, its slots placeable for 10 minutes: a late start supersedes the older ones. */
  const tenMinutes = (name: string) => ({
    name,
    to: `{ type: phone, number: "${NUMBER}" }`,
    extra: ['schedule: { cron: "* * * * *", deadline: 10m }'],
  });
  const missedKeys = (text: string): string[] =>
    [...text.matchAll(/^missed {2}(\S+)/gm)].map((m) => m[1] as string);

  it('does not report them again under its new name, and still reports the slots it misses after', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tenMinutes('t15')]) });
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:05:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(missedKeys(first.stdout)).toHaveLength(9);
    expect(first.stdout).toContain('missed  sim/t15@2025-01-01T09:04:00Z  superseded by');
    expect(gw.placed()).toHaveLength(1);

    await gw.project.write('calls/a.yaml', callsYaml([tenMinutes('t16')]));
    const renamed = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:06:10Z']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain('placed  sim/t16@2025-01-01T09:06:00Z');
    // 08:57 to 09:04 were reported as t15's: said once, whatever the call's name.
    expect(missedKeys(renamed.stdout)).toEqual([]);
    expect(`${renamed.stdout}${renamed.stderr}`).not.toMatch(/missed/);
    const lock = await gw.project.lock();
    expect(lock?.schedules?.['sim/t16']?.reportedThrough).toBe('2025-01-01T09:05:00Z');

    // A slot missed under the new name is reported, once.
    const later = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:09:10Z']);
    expect(later.code, later.stderr).toBe(0);
    expect(missedKeys(later.stdout)).toEqual([
      'sim/t16@2025-01-01T09:07:00Z',
      'sim/t16@2025-01-01T09:08:00Z',
    ]);
    expect(later.stdout).toContain('placed  sim/t16@2025-01-01T09:09:00Z');
    expect(gw.placed()).toHaveLength(3);
  });
});

describe('a campaign with cron renamed after its missed slots were reported', () => {
  it('does not report its rows’ missed slots again under its new name', async () => {
    const yaml = campaignYaml(['schedule: { cron: "* * * * *", deadline: 10m }']);
    gw = await startGateway({
      'calls/reminders.yaml': yaml,
      'lists/reminders.csv': `id,name,phone\nx1,Ann,${recipientNumber(83)}\nx2,Bob,${recipientNumber(84)}\n`,
    });
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:05:10Z']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('missed  sim/reminders/x2@2025-01-01T09:04:00Z  superseded by');

    await gw.project.write(
      'calls/reminders.yaml',
      yaml.replace('name: reminders', 'name: reminders-v2'),
    );
    const renamed = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:06:10Z']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toContain('placed  sim/reminders-v2/x1@2025-01-01T09:06:00Z');
    expect(renamed.stdout).toContain('placed  sim/reminders-v2/x2@2025-01-01T09:06:00Z');
    expect(`${renamed.stdout}${renamed.stderr}`).not.toMatch(/missed/);

    const later = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:08:10Z']);
    expect(later.code, later.stderr).toBe(0);
    expect([...later.stdout.matchAll(/^missed {2}(\S+)/gm)].map((m) => m[1])).toEqual([
      'sim/reminders-v2/x1@2025-01-01T09:07:00Z',
      'sim/reminders-v2/x2@2025-01-01T09:07:00Z',
    ]);
  });
});
