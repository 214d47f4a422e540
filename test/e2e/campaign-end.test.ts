import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  campaignStatus,
  campaignYaml,
  type Gateway,
  recipientNumber as number,
  output,
  waitFor,
} from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/** Inside the campaign's hours, then after its `end` (2026-06-30, UTC). */
const BEFORE = '2026-06-10T12:00:00Z';
const AFTER = '2026-07-05T12:00:00Z';
// A date-only end includes the whole day: the campaign ends at the next midnight.
const ENDED = 'campaign reminders ended at 2026-07-01T00:00:00Z (end 2026-06-30)';
const CSV = (r1: string) => `id,name,phone\nr1,Ann,${r1}\nr2,Bob,${number(2)}\n`;

/** Two rows; every call ends no-answer at once. r1 is placed before the end, r2 never. */
const campaign = async (
  extra: readonly string[] = [],
  options: Parameters<typeof startGateway>[1] = {},
  schedule = 'schedule: { end: "2026-06-30", window: "00:00-23:59", timezone: UTC }',
): Promise<Gateway> => {
  const gw = await startGateway(
    {
      'calls/reminders.yaml': campaignYaml([schedule, ...extra]),
      'lists/reminders.csv': CSV(number(1)),
    },
    {
      outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 },
      seed: 1,
      ringMs: 0,
      talkMs: 0,
      ...options,
    },
  );
  const first = await gw.run([
    'apply',
    '--yes',
    '--now',
    BEFORE,
    '--only',
    'reminders/r1',
    '--wait',
    '10s',
  ]);
  // A request that outlives the target's timeout leaves the row unknown (exit 1).
  expect(first.code, output(first)).toBe(options.latencyMs === undefined ? 0 : 1);
  // The simulator records a request once its latency passed.
  await waitFor('the first request recorded', () =>
    gw.sim.received().length === 1 ? true : undefined,
  );
  return gw;
};

interface PlanItemJson {
  readonly key: string;
  readonly reason?: string;
  readonly changed?: boolean;
  readonly expired?: boolean;
}
interface PlanJson {
  readonly due: PlanItemJson[];
  readonly missed: PlanItemJson[];
  readonly skipped: PlanItemJson[];
  readonly campaigns: { expired: number; skipped: number }[];
}

/** The campaign's row counts by state, as `status --campaign --format json` gives them after the end. */
const campaignStates = async (gw: Gateway): Promise<Record<string, number>> => {
  const counts = await campaignStatus(gw, AFTER);
  expect(counts.code === 0 || counts.code === 3, output(counts)).toBe(true);
  return (JSON.parse(counts.stdout) as { states: Record<string, number> }).states;
};

/** `status --campaign` and `report` agree: r1 stands at its outcome, only r2 is expired. */
const expectReachedNotExpired = async (gw: Gateway, sid: string | undefined) => {
  expect(await campaignStates(gw)).toMatchObject({
    'no-answer': 1,
    expired: 1,
    waiting: 0,
  });
  const report = await gw.run(['report', 'reminders', '--now', AFTER]);
  expect(report.code, output(report)).toBe(0);
  const rows = report.stdout.trim().split('\r\n').slice(1);
  expect(rows[0]).toMatch(new RegExp(`^r1,[^,]*,no-answer,1,${sid},487,`));
  expect(rows[1]).toBe(`r2,${number(2)},expired,0,,,,,`);
};

describe('a campaign whose end has passed', () => {
  it('a row placed before the end and edited since is never expired: plan, apply --replace, status and report say it was placed and is not placed again', async () => {
    const gw = await campaign();
    const sid = gw.placed()[0]?.sid;
    await gw.project.write('lists/reminders.csv', CSV(number(999)));

    const plan = await gw.run(['plan', '--now', AFTER]);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      `~ sim/reminders/r1  → ${number(999)}  (lists/reminders.csv:2) — changed since placed (already placed ${sid} at `,
    );
    expect(plan.stdout).toContain(`; not placed again: ${ENDED}`);
    // --replace is refused after end: the header does not offer it.
    expect(plan.stdout).toContain('Changed since placed — not placed again (1):');
    expect(plan.stdout).not.toContain('without --replace');
    expect(plan.stdout).not.toContain('callops apply --replace reminders/r1');
    expect(plan.stdout).toMatch(
      /Missed — deadline passed, never placed late \(1\):\n {2}! sim\/reminders\/r2 /,
    );
    expect(plan.stdout).toContain('reminders: 2 rows — 1 expired, 1 skipped');

    const json = JSON.parse(
      (await gw.run(['plan', '--format', 'json', '--now', AFTER])).stdout,
    ) as PlanJson;
    expect(json.missed.map((i) => i.key)).toEqual(['sim/reminders/r2']);
    expect(json.skipped).toEqual([
      expect.objectContaining({ key: 'sim/reminders/r1', changed: true }),
    ]);
    expect(json.skipped[0]?.expired).toBeUndefined();
    expect(json.skipped[0]?.reason).toContain(`not placed again: ${ENDED}`);
    expect(json.campaigns[0]).toMatchObject({ expired: 1, skipped: 1 });

    const markdown = await gw.run(['plan', '--format', 'markdown', '--now', AFTER]);
    expect(markdown.stdout).toContain('### Missed: 1');
    expect(markdown.stdout).toContain(
      '**Changed since placed (1)** — placed under an earlier definition:',
    );
    expect(markdown.stdout).not.toContain('later slots');
    expect(markdown.stdout).toMatch(
      new RegExp(
        `### Skipped: 1\\n\\n- \`sim/reminders/r1\` .*not placed again: ${ENDED.replace(/[()]/g, '\\$&')}`,
      ),
    );

    for (const format of ['human', 'json']) {
      const replaced = await gw.run([
        'apply',
        '--yes',
        '--replace',
        'reminders/r1',
        '--format',
        format,
        '--now',
        AFTER,
      ]);
      expect(replaced.code, output(replaced)).toBe(64);
      expect(replaced.stderr).toContain(
        `--replace reminders/r1: sim/reminders/r1 was placed (${sid} at `,
      );
      expect(replaced.stderr).toContain(`) and is not placed again: ${ENDED}; nothing was sent`);
      expect(replaced.stderr).not.toMatch(/expired/);
    }
    const preview = await gw.run(['plan', '--replace', 'reminders/r1', '--now', AFTER]);
    expect(preview.code).toBe(64);
    expect(preview.stderr).toContain(`is not placed again: ${ENDED}`);
    expect(gw.placed()).toHaveLength(1);
    expect((await gw.project.lock())?.calls['sim/reminders/r1']?.sid).toBe(sid);

    const status = await gw.run(['status', '--now', AFTER]);
    expect(status.stdout).toContain(`changed since placed: not placed again: ${ENDED}`);
    const statusJson = JSON.parse(
      (await gw.run(['status', '--format', 'json', '--now', AFTER])).stdout,
    ) as {
      changed: string[];
    };
    expect(statusJson.changed).toEqual(['sim/reminders/r1']);
    await expectReachedNotExpired(gw, sid);
  }, 60_000);

  it('a row whose redial was still to come stands at its last outcome with no redial, not expired', async () => {
    const gw = await campaign(['redial: { on: [no-answer], after: 1h, max_attempts: 3 }']);
    const sid = gw.placed()[0]?.sid;
    const words = `done after attempt 1 (no-answer ${sid}): no redial: ${ENDED}`;

    const plan = await gw.run(['plan', '--now', AFTER]);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain(
      `= sim/reminders/r1  → ${number(1)}  (lists/reminders.csv:2) — ${words}`,
    );
    expect(plan.stdout).toMatch(
      /Missed — deadline passed, never placed late \(1\):\n {2}! sim\/reminders\/r2 /,
    );
    const json = JSON.parse(
      (await gw.run(['plan', '--format', 'json', '--now', AFTER])).stdout,
    ) as PlanJson;
    expect(json.missed.map((i) => i.key)).toEqual(['sim/reminders/r2']);
    expect(json.skipped).toEqual([
      expect.objectContaining({ key: 'sim/reminders/r1', reason: words }),
    ]);
    const markdown = await gw.run(['plan', '--format', 'markdown', '--now', AFTER]);
    expect(markdown.stdout).toContain(`- \`sim/reminders/r1\` → \`${number(1)}\` — ${words}`);

    const applied = await gw.run(['apply', '--yes', '--now', AFTER]);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toContain('1 missed, never placed late.');
    expect(applied.stdout).not.toContain('sim/reminders/r1');
    expect(gw.placed()).toHaveLength(1);
    await expectReachedNotExpired(gw, sid);
  }, 60_000);

  it('an unknown row is never expired nor placed again, --retry-unknown or not, and every view says so', async () => {
    const gw = await campaign([], { latencyMs: 2500, targetExtra: ['request_timeout: 1s'] });
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/reminders/r1']?.status).toBe('unknown');
    const words = `unknown — not placed again: ${ENDED}; settle: \`callops resolve --check sim/reminders/r1\` looks it up on the gateway; or \`callops resolve sim/reminders/r1 --placed SID\` or \`--not-placed\``;
    const hint = `--not-placed (not placed again: ${ENDED})`;
    for (const flags of [[], ['--retry-unknown']]) {
      const json = JSON.parse(
        (await gw.run(['plan', ...flags, '--format', 'json', '--now', AFTER])).stdout,
      ) as PlanJson & { unsettled: { hint: string }[] };
      expect(json.due).toEqual([]);
      expect(json.missed.map((i) => i.key)).toEqual(['sim/reminders/r2']);
      expect(json.skipped).toEqual([
        expect.objectContaining({ key: 'sim/reminders/r1', reason: words }),
      ]);
      expect(json.campaigns[0]).toMatchObject({ expired: 1, skipped: 1 });
      expect(json.unsettled[0]?.hint).toContain(hint);
      const plan = await gw.run(['plan', ...flags, '--now', AFTER]);
      expect(plan.stdout).not.toContain('retry-unknown');
      const applied = await gw.run(['apply', '--yes', ...flags, '--now', AFTER]);
      expect(applied.stdout).not.toContain('sim/reminders/r1  expired');
      expect(output(applied)).toContain(hint);
      expect(output(applied)).not.toContain('retry-unknown');
    }
    expect(gw.sim.received()).toHaveLength(1);
    const status = await gw.run(['status', '--now', AFTER]);
    expect(status.stdout).toContain(hint);
    expect(status.stdout).not.toContain('retry-unknown');
    expect(await campaignStates(gw)).toMatchObject({
      unknown: 1,
      expired: 1,
    });
    const report = await gw.run(['report', 'reminders', '--now', AFTER]);
    expect(report.stdout.trim().split('\r\n')[1]).toMatch(/^r1,[^,]*,unknown,1,/);
  }, 60_000);

  it('expired rows are reported by the first apply after the end, not again; plan still lists them', async () => {
    const gw = await campaign();
    const first = await gw.run(['apply', '--yes', '--now', AFTER]);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain(
      'missed  sim/reminders/r2  expired: end 2026-06-30 passed at 2026-07-01T00:00:00Z',
    );
    expect(first.stdout).toContain('1 missed, never placed late.');
    const second = await gw.run(['apply', '--yes', '--now', AFTER]);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).not.toContain('sim/reminders/r2');
    expect(second.stdout).not.toContain('missed');
    const plan = await gw.run(['plan', '--now', AFTER]);
    expect(plan.stdout).toContain('! sim/reminders/r2 ');
    expect(plan.stdout).toContain('1 expired');
    const report = await gw.run(['report', 'reminders', '--now', AFTER]);
    expect(report.stdout).toContain(`r2,${number(2)},expired,0,,,,,`);
  }, 60_000);

  it('a redial that would fall after the end is not waited for: the row stands at its outcome in every view', async () => {
    const gw = await campaign(
      ['redial: { on: [no-answer], after: 30d, max_attempts: 3 }'],
      {},
      'schedule: { end: "2026-06-14", window: "09:00-17:00", timezone: UTC }',
    );
    const sid = gw.placed()[0]?.sid;
    const now = '2026-06-11T12:00:00Z';
    const words = `done after attempt 1 (no-answer ${sid}): no redial: the next attempt would fall after the campaign's end (campaign reminders ends at 2026-06-15T00:00:00Z (end 2026-06-14))`;
    const json = JSON.parse(
      (await gw.run(['plan', '--format', 'json', '--now', now])).stdout,
    ) as PlanJson & { upcoming: PlanItemJson[] };
    expect(json.upcoming).toEqual([]);
    expect(json.skipped).toEqual([
      expect.objectContaining({ key: 'sim/reminders/r1', reason: words }),
    ]);
    expect(json.due.map((i) => i.key)).toEqual(['sim/reminders/r2']);
    const plan = await gw.run(['plan', '--now', now]);
    expect(plan.stdout).toContain(
      `= sim/reminders/r1  → ${number(1)}  (lists/reminders.csv:2) — ${words}`,
    );
    expect(plan.stdout).not.toContain('waiting: redial');
    const counts = await campaignStatus(gw, now);
    expect((JSON.parse(counts.stdout) as { states: Record<string, number> }).states).toMatchObject({
      'no-answer': 1,
      waiting: 1,
    });
    const report = await gw.run(['report', 'reminders', '--now', now]);
    expect(report.stdout.trim().split('\r\n')[1]).toMatch(/^r1,[^,]*,no-answer,1,/);

    // After 17:00 on the last day no opening is left: r2 will never be reached.
    const late = '2026-06-14T18:00:00Z';
    const lateJson = JSON.parse(
      (await gw.run(['plan', '--format', 'json', '--now', late])).stdout,
    ) as PlanJson & { upcoming: PlanItemJson[] };
    expect(lateJson.upcoming).toEqual([]);
    expect(lateJson.missed).toEqual([
      expect.objectContaining({
        key: 'sim/reminders/r2',
        expired: true,
        reason: 'expired: no opening before end 2026-06-14 (2026-06-15T00:00:00Z); never placed',
      }),
    ]);
    const lateCounts = await campaignStatus(gw, late);
    expect(
      (JSON.parse(lateCounts.stdout) as { states: Record<string, number> }).states,
    ).toMatchObject({
      'no-answer': 1,
      expired: 1,
      waiting: 0,
    });
    const lateReport = await gw.run(['report', 'reminders', '--now', late]);
    expect(lateReport.stdout).toContain(`r2,${number(2)},expired,0,,,,,`);
    expect(gw.placed()).toHaveLength(1);
  }, 60_000);
});
