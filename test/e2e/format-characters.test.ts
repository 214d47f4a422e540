// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, type Gateway, output, startGateway } from './helpers.js';

const ZWSP = '\u200b';
const SHY = '\u00ad';
const BOM = '\ufeff';

/** No format character (Cf) printed raw: each shows as nothing, or reorders what follows. */
const expectNoRawFormat = (text: string): void => {
  expect(text).not.toMatch(/\p{Cf}/u);
};

const call = (lines: readonly string[]) =>
  ['calls:', ...lines.map((l) => `    ${l}`.replace(/^ {4}- /, '  - ')), ''].join('\n');

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('format characters (zero-width spaces, soft hyphens, BOMs) in from and to', () => {
  it('written in a call file are errors at the value, shown escaped; nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': call([
        '- name: a',
        `application_sid: ${APP_SID}`,
        '# the characters written raw, as pasted from a document',
        `from: "+1555000${ZWSP}1111"`,
        `to: { type: user, name: "bob${SHY}" }`,
        '- name: b',
        `application_sid: ${APP_SID}`,
        'from: "+15550001111"',
        // As YAML escapes: the same characters.
        'to: { type: sip, sipUri: "sip:bob\\u200B@example.com" }',
      ]),
    });
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    const reason = 'a character that does not print: it would be sent and dialled as written';
    expect(validate.stderr).toContain(
      `calls/a.yaml:5:11: error: \`from\` holds \\u200b, ${reason}`,
    );
    expect(validate.stderr).toContain(
      `calls/a.yaml:6:29: error: \`to.name\` holds \\u00ad, ${reason}`,
    );
    expect(validate.stderr).toContain(
      `calls/a.yaml:10:30: error: \`to.sipUri\` holds \\u200b, ${reason}`,
    );
    // The line under it shows where the character is.
    expect(validate.stderr).toContain('    5 |     from: "+1555000\\u200b1111"');
    expectNoRawFormat(output(validate));
    for (const command of [['plan'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, command.join(' ')).toBe(1);
      expect(r.stderr).toContain('3 errors');
      expectNoRawFormat(output(r));
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('from a ${VAR} are said at the reference, a warning of plan and an error of apply; nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': call([
        '- name: a',
        `application_sid: ${APP_SID}`,
        'from: "${FROM}"',
        'to: { type: user, name: "${WHO}" }',
      ]),
    });
    const env = { FROM: `+1555000${ZWSP}1111`, WHO: `bob${BOM}` };
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain(
      'calls/a.yaml:4:11: warning: from: ${FROM} resolves to a value that holds \\u200b, a character that does not print',
    );
    expect(plan.stderr).toContain('to.name: ${WHO} resolves to a value that holds \\ufeff');
    expectNoRawFormat(output(plan));
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      'calls/a.yaml:4:11: error: from: ${FROM} resolves to a value that holds \\u200b',
    );
    expect(apply.stderr).toContain('nothing was sent');
    expectNoRawFormat(output(apply));
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('from a recipients CSV cell are errors at the cell; a header cell shows escaped; nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': call([
        '- name: reminders',
        'recipients: ../lists/people.csv',
        `application_sid: ${APP_SID}`,
        'from: "+15550001111"',
        'to: { type: phone, number: "${row.phone}" }',
      ]),
      // A BOM opens the file (read as one), and a second one, pasted, opens the `id` column.
      'lists/people.csv': `${BOM}phone,${BOM}id\n+15550004444,r1\n+15550004445${ZWSP},r2\n`,
    });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(
      'lists/people.csv:3:1: error: `to.number` (`${row.phone}`) holds \\u200b here, a character that does not print',
    );
    expect(validate.stderr).toContain(
      'lists/people.csv:1:7: warning: column `\\ufeffid` is not the id column',
    );
    expectNoRawFormat(output(validate));
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expectNoRawFormat(output(apply));
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('in an option name is shown escaped, with the option meant', async () => {
    gw = await startGateway({
      'calls/a.yaml': call([
        '- name: a',
        `application_sid: ${APP_SID}`,
        'from: "+15550001111"',
        'to: { type: phone, number: "+15550002222" }',
        `${ZWSP}timeout: 30`,
      ]),
    });
    const r = await gw.run(['validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'calls/a.yaml:6:5: error: unknown option `\\u200btimeout` — did you mean `timeout`?',
    );
    expect(r.stderr).toContain('    6 |     \\u200btimeout: 30');
    expectNoRawFormat(output(r));
  });
});
