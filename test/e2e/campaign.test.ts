// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  APP_SID,
  callsYaml,
  campaignStatus,
  campaignYaml,
  FROM,
  output,
  recipientNumber,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

const gateway = gatewaysClosedAfterEach();

const number = recipientNumber;

const rows = (n: number, extra: (i: number) => string = () => ''): string =>
  [
    `id,name,phone${extra(-1) === '' ? '' : ',timezone'}`,
    ...Array.from({ length: n }, (_, i) => {
      const z = extra(i);
      return `r${i + 1},Patient ${i + 1},${number(i + 1)}${z === '' ? '' : `,${z}`}`;
    }),
    '',
  ].join('\n');

describe('campaigns: a recipients CSV, one placement per row', () => {
  it('broken quoting is an error at the character that breaks it; nothing is sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': `id,phone,name\nr1,${number(1)},"bro"ken\nr2,${number(2)},Ann\n`,
    });
    const where =
      'lists/reminders.csv:2:22: error: not a readable CSV: a closing quote must be followed by a comma or the end of the line, got "k"';
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(where);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(where);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('places each of 50 rows once with its own number and keys <target>/<call>/<row id>; a second apply places nothing', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(50),
    });
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 50 rows/);
    expect(plan.stdout).toContain(`sim/reminders/r1  → ${number(1)}`);
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    const placed = gw.placed();
    expect(placed).toHaveLength(50);
    const byNumber = new Map(
      placed.map((r) => [(r.body as { to: { number: string } }).to.number, r]),
    );
    expect(byNumber.size).toBe(50);
    const lock = await gw.project.lock();
    const keys = Object.keys(lock?.calls ?? {}).sort();
    expect(keys).toHaveLength(50);
    for (let i = 1; i <= 50; i += 1) {
      const entry = lock?.calls[`sim/reminders/r${i}`];
      expect(entry?.status).toBe('placed');
      const request = byNumber.get(number(i));
      expect(request?.sid).toBe(entry?.sid);
      expect((request?.body as { tag?: Record<string, string> } | undefined)?.tag).toEqual({
        patient: `Patient ${i}`,
        row: `r${i}`,
      });
    }
    const second = await gw.run(['apply', '--yes']);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toMatch(/Nothing is due/);
    expect(gw.sim.received()).toHaveLength(50);
  });

  it('status --campaign names the target in its first line, as status does; its JSON is the counts alone', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(2),
    });
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    const whole = await gw.run(['status']);
    const target = whole.stdout.split('\n')[0];
    expect(target).toBe(`target sim: ${gw.sim.url}`);
    for (const format of ['human', 'github']) {
      const r = await gw.run(['status', '--campaign', 'reminders', '--format', format]);
      expect(r.code, output(r)).toBe(0);
      const [first, second] = r.stdout.split('\n');
      expect(first, format).toBe(target);
      expect(second, format).toMatch(/^campaign reminders: 2 rows, 2 attempts recorded/);
    }
    const json = await campaignStatus(gw);
    expect(json.code, output(json)).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ campaign: 'reminders', rows: 2, attempts: 2 });
  });

  it('a CSV with broken rows is refused, every bad row named at file:line:column, nothing sent', async () => {
    const csv = [
      'id,name,phone',
      'r1,Ann,+15557000001',
      'r2,Bob,12ab',
      'r3,Cy',
      'r1,Dup,+15557000004',
      'r5,,+15557000005',
      'r6,Eve,+15557000006',
      '',
    ].join('\n');
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': csv,
    });
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code).not.toBe(0);
    const text = output(applied);
    expect(text).toContain(
      'lists/reminders.csv:3:8: error: `to.number` (`${row.phone}`) is `12ab` here',
    );
    expect(text).toContain('lists/reminders.csv:4:6: error: row has 2 cells, the header 3');
    expect(text).toContain(
      'lists/reminders.csv:5:1: error: id `r1` is used twice (first on line 2)',
    );
    expect(text).toContain('lists/reminders.csv:6:4: error: `name` is empty, and the call uses it');
    expect(text).toMatch(/4 errors/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
  });

  it('a CSV with a byte that is not UTF-8 is refused at its file:line:column, nothing sent', async () => {
    const gw = await gateway({ 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': '' });
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      Buffer.concat([
        Buffer.from('id,name,phone\nr1,Zoë,+15557000001\nr2,Jos'),
        Buffer.from([0xe9]),
        Buffer.from(',+15557000002\n'),
      ]),
    );
    const validated = await gw.run(['validate']);
    expect(validated.code, output(validated)).toBe(1);
    expect(validated.stderr).toContain(
      'lists/reminders.csv:3:7: error: byte 0xE9 (byte offset 41) is not UTF-8: save the file as UTF-8',
    );
    expect(validated.stderr).not.toContain('calls/reminders.yaml');
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(1);
    expect(applied.stderr).toContain('lists/reminders.csv:3:7: error:');
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
  });

  it('rows in three time zones: only those inside their calling hours are placed now, the others wait', async () => {
    // Zones chosen from the clock so that, for two hours from now, one row's local time is
    // inside 10:00-14:00 and the others are not (Etc/GMT-N is UTC+N).
    const zoneAt = (localHour: number): string => {
      const offset = ((((localHour - new Date().getUTCHours()) % 24) + 24 + 12) % 24) - 12;
      return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    };
    const zones = [zoneAt(11), zoneAt(2), zoneAt(18)];
    const csv = [
      'id,name,phone,timezone',
      `inside,In,${number(1)},${zones[0]}`,
      `night,Night,${number(2)},${zones[1]}`,
      `evening,Eve,${number(3)},${zones[2]}`,
      '',
    ].join('\n');
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "10:00-14:00" }']),
      'lists/reminders.csv': csv,
    });
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 3 rows — 1 due, 2 waiting/);
    expect(plan.stdout).toMatch(
      new RegExp(
        `sim/reminders/night .*waiting: outside calling hours 10:00-14:00 ${zones[1]?.replace('+', '\\+')}; opens \\d{4}-`,
      ),
    );
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    const placed = gw.placed();
    expect(placed).toHaveLength(1);
    expect((placed[0]?.body as { to?: { number?: string } } | undefined)?.to?.number).toBe(
      number(1),
    );
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/inside']);
  });

  it('after `end`, rows not reached are expired: listed as such, nothing sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { end: "2020-01-31", timezone: UTC }']),
      'lists/reminders.csv': rows(3),
    });
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 3 rows — 3 expired/);
    expect(plan.stdout).toMatch(/sim\/reminders\/r1 .*expired: end 2020-01-31 passed/);
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('plan --now: New York, Berlin and Tokyo rows judged in their own hours, the waiting one with its next opening', async () => {
    const csv = [
      'id,name,phone,timezone',
      `ny,A,${number(1)},America/New_York`,
      `berlin,B,${number(2)},Europe/Berlin`,
      `tokyo,C,${number(3)},Asia/Tokyo`,
      '',
    ].join('\n');
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "08:00-21:00" }']),
      'lists/reminders.csv': csv,
    });
    // 13:00 UTC on 1 June: 09:00 in New York, 15:00 in Berlin, 22:00 in Tokyo.
    const plan = await gw.run(['plan', '--now', '2026-06-01T13:00:00Z', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    const json = JSON.parse(plan.stdout) as {
      due: { key: string }[];
      upcoming: { key: string; waiting?: boolean; opens?: string }[];
      campaigns: { name: string; rows: number; due: number; waiting: number }[];
    };
    expect(json.due.map((i) => i.key)).toEqual(['sim/reminders/ny', 'sim/reminders/berlin']);
    expect(json.upcoming).toEqual([
      expect.objectContaining({
        key: 'sim/reminders/tokyo',
        waiting: true,
        opens: '2026-06-01T23:00:00Z',
      }),
    ]);
    expect(json.campaigns).toEqual([
      expect.objectContaining({ name: 'reminders', rows: 3, due: 2, waiting: 1 }),
    ]);
    const human = await gw.run(['plan', '--now', '2026-06-01T13:00:00Z']);
    expect(human.stdout).toContain(
      'sim/reminders/tokyo  → +15557000003  (lists/reminders.csv:4) — waiting: outside calling hours 08:00-21:00 Asia/Tokyo; opens 2026-06-01T23:00:00Z (2026-06-02 08:00 Asia/Tokyo)',
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a zone the runtime takes but IANA has not (BST is Dhaka, IST Kolkata) is an error at its cell or value; nothing is sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "09:00-17:00" }']),
      'calls/daily.yaml': callsYaml([
        {
          name: 'daily',
          to: `{ type: phone, number: "${number(9)}" }`,
          extra: ['schedule: { cron: "0 9 * * *", timezone: BST }'],
        },
      ]),
      'lists/reminders.csv': `id,name,phone,timezone\nuk1,A,${number(1)},BST\nie1,B,${number(2)},IST\nus1,C,${number(3)},America/New_York\n`,
    });
    // 04:00 UTC on 1 July: 10:00 in Dhaka, 09:30 in Kolkata, 05:00 in London and Dublin.
    const now = '2026-07-01T04:00:00Z';
    const bst =
      '`BST` is not an IANA time zone (this runtime reads it as Asia/Dhaka, UTC+6): for British Summer Time write Europe/London; for Bangladesh, Asia/Dhaka';
    for (const args of [['validate'], ['plan', '--now', now], ['apply', '--yes', '--now', now]]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      expect(result.stderr).toContain(`lists/reminders.csv:2:20: error: ${bst}`);
      expect(result.stderr).toMatch(
        /lists\/reminders\.csv:3:20: error: `IST` is not an IANA time zone \(this runtime reads it as Asia\/(Calcutta|Kolkata), UTC\+5:30\): for India write Asia\/Kolkata; for Irish Standard Time, Europe\/Dublin/,
      );
      expect(result.stderr).toMatch(
        /calls\/daily\.yaml:7:46: error: `BST` is not an IANA time zone \(this runtime reads it as Asia\/Dhaka, UTC\+6\)/,
      );
      expect(result.stdout).not.toMatch(/Due now/);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
  });

  it('a zone column naming other zones beside a timezone the call writes is an error at the first such cell: validate, plan and apply, nothing sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([
        'schedule:',
        '  window: "10:00-17:00"',
        '  timezone: America/New_York',
      ]),
      'lists/reminders.csv': `id,name,phone,timezone\nny,A,${number(1)},America/New_York\nblank,B,${number(2)},\ntokyo,C,${number(3)},Asia/Tokyo\n`,
    });
    // 16:00 UTC on 8 November 2027: 11:00 in New York, 01:00 in Tokyo.
    const now = '2027-11-08T16:00:00Z';
    const error =
      "lists/reminders.csv:4:22: error: `timezone` is `Asia/Tokyo` here, but the call writes `schedule.timezone: America/New_York` (calls/reminders.yaml:10:17), which holds every row: the campaign's `window` would be read in America/New_York for this row, not in Asia/Tokyo — 1 row names another zone (the first here); drop one of the two: the `timezone` column to keep every row at America/New_York, or the call's `schedule.timezone` to read each row's hours in its own zone";
    for (const args of [['validate'], ['plan', '--now', now], ['apply', '--yes', '--now', now]]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      expect(result.stderr).toContain(error);
      expect(result.stderr).not.toContain('lists/reminders.csv:2:');
      expect(result.stderr).not.toContain('lists/reminders.csv:3:');
      expect(result.stdout).not.toMatch(/Due now/);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
    // Without the column every row keeps to New York's hours; without the call's zone, each
    // row to its own: the New York row is placed, the Tokyo row waits for 10:00 in Tokyo.
    await gw.project.write(
      'calls/reminders.yaml',
      campaignYaml(['schedule: { window: "10:00-17:00" }']),
    );
    await gw.project.write(
      'lists/reminders.csv',
      `id,name,phone,timezone\nny,A,${number(1)},America/New_York\ntokyo,C,${number(3)},Asia/Tokyo\n`,
    );
    const apply = await gw.run(['apply', '--yes', '--now', now]);
    expect(apply.code, output(apply)).toBe(0);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/reminders/ny']);
  });

  it('a SystemV zone (IANA removed them) is an error at its cell or value: `SystemV/PST8` would ring Los Angeles at 10:00 all summer', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "09:00-17:00" }']),
      'calls/daily.yaml': callsYaml([
        {
          name: 'daily',
          to: `{ type: phone, number: "${number(9)}" }`,
          extra: ['schedule: { cron: "0 9 * * *", timezone: SystemV/PST8 }'],
        },
      ]),
      'lists/reminders.csv': `id,name,phone,timezone\nla1,A,${number(1)},SystemV/PST8PDT\n`,
    });
    // 17:00 UTC on 1 July: 09:00 in SystemV/PST8 (UTC−8 all year), 10:00 in Los Angeles.
    const now = '2026-07-01T17:00:30Z';
    for (const args of [['validate'], ['plan', '--now', now], ['apply', '--yes', '--now', now]]) {
      const result = await gw.run(args);
      expect(result.code, output(result)).toBe(1);
      expect(result.stderr).toContain(
        'calls/daily.yaml:7:46: error: `SystemV/PST8` is not an IANA time zone (this runtime reads it as UTC−8): the IANA database removed the SystemV zones in 2020, and this one keeps no daylight saving (UTC−8 all year); for Los Angeles, which keeps daylight saving, write America/Los_Angeles; if a fixed UTC−8 offset is really meant, Etc/GMT+8',
      );
      expect(result.stderr).toContain(
        'lists/reminders.csv:2:20: error: `SystemV/PST8PDT` is not an IANA time zone (this runtime reads it as UTC−8/−7): the IANA database removed the SystemV zones in 2020; for Los Angeles write America/Los_Angeles',
      );
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();

    // Written as the errors say: 09:00 in Los Angeles is 16:00 UTC in summer, not 17:00.
    await gw.project.write(
      'calls/daily.yaml',
      (await gw.project.read('calls/daily.yaml')).replace('SystemV/PST8', 'America/Los_Angeles'),
    );
    await gw.project.write(
      'lists/reminders.csv',
      `id,name,phone,timezone\nla1,A,${number(1)},America/Los_Angeles\n`,
    );
    const late = await gw.run(['apply', '--yes', '--only', 'daily', '--now', now]);
    expect(late.code, output(late)).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
    const apply = await gw.run(['apply', '--yes', '--now', '2026-07-01T16:00:30Z']);
    expect(apply.code, output(apply)).toBe(0);
    expect(
      gw.sim
        .received()
        .map((r) => (r.body as { to: { number: string } }).to.number)
        .sort(),
    ).toEqual([number(1), number(9)].sort());
  });

  it('a listed number outside its hours is suppressed in the plan, not shown as waiting', async () => {
    const csv = [
      'id,name,phone,timezone',
      `ny,A,${number(1)},America/New_York`,
      `tokyo,C,${number(3)},Asia/Tokyo`,
      '',
    ].join('\n');
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "08:00-21:00" }']),
      'lists/reminders.csv': csv,
      'lists/dnc.csv': `number,reason\n${number(3)},asked\n`,
    });
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
    // 13:00 UTC on 1 June: 09:00 in New York, 22:00 in Tokyo.
    const plan = await gw.run(['plan', '--now', '2026-06-01T13:00:00Z', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    const json = JSON.parse(plan.stdout) as {
      due: { key: string }[];
      upcoming: { key: string }[];
      suppressed: { key: string; reason: string }[];
    };
    expect(json.due.map((i) => i.key)).toEqual(['sim/reminders/ny']);
    expect(json.upcoming).toEqual([]);
    expect(json.suppressed).toEqual([
      expect.objectContaining({
        key: 'sim/reminders/tokyo',
        reason: 'do-not-call: asked (lists/dnc.csv:2)',
      }),
    ]);
  });

  it('--only takes one row (<call>/<row id>) or the whole campaign; an unknown row is a usage error', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(4),
    });
    const unknown = await gw.run(['apply', '--yes', '--only', 'reminders/r9']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('--only reminders/r9: campaign `reminders` has no row `r9`');
    const one = await gw.run(['apply', '--yes', '--only', 'reminders/r2']);
    expect(one.code, output(one)).toBe(0);
    expect(gw.placed().map((r) => (r.body as { to?: { number?: string } }).to?.number)).toEqual([
      number(2),
    ]);
    const rest = await gw.run(['apply', '--yes', '--only', 'reminders']);
    expect(rest.code, output(rest)).toBe(0);
    expect(gw.placed()).toHaveLength(4);
    expect(Object.keys((await gw.project.lock())?.calls ?? {}).sort()).toEqual([
      'sim/reminders/r1',
      'sim/reminders/r2',
      'sim/reminders/r3',
      'sim/reminders/r4',
    ]);
  });

  it('run places the rows that may be called and does not report expired rows one by one', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'calls/old.yaml': [
        'calls:',
        '  - name: late',
        '    recipients: ../lists/reminders.csv',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '    schedule: { end: "2020-01-31" }',
        '',
      ].join('\n'),
      'lists/reminders.csv': rows(3),
    });
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 40_000);
    await waitFor(
      'the three rows of the open campaign placed and recorded',
      async () =>
        Object.keys((await gw.project.lock())?.calls ?? {}).length === 3 ? true : undefined,
      { timeoutMs: 20_000 },
    );
    // Missed slots are reported before the batch that follows them is placed.
    await waitFor(
      'run to say it placed them',
      () => (/3 placed/.test(soFar()) ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(gw.placed()).toHaveLength(3);
    expect(output(r)).not.toContain('late/');
    // The expired rows are counted once, in one line.
    expect(output(r)).toContain(
      'expired: 3 rows of campaign sim/late never reached before its end (2020-02-01T00:00:00Z); never placed (see callops plan)',
    );
  });
});

describe('campaigns whose rows changed keys (an id column added, an id edited)', () => {
  it('an id column added after a run calls nobody again: plan, apply, run, status and report hold them', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
      'lists/reminders.csv': `name,phone\nAnn,${number(1)}\nBob,${number(2)}\n`,
    });
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // As callops advises: the CSV gets an id column (Ann and Bob were rows 1 and 2), and Cy.
    const csv = join(gw.project.dir, 'lists/reminders.csv');
    await writeFile(
      csv,
      `id,name,phone\np1,Ann,${number(1)}\np2,Bob,${number(2)}\np3,Cy,${number(3)}\n`,
    );
    const held = (n: number, key: string) =>
      `not placed: this campaign already dialled ${number(n)} as sim/reminders/${key} (placed `;
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 3 rows — 1 due, 2 skipped/);
    expect(plan.stdout).toMatch(/^ {2}\+ sim\/reminders\/p3 /m);
    expect(plan.stdout).toContain(held(1, '1'));
    expect(plan.stdout).toContain(held(2, '2'));
    expect(plan.stdout).toContain(
      'lists/reminders.csv has no row `1` that dials it now: the person was called under another key (an id column added since, an id edited)',
    );
    // run places Cy alone, and calls nobody twice.
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done } = watch(child, 40_000);
    await waitFor(
      'run to place and record Cy',
      async () =>
        (await gw.project.lock())?.calls['sim/reminders/p3']?.status === 'placed'
          ? true
          : undefined,
      { timeoutMs: 20_000 },
    );
    child.kill('SIGTERM');
    await done;
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    const dialled = () => gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);
    expect(dialled().sort()).toEqual([number(1), number(2), number(3)]);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/reminders/p1']).toBeUndefined();
    expect(lock?.calls['sim/reminders/p2']).toBeUndefined();
    const status = await campaignStatus(gw);
    expect(status.code, output(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 2,
      placed: 1,
      waiting: 0,
    });
    const report = await gw.run(['report', 'reminders']);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout.split('\r\n').slice(1, 3)).toEqual([
      `p1,${number(1)},held,0,,,,,`,
      `p2,${number(2)},held,0,,,,,`,
    ]);
    // An id edited (p3 → c3) does not call Cy again either.
    await writeFile(
      csv,
      `id,name,phone\np1,Ann,${number(1)}\np2,Bob,${number(2)}\nc3,Cy,${number(3)}\n`,
    );
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(output(again)).not.toContain('placed  sim/reminders/c3');
    const plan2 = await gw.run(['plan']);
    expect(plan2.stdout).toContain(held(3, 'p3'));
    expect(dialled()).toHaveLength(3);
  });
});

describe('campaigns whose `to` takes a ${VAR} beside ${row.X}', () => {
  // The cells lack the country code, which PFX (from the environment) puts in front.
  const yaml = campaignYaml([], '{ patient: "${row.name}" }').replace(
    '"${row.phone}"',
    '"${PFX}${row.phone}"',
  );
  const env = { PFX: '+1' };
  const cell = (i: number) => number(i).slice(2);
  const written = (i: number) => `\${PFX}${cell(i)}`;
  const dialled = (gw: { placed(): readonly { body: unknown }[] }) =>
    gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

  it('a row put above others is neither placed again nor offered --replace; the reason shows ${PFX}, not its value', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': yaml,
      'lists/reminders.csv': `name,phone\nAnn,${cell(1)}\nBob,${cell(2)}\n`,
    });
    const first = await gw.run(['apply', '--yes'], env);
    expect(first.code, output(first)).toBe(0);
    expect(dialled(gw)).toEqual([number(1), number(2)]);
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      `name,phone\nZed,${cell(9)}\nAnn,${cell(1)}\nBob,${cell(2)}\n`,
    );
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 3 rows — 3 skipped/);
    expect(plan.stdout).toContain(
      `not placed: this campaign already dialled ${written(2)} as sim/reminders/2 (placed `,
    );
    expect(plan.stdout).toContain(
      `--replace would not place it: not placed: this campaign already dialled ${written(1)} as sim/reminders/1 `,
    );
    expect(plan.stdout).not.toContain('callops apply --replace reminders/2');
    // Whom the rows dial is shown as written: the variable's value stays out of the plan.
    expect(plan.stdout).not.toContain(number(2));
    const second = await gw.run(['apply', '--yes'], env);
    expect(second.code, output(second)).toBe(0);
    const replaced = await gw.run(['apply', '--yes', '--replace', 'reminders/2'], env);
    expect(replaced.code, output(replaced)).toBe(64);
    expect(replaced.stderr).toContain(
      `--replace reminders/2: not placed: this campaign already dialled ${written(1)} as sim/reminders/1`,
    );
    // Bob's row, at a key never placed, is refused with the plan's reason, not as one that
    // a plain apply would place ("not placed yet").
    const heldWhy = (command: string, sent: string) =>
      new RegExp(
        `^callops ${command}: --replace reminders/3: not placed: this campaign already dialled \\$\\{PFX\\}${cell(2)} as sim/reminders/2 \\(placed \\S+ at \\S+\\); lists/reminders.csv has no id column[^\\n]*${sent}$`,
        'm',
      );
    const unplaced = await gw.run(['apply', '--yes', '--replace', 'reminders/3'], env);
    expect(unplaced.code, output(unplaced)).toBe(64);
    expect(unplaced.stderr).toMatch(heldWhy('apply', '; nothing was sent'));
    expect(unplaced.stderr).not.toContain('not placed yet');
    const planned = await gw.run(['plan', '--replace', 'reminders/3'], env);
    expect(planned.code, output(planned)).toBe(64);
    expect(planned.stderr).toMatch(heldWhy('plan', '[^;]'));
    expect(dialled(gw).sort()).toEqual([number(1), number(2)]);
    expect((await gw.project.lock())?.calls['sim/reminders/3']).toBeUndefined();
    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json'], env);
    expect(status.code, output(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 1,
      waiting: 0,
    });
    // Row 2 (Ann now) changed since placed: status does not offer --replace either.
    const changed = await gw.run(['status'], env);
    expect(changed.stdout).toContain(
      `--replace would not place it: this campaign already dialled ${written(1)} as sim/reminders/1`,
    );
    expect(changed.stdout).not.toContain('callops apply --replace reminders/2');
  });

  it('of two rows dialling one number in one run, the later is held', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': yaml,
      'lists/reminders.csv': `name,phone\nAnn,${cell(1)}\nAnn again,${cell(1)}\n`,
    });
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/reminders: 2 rows — 1 due, 1 skipped/);
    expect(plan.stdout).toContain(
      `not placed: sim/reminders/1 of this campaign dials ${written(1)} too, in this run`,
    );
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(0);
    expect(dialled(gw)).toEqual([number(1)]);
    expect((await gw.project.lock())?.calls['sim/reminders/2']).toBeUndefined();
  });

  it('an id edited does not call its person again under the new id', async () => {
    const csv = (second: string) => `id,name,phone\na,Ann,${cell(1)}\n${second},Bob,${cell(2)}\n`;
    const gw = await gateway({
      'calls/reminders.yaml': yaml,
      'lists/reminders.csv': csv('b'),
    });
    const first = await gw.run(['apply', '--yes'], env);
    expect(first.code, output(first)).toBe(0);
    await writeFile(join(gw.project.dir, 'lists/reminders.csv'), csv('b2'));
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      `not placed: this campaign already dialled ${written(2)} as sim/reminders/b (placed `,
    );
    const again = await gw.run(['apply', '--yes'], env);
    expect(again.code, output(again)).toBe(0);
    expect(dialled(gw)).toEqual([number(1), number(2)]);
    expect((await gw.project.lock())?.calls['sim/reminders/b2']).toBeUndefined();
  });
});

describe('--replace NAME of a campaign', () => {
  it("a campaign's name is refused saying --replace takes a row; plan's refusals do not speak of sending", async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(2),
    });
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const campaign =
      '--replace reminders: `reminders` is a campaign: --replace takes one of its rows, `reminders/ID` (`callops plan --only reminders` lists them)';
    const applied = await gw.run(['apply', '--yes', '--replace', 'reminders']);
    expect(applied.code, output(applied)).toBe(64);
    expect(applied.stderr).toContain(`callops apply: ${campaign}; nothing was sent\n`);
    for (const [name, why] of [
      ['reminders', campaign],
      ['nosuch', '--replace nosuch: no call of that name (see `callops plan` for the calls)'],
      ['reminders/r9', '--replace reminders/r9: no call of that name'],
    ] as const) {
      const planned = await gw.run(['plan', '--replace', name]);
      expect(planned.code, output(planned)).toBe(64);
      expect(planned.stderr).toContain(`callops plan: ${why}`);
      expect(planned.stderr).not.toContain('nothing was sent');
    }
    // A row added since, which no hold keeps back: not placed yet, for a plain apply to place.
    await writeFile(join(gw.project.dir, 'lists/reminders.csv'), rows(3));
    const added = await gw.run(['apply', '--yes', '--replace', 'reminders/r3']);
    expect(added.code, output(added)).toBe(64);
    expect(added.stderr).toBe(
      'callops apply: --replace reminders/r3: sim/reminders/r3 is not placed yet: --replace places a placed call again (`callops plan` says when, or why not, it is placed); nothing was sent\n',
    );
    // Its rows are placed, once each.
    expect(gw.placed()).toHaveLength(2);
  });
});

describe('a row edited back to whom its key called before a --replace', () => {
  it('is not offered --replace by plan or status, and apply --replace is refused: nobody is called twice', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
      'lists/reminders.csv': `name,phone\nAnn,${number(1)}\n`,
    });
    const csv = join(gw.project.dir, 'lists/reminders.csv');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    // Ann's number was wrong: the row names Zed, and --replace calls him.
    await writeFile(csv, `name,phone\nZed,${number(9)}\n`);
    const replaced = await gw.run(['apply', '--yes', '--replace', 'reminders/1']);
    expect(replaced.code, output(replaced)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // Then Ann again: row 1's own key called her before the replacement.
    await writeFile(csv, `name,phone\nAnn,${number(1)}\n`);
    const own = `this campaign already dialled ${number(1)} as sim/reminders/1 (placed `;
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(`--replace would not place it: not placed: ${own}`);
    expect(plan.stdout).toContain("that is this row's own key");
    expect(plan.stdout).not.toContain('callops apply --replace reminders/1');
    const status = await gw.run(['status']);
    expect(status.stdout).toContain(
      `--replace would not place it: this campaign already dialled ${number(1)} as sim/reminders/1, this row, before`,
    );
    const again = await gw.run(['apply', '--yes', '--replace', 'reminders/1']);
    expect(again.code, output(again)).toBe(64);
    expect(again.stderr).toContain(`--replace reminders/1: not placed: ${own}`);
    expect(again.stderr).toMatch(/; nothing was sent\n/);
    // plan refuses it too, and sends nothing in any case: it does not say so.
    const planned = await gw.run(['plan', '--replace', 'reminders/1']);
    expect(planned.code, output(planned)).toBe(64);
    expect(planned.stderr).toContain(`callops plan: --replace reminders/1: not placed: ${own}`);
    expect(planned.stderr).not.toContain('nothing was sent');
    const dialled = gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);
    expect(dialled).toEqual([number(1), number(9)]);
  });
});

describe('campaigns whose CSV has no id column (rows keyed by position)', () => {
  it('a row put above others never calls again whom the campaign already called', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
      'lists/reminders.csv': `name,phone\nAnn,${number(1)}\nBob,${number(2)}\n`,
    });
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // Zed is put first: Ann is now row 2, Bob row 3 (a key with no entry).
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      `name,phone\nZed,${number(9)}\nAnn,${number(1)}\nBob,${number(2)}\n`,
    );
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).not.toMatch(/^\+ sim\/reminders\/3/m);
    expect(plan.stdout).toContain(
      `not placed: this campaign already dialled ${number(2)} as sim/reminders/2`,
    );
    const second = await gw.run(['apply', '--yes']);
    expect(second.code, output(second)).toBe(0);
    // Nobody is called twice; --replace of row 2 (now Ann, called as row 1) is held too.
    const replaced = await gw.run(['apply', '--yes', '--replace', 'reminders/2']);
    expect(replaced.code, output(replaced)).toBe(64);
    expect(replaced.stderr).toContain(
      `--replace reminders/2: not placed: this campaign already dialled ${number(1)} as sim/reminders/1`,
    );
    expect(replaced.stderr).toMatch(/; nothing was sent\n/);
    const dialled = gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);
    expect(dialled.sort()).toEqual([number(1), number(2)]);
    expect((await gw.project.lock())?.calls['sim/reminders/3']).toBeUndefined();
    // Bob (row 3 now) will never be called: held, not waiting, in status and report.
    const status = await campaignStatus(gw);
    expect(status.code, output(status)).toBe(0);
    const counts = JSON.parse(status.stdout) as { states: Record<string, number> };
    expect(counts.states).toMatchObject({ held: 1, waiting: 0, expired: 0 });
    const text = await gw.run(['status', '--campaign', 'reminders']);
    expect(text.stdout).toMatch(/^ {2}held +1$/m);
    expect(text.stdout).toContain('held: not placed: this campaign already dialled its number');
    const report = await gw.run(['report', 'reminders']);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout.split('\r\n')[3]).toBe(`3,${number(2)},held,0,,,,,`);
    const json = await gw.run(['report', 'reminders', '--format', 'json']);
    expect((JSON.parse(json.stdout) as { id: string; state: string }[])[2]).toMatchObject({
      id: '3',
      state: 'held',
      attempts: 0,
    });
  });

  it('before its calling hours such a row is held in every plan output, not waiting', async () => {
    const BEFORE = '2026-06-10T12:00:00Z';
    // Outside the calling hours: every row waits for 09:00 the next day.
    const NIGHT = '2026-06-10T20:00:00Z';
    const NEXT_DAY = '2026-06-11T10:00:00Z';
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(
        ['schedule: { window: "09:00-17:00", timezone: UTC }'],
        '{ patient: "${row.name}" }',
      ),
      'lists/reminders.csv': `name,phone\nAnn,${number(1)}\nBob,${number(2)}\n`,
    });
    const first = await gw.run(['apply', '--yes', '--now', BEFORE]);
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // Zed is put first: Bob is row 3 (never placed under that key); Cy (row 4) is new, and
    // row 5 dials Cy's number too: held as well, before its hours as once due.
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      `name,phone\nZed,${number(9)}\nAnn,${number(1)}\nBob,${number(2)}\nCy,${number(3)}\nCy again,${number(3)}\n`,
    );
    const held = `not placed: this campaign already dialled ${number(2)} as sim/reminders/2`;
    const inRun = `not placed: sim/reminders/4 of this campaign dials ${number(3)} too, in this run`;
    const plan = await gw.run(['plan', '--now', NIGHT]);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(held);
    expect(plan.stdout).toContain(inRun);
    expect(plan.stdout).not.toMatch(/sim\/reminders\/[35] .*waiting/);
    expect(plan.stdout).toMatch(/sim\/reminders\/4 .*waiting: outside calling hours 09:00-17:00/);
    expect(plan.stdout).toMatch(/reminders: 5 rows — 1 waiting, 4 skipped/);
    expect(plan.stdout).toMatch(/Plan: 0 to place, 0 missed, 2 skipped, 1 upcoming, 2 changed/);
    const json = await gw.run(['plan', '--now', NIGHT, '--format', 'json']);
    expect(json.code, output(json)).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      upcoming: { key: string }[];
      skipped: { key: string; reason: string; waiting?: boolean }[];
      campaigns: { name: string; rows: number; waiting: number; skipped: number }[];
    };
    expect(parsed.upcoming.map((i) => i.key)).toEqual(['sim/reminders/4']);
    const row3 = parsed.skipped.find((i) => i.key === 'sim/reminders/3');
    expect(row3?.reason).toMatch(new RegExp(`^${held.replace('+', '\\+')} `));
    expect(row3?.waiting).toBeUndefined();
    const row5 = parsed.skipped.find((i) => i.key === 'sim/reminders/5');
    expect(row5?.reason).toMatch(new RegExp(`^${inRun.replace('+', '\\+')}; `));
    expect(row5?.waiting).toBeUndefined();
    expect(parsed.campaigns).toEqual([
      expect.objectContaining({ name: 'reminders', rows: 5, waiting: 1, skipped: 4 }),
    ]);
    const markdown = await gw.run(['plan', '--now', NIGHT, '--format', 'markdown']);
    expect(markdown.code, output(markdown)).toBe(0);
    expect(markdown.stdout).toContain(held);
    expect(markdown.stdout).toContain('Skipped: 4');
    const file = join(gw.project.dir, 'night.plan.json');
    const saved = await gw.run(['plan', '--now', NIGHT, '--out', file]);
    expect(saved.code, output(saved)).toBe(0);
    expect(saved.stdout).toContain(held);
    // --replace of row 2 (now Ann, called as row 1) is refused now, not only once due.
    const replaced = await gw.run(['apply', '--yes', '--now', NIGHT, '--replace', 'reminders/2']);
    expect(replaced.code, output(replaced)).toBe(64);
    expect(replaced.stderr).toContain(
      `--replace reminders/2: not placed: this campaign already dialled ${number(1)} as sim/reminders/1`,
    );
    const status = await campaignStatus(gw, NIGHT);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 2,
      waiting: 1,
    });
    // Once the hours open, Cy is called once; Bob is not called again.
    const applied = await gw.run(['apply', '--yes', '--now', NEXT_DAY]);
    expect(applied.code, output(applied)).toBe(0);
    const dialled = gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);
    expect(dialled.sort()).toEqual([number(1), number(2), number(3)]);
    expect((await gw.project.lock())?.calls['sim/reminders/3']).toBeUndefined();
  });

  it('after the end such a row is held, not expired "never placed": its person was called', async () => {
    const BEFORE = '2026-06-10T12:00:00Z';
    const AFTER = '2026-07-05T12:00:00Z';
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(
        ['schedule: { end: "2026-06-30", window: "00:00-23:59", timezone: UTC }'],
        '{ patient: "${row.name}" }',
      ),
      'lists/reminders.csv': `name,phone\nAnn,${number(1)}\nBob,${number(2)}\n`,
    });
    const first = await gw.run(['apply', '--yes', '--now', BEFORE]);
    expect(first.code, output(first)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    // After the end, Zed is put first: Bob is row 3 (never placed under that key), Cy row 4.
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      `name,phone\nZed,${number(9)}\nAnn,${number(1)}\nBob,${number(2)}\nCy,${number(3)}\n`,
    );
    const plan = await gw.run(['plan', '--now', AFTER]);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      `not placed: this campaign already dialled ${number(2)} as sim/reminders/2`,
    );
    expect(plan.stdout).not.toMatch(/sim\/reminders\/3 .*expired/);
    expect(plan.stdout).toMatch(/sim\/reminders\/4 .*expired: end 2026-06-30 passed/);
    const applied = await gw.run(['apply', '--yes', '--now', AFTER]);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toContain('missed  sim/reminders/4  expired: end 2026-06-30');
    expect(applied.stdout).not.toContain('sim/reminders/3');
    expect(gw.placed()).toHaveLength(2);
    const status = await campaignStatus(gw, AFTER);
    expect(status.code, output(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 1,
      expired: 1,
      waiting: 0,
    });
    const report = await gw.run(['report', 'reminders', '--now', AFTER]);
    const rows = report.stdout.trim().split('\r\n').slice(1);
    expect(rows[2]).toBe(`3,${number(2)},held,0,,,,,`);
    expect(rows[3]).toBe(`4,${number(3)},expired,0,,,,,`);
  });

  it('a header `ID` is not the id column: validate, plan and apply warn at its cell, rows keyed by position', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
      'lists/reminders.csv': `name,ID,phone\nAnn,a,${number(1)}\nBob,b,${number(2)}\n`,
    });
    const warning =
      'lists/reminders.csv:1:6: warning: column `ID` is not the id column (only `id`, lowercase, is): the rows are keyed by their position, which a row added, removed or moved above shifts; rename the column to `id` to key the rows by it';
    for (const args of [['validate'], ['plan'], ['apply', '--yes']]) {
      const r = await gw.run(args);
      expect(r.code, output(r)).toBe(0);
      expect(output(r)).toContain(warning);
    }
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual(['sim/reminders/1', 'sim/reminders/2']);
  });

  it('a held row whose own entry is unknown is listed once, under Unknown, with the reason the plan holds it for', async () => {
    const gw = await gateway(
      {
        'calls/reminders.yaml': campaignYaml([], '{ patient: "${row.name}" }'),
        'lists/reminders.csv': `name,phone\nAnn,${number(1)}\nBob,${number(2)}\n`,
      },
      { failStatus: 500, failRate: 1 },
    );
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(1);
    expect(first.stdout).toContain('0 placed, 0 failed, 2 unknown');
    // Swapped: each key now dials whom the other's unknown attempt may have rung.
    await writeFile(
      join(gw.project.dir, 'lists/reminders.csv'),
      `name,phone\nBob,${number(2)}\nAnn,${number(1)}\n`,
    );
    const heldWords = (n: number, key: string) =>
      `this campaign already dialled ${number(n)} as sim/reminders/${key} (unknown at `;
    const plan = await gw.run(['plan', '--retry-unknown']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      '  reminders: 2 rows — 2 skipped (placed, unknown, held or disabled)\n',
    );
    expect(plan.stdout).not.toContain('Skipped (');
    expect(plan.stdout).toContain('0 skipped, 0 upcoming, 2 unknown to settle.');
    const hint = (key: string) =>
      plan.stdout
        .split('\n')
        .find((l) => l.includes(`callops resolve sim/reminders/${key} --not-placed`));
    expect(hint('1')).toContain(`--not-placed (not placed again: ${heldWords(2, '2')}`);
    expect(hint('2')).toContain(`--not-placed (not placed again: ${heldWords(1, '1')}`);
    // JSON gives the same reason: the row skipped, its entry unsettled.
    const json = await gw.run(['plan', '--retry-unknown', '--format', 'json']);
    const parsed = JSON.parse(json.stdout) as {
      skipped: { key: string; reason: string }[];
      unsettled: { key: string; hint: string }[];
    };
    for (const { key, reason } of parsed.skipped) {
      expect(reason).toMatch(/^not placed: this campaign already dialled /);
      const unsettled = parsed.unsettled.find((u) => u.key === key);
      expect(unsettled?.hint).toContain(
        `(not placed again: ${reason.slice('not placed: '.length)})`,
      );
    }
    expect(parsed.skipped).toHaveLength(2);
    const again = await gw.run(['apply', '--yes', '--retry-unknown']);
    expect(again.stdout).toContain(heldWords(2, '2'));
    expect(gw.sim.received()).toHaveLength(2);
  });
});

describe('report formats', () => {
  it('report writes CSV or JSON: --format human or github is a usage error, and a runner gets CSV', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': rows(2),
    });
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    for (const format of ['human', 'github']) {
      const r = await gw.run(['report', 'reminders', '--format', format]);
      expect(r.code, output(r)).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `callops report: --format ${format} is not for report: it writes CSV (the default) or JSON (--format json)\n`,
      );
    }
    const header = 'id,to,state,attempts,sid,sip_status,duration,last_attempt_at,to_changed';
    const csv = await gw.run(['report', 'reminders', '--format', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe(header);
    // In a GitHub Actions runner (whose default format is github) report writes CSV.
    const runner = await gw.run(['report', 'reminders'], { GITHUB_ACTIONS: 'true' });
    expect(runner.code, output(runner)).toBe(0);
    expect(runner.stdout).toBe(csv.stdout);
    const json = await gw.run(['report', 'reminders', '--format', 'json']);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(2);
  });

  it('an invalid CSV stops report as it stops plan: located on stderr, under json the one {ok: false} object; only apply says nothing was sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,12ab\n`,
    });
    const located = 'lists/reminders.csv:3:8: error: `to.number` (`${row.phone}`) is `12ab` here';
    for (const args of [['report', 'reminders'], ['plan'], ['status']]) {
      const r = await gw.run(args);
      expect(r.code, output(r)).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(located);
      expect(r.stderr.endsWith(`callops ${args[0]}: invalid input\n`), r.stderr).toBe(true);
    }
    const planned = await gw.run(['plan', '--format', 'json']);
    const reported = await gw.run([
      'report',
      'reminders',
      '--format',
      'json',
      '--output',
      'r.json',
    ]);
    expect(reported.code, output(reported)).toBe(1);
    // The same object as plan's (and validate's), on stdout; no file written.
    expect(reported.stdout).toBe(planned.stdout);
    expect(JSON.parse(reported.stdout)).toEqual({
      ok: false,
      errors: [expect.objectContaining({ file: 'lists/reminders.csv', line: 3, column: 8 })],
    });
    expect(reported.stderr).toBe('callops report: invalid input\n');
    expect(gw.project.exists('r.json')).toBe(false);
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(1);
    expect(applied.stderr).toContain('callops apply: invalid input; nothing was sent\n');
    expect(gw.sim.received()).toHaveLength(0);
  });
});
