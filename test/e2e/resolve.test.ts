// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  campaignYaml,
  configYaml,
  type Gateway,
  output,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

/**
 * The project's target made one that answers every create-call with 500, then `apply`: the
 * calls it sends end unknown (`sim/two` among them). The lockfile after it.
 */
const applyAgainstFailing = async (gw: Gateway) => {
  const failing = await startSimulator({
    accountSid: ACCOUNT_SID,
    apiKey: API_KEY,
    failStatus: 500,
  });
  closers.push(() => failing.close());
  await gw.project.write('callops.yaml', configYaml(failing.url));
  expect((await gw.run(['apply', '--yes'])).code).toBe(1);
  const lock = await gw.project.lock();
  expect(lock?.calls['sim/two']?.status).toBe('unknown');
  return lock;
};

describe('callops resolve', () => {
  it('refuses --placed with a sid already recorded for another key, naming that key', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    });
    open.push(gw);
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    // The same target answers 500 from now on: `two` ends unknown.
    const before = await applyAgainstFailing(gw);
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

  it('keeps a call settled --placed counting toward limits.per_number', async () => {
    const limits = 'limits: { per_number: 1/24h }\n';
    const to = '{ type: phone, number: "+15550002222" }';
    const failing = await startSimulator({
      accountSid: ACCOUNT_SID,
      apiKey: API_KEY,
      failStatus: 500,
    });
    closers.push(() => failing.close());
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'c1', to },
        { name: 'c2', to },
      ]),
    });
    open.push(gw);
    // The gateway answers 500: c1 may have rung, so c2 to the same number waits.
    await gw.project.write('callops.yaml', `${configYaml(failing.url)}${limits}`);
    expect((await gw.run(['apply', '--yes'])).code).toBe(1);
    const before = (await gw.project.lock())?.calls['sim/c1'];
    expect(before).toMatchObject({ status: 'unknown', number: expect.stringMatching(/^sha256:/) });
    expect((await gw.project.lock())?.calls['sim/c2']).toBeUndefined();

    await gw.project.write('callops.yaml', `${configYaml(gw.sim.url)}${limits}`);
    const sid = '11111111-2222-4333-8444-555555555556';
    const settled = await gw.run(['resolve', 'sim/c1', '--placed', sid, '--call-id', 'abc@host']);
    expect(settled.code).toBe(0);
    expect((await gw.project.lock())?.calls['sim/c1']).toMatchObject({
      status: 'placed',
      sid,
      callId: 'abc@host',
      at: before?.at,
      number: before?.number,
      resolvedBy: 'hand',
    });

    // c1 rang: the limit of one call a day to that number still holds c2 back.
    const plan = await gw.run(['plan']);
    expect(plan.stdout).toMatch(/sim\/c2 .*per-number limit 1\/24h reached/);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(0);
    expect(gw.placed()).toHaveLength(0);
    expect((await gw.project.lock())?.calls['sim/c2']).toBeUndefined();
  }, 40_000);
});

describe('callops resolve --call-id', () => {
  it('refuses a value that is not a Call-ID or holds a secret, and --call-id with --not-placed (64), never echoing it', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    });
    open.push(gw);
    // The target answers 500: both calls end unknown.
    const before = await applyAgainstFailing(gw);
    const sid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    const bad = [
      { what: 'the api key', value: API_KEY },
      { what: 'the api key inside', value: `${API_KEY}@host` },
      { what: 'control characters', value: 'bad\x01id\x1b[2J' },
      { what: 'empty', value: '' },
      { what: 'a space', value: 'abc def@host' },
      { what: '300 characters', value: 'c'.repeat(300) },
    ];
    for (const { what, value } of bad) {
      const r = await gw.run(['resolve', 'sim/two', '--placed', sid, '--call-id', value]);
      expect(r.code, what).toBe(64);
      expect(r.stderr, what).toContain('--call-id');
      expect(`${r.stdout}\n${r.stderr}`, what).not.toContain(API_KEY);
      if (value.length > 3) expect(`${r.stdout}\n${r.stderr}`, what).not.toContain(value);
      expect(await gw.project.lock(), what).toEqual(before);
    }
    const notPlaced = await gw.run(['resolve', 'sim/two', '--not-placed', '--call-id', 'x@host']);
    expect(notPlaced.code).toBe(64);
    expect(notPlaced.stderr).toContain('--call-id goes with --placed');
    expect(await gw.project.lock()).toEqual(before);
    const key = await gw.run(['resolve', 'sim/two', '--placed', API_KEY]);
    expect(key.code).toBe(64);
    expect(`${key.stdout}\n${key.stderr}`).not.toContain(API_KEY);
    // A secret shaped as a sid (a UUID api key, a value of .env) is no sid either: it would be
    // printed by status and plan, and written to the lockfile.
    const uuidSecret = '7e57c0de-ca9a-4bad-8eef-5ec7e7000001';
    await gw.project.write('.env', `SOME_TOKEN=${uuidSecret}\n`);
    const secretSid = await gw.run(['resolve', 'sim/two', '--placed', uuidSecret]);
    expect(secretSid.code).toBe(64);
    expect(secretSid.stderr).toContain('--placed: the value given holds a secret of this project');
    expect(`${secretSid.stdout}\n${secretSid.stderr}`).not.toContain(uuidSecret);
    expect(await gw.project.lock()).toEqual(before);

    const ok = await gw.run(['resolve', 'sim/two', '--placed', sid, '--call-id', 'abc@host']);
    expect(ok.code).toBe(0);
    expect((await gw.project.lock())?.calls['sim/two']).toMatchObject({
      status: 'placed',
      sid,
      callId: 'abc@host',
    });
  }, 60_000);
});

describe('callops resolve KEY --not-placed', () => {
  it('promises no placement: the plan says whether, and why, it is placed again', async () => {
    // A redial whose row dials `${PFX}` + its cell: attempt 1 ends no-answer, attempt 2 is
    // sent to a gateway answering 500 (unknown).
    const yaml = campaignYaml(
      ['redial: { on: [no-answer], after: 0s, max_attempts: 3 }'],
      '{ row: "${row.id}" }',
    ).replace('"${row.phone}"', '"${PFX}${row.phone}"');
    const gw = await startGateway(
      { 'calls/reminders.yaml': yaml, 'lists/reminders.csv': 'id,phone\nr1,5557000001\n' },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    open.push(gw);
    const first = await gw.run(['apply', '--yes', '--wait', '10s'], { PFX: '+1' });
    expect(first.code, output(first)).toBe(0);
    const failing = await startSimulator({
      accountSid: ACCOUNT_SID,
      apiKey: API_KEY,
      failStatus: 500,
    });
    closers.push(() => failing.close());
    await gw.project.write('callops.yaml', configYaml(failing.url));
    const second = await gw.run(['apply', '--yes'], { PFX: '+1' });
    expect(second.code, output(second)).toBe(1);
    expect((await gw.project.lock())?.calls['sim/reminders/r1#2']?.status).toBe('unknown');
    // The target renamed (the same gateway), and PFX gives another number now: the row
    // changed since placed, and no apply redials it.
    await gw.project.write(
      'callops.yaml',
      configYaml(gw.sim.url)
        .replace(/^ {2}sim:$/m, '  prod:')
        .replace(/^default_target: sim$/m, 'default_target: prod'),
    );
    const resolved = await gw.run(['resolve', 'sim/reminders/r1#2', '--not-placed']);
    expect(resolved.code, output(resolved)).toBe(0);
    expect(resolved.stdout).toBe(
      'sim/reminders/r1#2: not placed — `callops plan` says whether, and why, it is placed again\n',
    );
    const placed = gw.placed().length;
    const after = await gw.run(['apply', '--yes'], { PFX: '+44' });
    expect(after.code, output(after)).toBe(0);
    expect(after.stdout).toContain('changed since placed');
    expect(gw.placed()).toHaveLength(placed);
  }, 60_000);
});
