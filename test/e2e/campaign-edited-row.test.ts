import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, type Gateway, recipientNumber as number, output } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/** A campaign that redials no-answer once, against a simulator where no call is answered. */
const noAnswerCampaign = async (csv: string, extra: readonly string[] = []): Promise<Gateway> => {
  const gw = await startGateway(
    {
      'calls/reminders.yaml': campaignYaml([
        'redial: { on: [no-answer], after: 0s, max_attempts: 2 }',
        ...extra,
      ]),
      'lists/reminders.csv': csv,
    },
    { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
  );
  return gw;
};

const dialled = (gw: Gateway): string[] =>
  gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

describe('a row of a redial campaign edited after it was dialled', () => {
  it('is not redialled to its new number: plan, apply and status all show it changed since placed', async () => {
    const gw = await noAnswerCampaign(`id,name,phone\nr1,Ann,${number(1)}\n`);
    const first = await gw.run(['apply', '--yes', '--wait', '20s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toMatch(/1 no-answer/);
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1,Ann,${number(999)}\n`);

    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/Changed since placed — not placed again \(1\):/);
    expect(plan.stdout).toMatch(
      /~ sim\/reminders\/r1 {2}→ \+15557000999 .* — changed since placed \(attempt 1 no-answer .*\); not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
    expect(plan.stdout).not.toMatch(/r1#2/);
    expect(plan.stdout).toMatch(/Plan: 0 to place, .*1 changed since placed/);

    const json = await gw.run(['plan', '--format', 'json']);
    const read = JSON.parse(json.stdout) as { due: unknown[]; changed: string[] };
    expect(read.due).toEqual([]);
    expect(read.changed).toEqual(['sim/reminders/r1']);

    const markdown = await gw.run(['plan', '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/\*\*Changed since placed \(1\)\*\*/);
    expect(markdown.stdout).toMatch(/### Due on merge: 0 calls/);

    const status = await gw.run(['status', '--format', 'json']);
    expect((JSON.parse(status.stdout) as { changed: string[] }).changed).toEqual([
      'sim/reminders/r1',
    ]);
    const human = await gw.run(['status']);
    expect(human.stdout).toContain(
      'changed since placed: not redialled; to call the row as it is now, give it a new id in its CSV',
    );
    expect(human.stdout).not.toMatch(/due now/);

    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toMatch(/Changed since placed/);
    const replaced = await gw.run(['apply', '--yes', '--replace', 'reminders/r1']);
    expect(replaced.code).toBe(64);
    expect(replaced.stderr).toMatch(
      /--replace reminders\/r1: its campaign redials by outcome: .*; it is changed since placed \(attempt 1\), so it is not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
    expect(dialled(gw)).toEqual([number(1)]);

    // The report never shows the new number beside the sid of the call to the old one, and
    // the row stands at its outcome: it is not waiting for a redial.
    const sid = gw.placed()[0]?.sid;
    const report = await gw.run(['report', 'reminders']);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout.split('\r\n')[1]).toMatch(
      new RegExp(`^r1,,no-answer,1,${sid},487,0,[^,]+,yes$`),
    );
    const counts = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(JSON.parse(counts.stdout)).toMatchObject({
      rows: 1,
      states: { 'no-answer': 1, waiting: 0 },
    });

    // Under a new id it is a new row: called at its new number, from its first attempt.
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1-new,Ann,${number(999)}\n`);
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(dialled(gw)).toEqual([number(1), number(999)]);
  }, 40_000);
});

/**
 * A campaign that redials no-answer (every call ends so), waiting `after` between attempts,
 * its tag naming the row's `name` cell: an edit of that cell is an edit of the row that
 * leaves its number as it was.
 */
const taggedCampaign = (csv: string, after: string): Promise<Gateway> =>
  startGateway(
    {
      'calls/reminders.yaml': campaignYaml([
        `redial: { on: [no-answer], after: ${after}, max_attempts: 3 }`,
      ]),
      'lists/reminders.csv': csv,
    },
    { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
  );

/** The `patient` of the tag each call the simulator received carried. */
const patients = (gw: Gateway): unknown[] =>
  gw.placed().map((r) => (r.body as { tag?: { patient?: unknown } }).tag?.patient);

describe('a row of a redial campaign edited after it was dialled, its number as it was', () => {
  it('is redialled as it is now at its time, once: plan, status and the campaign counts say so', async () => {
    const gw = await taggedCampaign(`id,name,phone\nr1,Jonh,${number(2)}\n`, '1h');
    const first = await gw.run(['apply', '--yes', '--wait', '20s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toMatch(/1 no-answer/);
    // A typo fixed in the name: the tag changes, the number does not.
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1,John,${number(2)}\n`);

    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).not.toMatch(/Changed since placed|give it a new id/);
    expect(plan.stdout).toMatch(
      /sim\/reminders\/r1#2 .*redial 2 of 3: attempt 1 no-answer \(\S+\); edited since attempt 1: redialled as it is now/,
    );
    const json = JSON.parse((await gw.run(['plan', '--format', 'json'])).stdout) as {
      due: unknown[];
      upcoming: { key: string; opens?: string }[];
      changed: string[];
    };
    expect(json.due).toEqual([]);
    expect(json.changed).toEqual([]);
    expect(json.upcoming.map((i) => i.key)).toEqual(['sim/reminders/r1#2']);
    const opens = json.upcoming[0]?.opens as string;
    const status = await gw.run(['status', '--format', 'json']);
    expect((JSON.parse(status.stdout) as { changed: string[] }).changed).toEqual([]);
    const counts = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(JSON.parse(counts.stdout)).toMatchObject({
      rows: 1,
      attempts: 1,
      states: { 'no-answer': 0, waiting: 1 },
    });

    // Not before its time; at its time once, with the row as it is now.
    const early = await gw.run(['apply', '--yes']);
    expect(early.code, output(early)).toBe(0);
    expect(dialled(gw)).toEqual([number(2)]);
    const at = new Date(Date.parse(opens) + 1000).toISOString();
    const second = await gw.run(['apply', '--yes', '--wait', '20s', '--now', at]);
    expect(second.code, output(second)).toBe(0);
    const again = await gw.run(['apply', '--yes', '--now', at]);
    expect(again.code, output(again)).toBe(0);
    expect(dialled(gw)).toEqual([number(2), number(2)]);
    expect(patients(gw)).toEqual(['Jonh', 'John']);
    expect(Object.keys((await gw.project.lock())?.calls ?? {}).sort()).toEqual([
      'sim/reminders/r1',
      'sim/reminders/r1#2',
    ]);
  }, 40_000);

  it('its redial due is placed by `apply --plan` from a plan file made of it', async () => {
    const gw = await taggedCampaign(`id,name,phone\nr1,Jonh,${number(3)}\n`, '1s');
    const first = await gw.run(['apply', '--yes', '--wait', '20s']);
    expect(first.code, output(first)).toBe(0);
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1,John,${number(3)}\n`);
    await new Promise((r) => setTimeout(r, 1500));
    const file = `${gw.project.dir}/plan.json`;
    const made = await gw.run(['plan', '--out', file]);
    expect(made.code, output(made)).toBe(0);
    const applied = await gw.run(['apply', '--plan', file, '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(dialled(gw)).toEqual([number(3), number(3)]);
    expect(patients(gw)).toEqual(['Jonh', 'John']);
  }, 40_000);
});
