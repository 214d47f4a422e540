import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, type Gateway, startGateway } from './helpers.js';

const call = (name: string, extra: readonly string[] = []) => [
  `  - name: ${name}`,
  `    application_sid: ${APP_SID}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "+15550002222" }',
  ...extra,
];

const GOOD = ['calls:', ...call('good'), ''].join('\n');

describe('call files whose values grow too large to send', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('aliases of a large anchor are refused at the alias by validate, plan and apply', async () => {
    // 990 aliases (under the alias count) of a 100 kB anchor stand for some 99 MB of text.
    const calls = Array.from({ length: 990 }, (_, i) => `  - { name: c${i}, tag: *big }`);
    const big = [
      `defaults: { application_sid: ${APP_SID}, from: "+15550001111", to: { type: phone, number: "+15550002222" }, tag: &big { note: "${'x'.repeat(100_000)}" } }`,
      'calls:',
      ...calls,
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/big.yaml': big, 'calls/good.yaml': GOOD });
    const where =
      'calls/big.yaml:44:23: error: the YAML aliases of this file expand to more than 4.0 MiB';
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(where);
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(where);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(where);
    expect(apply.stderr).not.toContain('Invalid string length');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a request body the gateway would refuse (over 100 KiB) is an error at the option', async () => {
    const note = 'y'.repeat(150 * 1024);
    const file = ['calls:', ...call('huge', [`    tag: { note: "${note}" }`]), ''].join('\n');
    gw = await startGateway({ 'calls/huge.yaml': file, 'calls/good.yaml': GOOD });
    const where =
      'calls/huge.yaml:6:5: error: the request body of this call is 150.2 KiB as JSON, most of it `tag`; a gateway accepts up to 100 KiB (jambonz answers 413 past it)';
    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(where);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(where);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a body just under the limit is sent', async () => {
    const note = 'z'.repeat(99 * 1024);
    const file = ['calls:', ...call('large', [`    tag: { note: "${note}" }`]), ''].join('\n');
    gw = await startGateway({ 'calls/large.yaml': file });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });
});
