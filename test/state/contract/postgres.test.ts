import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { HOLD_SYNC_ENV } from '../../../src/state/failpoint.js';
import { statePool } from '../../../src/state/postgres/pool.js';
import { SCHEMA_VERSION } from '../../../src/state/postgres/schema.js';
import { openPostgresStore } from '../../../src/state/postgres/store.js';
import { INTERRUPTED } from '../../../src/state/replay.js';
import type { StateStore } from '../../../src/state/store.js';
import { IN_FLIGHT, NotClaimed } from '../../../src/state/store.js';
import type { Lockfile } from '../../../src/state/types.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';
import { claimOf, describeStoreContract } from './contract.js';

const RUNNER = fileURLToPath(new URL('./runner.mjs', import.meta.url));

/** The lease of a runner that tests kill: long enough to renew under load, short to wait out. */
const KILLED_LEASE_MS = 1500;

let server: TestPostgres;
let database: string;
let projects = 0;

beforeAll(async () => {
  server = await startPostgres();
  database = await server.freshDatabase();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describeStoreContract({
  name: 'postgres',
  concurrentRunners: true,
  // One schema per project: projects on one database stay apart, as they do for users.
  project: async () => {
    // A runner killed in its own process is gone once its lease has run out: a short one.
    const spec = {
      backend: 'postgres',
      url: database,
      schema: `project_${++projects}`,
      leaseMs: KILLED_LEASE_MS,
    };
    const open = (options = {}) =>
      openPostgresStore({
        url: spec.url,
        schema: spec.schema,
        command: 'callops apply',
        ...options,
      });
    return {
      spec,
      open,
      // Another runner on the same schema: it claims and records the key, and is gone.
      placeElsewhere: async (key, sid) => {
        const other = await open();
        try {
          if (!(await other.claim(claimOf(key)))) throw new Error(`${key} was not claimed`);
          await other.record({
            key,
            status: 'placed',
            sid,
            callId: `call-${key}`,
            at: '2026-11-24T09:00:00.000Z',
            attempts: 1,
            definition: 'sha256:def',
            file: 'calls/welcome.yaml',
          });
        } finally {
          await other.close();
        }
      },
    };
  },
});

const admin = async <T extends pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  url = database,
) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
};

const stores: StateStore[] = [];
const openStore = async (schema: string, command = 'callops apply') => {
  const store = await openPostgresStore({ url: database, schema, command });
  stores.push(store);
  return store;
};

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/**
 * End every connection of the runners whose application name matches `pattern`, and wait
 * (up to 10 s) until the server has let each go: pg_terminate_backend only signals it, and
 * on a busy machine the backend (and the session locks it holds) outlives the call.
 */
const cutConnections = async (pattern: string): Promise<number> => {
  const cut = (
    await admin<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = $2 AND application_name LIKE $1 AND pg_terminate_backend(pid)`,
      [pattern, new URL(database).pathname.slice(1)],
      server.url,
    )
  ).map((r) => r.pid);
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const [left] = await admin<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1)',
      [cut],
      server.url,
    );
    if (left?.n === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cut.length;
};

describe('postgres store only', () => {
  test('two runners claiming the same 1,000 keys at once claim each key exactly once', async () => {
    const schema = `race_${++projects}`;
    const [a, b] = [await openStore(schema), await openStore(schema)];
    const keys = Array.from({ length: 1000 }, (_, i) => `call-${i}`);
    const claimAll = (store: StateStore, order: readonly string[]) =>
      Promise.all(order.map((key) => store.claim(claimOf(key)).then((won) => ({ key, won }))));
    // From opposite ends, so that each wins the keys it reaches first even when one of them
    // gets going well before the other (a busy machine): the two meet somewhere in between.
    const [byA, reversedB] = await Promise.all([
      claimAll(a, keys),
      claimAll(b, [...keys].reverse()),
    ]);
    const byB = reversedB.reverse();
    expect(byA).toHaveLength(1000);
    expect(byB).toHaveLength(1000);
    const winners = keys.map((_, i) => Number(byA[i]?.won) + Number(byB[i]?.won));
    expect(winners.filter((n) => n === 1)).toHaveLength(1000);
    // Both did some of the work: the claims really overlapped.
    expect(byA.some((r) => r.won)).toBe(true);
    expect(byB.some((r) => r.won)).toBe(true);
    const rows = await admin<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".placements`);
    expect(rows[0]?.n).toBe('1000');
  });

  test('per-number limit: two runners claiming 100 numbers three times each at once take one slot per number', async () => {
    const schema = `numbers_${++projects}`;
    const [a, b] = [await openStore(schema), await openStore(schema)];
    const numbers = Array.from({ length: 100 }, (_, i) => `sha256:${String(i).padStart(16, '0')}`);
    const claimAll = (store: StateStore, side: string) =>
      Promise.all(
        numbers.flatMap((number, n) =>
          [0, 1, 2].map((j) =>
            store
              .claim(
                claimOf(`${side}-${n}-${j}`, { number, limit: { count: 1, windowMs: 3_600_000 } }),
              )
              .then((won) => ({ number, won })),
          ),
        ),
      );
    const [byA, byB] = await Promise.all([claimAll(a, 'a'), claimAll(b, 'b')]);
    expect(byA).toHaveLength(300);
    expect(byB).toHaveLength(300);
    const wins = new Map<string, number>();
    for (const r of [...byA, ...byB])
      if (r.won === true) wins.set(r.number, (wins.get(r.number) ?? 0) + 1);
    expect(wins.size).toBe(100);
    expect([...wins.values()].filter((n) => n !== 1)).toEqual([]);
    const rows = await admin<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".placements`);
    expect(rows[0]?.n).toBe('100');
  });

  test('two failed-key re-claims at once: exactly one wins', async () => {
    const schema = `reclaim_${++projects}`;
    const first = await openStore(schema);
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    for (const key of keys) expect(await first.claim(claimOf(key))).toBe(true);
    await Promise.all(
      keys.map((key) =>
        first.record({ key, status: 'failed', at: 'x', definition: 'd', file: 'f' }),
      ),
    );
    const [a, b] = [await openStore(schema), await openStore(schema)];
    const [byA, byB] = await Promise.all(
      [a, b].map((store) => Promise.all(keys.map((key) => store.claim(claimOf(key))))),
    );
    expect(byA).toHaveLength(200);
    expect(byB).toHaveLength(200);
    expect(keys.map((_, i) => Number(byA?.[i]) + Number(byB?.[i]))).toEqual(keys.map(() => 1));
  });

  test('a runner whose connections are cut lives on: its claims in flight, its run lock held, its outcomes recorded', async () => {
    const schema = `cut_${++projects}`;
    const holder = await openStore(schema, 'callops run');
    const held = await holder.lock({ command: 'callops run', now: new Date() });
    expect(held.ok).toBe(true);
    const other = await openStore(schema);
    expect((await other.lock({ command: 'callops apply', now: new Date() })).ok).toBe(false);
    expect(await holder.claim(claimOf('before'))).toBe(true);
    const cut = await admin<{ runner: number }>(`SELECT runner FROM "${schema}".run_lock`);
    expect(cut).toHaveLength(1);
    // Every connection of the holder, its session too, as a restart or an operator ends them.
    expect(await cutConnections(`callops runner ${cut[0]?.runner}%`)).toBeGreaterThan(1);
    // Its session is gone, its lease is not: the run lock is still its own,
    const again = await other.lock({ command: 'callops apply', now: new Date() });
    expect(again.ok).toBe(false);
    expect(again.ok ? undefined : again.holder).toMatchObject({ command: 'callops run' });
    // and its claim is in flight, which no one takes, with retryUnknown neither.
    const view = await other.read();
    expect(view.lock.calls.before).toMatchObject({ status: 'unknown', message: IN_FLIGHT });
    expect(view.inFlight.has('before')).toBe(true);
    expect(await other.claim(claimOf('before', { retryUnknown: true }))).toBe(false);
    // It records the outcome of the call it sent, and goes on claiming.
    await holder.record({
      key: 'before',
      status: 'placed',
      sid: 's-1',
      at: 'x',
      definition: 'sha256:def',
      file: 'calls/welcome.yaml',
    });
    expect((await other.read()).lock.calls.before).toMatchObject({ status: 'placed', sid: 's-1' });
    expect(await holder.claim(claimOf('after'))).toBe(true);
    await holder.record({
      key: 'after',
      status: 'placed',
      sid: 's-2',
      at: 'x',
      definition: 'sha256:def',
      file: 'calls/welcome.yaml',
    });
    // Once it is closed, its run lock is free at once.
    await holder.close();
    stores.splice(stores.indexOf(holder), 1);
    const taken = await other.lock({ command: 'callops apply', now: new Date() });
    expect(taken.ok).toBe(true);
    if (taken.ok) await taken.release();
  });

  test('an outcome recorded again is taken (its commit may have lost its answer); another one is refused', async () => {
    const schema = `again_${++projects}`;
    const store = await openStore(schema);
    expect(await store.claim(claimOf('k'))).toBe(true);
    const outcome = {
      key: 'k',
      status: 'placed',
      sid: 's-1',
      at: 'x',
      definition: 'sha256:def',
      file: 'calls/welcome.yaml',
    } as const;
    await store.record(outcome);
    await store.record(outcome);
    expect((await store.read()).lock.calls.k).toMatchObject({ status: 'placed', sid: 's-1' });
    await expect(store.record({ ...outcome, sid: 's-2' })).rejects.toBeInstanceOf(NotClaimed);
    // Another runner's record of the same outcome is refused: the claim was never its own.
    const other = await openStore(schema);
    await expect(other.record(outcome)).rejects.toBeInstanceOf(NotClaimed);
  });

  test('resolve of a key whose runner lives on its lease alone says when that lease lapses', async () => {
    const schema = `lapse_${++projects}`;
    const holder = await openStore(schema, 'callops run');
    expect(await holder.claim(claimOf('k'))).toBe(true);
    const other = await openStore(schema);
    await expect(other.settle('k', { placed: 's-1' })).rejects.toThrow(
      /^k is being placed by another runner right now \(callops run, pid \d+ on [^)]+\): wait for its outcome/,
    );
    const [row] = await admin<{ runner: number }>(`SELECT runner FROM "${schema}".placements`);
    expect(await cutConnections(`callops runner ${row?.runner}%`)).toBeGreaterThan(0);
    await expect(other.settle('k', { placed: 's-1' })).rejects.toThrow(
      /its connection to the state database cut: .* if it has ended, its claim lapses at \S+Z \(in \d+ s\): settle it then$/,
    );
  });

  test('a claim after a long synchronous stretch renews the lease first, then claims', async () => {
    const schema = `busy_${++projects}`;
    const store = await openPostgresStore({ url: database, schema, command: 'x', leaseMs: 1000 });
    stores.push(store);
    // The event loop held for longer than half the lease: no beat could renew it.
    const until = performance.now() + 700;
    while (performance.now() < until) {
      // busy, as planning a large campaign is
    }
    expect(await store.claim(claimOf('k'))).toBe(true);
  });

  test('a runner killed with a claim: in flight until its lease runs out, then unknown', async () => {
    const schema = `lease_${++projects}`;
    const spec = { backend: 'postgres', url: database, schema, leaseMs: 3000, claim: ['k'] };
    const child = spawn(process.execPath, [RUNNER, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('ready\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`runner exited ${code}: ${out}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const killedAt = performance.now();
    const reader = await openStore(schema);
    // Its session ended with it; its lease has not run out yet: nobody takes its claim.
    const soon = await reader.read();
    if (performance.now() - killedAt < 1500) {
      expect(soon.inFlight.has('k')).toBe(true);
      expect(await reader.claim(claimOf('k', { retryUnknown: true }))).toBe(false);
    }
    await new Promise((resolve) => setTimeout(resolve, 3250 - (performance.now() - killedAt)));
    const view = await reader.read();
    expect(view.inFlight.has('k')).toBe(false);
    expect(view.lock.calls.k).toMatchObject({ status: 'unknown', message: INTERRUPTED });
  });

  test('a database that refuses connections fails the claim; nothing is recorded', async () => {
    const schema = `down_${++projects}`;
    const store = await openStore(schema);
    await store.read(); // the pool now has a connection, which the cut below ends
    const name = new URL(database).pathname.slice(1);
    const runners = await admin<{ id: number }>(`SELECT id FROM "${schema}".runners`);
    expect(runners).toHaveLength(1);
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`, [], server.url);
    try {
      // The pool's connections go; the runner's session stays, so only the pool is cut off.
      // pg_terminate_backend returns before the client has read the end of its connection:
      // the claim may still take that dying connection, or open a new one that is refused.
      // Either way it fails, says so, and records nothing.
      expect(await cutConnections(`callops runner ${runners[0]?.id}`)).toBeGreaterThan(0);
      await expect(store.claim(claimOf('k'))).rejects.toThrow(
        /k was not claimed: the state database failed \((.*not currently accepting connections|terminating connection due to administrator command)/,
      );
    } finally {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`, [], server.url);
    }
    expect((await store.read()).lock.calls).toEqual({});
  });

  test('an earlier slot claimed while a later one of its call is being claimed waits for it, and finds it', async () => {
    const schema = `later_race_${++projects}`;
    const dir = await mkdtemp(join(tmpdir(), 'callops-later-'));
    const gate = join(dir, 'gate');
    // The failpoint is read when the store opens: the first runner's commits are held.
    process.env[HOLD_SYNC_ENV] = gate;
    let right: StateStore;
    try {
      right = await openStore(schema);
    } finally {
      delete process.env[HOLD_SYNC_ENV];
    }
    const slow = await openStore(schema);
    const slotOf = (slot: string, at: string) =>
      claimOf(`gw/hourly@${slot}`, {
        at,
        later: { series: 'gw/hourly@', slot, now: at.replace(/\.\d{3}Z$/, 'Z') },
      });
    const claiming = right.claim(slotOf('2026-12-05T09:00:00Z', '2026-12-05T09:05:00.000Z'));
    await waitUntil(() => existsSync(`${gate}.reached`));
    // The later slot's claim is made, not committed: the earlier one waits for the call's lock.
    let settled = false;
    const earlier = slow
      .claim(slotOf('2026-12-05T08:00:00Z', '2026-12-05T08:10:00.000Z'))
      .finally(() => {
        settled = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    await writeFile(gate, '');
    expect(await claiming).toBe(true);
    expect(await earlier).toEqual({
      later: {
        key: 'gw/hourly@2026-12-05T09:00:00Z',
        status: 'being placed',
        at: '2026-12-05T09:05:00.000Z',
      },
    });
    expect(Object.keys((await slow.read()).lock.calls)).toEqual(['gw/hourly@2026-12-05T09:00:00Z']);
    await rm(dir, { recursive: true, force: true });
  });

  test("a slot's claim finds the later slots of its call on the index, however many slots it placed", async () => {
    const schema = `later_index_${++projects}`;
    await openStore(schema);
    // A year of hourly slots placed, most of them long ago: the planner would scan them all
    // without the index.
    await admin(
      `INSERT INTO "${schema}".placements (key, target, status, at, definition, file)
       SELECT 'gw/hourly@' || to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'gw', 'placed',
         to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS".000Z"'), 'sha256:def', 'calls/a.yaml'
       FROM generate_series(timestamp '2025-12-01', timestamp '2026-12-01', interval '1 hour') AS t`,
    );
    await admin(`ANALYZE "${schema}".placements`);
    const { laterRow, laterParameters } = await import('../../../src/state/postgres/later.js');
    const p = laterParameters({
      series: 'gw/hourly@',
      slot: '2026-11-30T12:00:00Z',
      now: '2026-11-30T12:10:00Z',
    });
    const plan = await admin<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${laterRow(`"${schema}"`, 'false')}`,
      [p.memory, p.slot, p.series, p.now, 0, p.rehearsal],
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('placements_kept');
  });

  test('a limited claim whose connection is cut while its commit is held fails; the next claim goes on', async () => {
    const schema = `held_${++projects}`;
    const dir = await mkdtemp(join(tmpdir(), 'callops-held-'));
    const gate = join(dir, 'gate');
    // The failpoint is read when the store opens.
    process.env[HOLD_SYNC_ENV] = gate;
    let store: StateStore;
    try {
      store = await openStore(schema);
    } finally {
      delete process.env[HOLD_SYNC_ENV];
    }
    const runners = await admin<{ id: number }>(`SELECT id FROM "${schema}".runners`);
    const limit = { count: 5, windowMs: 3_600_000 };
    const claiming = store.claim(claimOf('k1', { number: 'sha256:0001', limit }));
    const outcome = claiming.then(
      () => 'claimed',
      (error: Error) => error.message,
    );
    await waitUntil(() => existsSync(`${gate}.reached`));
    // Only the pool's connections: the runner's session stays.
    expect(await cutConnections(`callops runner ${runners[0]?.id}`)).toBeGreaterThan(0);
    expect(await outcome).toMatch(
      /^k1 was not claimed: the state database failed \(terminating connection due to administrator command\)$/,
    );
    await writeFile(gate, '');
    expect(await store.claim(claimOf('k2', { number: 'sha256:0001', limit }))).toBe(true);
    expect(Object.keys((await store.read()).lock.calls)).toEqual(['k2']);
    await rm(dir, { recursive: true, force: true });
  });

  test('limited claims at once while their connections are cut each succeed or fail cleanly', async () => {
    const schema = `cut_limited_${++projects}`;
    const store = await openStore(schema);
    const runners = await admin<{ id: number }>(`SELECT id FROM "${schema}".runners`);
    const limit = { count: 5, windowMs: 3_600_000 };
    for (let round = 0; round < 5; round++) {
      const claims = Array.from({ length: 60 }, (_, i) =>
        store
          .claim(
            claimOf(`r${round}-${i}`, { number: `sha256:${String(i).padStart(4, '0')}`, limit }),
          )
          .then(
            () => undefined,
            (error: Error) => error.message,
          ),
      );
      await new Promise((resolve) => setTimeout(resolve, 5 + round * 5));
      await cutConnections(`callops runner ${runners[0]?.id}`);
      for (const failed of await Promise.all(claims))
        if (failed !== undefined)
          expect(failed).toMatch(/was not claimed: the state database failed \(/);
    }
  });

  test('a connection that fails as the pool hands it out ends no process', async () => {
    const pool = statePool({ connectionString: database, max: 1 });
    try {
      const heard = await new Promise<boolean>((resolve, reject) => {
        pool.connect((error, client, release) => {
          if (error !== undefined || client === undefined) return reject(error);
          // The pool has stopped listening, whoever asked has not started: the server's error
          // in the same read as the answer that freed the connection lands here.
          const emitted = client.emit(
            'error',
            new Error('terminating connection due to administrator command'),
          );
          release(new Error('cut'));
          resolve(emitted);
        });
      });
      expect(heard).toBe(true);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  test('an unreachable database is a clear error before anything is claimed', async () => {
    const url = `postgres://callops:secret-pw@127.0.0.1:${await closedPort()}/none`;
    const opening = openPostgresStore({ url, command: 'callops apply', connectTimeoutMs: 2000 });
    await expect(opening).rejects.toThrow(
      /the state database could not be reached \(.*ECONNREFUSED/,
    );
    await expect(opening).rejects.not.toThrow(/secret-pw/);
  });

  test('runners starting together create the schema once; versions are recorded', async () => {
    const schema = `fresh_${++projects}`;
    await Promise.all([openStore(schema), openStore(schema), openStore(schema)]);
    const rows = await admin<{ version: number }>(
      `SELECT version FROM "${schema}".callops_schema_version ORDER BY version`,
    );
    expect(rows.map((r) => r.version)).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    await admin(`INSERT INTO "${schema}".callops_schema_version (version) VALUES ($1)`, [
      SCHEMA_VERSION + 1,
    ]);
    await expect(openStore(schema)).rejects.toThrow(/newer than this callops knows/);
  });

  test('a schema in use by a live runner of an earlier release is not brought to a newer version', async () => {
    const schema = `upgrade_${++projects}`;
    await (await openPostgresStore({ url: database, schema, command: 'callops apply' })).close();
    // As a release before left it: two versions less, a runner of it live (its lease lasts).
    const before = SCHEMA_VERSION - 2;
    await admin(`DELETE FROM "${schema}".callops_schema_version WHERE version > $1`, [before]);
    // What the latest versions added goes with them.
    await admin(`ALTER TABLE "${schema}".schedules DROP COLUMN pruned_through, DROP COLUMN rang`);
    await admin(
      `INSERT INTO "${schema}".runners (command, host, pid, live_until)
       VALUES ('callops run', 'old-host', 4242, now() + interval '1 hour')`,
    );
    const version = async () =>
      (
        await admin<{ version: number }>(
          `SELECT max(version) AS version FROM "${schema}".callops_schema_version`,
        )
      )[0]?.version;
    await expect(openStore(schema)).rejects.toThrow(
      `the state schema "${schema}" is at version ${before}, and this callops would bring it to version ${SCHEMA_VERSION}, but a runner of an earlier release is using it (\`callops run\` on old-host, pid 4242)`,
    );
    expect(await version()).toBe(before);
    // Gone (its lease over, its session ended): the schema is brought up to date.
    await admin(`UPDATE "${schema}".runners SET live_until = now() - interval '1 second'`);
    await openStore(schema);
    expect(await version()).toBe(SCHEMA_VERSION);
  });

  test('a runner of the release before the memory of pushed calls let go does not share the schema', async () => {
    const schema = `upgrade_${++projects}`;
    await (await openPostgresStore({ url: database, schema, command: 'callops apply' })).close();
    // Version 15 brings calls a claim counts: a runner of version 14 would count none of them.
    await admin(`DELETE FROM "${schema}".callops_schema_version WHERE version > 14`);
    await admin(`ALTER TABLE "${schema}".schedules DROP COLUMN pruned_through, DROP COLUMN rang`);
    await admin(
      `INSERT INTO "${schema}".runners (command, host, pid, live_until)
       VALUES ('callops run', 'old-host', 4242, now() + interval '1 hour')`,
    );
    await expect(openStore(schema)).rejects.toThrow(
      `the state schema "${schema}" is at version 14, and this callops would bring it to version ${SCHEMA_VERSION}, but a runner of an earlier release is using it`,
    );
    await admin(`UPDATE "${schema}".runners SET live_until = now() - interval '1 second'`);
    await openStore(schema);
    const rows = await admin<{ version: number }>(
      `SELECT max(version) AS version FROM "${schema}".callops_schema_version`,
    );
    expect(rows[0]?.version).toBe(SCHEMA_VERSION);
  });

  describe('the calls a pushed lockfile remembers of entries state.keep let go', () => {
    const D = 'sha256:00000000000000d1';
    const E = 'sha256:00000000000000e2';
    const HOUR = 3_600_000;
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const limited = (key: string, count: number, windowMs: number) =>
      claimOf(key, { number: D, limit: { count, windowMs }, at: new Date().toISOString() });
    const memory = (rang: Lockfile['schedules']) => ({
      lockfileVersion: 1 as const,
      calls: {},
      schedules: rang,
    });

    test('count toward per-number limits at the claim, and pushed again are the same', async () => {
      const store = await openStore(`push_rang_${++projects}`);
      const t = ago(2 * HOUR);
      const slot = ago(2 * HOUR + 60_000);
      const once = { since: slot, prunedThrough: slot, rang: { numbers: { [D]: [t] } } };
      expect(await store.import(memory({ 'default/once': once }))).toMatchObject({ ok: true });
      // The call let go two hours ago is within a day, not within the hour.
      expect(await store.claim(limited('a', 1, 24 * HOUR))).toBe('limited');
      expect(await store.claim(limited('a', 1, HOUR))).toBe(true);
      expect((await store.read()).lock.schedules?.['default/once']).toEqual(once);
      // Pushed again: the same memory, not two calls; another push's calls join it.
      await store.import(memory({ 'default/once': once }));
      expect(await store.claim(limited('b', 3, 24 * HOUR))).toBe(true);
      const other = { ...once, rang: { numbers: { [E]: [t] } } };
      await store.import(memory({ 'default/once': other }));
      expect((await store.read()).lock.schedules?.['default/once']?.rang).toEqual({
        numbers: { [D]: [t], [E]: [t] },
      });
      expect(await store.claim(limited('c', 3, 24 * HOUR))).toBe('limited');
    });

    test('a call a row (or its history) holds too is counted once', async () => {
      const store = await openStore(`push_rang_${++projects}`);
      const [t0, t1] = [ago(3 * HOUR), ago(2 * HOUR)];
      // As `state pull` writes a view that let the row go, pushed back beside the row.
      const lockfile: Lockfile = {
        lockfileVersion: 1,
        calls: {
          [`default/m@${t1.replace(/\.\d{3}Z$/, 'Z')}`]: {
            status: 'placed',
            sid: 'sid-1',
            at: t1,
            number: D,
            history: [{ sid: 'sid-0', at: t0, number: D }],
            definition: 'sha256:def',
            file: 'calls/welcome.yaml',
          },
        },
        schedules: { 'default/m': { since: t0, rang: { numbers: { [D]: [t0, t1] } } } },
      };
      expect(await store.import(lockfile)).toMatchObject({ ok: true, imported: 1 });
      // The row counts once, as ever: not once more for each time the memory holds of it.
      expect(await store.claim(limited('b', 2, 24 * HOUR))).toBe(true);
      expect(await store.claim(limited('c', 2, 24 * HOUR))).toBe('limited');
    });
  });

  test('a schema name outside lower-case letters, digits and _ is refused', async () => {
    await expect(openStore('Bad"; DROP')).rejects.toThrow(/is not a schema name callops accepts/);
    const rows = await admin('SELECT 1 FROM pg_namespace WHERE nspname LIKE $1', ['Bad%']);
    expect(rows).toHaveLength(0);
  });
});

const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(),
      );
    });
  });

const waitUntil = async (done: () => boolean) => {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
