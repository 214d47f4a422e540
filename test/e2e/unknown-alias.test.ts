import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, FROM, output } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/**
 * An alias that names no anchor of its document (anchors do not reach across `---`) is an
 * error at it, and the document's other problems are reported in the same run.
 */
describe('an alias to an anchor of another document', () => {
  it('validate reports it at the alias, with the other problems of its document', async () => {
    const file = [
      'defaults: &d',
      `  application_sid: ${APP_SID}`,
      `  from: "${FROM}"`,
      'calls:',
      '  - name: first',
      '    to: { type: phone, number: "+15550002222" }',
      '---',
      'defaults: *d',
      'calls:',
      '  - name: second',
      '    timeot: 5',
      '    to: { type: phone, number: 15550002223 }',
      '',
    ].join('\n');
    const gw = await startGateway({ 'calls/x.yaml': file });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    const errors = validate.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toEqual([
      'calls/x.yaml:8:11: error: unknown alias `*d` (define `&d` before using it)',
      'calls/x.yaml:11:5: error: unknown option `timeot` — did you mean `timeout`?',
      'calls/x.yaml:12:32: error: must be a string — quote it: "15550002223"',
    ]);
    expect(validate.stderr).toContain('3 errors');
  });
});
