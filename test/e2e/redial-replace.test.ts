import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsPerNumber, campaignYaml, recipientNumber as number, output } from './helpers.js';

/**
 * `--replace` of a row of a campaign that redials is refused (each attempt is placed once),
 * and its words say what calls the row: for a row that dials the number its attempts dialled,
 * its own redials under the id it has. Never a new id: renamed, the row would be held for
 * good (a new key does not call a person again), and copied beside it, its number would be
 * called twice. The real CLI against the built-in simulator over loopback, every call ending
 * no-answer.
 */

const startGateway = gatewaysClosedAfterEach();

const CSV = `id,name,phone\nr1,Ann,${number(71)}\n`;
const GO_ON =
  "its campaign redials by outcome: each attempt is its own placement, placed once, and the row's attempts go on by its `redial` policy under the id it has (`callops plan --only reminders/r1` says when, or why not); keep its id: under a new id the row would be held, as a new key does not call a person again";

describe('--replace of a row of a campaign that redials', () => {
  it('sends the row to its redials, not to a new id; they call it once more, at their time', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'redial: { on: [no-answer], after: 0s, max_attempts: 2 }',
        ]),
        'lists/reminders.csv': CSV,
      },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    const first = await gw.run(['apply', '--yes', '--wait', '20s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toMatch(/1 no-answer/);

    for (const command of ['plan', 'apply']) {
      const yes = command === 'apply' ? ['--yes'] : [];
      const replaced = await gw.run([command, ...yes, '--replace', 'reminders/r1']);
      expect(replaced.code, output(replaced)).toBe(64);
      expect(replaced.stderr).toContain(`--replace reminders/r1: ${GO_ON}`);
      expect(replaced.stderr).not.toMatch(/give it a new id/);
    }
    expect(callsPerNumber(gw)).toEqual({ [number(71)]: 1 });

    // What a new id would do: the row renamed is held, never called again.
    await gw.project.write('lists/reminders.csv', CSV.replace('r1,', 'r1-new,'));
    const renamed = await gw.run(['plan', '--format', 'json']);
    const held = JSON.parse(renamed.stdout) as { due: unknown[]; skipped: { reason?: string }[] };
    expect(held.due).toEqual([]);
    expect(held.skipped[0]?.reason).toMatch(/a new key does not call a person again$/);

    // Under the id it has, its redial is placed, once.
    await gw.project.write('lists/reminders.csv', CSV);
    const plan = await gw.run(['plan', '--only', 'reminders/r1']);
    expect(plan.stdout).toMatch(/sim\/reminders\/r1#2 .*redial 2 of 2/);
    const redialled = await gw.run(['apply', '--yes', '--wait', '20s']);
    expect(redialled.code, output(redialled)).toBe(0);
    expect(redialled.stdout).toMatch(/placed {2}sim\/reminders\/r1#2/);
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [number(71)]: 2 });
  });
});
