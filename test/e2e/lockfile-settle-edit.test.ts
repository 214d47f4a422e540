import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  type Gateway,
  type LockJson,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

/**
 * `sim/two` sent to a gateway that answers 500 (it may have placed the call: the entry is
 * unknown), the project's target back on a working one, and callops.lock edited (as `jq`
 * would) to make the entry `failed` at its own time, with none of the marks a settle leaves.
 */
const unknownEditedToFailed = async () => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'two' }]) });
  open.push(gw);
  const working = await gw.project.read('callops.yaml');
  const failing = await startSimulator({
    accountSid: ACCOUNT_SID,
    apiKey: API_KEY,
    failStatus: 500,
  });
  closers.push(() => failing.close());
  await gw.project.write('callops.yaml', configYaml(failing.url));
  expect((await gw.run(['apply', '--yes'])).code).toBe(1);
  await gw.project.write('callops.yaml', working);
  const lock = (await gw.project.lock()) as LockJson;
  const two = lock.calls['sim/two'];
  expect(two?.status).toBe('unknown');
  const edited = { ...lock, calls: { ...lock.calls, 'sim/two': { ...two, status: 'failed' } } };
  await gw.project.write('callops.lock', `${JSON.stringify(edited, null, 2)}\n`);
  return gw;
};

describe('an unknown entry edited to failed in callops.lock', () => {
  it('is refused as edited by hand, naming the entry and how to settle it; nothing is sent', async () => {
    const gw = await unknownEditedToFailed();
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, apply.stderr).toBe(1);
    expect(apply.stderr).toContain(
      'callops.lock holds 1 unknown call as failed without the mark `callops resolve` leaves (resolvedBy): sim/two, recorded unknown in .callops/ (the call may have been placed). It was likely edited by hand',
    );
    expect(apply.stderr).toContain(
      'going on would place again a call that may have been placed, so nothing was sent',
    );
    expect(apply.stderr).toContain('settle it with `callops resolve sim/two --not-placed`');
    // No second call to someone the first attempt may have reached.
    expect(gw.placed()).toHaveLength(0);
    expect(gw.sim.received()).toHaveLength(0);
    const plan = await gw.run(['plan']);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain('sim/two, recorded unknown in .callops/');

    // The way it names: the entry back as recorded, then settled with the mark.
    const pull = await gw.run(['state', 'pull']);
    expect(pull.code, pull.stderr).toBe(0);
    expect((await gw.project.lock())?.calls['sim/two']?.status).toBe('unknown');
    const settle = await gw.run(['resolve', 'sim/two', '--not-placed']);
    expect(settle.code, settle.stderr).toBe(0);
    expect((await gw.project.lock())?.calls['sim/two']).toMatchObject({
      status: 'failed',
      resolvedBy: 'hand',
    });
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  });
});
