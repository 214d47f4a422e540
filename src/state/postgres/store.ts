import { hostname } from 'node:os';
import pg from 'pg';
import type { EntryStatus, Outcome } from '../../execute/outcome.js';
import { cleanEntry } from '../lockfile-shape.js';
import type { DefinitionMeta } from '../record.js';
import { INTERRUPTED } from '../replay.js';
import {
  type Claim,
  type ImportResult,
  IN_FLIGHT,
  type LockHolder,
  type LockResult,
  planImport,
  type StateStore,
  type StateView,
} from '../store.js';
import type { LockEntry, Lockfile } from '../types.js';
import { DEFAULT_SCHEMA, lockSpace, migrate, quoteSchema, RUN_LOCK } from './schema.js';

export interface PostgresStoreOptions {
  /** `postgres://…`: holds a password; never part of a message. */
  readonly url: string;
  /** Schema of callops' tables (default `callops`); created and migrated on open. */
  readonly schema?: string;
  /** What this runner is, e.g. "callops apply": shown to other runners. */
  readonly command: string;
  readonly clock?: () => Date;
  /** How long to wait for a connection before a claim fails (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Pooled connections for claims and outcomes (default 10). */
  readonly poolSize?: number;
}

interface Row {
  key: string;
  status: EntryStatus | 'claimed';
  sid: string | null;
  call_id: string | null;
  at: string;
  definition: string;
  file: string;
  http_status: number | null;
  message: string | null;
  resolved_by: string | null;
  live: boolean;
}

const causeOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** A row as a lockfile entry: a claim without an outcome is `unknown`. */
const entryOf = (row: Row): LockEntry => {
  const common = { at: row.at, definition: row.definition, file: row.file };
  if (row.status === 'claimed') {
    return { ...common, status: 'unknown', message: row.live ? IN_FLIGHT : INTERRUPTED };
  }
  return cleanEntry({
    ...common,
    status: row.status,
    sid: opt(row.sid),
    callId: opt(row.call_id),
    httpStatus: opt(row.http_status),
    message: opt(row.message),
    resolvedBy: row.resolved_by === 'hand' ? 'hand' : undefined,
  });
};

const viewOf = (rows: readonly Row[]): StateView => {
  const sorted = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const inFlight = new Set(
    sorted.filter((r) => r.status === 'claimed' && r.live).map((r) => r.key),
  );
  const calls = Object.fromEntries(sorted.map((row) => [row.key, entryOf(row)]));
  return { lock: { lockfileVersion: 1, calls }, inFlight };
};

/**
 * The Postgres store: one row per placement key; several runners on any hosts share it.
 *
 * The invariant: a request leaves only after its claim row is committed, and only the runner
 * that claimed a key records its outcome. A new key is claimed with `INSERT … ON CONFLICT DO
 * NOTHING RETURNING` (exactly one of any number of concurrent claims returns the row); a
 * failed key is claimed again with `UPDATE … WHERE status = 'failed' RETURNING`, which
 * PostgreSQL re-checks after waiting for a concurrent update, so again one claim wins.
 *
 * Runner liveness: each store holds a session advisory lock on its runner id, on one
 * dedicated, unpooled connection. PostgreSQL drops it the moment that session ends (process
 * killed, host gone, connection cut), with no heartbeat interval to tune and no clock to
 * trust, and any session reads it from `pg_locks`. A claim whose runner no longer holds it
 * is `unknown`: it may have been sent, and is never claimed again without `retryUnknown`.
 * The same connection holds the single-holder run lock. Once it is lost this store claims
 * nothing more: others would see its claims as abandoned.
 */
export const openPostgresStore = async (options: PostgresStoreOptions): Promise<StateStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const space = lockSpace(schema);
  const clock = options.clock ?? (() => new Date());
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 10_000;
  const alive = (runner: string) => `EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${space}::bigint::oid AND l.objid = ${runner}::bigint::oid)`;

  const session = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis,
    keepAlive: true,
    application_name: 'callops',
  });
  let lost: Error | undefined;
  const markLost = (error?: Error) => {
    lost ??= new Error(
      `the connection to the state database was lost${error ? ` (${error.message})` : ''}`,
    );
  };
  session.on('error', markLost);
  session.on('end', () => markLost());
  try {
    await session.connect();
  } catch (error) {
    throw new Error(`the state database could not be reached (${causeOf(error)})`);
  }
  let runner: number;
  try {
    await migrate(session, schema);
    const { rows } = await session.query<{ id: number }>(
      `INSERT INTO ${s}.runners (command, host, pid) VALUES ($1, $2, $3) RETURNING id`,
      [options.command, hostname(), process.pid],
    );
    runner = rows[0]?.id ?? 0;
    await session.query('SELECT pg_advisory_lock($1, $2)', [space, runner]);
    // Named so that an operator sees in pg_stat_activity which runner a connection serves.
    await session.query(`SET application_name = 'callops runner ${runner} session'`);
  } catch (error) {
    await session.end().catch(() => undefined);
    throw error;
  }

  const pool = new pg.Pool({
    connectionString: options.url,
    connectionTimeoutMillis,
    max: options.poolSize ?? 10,
    keepAlive: true,
    application_name: `callops runner ${runner}`,
  });
  // An idle pooled connection that dies is replaced on next use; the query that needs it
  // reports the failure.
  pool.on('error', () => undefined);

  const selectRows = `SELECT key, status, sid, call_id, at, definition, file, http_status,
      message, resolved_by, (status = 'claimed' AND ${alive('runner')}) AS live
    FROM ${s}.placements`;

  const read = async (): Promise<StateView> => viewOf((await pool.query<Row>(selectRows)).rows);

  const claim = async (c: Claim): Promise<boolean> => {
    if (lost) throw new Error(`${c.key} was not claimed: ${lost.message}`);
    const at = c.at ?? clock().toISOString();
    const values = [c.key, c.target, at, c.definition, c.file, runner, c.attempt];
    try {
      const inserted = await pool.query(
        `INSERT INTO ${s}.placements
           (key, target, status, at, definition, file, runner, attempt, claimed_at)
         VALUES ($1, $2, 'claimed', $3, $4, $5, $6, $7, now())
         ON CONFLICT (key) DO NOTHING
         RETURNING key`,
        values,
      );
      if (inserted.rowCount === 1) return true;
      const reclaimed = await pool.query(
        `UPDATE ${s}.placements
         SET target = $2, status = 'claimed', at = $3, definition = $4, file = $5, runner = $6,
             attempt = $7, claimed_at = now(), outcome_at = NULL, sid = NULL, call_id = NULL,
             http_status = NULL, message = NULL, resolved_by = NULL
         WHERE key = $1 AND (
           status = 'failed'
           OR (status = 'claimed' AND runner = $6)
           OR ($8 AND (status = 'unknown' OR (status = 'claimed' AND NOT ${alive('runner')})))
         )
         RETURNING key`,
        [...values, c.retryUnknown === true],
      );
      return reclaimed.rowCount === 1;
    } catch (error) {
      throw new Error(`${c.key} was not claimed: the state database failed (${causeOf(error)})`);
    }
  };

  const record = async (o: Outcome & DefinitionMeta): Promise<void> => {
    if (o.status === 'missed') return;
    const placed = o.status === 'placed';
    let updated: number | null;
    try {
      ({ rowCount: updated } = await pool.query(
        `UPDATE ${s}.placements
         SET status = $2, sid = $3, call_id = $4, at = $5, definition = $6, file = $7,
             http_status = $8, message = $9, outcome_at = now()
         WHERE key = $1 AND status = 'claimed' AND runner = $10`,
        [
          o.key,
          o.status,
          o.sid ?? null,
          o.callId ?? null,
          o.at,
          o.definition,
          o.file,
          placed ? null : (o.httpStatus ?? null),
          placed ? null : (o.message ?? null),
          runner,
        ],
      ));
    } catch (error) {
      throw new Error(
        `the outcome of ${o.key} could not be recorded (${causeOf(error)}): it stays unknown`,
      );
    }
    if (updated !== 1) {
      throw new Error(`${o.key} is not claimed by this runner: its outcome is not recorded`);
    }
  };

  let holding = false;
  const readHolder = async (): Promise<LockHolder> => {
    // The holder writes its row just after taking the lock: a row of a runner that is gone
    // is an earlier holder's, so look again briefly before calling it unreadable.
    for (let round = 0; round < 20; round++) {
      const { rows } = await pool.query<LockHolder & { live: boolean }>(
        `SELECT command, host, pid, since, ${alive('runner')} AS live FROM ${s}.run_lock WHERE id = 1`,
      );
      const row = rows[0];
      if (row?.live)
        return { command: row.command, host: row.host, pid: row.pid, since: row.since };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { pid: 0, host: '', command: '', since: clock().toISOString(), unreadable: true };
  };

  const lock = async (who: { command: string; now: Date }): Promise<LockResult> => {
    if (holding) throw new Error('this store already holds the run lock');
    if (lost) throw lost;
    const me: LockHolder = {
      command: who.command,
      host: hostname(),
      pid: process.pid,
      since: who.now.toISOString(),
    };
    await session.query('BEGIN');
    try {
      const { rows } = await session.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        [space, RUN_LOCK],
      );
      if (rows[0]?.ok) {
        await session.query(
          `INSERT INTO ${s}.run_lock (id, runner, command, host, pid, since)
           VALUES (1, $1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET runner = $1, command = $2, host = $3, pid = $4, since = $5`,
          [runner, me.command, me.host, me.pid, me.since],
        );
        holding = true;
      }
      await session.query('COMMIT');
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    if (!holding) return { ok: false, holder: await readHolder() };
    return {
      ok: true,
      holder: me,
      release: async () => {
        if (!holding) return;
        holding = false;
        if (lost) return; // the server let go of it with the session
        await session.query(`DELETE FROM ${s}.run_lock WHERE id = 1 AND runner = $1`, [runner]);
        await session.query('SELECT pg_advisory_unlock($1, $2)', [space, RUN_LOCK]);
      },
    };
  };

  const importLock = async (incoming: Lockfile): Promise<ImportResult> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Claims may go on meanwhile elsewhere; new rows wait until the import is decided.
      await client.query(`LOCK TABLE ${s}.placements IN SHARE ROW EXCLUSIVE MODE`);
      const current = viewOf((await client.query<Row>(selectRows)).rows).lock;
      const planned = planImport(current, incoming);
      if ('conflicts' in planned) {
        await client.query('ROLLBACK');
        return { ok: false, conflicts: planned.conflicts };
      }
      const entries = Object.entries(planned.added);
      const column = <T>(pick: (e: LockEntry) => T | undefined) =>
        entries.map(([, e]) => pick(e) ?? null);
      await client.query(
        `INSERT INTO ${s}.placements
           (key, status, sid, call_id, at, definition, file, http_status, message, resolved_by)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::integer[], $9::text[], $10::text[])`,
        [
          entries.map(([key]) => key),
          column((e) => e.status),
          column((e) => e.sid),
          column((e) => e.callId),
          column((e) => e.at),
          column((e) => e.definition),
          column((e) => e.file),
          column((e) => e.httpStatus),
          column((e) => e.message),
          column((e) => e.resolvedBy),
        ],
      );
      await client.query('COMMIT');
      return { ok: true, imported: entries.length, unchanged: planned.unchanged };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  return {
    concurrentRunners: true,
    read,
    claim,
    record,
    lock,
    export: async () => (await read()).lock,
    import: importLock,
    close: async () => {
      await pool.end();
      // Ending the session lets go of the runner's and the run lock's advisory locks.
      if (holding && !lost) {
        await session
          .query(`DELETE FROM ${s}.run_lock WHERE id = 1 AND runner = $1`, [runner])
          .catch(() => undefined);
      }
      holding = false;
      await session.end().catch(() => undefined);
    },
  };
};
