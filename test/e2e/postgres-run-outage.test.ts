import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { placementRows } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import {
  type CliResult,
  callsYaml,
  type Gateway,
  output,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * `run` on the Postgres store rides out an outage of the state database: a wake whose
 * claim fails sends nothing, says so naming the state database, and run carries on; once
 * the database answers again, later slots are placed, each once. A run whose lease ran out
 * meanwhile, and whose run lock another run took, stops (75) rather than run beside it.
 */

const db = postgresForFile();
const proxies: TcpProxy[] = [];

afterAll(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

/** A project with one call every 2 s, its state in `schema` of the test database. */
const project = (schema: string): Promise<Gateway> =>
  db.gateway(
    {
      'calls/a.yaml': callsYaml([
        { name: 'tick', extra: ['schedule: { cron: "*/2 * * * * *", deadline: 30s }'] },
      ]),
    },
    { schema },
  );

/** How many rows of `schema` are placed (0 while the database does not answer). */
const placedRows = async (schema: string): Promise<number> =>
  ((await placementRows(db.url, schema).catch(() => [])) ?? []).filter((r) => r.status === 'placed')
    .length;

/** Waits until `schema` has at least `n` placed rows. */
const placedAtLeast = (schema: string, n: number, timeoutMs = 20_000) =>
  waitFor(`${n} slots placed`, async () => ((await placedRows(schema)) >= n ? true : undefined), {
    timeoutMs,
    everyMs: 20,
  });

/** Waits until what a running CLI said matches `pattern`; fails with what it said. */
const said = (soFar: () => string, pattern: RegExp, timeoutMs = 20_000) =>
  waitFor(pattern.source, () => (pattern.test(soFar()) ? true : undefined), { timeoutMs }).catch(
    (error: Error) => {
      throw new Error(`${error.message}; it said:\n${soFar()}`);
    },
  );

/** Every key the gateway placed is one placed row, its sid the one the gateway gave: none twice. */
const expectEachOnce = async (gw: Gateway, schema: string) => {
  const rows = await placementRows(db.url, schema);
  expect(rows.filter((r) => r.status !== 'placed')).toEqual([]);
  expect(rows).toHaveLength(gw.placed().length);
  expect(new Set(rows.map((r) => r.sid))).toEqual(new Set(gw.placed().map((r) => r.sid)));
};

/** Each line that says what the database failed with names the state database. */
const expectNamed = (result: CliResult) => {
  const text = output(result);
  const causes = /ECONNREFUSED|ECONNRESET|terminat|shutting down|starting up/i;
  for (const line of text.split('\n').filter((l) => causes.test(l)))
    expect(line).toMatch(/state database/);
  expect(text).not.toMatch(/Unhandled 'error' event|node:events/);
  expect(text).not.toContain('callops-test');
};

describe('run and an outage of the state database', () => {
  it('a claim the restart cuts sends nothing; run says so, carries on, and places later slots', {
    timeout: 90_000,
  }, async () => {
    const gw = await project('outage');
    // Claims pass while the gate exists; without it, the next claim's commit is held.
    const gate = join(gw.project.dir, 'gate');
    await writeFile(gate, '');
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    // Outcomes are asked of the gateway 2 s after the first batch, then not for an hour.
    const env = {
      ...gw.env,
      CALLOPS_DATABASE_URL: db.url,
      CALLOPS_RUN_REFRESH_SECONDS: '3600',
      [HOLD_SYNC_ENV]: gate,
    };
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
    const { done, soFar } = watch(child, 80_000);
    let halted = false;
    try {
      await placedAtLeast('outage', 2, 30_000);
      await rm(gate);
      await waitFor('a claim held before its commit', async () =>
        (await reached()) > 0 ? true : undefined,
      );
      const sent = gw.placed().length;
      // The server stops while that claim is open, and stays down 2 s more.
      await db.server.halt();
      halted = true;
      await said(soFar, /not claimed: the state database failed[^\n]*— run goes on/);
      await writeFile(gate, '');
      await delay(2_000);
      expect(child.exitCode, soFar()).toBeNull();
      // The claim failed: its call was never sent.
      expect(gw.placed()).toHaveLength(sent);
      await db.server.resume();
      halted = false;
      await said(soFar, /the state database answers again/);
      const back = await placedRows('outage');
      await placedAtLeast('outage', back + 2);
    } finally {
      child.kill('SIGTERM');
      if (halted) await db.server.resume();
    }
    const result = await done;
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout).toMatch(/not sent/);
    expectNamed(result);
    await expectEachOnce(gw, 'outage');
  });

  it('a run cut off for longer than its lease, its run lock taken meanwhile, stops with 75', {
    timeout: 120_000,
  }, async () => {
    const gw = await project('lapsed');
    const proxy = await startTcpProxy(db.server.port);
    proxies.push(proxy);
    const through = db.url.replace(`:${db.server.port}/`, `:${proxy.port}/`);
    const first = spawnCli(['run', '--yes'], {
      cwd: gw.project.dir,
      env: { ...gw.env, CALLOPS_DATABASE_URL: through, CALLOPS_RUN_REFRESH_SECONDS: '3600' },
    });
    const firstRun = watch(first, 100_000);
    const env = { ...gw.env, CALLOPS_DATABASE_URL: db.url, CALLOPS_RUN_REFRESH_SECONDS: '3600' };
    let second: ReturnType<typeof spawnCli> | undefined;
    let secondRun: ReturnType<typeof watch> | undefined;
    try {
      await placedAtLeast('lapsed', 2, 30_000);
      proxy.cut();
      await said(firstRun.soFar, /the state database failed[^\n]*— run goes on/);
      // Its lease (15 s) runs out; a run started then takes the run lock. One started
      // sooner is refused (75) while the lease lasts, and tried again.
      await delay(15_000);
      await waitFor(
        'a second run holding the run lock',
        async () => {
          if (secondRun !== undefined) {
            if (/running:/.test(secondRun.soFar())) return true;
            const ended = await Promise.race([secondRun.done, delay(100).then(() => undefined)]);
            if (ended === undefined) return undefined;
            expect(ended.code, output(ended)).toBe(75);
          }
          second = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env });
          secondRun = watch(second, 80_000);
          return undefined;
        },
        { timeoutMs: 30_000, everyMs: 200 },
      );
      const placed = await placedRows('lapsed');
      await placedAtLeast('lapsed', placed + 1);
      // The first run reaches the database again: it finds the run lock another run's.
      proxy.heal();
      const stopped = await firstRun.done;
      expect(stopped.code, output(stopped)).toBe(75);
      expect(stopped.stderr).toContain(
        'the run lock of the state database was taken over while this run could not reach it',
      );
      expect(stopped.stderr).toContain(`pid ${second?.pid}`);
      expectNamed(stopped);
      // The second run goes on placing.
      const after = await placedRows('lapsed');
      await placedAtLeast('lapsed', after + 1);
    } finally {
      first.kill('SIGTERM');
      second?.kill('SIGTERM');
    }
    const result = await secondRun?.done;
    expect(result?.code, result && output(result)).toBe(0);
    await expectEachOnce(gw, 'lapsed');
  });
});
