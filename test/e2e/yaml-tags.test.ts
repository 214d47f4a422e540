import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, configYaml, FROM, output } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

/** line:column (1-based) of the first occurrence of `needle` in `text`. */
const at = (text: string, needle: string): string => {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the file`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
};

const OMAP =
  'callops does not read the tag `!!omap`: write a plain map without it (`key: value` lines, or `{ key: value }`)';

const call = (...lines: string[]): string =>
  [
    'calls:',
    '  - name: a',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    ...lines.map((l) => `    ${l}`),
    '',
  ].join('\n');

describe('explicit YAML tags', () => {
  it('`!!omap` in headers and tag is an error at each tag, and nothing is sent', async () => {
    const file = call(
      'to: { type: phone, number: "+15550009611" }',
      'headers: !!omap',
      '  - X-Campaign: "spring"',
      '  - "Bad Name:": "a\\r\\nP-Asserted-Identity: x"',
      'tag: !!omap [ {customer: alice} ]',
    );
    const gw = await startGateway({ 'calls/a.yaml': file });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(`calls/a.yaml:${at(file, '!!omap\n')}: error: ${OMAP}`);
    expect(validate.stderr).toContain(`calls/a.yaml:${at(file, '!!omap [')}: error: ${OMAP}`);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(`calls/a.yaml:${at(file, '!!omap\n')}: error: ${OMAP}`);
    expect(gw.sim.received()).toHaveLength(0);
    expect((await gw.project.lock())?.calls ?? {}).toEqual({});
  });

  it('a tag in callops.yaml is an error there, and nothing is sent', async () => {
    const gw = await startGateway({ 'calls/a.yaml': call('to: { type: user, name: bob }') });
    const config = `${configYaml(gw.sim.url)}defaults: !!omap\n  - timeout: 30\n`;
    await gw.project.write('callops.yaml', config);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(`callops.yaml:${at(config, '!!omap')}: error: ${OMAP}`);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('core tags send the values they read; an edit inside a tagged map marks the call changed', async () => {
    const file = (id: string) =>
      call(
        'to: { type: phone, number: !!str +15550009603 }',
        'timeout: !!int "60"',
        `tag: !!map { id: !!str ${id} }`,
        'headers: !!map',
        '  X-A: !!str 1',
      );
    const gw = await startGateway({ 'calls/a.yaml': file('7') });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    expect(gw.placed().map((r) => r.body)).toEqual([
      expect.objectContaining({
        to: { type: 'phone', number: '+15550009603' },
        timeout: 60,
        tag: { id: '7' },
        headers: { 'X-A': '1' },
      }),
    ]);
    await gw.project.write('calls/a.yaml', file('8'));
    const plan = await gw.run(['plan', '--format', 'json']);
    expect(plan.code, output(plan)).toBe(0);
    expect((JSON.parse(plan.stdout) as { changed: string[] }).changed).toEqual(['sim/a']);
  });
});
