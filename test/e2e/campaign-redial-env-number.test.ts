// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} and ${row.X} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, type Gateway, output, startRun } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/**
 * A campaign whose rows name their numbers without the first digits, which PFX (from the
 * environment) puts in front, redialling no-answer; no call is answered.
 */
const gateway = (csv: string): Promise<Gateway> =>
  startGateway(
    {
      'calls/reminders.yaml': campaignYaml(
        ['redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }'],
        '{ row: "${row.id}" }',
      ).replace('"${row.phone}"', '"${PFX}${row.phone}"'),
      'lists/reminders.csv': csv,
    },
    { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
  );

const CSV = 'id,phone\na,100001\nb,100002\n';
const BEFORE = { PFX: '+15550' };
const AFTER = { PFX: '+15551' };

const dialled = (gw: Gateway): string[] =>
  gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

/** Attempt 1 of both rows, placed with PFX as BEFORE, ended no-answer. */
const firstAttempts = async (gw: Gateway): Promise<void> => {
  const first = await gw.run(['apply', '--yes', '--wait', '20s'], BEFORE);
  expect(first.code, output(first)).toBe(0);
  expect(first.stdout).toMatch(/2 no-answer/);
  expect(dialled(gw)).toEqual(['+15550100001', '+15550100002']);
};

describe('a redial campaign whose `to` takes its number through a ${VAR}', () => {
  it('does not redial a row once the variable gives another number: plan, status, report, apply and run hold it as changed since placed', async () => {
    const gw = await gateway(CSV);
    await firstAttempts(gw);
    const sidA = gw.placed()[0]?.sid;

    const plan = await gw.run(['plan'], AFTER);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/Changed since placed — not placed again \(2\):/);
    expect(plan.stdout).toMatch(
      /~ sim\/reminders\/a {2}→ \$\{PFX\}100001 .* — changed since placed \(attempt 1 no-answer \S+ at \S+, to another number than it dials now \(its `to` takes the number from the environment\)\); not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
    expect(plan.stdout).not.toMatch(/reminders\/a#2|reminders\/b#2|redial 2 of 3/);
    expect(plan.stdout).toMatch(/Plan: 0 to place, .*2 changed since placed/);
    // The variable's value stays out of the plan.
    expect(plan.stdout).not.toContain('+15551');

    const json = await gw.run(['plan', '--format', 'json'], AFTER);
    const read = JSON.parse(json.stdout) as { due: unknown[]; changed: string[] };
    expect(read.due).toEqual([]);
    expect(read.changed).toEqual(['sim/reminders/a', 'sim/reminders/b']);

    const status = await gw.run(['status', '--format', 'json'], AFTER);
    expect((JSON.parse(status.stdout) as { changed: string[] }).changed).toEqual([
      'sim/reminders/a',
      'sim/reminders/b',
    ]);
    const human = await gw.run(['status'], AFTER);
    expect(human.stdout).toContain(
      'changed since placed: not redialled; to call the row as it is now, give it a new id in its CSV',
    );
    const counts = await gw.run(['status', '--campaign', 'reminders', '--format', 'json'], AFTER);
    expect(JSON.parse(counts.stdout)).toMatchObject({
      rows: 2,
      attempts: 2,
      states: { 'no-answer': 2, waiting: 0 },
    });
    // The row stands at attempt 1's outcome, not waiting; never its sid beside the new number.
    const report = await gw.run(['report', 'reminders'], AFTER);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout.split('\r\n')[1]).toMatch(
      new RegExp(`^a,,no-answer,1,${sidA},487,0,[^,]+,yes$`),
    );

    const applied = await gw.run(['apply', '--yes', '--wait', '5s'], AFTER);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toMatch(/Changed since placed/);
    expect(dialled(gw)).toEqual(['+15550100001', '+15550100002']);

    // run plans as apply does: a new row c is placed in the same plan a redial of a would be
    // due in (after 0s), and a comes first in the CSV; a is still not redialled.
    await gw.project.write('lists/reminders.csv', `${CSV}c,100003\n`);
    const run = startRun(gw, [], { env: AFTER });
    await run.until('row c placed', () =>
      /placed {2}sim\/reminders\/c\b/.test(run.soFar()) ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const ran = await run.done;
    expect(ran.code, output(ran)).toBe(0);
    expect(dialled(gw)).toEqual(['+15550100001', '+15550100002', '+15551100003']);
    const calls = (await gw.project.lock())?.calls ?? {};
    expect(Object.keys(calls).sort()).toEqual([
      'sim/reminders/a',
      'sim/reminders/b',
      'sim/reminders/c',
    ]);
  }, 60_000);

  it('redials to the number attempt 1 dialled while the variable gives that number', async () => {
    const gw = await gateway(CSV);
    await firstAttempts(gw);

    const plan = await gw.run(['plan'], BEFORE);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/\+ sim\/reminders\/a#2 {2}→ \$\{PFX\}100001 .* — redial 2 of 3/);
    expect(plan.stdout).not.toMatch(/Changed since placed/);
    const report = await gw.run(['report', 'reminders'], BEFORE);
    expect(report.stdout.split('\r\n')[1]).toMatch(
      /^a,\$\{PFX\}100001,waiting,1,[^,]+,487,0,[^,]+,$/,
    );

    const again = await gw.run(['apply', '--yes', '--wait', '20s'], BEFORE);
    expect(again.code, output(again)).toBe(0);
    expect(dialled(gw)).toEqual(['+15550100001', '+15550100002', '+15550100001', '+15550100002']);
    const calls = (await gw.project.lock())?.calls ?? {};
    expect(calls['sim/reminders/a#2']?.number).toBe(calls['sim/reminders/a']?.number);
  }, 60_000);
});
