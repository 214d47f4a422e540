import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jambonzSignature } from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
import {
  callsYaml,
  campaignYaml,
  collect,
  type Gateway,
  recipientNumber,
  spawnCli,
  startGateway,
  waitFor,
} from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const CALLS = { 'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]) };

const start = async () => {
  const gw = await startGateway(CALLS);
  open.push(gw);
  return gw;
};

describe('a lockfile that moved backwards', () => {
  it('deleted after an apply: apply, plan and status refuse; nothing is sent', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    await rm(join(gw.project.dir, 'callops.lock'));

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/callops\.lock is missing/);
    expect(apply.stderr).toMatch(/2 placements recorded in \.callops\//);
    expect(apply.stderr).toContain('sim/one');
    expect(apply.stderr).toContain('callops state pull');
    expect(apply.stderr).toContain('going on would place these calls again, so nothing was sent');
    expect(gw.sim.received()).toHaveLength(2);
    expect(gw.project.exists('callops.lock')).toBe(false);

    // They only read: the refusal says what an apply would do, not that nothing was sent.
    for (const command of ['plan', 'status']) {
      const r = await gw.run([command]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('callops state pull');
      expect(r.stderr).toContain('an apply would place these calls again');
      expect(r.stderr).not.toContain('nothing was sent');
    }
  }, 40_000);

  it('replaced by an older copy: refused; state pull restores it and apply places nothing again', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    const older = await gw.project.read('callops.lock');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const newer = await gw.project.lock();
    expect(Object.keys(newer?.calls ?? {})).toHaveLength(2);
    expect(gw.placed()).toHaveLength(2);

    // `git checkout HEAD~1 -- callops.lock`, a revert, a stale CI cache…
    await gw.project.write('callops.lock', older);
    const refused = await gw.run(['apply', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /1 placement recorded in \.callops\/ is missing from callops\.lock/,
    );
    expect(refused.stderr).toContain('sim/two');
    expect(gw.sim.received()).toHaveLength(2);
    expect(await gw.project.read('callops.lock')).toBe(older);

    const pull = await gw.run(['state', 'pull']);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain('sim/two');
    expect(await gw.project.lock()).toEqual(newer);

    const again = await gw.run(['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(2);
    const numbers = gw.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(2);
  }, 40_000);

  it('commands that send nothing say what they did not do: nothing was recorded', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    const older = await gw.project.read('callops.lock');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    await gw.project.write('callops.lock', older);

    const refusal = (stderr: string) => {
      expect(stderr).toMatch(/callops\.lock has moved backwards/);
      expect(stderr).toContain('an apply would place these calls again, so nothing was recorded');
      expect(stderr).toContain('callops state pull');
      expect(stderr).not.toContain('nothing was sent');
    };
    for (const args of [
      ['resolve', 'sim/one', '--not-placed'],
      ['resolve', '--check'],
      ['status', '--refresh'],
    ]) {
      const r = await gw.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      refusal(r.stderr);
    }

    // receive keeps the status queued and says why it cannot record it.
    const secret = 'whsec-5550-regression';
    const child = spawnCli(['receive', '--port', '0'], {
      cwd: gw.project.dir,
      env: { ...gw.env, CALLOPS_WEBHOOK_SECRET: secret },
    });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const done = collect(child, 30_000);
    const url = await waitFor('the receiver to print its URL', () => {
      if (child.exitCode !== null) throw new Error(`receive exited ${child.exitCode}`);
      return /^(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    });
    const sid = (await gw.project.lock())?.calls['sim/one']?.sid as string;
    const body = JSON.stringify({ call_sid: sid, call_status: 'completed', sip_status: 200 });
    const headers = {
      'jambonz-signature': jambonzSignature(secret, Math.floor(Date.now() / 1000), body),
    };
    expect((await send(url, { method: 'POST', path: '/', body, headers })).status).toBe(204);
    await waitFor('the receiver to say it cannot record', () =>
      err.includes('cannot record yet') ? true : undefined,
    );
    child.kill('SIGTERM');
    await done;
    refusal(err);

    expect(await gw.project.read('callops.lock')).toBe(older);
    expect(gw.sim.received()).toHaveLength(2);
  }, 60_000);

  it('a newer lockfile (placed elsewhere, then pulled from git) is accepted as it is', async () => {
    const gw = await start();
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    const lock = await gw.project.lock();
    const one = lock?.calls['sim/one'];
    expect(one?.status).toBe('placed');
    const two = {
      ...one,
      sid: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      at: new Date().toISOString(),
    };
    await gw.project.write(
      'callops.lock',
      `${JSON.stringify({ lockfileVersion: 1, calls: { 'sim/one': one, 'sim/two': two } }, null, 2)}\n`,
    );
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('state pull');
    expect(gw.sim.received()).toHaveLength(1);

    // A fresh clone has no .callops/: nothing to compare with, nothing refused.
    await rm(join(gw.project.dir, '.callops'), { recursive: true });
    expect((await gw.run(['status'])).code).toBe(0);
  }, 40_000);

  it('state takes only pull', async () => {
    const gw = await start();
    for (const args of [['state'], ['state', 'push'], ['state', 'nope']]) {
      const r = await gw.run(args);
      expect(r.code).toBe(64);
    }
  });
});

describe('a lockfile that lost an answer callops recorded', () => {
  it('is refused as one that moved backwards: the row is not redialled; state pull takes the answer back', async () => {
    const gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'redial: { on: [no-answer], after: 0s, max_attempts: 3 }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(71)}\n`,
      },
      { outcomes: { answered: 1, busy: 0, 'no-answer': 0, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    open.push(gw);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    // The copy a teammate committed before the outcome was known.
    const before = await gw.project.read('callops.lock');
    const refreshed = await gw.run(['status', '--refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect((await gw.project.lock())?.calls['sim/reminders/r1']?.outcome?.answered).toBe(true);

    // Now with its outcome lost, as a final no-answer would be: the row would be redialled.
    const lost = JSON.parse(before) as { calls: Record<string, Record<string, unknown>> };
    const entry = lost.calls['sim/reminders/r1'] as Record<string, unknown>;
    entry.outcome = {
      status: 'no-answer',
      sip_status: 487,
      duration: 0,
      answered: false,
      ended_at: entry.at,
    };
    for (const text of [before, `${JSON.stringify(lost, null, 2)}\n`]) {
      await gw.project.write('callops.lock', text);
      const plan = await gw.run(['plan']);
      expect(plan.code, plan.stdout).toBe(1);
      expect(plan.stderr).toContain('callops.lock has moved backwards');
      expect(plan.stderr).toContain('sim/reminders/r1');
      const apply = await gw.run(['apply', '--yes']);
      expect(apply.code).toBe(1);
      expect(gw.placed()).toHaveLength(1);
    }
    expect((await gw.run(['state', 'pull'])).code).toBe(0);
    expect((await gw.project.lock())?.calls['sim/reminders/r1']?.outcome?.answered).toBe(true);
    const again = await gw.run(['apply', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(gw.placed()).toHaveLength(1);
  }, 40_000);
});
