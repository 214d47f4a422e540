// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, callsPerNumber, FROM, output } from './helpers.js';

/**
 * A campaign whose `to` no row fills (a literal number, or one from the environment alone)
 * dials one number for every row: 1 call for all its rows, the others held. validate, plan
 * and apply say so at the value and send nothing; `shared_numbers: true` calls it once per
 * row on purpose. The real CLI, the file store, the built-in simulator.
 */

const gateway = gatewaysClosedAfterEach();

const DESK = '+15550004449';
const CSV = 'id,name\na,Ann\nb,Bob\nc,Cem\n';

const campaign = (number: string, extra: readonly string[] = []): string =>
  [
    'calls:',
    '  - name: reminders',
    '    recipients: ../lists/reminders.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    `    to: { type: phone, number: "${number}" }`,
    '    tag: { patient: "${row.name}" }',
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

const HELD =
  'every row would dial that one number, and a campaign calls a number once: 1 call for all its rows, every other row held; to call each row\'s own number, write its column there (`number: "${row.COLUMN}"`), or write `shared_numbers: true` (with an `id` column in the CSV) to call this one once per row on purpose';

describe('a campaign whose `to` no row fills', () => {
  it('is an error of validate, plan and apply at the value, and nothing is sent', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaign(DESK),
      'lists/reminders.csv': CSV,
    });
    const said = `calls/reminders.yaml:6:32: error: \`to.number\` is \`${DESK}\` for every row of campaign \`reminders\` (no \`\${row.COLUMN}\` in it): ${HELD}`;
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(said);
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(1);
    expect(plan.stderr).toContain(said);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(said);
    expect(apply.stderr).toContain('nothing was sent');
    expect(gw.sim.received()).toEqual([]);
    expect(await gw.project.lock()).toBeUndefined();
  });

  it('from the environment alone: the same, naming the variable and never its value', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaign('${DESK_PHONE}'),
      'lists/reminders.csv': CSV,
    });
    const apply = await gw.run(['apply', '--yes'], { DESK_PHONE: DESK });
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      `calls/reminders.yaml:6:32: error: \`to.number\` is \`\${DESK_PHONE}\` for every row of campaign \`reminders\` (no \`\${row.COLUMN}\` in it, only the environment): ${HELD}`,
    );
    expect(output(apply)).not.toContain(DESK);
    expect(gw.sim.received()).toEqual([]);
  });

  it('with `shared_numbers: true`: every row is called, on purpose', async () => {
    const gw = await gateway({
      'calls/reminders.yaml': campaign(DESK, ['shared_numbers: true']),
      'lists/reminders.csv': CSV,
    });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [DESK]: 3 });
  });
});
