import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keptParameters, keptRows } from '../../src/state/postgres/kept.js';
import { openPostgresStore } from '../../src/state/postgres/store.js';
import { pruneExpired, type RetentionInput } from '../../src/state/retention.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

/*
 * Under `state.keep` the Postgres store reads the rows its view keeps, not every row ever
 * placed: the rows it reads are pruneExpired's, over a table of every kind of key.
 */

const DAY = 86_400_000;
const now = new Date('2026-12-03T12:00:00Z');
const keepMs = 30 * DAY;
const calls: RetentionInput['calls'] = [
  { name: 'm1', schedule: { deadlineMs: 10 * 60_000 } },
  { name: 'm3', schedule: { deadlineMs: 3 * DAY } },
  { name: 'camp', schedule: { deadlineMs: 60 * 60_000 } },
  { name: 'welcome' },
];
const retention = { calls: () => calls, keepMs, now: () => now };

let server: TestPostgres;
let database: string;

beforeAll(async () => {
  server = await startPostgres();
  database = await server.freshDatabase();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const admin = async <T extends pg.QueryResultRow>(sql: string, values?: unknown[]) => {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
};

/** A whole-second slot `agoMs` before now, as keys write it. */
const slot = (agoMs: number) => new Date(now.getTime() - agoMs).toISOString().replace('.000Z', 'Z');

/** Rows of every kind: `[key, status]`. */
const varied = (): [string, string][] => {
  const rows: [string, string][] = [];
  const statuses = ['placed', 'failed', 'placed', 'unknown', 'claimed', 'placed'];
  // Every 7 hours over 40 days: each side of every call's limit, each status.
  for (let i = 0; i < 140; i++) {
    const ago = i * 7 * 3_600_000 + (i % 3) * 1000;
    const status = statuses[i % statuses.length] as string;
    rows.push([`sim/m1@${slot(ago)}`, status]);
    rows.push([`sim/m3@${slot(ago)}`, status]);
    rows.push([`other/m1@${slot(ago)}`, status]);
    rows.push([`sim/gone@${slot(ago)}`, status]);
    rows.push([`sim/camp/r${i % 4}@${slot(ago)}`, status]);
    rows.push([`sim/camp/r${i % 4}#2@${slot(ago)}`, status]);
    rows.push([`sim/m1#2@${slot(ago)}`, status]);
  }
  const old = slot(35 * DAY);
  const oldMs = old.replace('Z', '.000Z');
  rows.push(
    // The exact limit of m1 (30 days and 10 minutes ago), and a second either side.
    [`sim/m1@${slot(keepMs + 10 * 60_000)}`, 'placed'],
    [`sim/m1@${slot(keepMs + 10 * 60_000 + 1000)}`, 'placed'],
    [`sim/m1@${slot(keepMs + 10 * 60_000 - 1000)}`, 'placed'],
    // Calls that run once, however old.
    ['sim/welcome', 'placed'],
    ['sim/camp/r9', 'placed'],
    ['sim/camp/r9#2', 'failed'],
    // Slots not written as callops writes them: judged in memory.
    [`sim/m1@${oldMs}`, 'placed'],
    [`sim/m1@${old.slice(0, 16)}Z`, 'placed'],
    ['sim/m1@2026-10-01', 'placed'],
    ['sim/m1@not-a-slot', 'placed'],
    [`sim/m1@${old}#2`, 'placed'],
    // An `@` in a name, none, no target.
    [`sim/a@b@${old}`, 'placed'],
    [`m1@${old}`, 'placed'],
    [`/m1@${old}`, 'placed'],
    [`sim/@${old}`, 'placed'],
    [`sim/m1@@${old}`, 'placed'],
  );
  return rows;
};

const insert = async (schema: string, rows: readonly [string, string][]) => {
  await admin(
    `INSERT INTO "${schema}".placements (key, status, sid, at, definition, file)
     SELECT k, st, CASE WHEN st = 'placed' THEN 'sid-' || k END, '2026-11-01T00:00:00.000Z',
       'sha256:d', 'calls/a.yaml'
     FROM unnest($1::text[], $2::text[]) AS r(k, st)`,
    [rows.map(([k]) => k), rows.map(([, st]) => st)],
  );
};

describe('the Postgres view under state.keep', () => {
  test('reads the rows pruneExpired keeps: the same view as every row pruned in memory', async () => {
    const schema = 'kept_varied';
    await (await openPostgresStore({ url: database, schema, command: 'callops plan' })).close();
    await insert(schema, varied());
    // Memory for some calls, none for others.
    await admin(
      `INSERT INTO "${schema}".schedules (key, since, reported_through)
       VALUES ('sim/m1', '2026-01-01T00:00:00Z', NULL), ('sim/camp', '2026-01-01T00:00:00Z', NULL)`,
    );
    const all = await openPostgresStore({ url: database, schema, command: 'callops plan' });
    const keeping = await openPostgresStore({
      url: database,
      schema,
      command: 'callops plan',
      retention,
    });
    try {
      const full = await all.read();
      const expected = pruneExpired(full.lock, { calls, keepMs, now });
      // The table holds entries on both sides of every limit.
      expect(Object.keys(full.lock.calls).length).toBeGreaterThan(
        Object.keys(expected.calls).length + 100,
      );
      const view = await keeping.read();
      expect(Object.keys(view.lock.calls)).toEqual(Object.keys(expected.calls));
      expect(view.lock).toEqual(expected);
      expect([...view.inFlight]).toEqual([...full.inFlight]);
      // The query itself: every row kept, and beside them only rows left out, the first and
      // the last of a call (by slot), those pruneExpired remembers its memory by, and those
      // whose slot it parses.
      const read = (
        await admin<{ key: string }>(
          keptRows(`"${schema}"`, 'key'),
          keptParameters({ calls, keepMs, now }),
        )
      ).map((r) => r.key);
      const kept = new Set(Object.keys(expected.calls));
      expect(read.filter((key) => kept.has(key)).sort()).toEqual([...kept].sort());
      const beside = read.filter((key) => !kept.has(key));
      const perCall = new Map<string, number>();
      // A slot not written as callops writes it is read whatever its age: judged in memory.
      const whole = /\/.*@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
      for (const key of beside.filter((k) => whole.test(k))) {
        const memory = key.slice(0, key.lastIndexOf('@')).split('/').slice(0, 2).join('/');
        perCall.set(memory, (perCall.get(memory) ?? 0) + 1);
      }
      for (const count of perCall.values()) expect(count).toBeLessThanOrEqual(2);
      for (const key of beside) expect(full.lock.calls[key]?.status).toMatch(/^(placed|failed)$/);
    } finally {
      await Promise.all([all.close(), keeping.close()]);
    }
  });

  test('a read fetches the rows kept, not the history left out', async () => {
    const schema = 'kept_history';
    await (await openPostgresStore({ url: database, schema, command: 'callops plan' })).close();
    // 40 days of a per-minute call: 57,600 rows, the view keeps about 30 days' worth of none
    // but the last day's (a second call, every minute of the last hour).
    const rows: [string, string][] = [];
    for (let i = 0; i < 40 * 1440; i += 1)
      rows.push([`sim/m1@${slot(31 * DAY + i * 60_000)}`, 'placed']);
    for (let i = 0; i < 60; i++) rows.push([`sim/m3@${slot(i * 60_000)}`, 'placed']);
    await insert(schema, rows);
    await admin('ANALYZE');
    const oid = (
      await admin<{ oid: string }>(`SELECT '"${schema}".placements'::regclass::oid AS oid`)
    )[0]?.oid;
    await admin('SELECT pg_stat_reset_single_table_counters($1)', [oid]);
    const store = await openPostgresStore({
      url: database,
      schema,
      command: 'callops plan',
      retention,
    });
    let view: Awaited<ReturnType<typeof store.read>>;
    try {
      view = await store.read();
    } finally {
      // Its connections end: their counts reach the statistics.
      await store.close();
    }
    expect(Object.keys(view.lock.calls)).toHaveLength(60);
    expect(view.lock.schedules?.['sim/m1']?.prunedThrough).toBe(
      new Date(now.getTime() - 31 * DAY).toISOString(),
    );
    let read: number | undefined;
    for (let round = 0; round < 100 && read === undefined; round++) {
      const stats = await admin<{ seq: string; idx: string }>(
        `SELECT coalesce(seq_tup_read, 0) AS seq, coalesce(idx_tup_fetch, 0) AS idx,
           coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans
         FROM pg_stat_user_tables WHERE relid = $1 AND coalesce(seq_scan, 0) + coalesce(idx_scan, 0) > 0`,
        [oid],
      );
      const row = stats[0];
      if (row !== undefined) read = Number(row.seq) + Number(row.idx);
      else await delay(100);
    }
    expect(read).toBeDefined();
    expect(read).toBeLessThan(1_000);
  });
});
