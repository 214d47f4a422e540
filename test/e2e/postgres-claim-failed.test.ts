import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { placementRows, terminateRunners } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { callsYaml, holdCalls, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * `apply` on the Postgres store: a claim that fails fails as a state write does, and the run
 * sends nothing more, though the database answers again a moment later. And a claim made as
 * a hung database comes back does not fail for a renewal of the lease sent before the hang.
 */

const db = postgresForFile();
const proxies: TcpProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A simulator `wait` that holds each accepted call until the test lets one go. */
const heldOneByOne = () => {
  const waiting: (() => void)[] = [];
  let open = false;
  return {
    held: () => waiting.length,
    next: () => waiting.shift()?.(),
    all: () => {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    wait: () => new Promise<void>((resolve) => (open ? resolve() : waiting.push(resolve))),
  };
};

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c0${i}` }));

describe('apply on the Postgres state, its claims failing', () => {
  it('a claim that failed ends the sending: the calls after it are not sent, the database back or not', {
    timeout: 90_000,
  }, async () => {
    const calls = heldOneByOne();
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml(names(6)) },
      { targetExtra: ['concurrency: 2'], latencyMs: 1, wait: calls.wait, schema: 'claim_failed' },
    );
    const gate = join(gw.project.dir, 'gate');
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    const env = { ...gw.env, ...db.env, [HOLD_SYNC_ENV]: gate };
    const { done } = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    await waitFor('the first claim held', async () => ((await reached()) > 0 ? true : undefined));
    await writeFile(gate, '');
    await waitFor('two requests at the gateway', () => (calls.held() === 2 ? true : undefined), {
      timeoutMs: 20_000,
    });
    // c00 and c01 answered; the claims of c02 and c03 are held before their commit, and cut.
    const before = await reached();
    await rm(gate);
    calls.next();
    calls.next();
    await waitFor('two more claims held', async () =>
      (await reached()) >= before + 2 ? true : undefined,
    );
    expect(await terminateRunners(db.url)).toBeGreaterThan(0);
    // The database answers at once again: a claim made now would be committed. Give the run
    // the time to make one (c04, c05), then let every commit and call through.
    const ended = await Promise.race([
      done.then(() => true),
      waitFor(
        'later claims held',
        async () => ((await reached()) >= before + 4 ? false : undefined),
        {
          timeoutMs: 10_000,
        },
      ).catch(() => false),
    ]);
    await writeFile(gate, '');
    calls.all();
    const result = await done;
    const text = output(result);
    expect(result.code, text).toBe(1);
    expect(ended, text).toBe(true);
    // c00 and c01 only: nothing was sent after the claim that failed.
    expect(gw.placed(), text).toHaveLength(2);
    // The closing line says what to do: nothing of the calls not sent was dialled.
    expect(result.stderr).toMatch(
      /^callops apply: sim\/c0\d was not claimed: the state database failed .*; 4 calls not sent — run `callops apply` again once the state database answers \(none of the calls not sent was dialled\)$/m,
    );
    const rows = await placementRows(db.url, 'claim_failed');
    expect(rows.filter((r) => r.status === 'placed').map((r) => r.key)).toEqual([
      'sim/c00',
      'sim/c01',
    ]);
    expect(rows.filter((r) => r.status !== 'placed')).toEqual([]);
  });

  it('a claim made as a hung database comes back waits for a renewal of the lease sent then', {
    timeout: 90_000,
  }, async () => {
    const proxy = await startTcpProxy(db.server.port);
    proxies.push(proxy);
    const through = db.url.replace(`:${db.server.port}/`, `:${proxy.port}/`);
    const calls = heldOneByOne();
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml(names(4)) },
      { targetExtra: ['concurrency: 1'], latencyMs: 1, wait: calls.wait, schema: 'claim_hang' },
    );
    const { done } = watch(
      spawnCli(['apply', '--yes'], {
        cwd: gw.project.dir,
        env: { ...gw.env, CALLOPS_DATABASE_URL: through },
      }),
      60_000,
    );
    await waitFor('a request at the gateway', () => (calls.held() === 1 ? true : undefined), {
      timeoutMs: 20_000,
    });
    // c00 answered, while the database answers (the run reads the sids it holds once); c01
    // comes to the gateway.
    calls.next();
    await waitFor('c00 recorded, c01 at the gateway', async () =>
      calls.held() === 1 &&
      (await placementRows(db.url, 'claim_hang')).some((r) => r.status === 'placed')
        ? true
        : undefined,
    );
    // The database hangs for longer than half a lease and a beat of its renewal (7.5 s +
    // 3.75 s): the renewal sent meanwhile is answered only once it is back, and proves the
    // lease only from when it was sent.
    proxy.hold();
    await delay(13_000);
    // c01 answered: its outcome, and c02's claim, wait for the database.
    calls.next();
    await delay(1_000);
    proxy.release();
    calls.all();
    const result = await done;
    const text = output(result);
    expect(text).not.toMatch(/not renewed|was not claimed/);
    expect(result.code, text).toBe(0);
    expect(gw.placed()).toHaveLength(4);
    const rows = await placementRows(db.url, 'claim_hang');
    expect(rows.map((r) => r.status)).toEqual(['placed', 'placed', 'placed', 'placed']);
  });
});

describe('apply on the Postgres state, stopped while the database fails', () => {
  it('exits 130 as any interrupted apply, and still says what could not be written', {
    timeout: 90_000,
  }, async () => {
    const hold = holdCalls();
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml(names(6)) },
      { targetExtra: ['concurrency: 2'], latencyMs: 1, wait: hold.wait, schema: 'stopped' },
    );
    const child = spawnCli(['apply', '--yes'], {
      cwd: gw.project.dir,
      env: { ...gw.env, ...db.env },
    });
    const { done, soFar } = watch(child, 60_000);
    await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined), {
      timeoutMs: 20_000,
    });
    await db.server.halt();
    try {
      child.kill('SIGTERM');
      await waitFor('the stop said', () => (/stopping/.test(soFar()) ? true : undefined));
      hold.release();
      const result = await done;
      const text = output(result);
      expect(result.stdout).toMatch(
        /Interrupted: 0 placed, 0 failed, 2 unknown, 4 not sent \(still due\)/,
      );
      // The outcomes of the two calls could not be written: said after the summary.
      expect(result.stderr).toMatch(/callops apply: .*the state database failed/);
      expect(result.code, text).toBe(130);
      expect(gw.placed()).toHaveLength(2);
    } finally {
      await db.server.resume();
    }
  });
});
