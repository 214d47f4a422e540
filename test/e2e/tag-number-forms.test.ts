// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, FROM, output } from './helpers.js';

/**
 * A tag value YAML reads as a number written otherwise than JSON writes it (`01234`,
 * `0x1F`, `1.10`) would reach the gateway as another text: validate says so where it is
 * written. A leading zero is an error and nothing is sent; another form a warning. The
 * real CLI, the file store, the built-in simulator.
 */

const startGateway = gatewaysClosedAfterEach();

/** The tag of the one call the simulator took. */
const sentTag = (placed: readonly { body: unknown }[]): unknown => {
  expect(placed).toHaveLength(1);
  return (placed[0]?.body as { tag?: unknown } | undefined)?.tag;
};

const callFile = (phone: string, zip: string): string =>
  [
    'calls:',
    '  - name: tagged',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "+15550002222" }',
    '    tag:',
    `      phone: ${phone}`,
    `      zip: ${zip}`,
    '      octal: 0o17',
    '      hex: 0x1F',
    '      flt: 1.10',
    '      plain: 42',
    '',
  ].join('\n');

const F = 'calls/tagged.yaml';
const quote = (written: string) => `quote it ("${written}") to send it as written`;
const WARNINGS = [
  `${F}:9:14: warning: \`tag.octal\`: 0o17 is sent as the number 15; ${quote('0o17')}`,
  `${F}:10:12: warning: \`tag.hex\`: 0x1F is sent as the number 31; ${quote('0x1F')}`,
  `${F}:11:12: warning: \`tag.flt\`: 1.10 is sent as the number 1.1; ${quote('1.10')}`,
];

describe('tag values written as numbers JSON writes otherwise', () => {
  it('a leading zero is an error at the value, and apply sends nothing', async () => {
    const gw = await startGateway({ [F]: callFile('015550100123', '01234') });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    const said = validate.stderr.split('\n').filter((l) => / (error|warning): /.test(l));
    expect(said).toEqual([
      `${F}:7:14: error: \`tag.phone\`: 015550100123 would be sent as the number 15550100123, without its leading zero; ${quote('015550100123')}`,
      `${F}:8:12: error: \`tag.zip\`: 01234 would be sent as the number 1234, without its leading zero; ${quote('01234')}`,
      ...WARNINGS,
    ]);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(said[1]);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('quoted, the text is sent; another form is sent as its number after a warning', async () => {
    const gw = await startGateway({ [F]: callFile('"015550100123"', "'01234'") });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(0);
    for (const line of WARNINGS) expect(validate.stderr).toContain(line);
    expect(validate.stderr).not.toContain('error:');
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    for (const line of WARNINGS) expect(apply.stderr).toContain(line);
    expect(sentTag(gw.placed())).toEqual({
      phone: '015550100123',
      zip: '01234',
      octal: 15,
      hex: 31,
      flt: 1.1,
      plain: 42,
    });
  });

  it('a campaign cell put in a tag by ${row.X} is sent as its text: no warning', async () => {
    const gw = await startGateway({
      'calls/camp.yaml': [
        'calls:',
        '  - name: camp',
        '    recipients: ../lists/r.csv',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '    tag:',
        '      zip: ${row.zip}',
        '      id: "${row.id}"',
        '',
      ].join('\n'),
      'lists/r.csv': 'id,phone,zip\n1,+15550003333,01234\n',
    });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stderr).not.toContain('warning:');
    expect(sentTag(gw.placed())).toEqual({ zip: '01234', id: '1' });
  });
});
