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
      /--replace reminders\/r1: its campaign redials by outcome: .*; to call the row as it is now, give it a new id in its CSV/,
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
