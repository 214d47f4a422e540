import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  type Gateway,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('callops resolve', () => {
  it('refuses --placed with a sid already recorded for another key, naming that key', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    });
    open.push(gw);
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    // The same target answers 500 from now on: `two` ends unknown.
    const failing = await startSimulator({
      accountSid: ACCOUNT_SID,
      apiKey: API_KEY,
      failStatus: 500,
    });
    closers.push(() => failing.close());
    await gw.project.write('callops.yaml', configYaml(failing.url));
    expect((await gw.run(['apply', '--yes'])).code).toBe(1);
    const before = await gw.project.lock();
    expect(before?.calls['sim/two']?.status).toBe('unknown');
    const sidOfOne = before?.calls['sim/one']?.sid as string;
    expect(sidOfOne).toMatch(/^[0-9a-f-]{36}$/);

    const refused = await gw.run(['resolve', 'sim/two', '--placed', sidOfOne]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('sim/one');
    expect(await gw.project.lock()).toEqual(before);

    const other = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    const ok = await gw.run(['resolve', 'sim/two', '--placed', other]);
    expect(ok.code).toBe(0);
    expect((await gw.project.lock())?.calls['sim/two']).toMatchObject({
      status: 'placed',
      sid: other,
    });
  }, 40_000);
});
