import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignStatus, campaignYaml, recipientNumber as number, output } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/** Two slots of a per-minute campaign, 30 s into each. */
const FIRST = '2026-06-10T12:00:30Z';
const SECOND = '2026-06-10T12:01:30Z';

interface CountsJson {
  readonly rows: number;
  readonly attempts: number;
  readonly states: Record<string, number>;
}
interface ReportJson {
  readonly id: string;
  readonly state: string;
  readonly attempts: number;
  readonly sid?: string;
  readonly lastAttemptAt?: string;
}
interface CampaignJson {
  readonly rows: number;
  readonly upcoming: number;
  readonly skipped: number;
  readonly slots?: Record<string, number>;
}

describe('a campaign with cron: each row placed at every slot', () => {
  it('status --campaign and report show each row at its latest slot, its slots counted as attempts; plan counts each row once', async () => {
    const gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { cron: "* * * * *", deadline: 5m, timezone: UTC }',
        ]),
        'lists/reminders.csv': `id,name,phone\nx1,Ann,${number(71)}\nx2,Bob,${number(72)}\n`,
      },
      { outcomes: { answered: 1, busy: 0, 'no-answer': 0, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    const sidsAt = async (slot: string) => {
      const lock = await gw.project.lock();
      return ['x1', 'x2'].map((id) => lock?.calls[`sim/reminders/${id}@${slot}`]?.sid);
    };

    const first = await gw.run(['apply', '--yes', '--now', FIRST, '--wait', '10s']);
    expect(first.code, output(first)).toBe(0);
    const [a1, a2] = await sidsAt('2026-06-10T12:00:00Z');
    expect(a1).toBeDefined();
    expect(a2).toBeDefined();

    const counts = await campaignStatus(gw, FIRST);
    expect(counts.code, output(counts)).toBe(0);
    const json = JSON.parse(counts.stdout) as CountsJson;
    expect(json).toMatchObject({ rows: 2, attempts: 2 });
    expect(json.states).toMatchObject({ answered: 2, waiting: 0 });
    const text = await gw.run(['status', '--campaign', 'reminders', '--now', FIRST]);
    expect(text.stdout).toContain('campaign reminders: 2 rows, 2 attempts recorded');

    const report = await gw.run(['report', 'reminders', '--now', FIRST]);
    expect(report.code, output(report)).toBe(0);
    const lines = report.stdout.trim().split('\r\n').slice(1);
    // The latest slot's sid, answer and when it was placed.
    const placedAt = (await gw.project.lock())?.calls['sim/reminders/x1@2026-06-10T12:00:00Z']?.at;
    expect(lines[0]).toBe(`x1,${number(71)},answered,1,${a1},200,0,${placedAt},`);
    expect(lines[1]).toMatch(new RegExp(`^x2,\\${number(72)},answered,1,${a2},200,`));

    // The next slot: each row is placed again, and stands at that slot's call.
    const second = await gw.run(['apply', '--yes', '--now', SECOND, '--wait', '10s']);
    expect(second.code, output(second)).toBe(0);
    const [b1, b2] = await sidsAt('2026-06-10T12:01:00Z');
    expect(b1).toBeDefined();
    expect(b1).not.toBe(a1);
    const rows = await gw.run(['report', 'reminders', '--format', 'json', '--now', SECOND]);
    expect(
      (JSON.parse(rows.stdout) as ReportJson[]).map((r) => [r.id, r.state, r.attempts, r.sid]),
    ).toEqual([
      ['x1', 'answered', 2, b1],
      ['x2', 'answered', 2, b2],
    ]);
    const after = await campaignStatus(gw, SECOND);
    expect(JSON.parse(after.stdout) as CountsJson).toMatchObject({ rows: 2, attempts: 4 });

    // The plan counts each row once (its next slot is to come), and the slots it lists apart.
    const plan = await gw.run(['plan', '--format', 'json', '--now', SECOND]);
    expect(plan.code, output(plan)).toBe(0);
    const [campaign] = (JSON.parse(plan.stdout) as { campaigns: CampaignJson[] }).campaigns;
    expect(campaign).toMatchObject({ rows: 2, upcoming: 2, skipped: 0 });
    // Two rows, three slots each to come; the slots missed before the first apply, the placed ones.
    expect(campaign?.slots).toMatchObject({ due: 0, upcoming: 6, missed: 8, skipped: 2 });
    const human = await gw.run(['plan', '--now', SECOND]);
    expect(human.stdout).toMatch(
      /reminders: 2 rows — 2 upcoming; slots listed: 6 upcoming, 8 missed, 2 skipped/,
    );
  });
});

describe('a campaign with cron once no slot is left', () => {
  it("report keeps each row's number, a row whose latest slot was refused is failed, and plan keeps the campaign's line", async () => {
    // The first request is answered 201, every later one 400 (refused).
    let requests = 0;
    const gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { cron: "0 9 * * *", end: "2026-12-02", timezone: UTC }',
        ]),
        'lists/reminders.csv': `id,name,phone\nx1,Ann,${number(81)}\nx2,Bob,${number(82)}\n`,
      },
      { failStatus: 400, failRate: 0.5, random: () => (requests++ === 0 ? 0.99 : 0) },
    );
    const at = '2026-12-02T09:00:30Z';
    for (const row of ['reminders/x1', 'reminders/x2']) {
      const r = await gw.run(['apply', '--yes', '--now', at, '--only', row]);
      expect(r.code === 0 || r.code === 1, output(r)).toBe(true);
    }
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/reminders/x1@2026-12-02T09:00:00Z']?.status).toBe('placed');
    expect(lock?.calls['sim/reminders/x2@2026-12-02T09:00:00Z']?.status).toBe('failed');

    // Noon: the 09:00 slot is over, the next one falls after the end.
    const NOON = '2026-12-02T12:00:00Z';
    const report = await gw.run(['report', 'reminders', '--format', 'json', '--now', NOON]);
    expect(report.code, output(report)).toBe(0);
    const rows = JSON.parse(report.stdout) as (ReportJson & { to: string; toChanged?: true })[];
    expect(rows.map((r) => [r.id, r.to, r.state, r.attempts, r.toChanged ?? false])).toEqual([
      ['x1', number(81), 'placed', 1, false],
      ['x2', number(82), 'failed', 1, false],
    ]);
    const counts = await campaignStatus(gw, NOON);
    expect((JSON.parse(counts.stdout) as CountsJson).states).toMatchObject({
      failed: 1,
      waiting: 0,
    });

    const plan = await gw.run(['plan', '--format', 'json', '--now', NOON]);
    expect(plan.code, output(plan)).toBe(0);
    const campaigns = (
      JSON.parse(plan.stdout) as { campaigns: (CampaignJson & { done?: number })[] }
    ).campaigns;
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({ name: 'reminders', rows: 2, done: 2 });
    const human = await gw.run(['plan', '--now', NOON]);
    expect(human.stdout).toContain(
      'reminders: 2 rows — 2 done (no slot left); slots listed: nothing',
    );
  });
});

describe('apply --only one row of a campaign with cron', () => {
  it("reports that row's missed slots without marking the other rows' as reported", async () => {
    const gw = await startGateway({
      'calls/reminders.yaml': campaignYaml(['schedule: { cron: "0 * * * *" }']),
      'lists/reminders.csv': [
        'id,name,phone,timezone',
        `utc,Ann,${number(81)},UTC`,
        `kath,Bob,${number(82)},Asia/Kathmandu`,
        '',
      ].join('\n'),
    });
    const missed = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('missed'))
        .map((l) => l.split(/ +/)[1]);
    const first = await gw.run(['apply', '--yes', '--now', '2026-11-10T00:16:00Z']);
    expect(first.code, output(first)).toBe(0);
    const utc = await gw.run([
      'apply',
      '--yes',
      '--now',
      '2026-11-10T04:05:00Z',
      '--only',
      'reminders/utc',
    ]);
    expect(utc.code, output(utc)).toBe(0);
    expect(missed(utc.stdout)).toEqual([
      'sim/reminders/utc@2026-11-10T01:00:00Z',
      'sim/reminders/utc@2026-11-10T02:00:00Z',
      'sim/reminders/utc@2026-11-10T03:00:00Z',
    ]);
    // The whole campaign next: the other row's missed slots are reported, every one.
    const all = await gw.run(['apply', '--yes', '--now', '2026-11-10T04:06:00Z']);
    expect(all.code, output(all)).toBe(0);
    expect(missed(all.stdout)).toEqual(
      expect.arrayContaining([
        'sim/reminders/kath@2026-11-10T01:15:00Z',
        'sim/reminders/kath@2026-11-10T02:15:00Z',
        'sim/reminders/kath@2026-11-10T03:15:00Z',
      ]),
    );
    // And once.
    const again = await gw.run(['apply', '--yes', '--now', '2026-11-10T04:07:00Z']);
    expect(missed(again.stdout)).toEqual([]);
  });
});
