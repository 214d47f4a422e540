// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsPerNumber, campaignYaml, output } from './helpers.js';

/**
 * Rows of a campaign with an `id` column that dial one number (written either way) are one
 * person: validate and plan say so at the later rows, and one call is made, in this run and
 * the next. `shared_numbers: true` calls each row (people sharing a phone). The real CLI,
 * the file store, the built-in simulator; each number counted as it rang.
 */

const gateway = gatewaysClosedAfterEach();

const ANN = '+15550004441';
const CSV = `id,phone\na,${ANN}\nb,${ANN}\nc,${ANN.slice(1)}\nd,+15550004442\n`;
const TAG = '{ row: "${row.id}" }';

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
}

describe('rows of a campaign with an id column that dial one number', () => {
  it('are warned of, and the number is called once, in this run and the next', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml([], TAG),
      'lists/reminders.csv': CSV,
    });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    expect(validate.stderr).toContain(
      `lists/reminders.csv:3:3: warning: this row dials ${ANN}, as row \`a\` (line 2) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (to call each, if they are people sharing a phone, write \`shared_numbers: true\` in the campaign)`,
    );
    expect(validate.stderr).toContain(
      `lists/reminders.csv:4:3: warning: this row dials ${ANN.slice(1)}, as row \`a\` (line 2) does:`,
    );
    expect(validate.stderr).not.toMatch(/reminders\.csv:5:3: warning: this row dials/);

    const shown = await gw.run(['plan']);
    expect(shown.code, output(shown)).toBe(0);
    expect(shown.stderr).toContain('lists/reminders.csv:3:3: warning: this row dials');
    expect(shown.stdout).toMatch(/reminders: 4 rows — 2 due, 2 skipped/);
    const plan = await gw.run(['plan', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    const planned = JSON.parse(plan.stdout) as PlanJson;
    expect(planned.due.map((i) => i.key)).toEqual(['sim/reminders/a', 'sim/reminders/d']);
    const reasonOf = (key: string) => planned.skipped.find((i) => i.key === key)?.reason;
    expect(reasonOf('sim/reminders/b')).toBe(
      `not placed: sim/reminders/a of this campaign dials ${ANN} too, in this run; that is row \`a\` of lists/reminders.csv (line 2), and a campaign calls a number once; if they are people sharing a phone, write \`shared_numbers: true\` in the campaign to call each row`,
    );
    expect(reasonOf('sim/reminders/c')).toMatch(
      /^not placed: sim\/reminders\/a of this campaign dials 15550004441 too, in this run; /,
    );

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stdout).toContain('Done: 2 placed');
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1, '+15550004442': 1 });

    // Row `a` placed: `b` and `c` are held by its call now, and never placed.
    const again = await gw.run(['plan', '--format', 'json']);
    const next = JSON.parse(again.stdout) as PlanJson;
    expect(next.due).toEqual([]);
    expect(next.skipped.find((i) => i.key === 'sim/reminders/b')?.reason).toMatch(
      new RegExp(
        `^not placed: this campaign already dialled \\${ANN} as sim/reminders/a \\(placed .*\\); row \`a\` of lists/reminders.csv \\(line 2\\), which dials it too, and a campaign calls a number once;`,
      ),
    );
    const second = await gw.run(['apply', '--yes']);
    expect(second.code, output(second)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1, '+15550004442': 1 });
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual(['sim/reminders/a', 'sim/reminders/d']);
    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(status.code, output(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      held: 2,
    });
  });

  it('are each called with shared_numbers: true, without a warning', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['shared_numbers: true'], TAG),
      'lists/reminders.csv': CSV,
    });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    expect(validate.stderr).not.toContain('this row dials');
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 2, [ANN.slice(1)]: 1, '+15550004442': 1 });
  });

  it('shared_numbers needs an id column: an error, nothing sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaignYaml(['shared_numbers: true'], '{ kind: "reminder" }'),
      'lists/reminders.csv': `phone\n${ANN}\n${ANN}\n`,
    });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toMatch(
      /calls\/reminders\.yaml:\d+:\d+: error: `shared_numbers` needs an `id` column in lists\/reminders\.csv/,
    );
    expect(gw.sim.received()).toHaveLength(0);
  });
});
