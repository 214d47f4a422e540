import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, FROM } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/**
 * Call files that js-yaml's event parser read without a problem (and `apply` sent), while
 * `yaml` refuses them or reads another value: each must be reported where `yaml` finds it.
 */
const FILES = {
  // A list item followed by `to:` on its line: js-yaml made `to` a key of the call.
  'calls/text-after.yaml': [
    'calls:',
    '  - name: text-after',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    dtmfCapture:',
    '    - "*2" to: {type: phone, number: "+15550002222"}',
    '',
  ].join('\n'),
  // \U beyond U+10FFFF: js-yaml sent "+155500011111".
  'calls/escape.yaml': [
    'calls:',
    '  - name: escape',
    `    application_sid: ${APP_SID}`,
    '    from: "+1555000\\U800000311111"',
    '    to: {type: phone, number: "+15550002222"}',
    '',
  ].join('\n'),
  // An escaped line break before a blank line: js-yaml read "+15550002222".
  'calls/break.yaml': [
    'calls:',
    '  - name: blank-after-break',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to:',
    '      type: phone',
    '      number: "+1555\\',
    '',
    '        0002222"',
    '',
  ].join('\n'),
  // `#TODO` above a value on its own line: yaml reads the value on into `from:`.
  'calls/todo.yaml': [
    'calls:',
    '  - name: todo',
    '    application_sid:',
    '#TODO the prod app',
    `      ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: {type: phone, number: "+15550002222"}',
    '',
  ].join('\n'),
  // A comment at column 0 inside a flow map, after a value.
  'calls/flow.yaml': [
    'calls:',
    '  - name: flow-comment',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: {type: phone, number: "+15550002222"',
    '# the office line',
    '      }',
    '',
  ].join('\n'),
};

const EXPECTED = [
  'calls/break.yaml:7:15: error: must be a phone number: an optional + and 3–15 digits, got "+1555 0002222"',
  'calls/escape.yaml:4:20: error: invalid escape sequence \\U80000031 in a double-quoted string (use single quotes, or double the backslash)',
  'calls/flow.yaml:6:1: error: comments must be separated from other tokens by white space characters',
  'calls/text-after.yaml:6:12: error: unexpected scalar token',
  'calls/todo.yaml:5:7: error: a key must fit on one line (is a `:` or a closing quote missing?)',
];

describe('call files the two YAML readers could read apart', () => {
  it('validate reports each where yaml finds it, and apply sends nothing', async () => {
    const gw = await startGateway(FILES);
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    const errors = validate.stderr.split('\n').filter((line) => line.includes(': error: '));
    expect(errors).toEqual(EXPECTED);
    expect(validate.stderr).toContain('5 errors');

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    for (const line of EXPECTED) expect(apply.stderr).toContain(line);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });
});
