import { hostname } from 'node:os';
import pg from 'pg';
import type { Outcome } from '../../execute/outcome.js';
import { commitHold } from '../failpoint.js';
import { importedMemory, planImport } from '../import-plan.js';
import { endedAnswered, endedDeclined, withOutcomes } from '../outcome.js';
import { type DefinitionMeta, settleUnknown } from '../record.js';
import { pruneExpired } from '../retention.js';
import {
  type CallScope,
  type CampaignScope,
  type Claim,
  type ClaimResult,
  type DialledEntry,
  type ImportOptions,
  type ImportResult,
  type KeyScope,
  type LaterScope,
  type LockHolder,
  type LockResult,
  NotClaimed,
  type Observation,
  type Retention,
  type Settlement,
  type SlotScope,
  type StateStore,
  type StateView,
} from '../store.js';
import type { LockEntry, Lockfile, ScheduleMemory } from '../types.js';
import { type ClockVerdict, clockWarning, judgeClock } from './clock.js';
import { connectionConfig } from './connection.js';
import { keptParameters, keptRows } from './kept.js';
import { callOfSeries, laterParameters, laterRow } from './later.js';
import { statePool } from './pool.js';
import {
  causeOf,
  type DialledRow,
  dialledEntry,
  failure,
  Refusal,
  type Row,
  type ScheduleRow,
  viewOf,
} from './rows.js';
import {
  callLock,
  DEFAULT_SCHEMA,
  keyLock,
  lockSpace,
  migrate,
  numberLock,
  quoteSchema,
  RUN_LOCK,
  stateIdOf,
} from './schema.js';
import {
  allowing,
  CLOSE_TIME_LIMIT_MS,
  endWithin,
  noAnswer,
  patiently,
  QUERY_TIME_LIMIT_MS,
  settledWithin,
  unanswered,
  VIEW_TIME_LIMIT_MS,
} from './time-limit.js';

export interface PostgresStoreOptions {
  /** `postgres://…`: holds a password; never part of a message. */
  readonly url: string;
  /** Schema of callops' tables (default `callops`); created and migrated on open. */
  readonly schema?: string;
  /** PGSSLMODE's value, for a url without its own sslmode; the client never reads the variable. */
  readonly pgsslmode?: string;
  /** What this runner is, e.g. "callops apply": shown to other runners. */
  readonly command: string;
  readonly clock?: () => Date;
  /** How long to wait for a connection before a claim fails (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Pooled connections for claims and outcomes (default 10). */
  readonly poolSize?: number;
  /** Aborts a claim's commit held by the test failpoint. */
  readonly signal?: AbortSignal;
  /** `state.keep`: expired entries of recurring calls are left out of the view and export. */
  readonly retention?: Retention;
  /** How long the runner's lease lasts unrenewed (default RUNNER_LEASE_MS). */
  readonly leaseMs?: number;
  /** Says a warning a person must read (one line): this runner's clock far from the database's. */
  readonly warn?: (message: string) => void;
  /**
   * The command places calls by this runner's clock (`apply` but a rehearsal, `run`): a clock
   * more than CLOCK_WRONG_MS off is not warned of, the command says it (apply's refusal, run's
   * hold) from the store's `clock`.
   */
  readonly placing?: boolean;
}

/** The Postgres store, and what it answers beside the StateStore contract. */
export interface PostgresStore extends StateStore {
  /**
   * Of `keys`, those no row of the placements table has, in their order. Rows the view
   * leaves out after `state.keep` are rows still: a key let go is held, never lacking.
   */
  lacking(keys: readonly string[]): Promise<readonly string[]>;
  /** Which state the schema holds (schema.ts, stateIdOf): undefined only if it cannot be read. */
  readonly stateId: string | undefined;
  /** The same of another schema of this database: undefined where callops has none. */
  stateIdOf(schema: string): Promise<string | undefined>;
  /** Whether the schema holds any placement, of any status. */
  holdsEntries(): Promise<boolean>;
}

/**
 * Runners that never claim a call (the command's words before its first flag): they do not
 * keep `state pull` from writing callops.lock (livePlacer).
 */
const NEVER_CLAIM: readonly string[] = [
  'callops plan',
  'callops status',
  'callops report',
  'callops receive',
  'callops resolve',
  'callops unlock',
  'callops state pull',
];

/** SQL of a timestamptz as an ISO-8601 UTC instant to the millisecond, as the entries write them. */
const utc = (sql: string): string =>
  `to_char((${sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A runner read as the holder of the run lock (or a live placer), with the database's clock
 * as it was read (`clock_at`): its since, the end of its lease (`lease_ms` from then, null
 * when it holds no lease to wait out) and their age are all on that clock, not this runner's.
 */
const holderOf = (row: {
  readonly command: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  readonly clock_at: string;
  readonly lease_ms: string | number | null;
}): LockHolder => {
  const holder = {
    command: row.command,
    host: row.host,
    pid: row.pid,
    since: row.since,
    clockAt: row.clock_at,
  };
  if (row.lease_ms === null) return holder;
  const leaseUntil = new Date(Date.parse(row.clock_at) + Math.ceil(Number(row.lease_ms)));
  return { ...holder, leaseUntil: leaseUntil.toISOString() };
};

/**
 * A runner's lease: it is live for this long after each renewal, by the database's clock,
 * and renews it every quarter of it. A runner that stops (killed, host gone) is seen as gone
 * once its session ends and this has passed; a live runner whose connections were cut (a
 * restart, a failover, pg_terminate_backend) stays live meanwhile, and renews it again once
 * it can reach the database.
 */
export const RUNNER_LEASE_MS = 15_000;

/**
 * The Postgres store: one row per placement key; several runners on any hosts share it.
 *
 * The invariant: a request leaves only after its claim row is committed, and only the runner
 * that claimed a key records its outcome. A new key is claimed with `INSERT … ON CONFLICT DO
 * NOTHING RETURNING` (exactly one of any number of concurrent claims returns the row); a
 * failed key is claimed again with `UPDATE … WHERE status = 'failed' RETURNING`, which
 * PostgreSQL re-checks after waiting for a concurrent update, so again one claim wins. A
 * replacement (`apply --replace`) claims a placed key the same way, `WHERE sid = <the sid
 * its plan named>`: of two runners replacing one call, the one that comes second finds the
 * first one's call (or claim) there, and sends nothing. A replacement, and a call placed again
 * under a new key where a twin target placed it (a target renamed in one checkout), also holds
 * the lock of its key but for its target while it checks that key under the other targets
 * against what its plan read there (KeyScope's `seen`): of two runners replacing one call under
 * two targets' names, the second finds the first's claim or call, and sends nothing. A claim
 * that counts what others placed (a per-number limit, a campaign row's number dialled under
 * another key, a slot dialled to its number under another call's key) is made in one
 * transaction under the number's advisory lock: the count and the new row commit before the
 * next claim of that number reads, so two runners never both find the number free. Every
 * claim of a call holds the lock of the call (its key but for its target, slot and attempt),
 * and a call that runs once checks the call's other keys under it (CallScope): of two runners
 * placing it under two keys (its schedule changed between their checkouts), the second finds
 * the first's claim or call, and sends nothing.
 *
 * Runner liveness: a runner is live while it holds a session advisory lock on its runner
 * id (on one dedicated, unpooled connection, read by any session from `pg_locks`) or while
 * its lease lasts (`runners.live_until`, by the database's clock, renewed over the pool every
 * quarter of RUNNER_LEASE_MS). A connection cut while the runner lives (a restart, a
 * failover, pg_terminate_backend) ends the session, not the runner: its lease keeps its
 * claims in flight and its run lock held, it renews the lease once it reaches the database
 * again, and it records the outcomes of the calls it sent. A claim whose runner is neither
 * (killed, host gone: at most one lease after its last renewal) is `unknown`: it may have
 * been sent, and is never claimed again without `retryUnknown`. A runner claims only while
 * at least half of its lease is surely left.
 */
export const openPostgresStore = async (options: PostgresStoreOptions): Promise<PostgresStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const space = lockSpace(schema);
  const clock = options.clock ?? (() => new Date());
  const connectionTimeoutMillis = options.connectTimeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? RUNNER_LEASE_MS;
  /** The runner's own session holds its advisory lock: it is connected now. */
  const connected = (runner: string) => `EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${space}::bigint::oid AND l.objid = ${runner}::bigint::oid)`;
  const alive = (runner: string) => `(${connected(runner)}
    OR EXISTS (SELECT 1 FROM ${s}.runners r WHERE r.id = ${runner} AND r.live_until > now()))`;

  let connection: pg.ClientConfig;
  try {
    connection = connectionConfig(options.url, options.pgsslmode);
  } catch (error) {
    throw new Error(`the state database could not be reached (${causeOf(error)})`);
  }
  // What the url says wins, as when the client parses it (its application_name…); but for
  // the time limit of a query (./time-limit.ts), which is callops' own.
  const session = new pg.Client({
    connectionTimeoutMillis,
    keepAlive: true,
    application_name: 'callops',
    ...connection,
    query_timeout: QUERY_TIME_LIMIT_MS,
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
  /** When the last renewal of the lease that succeeded was sent (performance.now()). */
  let renewedAt = 0;
  let stateId: string | undefined;
  let opened: ClockVerdict = { kind: 'right' };
  try {
    await migrate(session, schema);
    stateId = await stateIdOf(session, schema);
    renewedAt = performance.now();
    const sent = clock().getTime();
    const { rows } = await session.query<{ id: number; now: Date }>(
      `INSERT INTO ${s}.runners (command, host, pid, live_until)
       VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') RETURNING id, now() AS now`,
      [options.command, hostname(), process.pid, leaseMs],
    );
    runner = rows[0]?.id ?? 0;
    const now = rows[0]?.now;
    if (now !== undefined) opened = judgeClock(now, sent, clock().getTime());
    if (opened.kind === 'off' || (opened.kind === 'wrong' && options.placing !== true))
      options.warn?.(clockWarning(opened));
    await session.query('SELECT pg_advisory_lock($1, $2)', [space, runner]);
    // Named so that an operator sees in pg_stat_activity which runner a connection serves.
    await session.query(`SET application_name = 'callops runner ${runner} session'`);
  } catch (error) {
    await endWithin(session, CLOSE_TIME_LIMIT_MS);
    if (noAnswer(error))
      throw new Error(`the state database could not be reached (${causeOf(error)})`);
    throw error;
  }

  // A connection made while the runner works is one more wait for an answer: no longer than
  // a query's (./time-limit.ts).
  const pool = statePool({
    connectionTimeoutMillis: Math.min(connectionTimeoutMillis, QUERY_TIME_LIMIT_MS),
    max: options.poolSize ?? 10,
    keepAlive: true,
    application_name: `callops runner ${runner}`,
    ...connection,
    query_timeout: QUERY_TIME_LIMIT_MS,
  });

  /** This store holds the run lock (taken, not given up, not lost). */
  let holding = false;
  /**
   * The run lock, once a renewal found it another runner's (or no one's): its lease had run
   * out while the database could not be reached, and others took it for gone meanwhile.
   */
  let lockLost: { readonly holder?: LockHolder } | undefined;
  // The lease is renewed over the pool, so that it outlives a cut of the runner's session;
  // a renewal that fails is tried again at the next beat. While this runner holds the run
  // lock, each renewal also reads who holds it: a lease that ran out (the database out of
  // reach for longer than it) let a `run` started meanwhile take it. Read at every renewal,
  // not only the first after an outage: that run may write its row just after this one.
  let renewing: Promise<boolean> | undefined;
  /** Renew the lease (or wait for the renewal on its way): resolves with whether it was. */
  const renew = (): Promise<boolean> => {
    renewing ??= (async () => {
      const sent = performance.now();
      const checked = holding;
      try {
        const { rows } = await pool.query<LockHolder & { runner: number | null; clock_at: string }>(
          `WITH renewed AS (
             UPDATE ${s}.runners SET live_until = now() + $2 * interval '1 millisecond'
             WHERE id = $1 RETURNING id)
           SELECT l.runner, l.command, l.host, l.pid, l.since, ${utc('now()')} AS clock_at
           FROM (SELECT 1) AS one LEFT JOIN ${s}.run_lock l ON l.id = 1 AND $3`,
          [runner, leaseMs, checked],
        );
        renewedAt = sent;
        const row = rows[0];
        if (checked && holding && row?.runner !== runner) {
          holding = false;
          lockLost = row?.runner == null ? {} : { holder: holderOf({ ...row, lease_ms: null }) };
        }
        return true;
      } catch {
        // Not renewed: claims stop once the lease may be running out (see claim).
        return false;
      } finally {
        renewing = undefined;
      }
    })();
    return renewing;
  };
  const beat = setInterval(() => void renew(), Math.max(1, Math.floor(leaseMs / 4)));
  beat.unref();
  /**
   * A claim is made only while at least half of the lease is surely left: others must not
   * take a runner whose claim was just committed for gone.
   */
  const leaseProblem = (): string | undefined => {
    const since = performance.now() - renewedAt;
    if (since <= leaseMs / 2) return undefined;
    return `the state database has not renewed this runner's lease for ${Math.round(since / 1000)} s${lost ? ` (${lost.message})` : ''}`;
  };

  const rowColumns = `key, status, sid, call_id, at, definition, file, http_status,
      message, resolved_by, history, outcome, number, gateway, (status = 'claimed' AND ${alive('runner')}) AS live`;
  const selectRows = `SELECT ${rowColumns} FROM ${s}.placements`;
  // Under `state.keep`, the rows the view keeps, never every row ever placed (kept.ts).
  const selectKept = keptRows(s, rowColumns);
  const scheduleColumns = 'key, since, reported_through, pruned_through, rang';
  const selectSchedules = `SELECT ${scheduleColumns} FROM ${s}.schedules`;
  /**
   * How many calls to number `$1` since `$3` the memories a pushed lockfile brought remember
   * (rang.ts): their entries were let go before the push, so no row holds them. Judged by
   * their `at`, as a pushed row's. A time a row (or a row's history) of that number holds too
   * is that row's call, counted once: a lockfile `state pull` wrote from the view and pushed
   * back remembers calls whose rows the database keeps.
   */
  const rangCounted = `(SELECT count(*)::int
    FROM ${s}.schedules m CROSS JOIN LATERAL jsonb_array_elements_text(m.rang->'numbers'->$1) AS r(at)
    WHERE m.rang IS NOT NULL AND r.at::timestamptz > $3::timestamptz
      AND NOT EXISTS (SELECT 1 FROM ${s}.placements p
        WHERE p.number = $1 AND p.at::timestamptz = r.at::timestamptz)
      AND NOT EXISTS (SELECT 1 FROM ${s}.placements p, jsonb_array_elements(p.history) AS h
        WHERE p.history IS NOT NULL AND h->>'number' = $1
          AND (h->>'at')::timestamptz = r.at::timestamptz))`;

  // The first read, before anything is placed, may take VIEW_TIME_LIMIT_MS (a large state
  // over a slow network); a later one is made while calls are at the gateway, whose outcomes
  // must not wait for a database that hangs.
  let firstRead = true;
  const read = async (): Promise<StateView> => {
    let rows: pg.QueryResult<Row>;
    let schedules: pg.QueryResult<ScheduleRow>;
    const limit = firstRead ? VIEW_TIME_LIMIT_MS : QUERY_TIME_LIMIT_MS;
    firstRead = false;
    const { retention } = options;
    const kept =
      retention === undefined
        ? undefined
        : {
            calls: retention.calls(),
            keepMs: retention.keepMs,
            now: (retention.now ?? clock)(),
            ...(retention.each === undefined ? {} : { each: retention.each }),
          };
    try {
      [rows, schedules] = await Promise.all([
        kept === undefined
          ? pool.query<Row>(allowing(limit, selectRows))
          : pool.query<Row>(allowing(limit, selectKept, keptParameters(kept))),
        pool.query<ScheduleRow>(allowing(limit, selectSchedules)),
      ]);
    } catch (error) {
      throw failure('the state could not be read', error);
    }
    const view = viewOf(rows.rows, schedules.rows);
    if (kept === undefined) return view;
    // The rows left out in SQL are those pruneExpired leaves out; it still judges those read
    // (a slot not written as callops writes it, the first and last left out of each call).
    return { ...view, lock: pruneExpired(view.lock, kept) };
  };

  // The failpoint of every store (./failpoint.ts): holds each claim's commit.
  const hold = commitHold();
  /**
   * Run `work` in a transaction on one pooled connection. The pool listens for a
   * connection's 'error' event only while it is idle: one cut while checked out (a server
   * restart, pg_terminate_backend) would emit it with no listener and end the process. Here
   * it is heard for as long as the connection is held: `cut` aborts with the error, which is
   * what the transaction fails with, and the connection goes back with it, so that the pool
   * drops it. So does a connection whose database left a query unanswered (./time-limit.ts):
   * a ROLLBACK would only wait behind that query, and the server rolls back as it drops it.
   */
  const transaction = async <T>(
    work: (client: pg.PoolClient, cut: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const client = await pool.connect();
    const cut = new AbortController();
    const onError = (error: Error) => cut.abort(error);
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client, cut.signal);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (cut.signal.aborted) broken = cut.signal.reason as Error;
      else if (noAnswer(error)) broken = error as Error;
      else
        await client.query('ROLLBACK').catch((failed: unknown) => {
          broken = failed instanceof Error ? failed : new Error(String(failed));
        });
      // A wait the cut aborted fails with the cut; a query fails with its own error.
      const aborted = cut.signal.aborted && error instanceof Error && error.name === 'AbortError';
      throw aborted ? cut.signal.reason : error;
    } finally {
      client.release(broken ?? (cut.signal.aborted ? (cut.signal.reason as Error) : undefined));
      client.removeListener('error', onError);
    }
  };

  /**
   * The row of another campaign row that dials `number` under any target (campaignHeld), read
   * under the number's lock: one query on the number's index, the scope checked on its few
   * rows. The row id is the key after its target and `<campaign>/` up to its `#n` or `@slot`.
   */
  const dialledBy = async (
    client: pg.Pool | pg.PoolClient,
    number: string,
    scope: CampaignScope,
  ): Promise<DialledEntry | undefined> => {
    const { rows } = await client.query<DialledRow>(
      `SELECT key, status, sid, at, gateway, (status = 'claimed' AND ${alive('runner')}) AS live
       FROM (SELECT *, substr(key, strpos(key, '/') + char_length($2) + 1) AS rest
             FROM ${s}.placements
             WHERE number = $1 AND status IN ('placed', 'unknown', 'claimed')
               AND strpos(key, '/') > 1
               AND substr(key, strpos(key, '/') + 1, char_length($2)) = $2
               AND key <> ALL($5::text[])) AS scoped
       WHERE substring(rest from '^[^#@]*') <> ALL($3::text[])
         AND ($4::text IS NULL OR substring(rest from '@(.*)$') = $4)
       ORDER BY key
       LIMIT 1`,
      [
        number,
        `${scope.campaign}/`,
        [scope.row, ...(scope.sharing ?? [])],
        scope.slot ?? null,
        scope.beside ?? [],
      ],
    );
    return dialledEntry(rows[0]);
  };

  /**
   * The row of another key of the slot that dials `number` under any target (SlotScope), read
   * under the number's lock: one query on the index of number and slot (a key holds one `@`,
   * before its slot), the claim's own keys and the keys let through checked on its few rows.
   */
  const slotDialledBy = async (
    client: pg.Pool | pg.PoolClient,
    number: string,
    scope: SlotScope,
  ): Promise<DialledEntry | undefined> => {
    const { rows } = await client.query<DialledRow>(
      `SELECT key, status, sid, at, gateway, (status = 'claimed' AND ${alive('runner')}) AS live
       FROM ${s}.placements
       WHERE number = $1 AND split_part(key, '@', 2) = $2
         AND status IN ('placed', 'unknown', 'claimed')
         AND left(key, char_length($3)) <> $3
         AND key <> ALL($4::text[])
       ORDER BY key
       LIMIT 1`,
      [number, scope.slot, scope.own, scope.beside ?? []],
    );
    return dialledEntry(rows[0]);
  };

  /**
   * The row of the claim's key under another target (KeyScope), read under the lock of its
   * `rest`: one query on the index of keys but for their target. A row the claim's plan read
   * (`seen`) counts only once it is no longer as read, its status (a claim whose runner is gone
   * read as unknown, as the view folds it) or its sid changed.
   */
  const keyDialledBy = async (
    client: pg.Pool | pg.PoolClient,
    key: string,
    scope: KeyScope,
  ): Promise<DialledEntry | undefined> => {
    const seen = scope.seen ?? [];
    const { rows } = await client.query<DialledRow>(
      `SELECT key, status, sid, at, gateway, live FROM (
         SELECT p.key, p.status, p.sid, p.at, p.gateway, (p.status = 'claimed' AND ${alive('p.runner')}) AS live,
           s.key AS seen_key, s.status AS seen_status, s.sid AS seen_sid
         FROM ${s}.placements p
         LEFT JOIN unnest($4::text[], $5::text[], $6::text[]) AS s(key, status, sid)
           ON s.key = p.key
         WHERE substr(p.key, strpos(p.key, '/') + 1) = $1 AND p.key <> $2
           AND p.key <> ALL($3::text[])) AS found
       WHERE CASE WHEN seen_key IS NULL THEN status IN ('placed', 'unknown', 'claimed')
         ELSE (CASE WHEN status = 'claimed' AND NOT live THEN 'unknown' ELSE status END)
             IS DISTINCT FROM seen_status
           OR sid IS DISTINCT FROM seen_sid END
       ORDER BY key
       LIMIT 1`,
      [
        scope.rest,
        key,
        scope.beside ?? [],
        seen.map((e) => e.key),
        seen.map((e) => e.status),
        seen.map((e) => e.sid ?? null),
      ],
    );
    return dialledEntry(rows[0]);
  };

  /**
   * The latest row of another key of the claim's call (CallScope) that dials `number`, of
   * another slot (or none) under any target, read under the call's lock: one query on the
   * index of keys but for their target, slot and attempt. A row the claim's plan read (`seen`)
   * counts only once it is no longer as read, as keyDialledBy counts one.
   */
  const callDialledBy = async (
    client: pg.Pool | pg.PoolClient,
    number: string,
    scope: CallScope,
  ): Promise<DialledEntry | undefined> => {
    const seen = scope.seen ?? [];
    const { rows } = await client.query<DialledRow>(
      `SELECT key, status, sid, at, gateway, live FROM (
         SELECT p.key, p.status, p.sid, p.at, p.gateway, (p.status = 'claimed' AND ${alive('p.runner')}) AS live,
           s.key AS seen_key, s.status AS seen_status, s.sid AS seen_sid
         FROM ${s}.placements p
         LEFT JOIN unnest($5::text[], $6::text[], $7::text[]) AS s(key, status, sid)
           ON s.key = p.key
         WHERE split_part(split_part(substr(p.key, strpos(p.key, '/') + 1), '@', 1), '#', 1) = $1
           AND split_part(split_part(p.key, '@', 2), '#', 1) <> $2
           AND p.number = $3
           AND p.key <> ALL($4::text[])) AS found
       WHERE CASE WHEN seen_key IS NULL THEN status IN ('placed', 'unknown', 'claimed')
         ELSE (CASE WHEN status = 'claimed' AND NOT live THEN 'unknown' ELSE status END)
             IS DISTINCT FROM seen_status
           OR sid IS DISTINCT FROM seen_sid END
       ORDER BY at DESC, key
       LIMIT 1`,
      [
        scope.call,
        scope.slot,
        number,
        scope.beside ?? [],
        seen.map((e) => e.key),
        seen.map((e) => e.status),
        seen.map((e) => e.sid ?? null),
      ],
    );
    return dialledEntry(rows[0]);
  };

  /**
   * Whether `key` itself is recorded placed, or claimed by another runner that is live, or
   * (but for a retry of unknown entries) unknown or claimed by one that is gone: its claim then
   * loses on its own key and says so, whatever later slot of its call was placed since. One
   * the claim may take again (a retried unknown entry) is held back by a later slot as ever.
   */
  const takenByAnother = async (
    client: pg.Pool | pg.PoolClient,
    key: string,
    retryUnknown: boolean,
  ): Promise<boolean> => {
    const { rowCount } = await client.query(
      `SELECT 1 FROM ${s}.placements
       WHERE key = $1 AND (status = 'placed'
         OR (status = 'claimed' AND runner <> $2 AND ${alive('runner')})
         OR (NOT $3 AND (status = 'unknown' OR (status = 'claimed' AND runner <> $2))))`,
      [key, runner, retryUnknown],
    );
    return (rowCount ?? 0) > 0;
  };

  /**
   * The latest row of a later slot of the claim's call (LaterScope), read under the call's
   * lock: one range on the index of version 14 (later.ts).
   */
  const laterTaken = async (
    client: pg.Pool | pg.PoolClient,
    scope: LaterScope,
  ): Promise<DialledEntry | undefined> => {
    const p = laterParameters(scope);
    const { rows } = await client.query<DialledRow>(laterRow(s, alive('runner')), [
      p.memory,
      p.slot,
      p.series,
      p.now,
      runner,
      p.rehearsal,
    ]);
    return dialledEntry(rows[0]);
  };

  /**
   * The entries of `keys` (a row's earlier attempts), read locked against an outcome recorded
   * meanwhile (observe locks them for update), when one of them ends the row: answered or
   * declined (state/outcome.ts). Undefined when none does.
   */
  const reachedBy = async (
    client: pg.Pool | pg.PoolClient,
    keys: readonly string[],
  ): Promise<Readonly<Record<string, LockEntry>> | undefined> => {
    const { rows } = await client.query<Row>(
      `${selectRows} WHERE key = ANY($1::text[]) ORDER BY key FOR SHARE`,
      [keys],
    );
    const { calls } = viewOf(rows).lock;
    const ends = Object.values(calls).some(
      (e) => e.status === 'placed' && (endedAnswered(e.outcome) || endedDeclined(e.outcome)),
    );
    return ends ? calls : undefined;
  };

  const claim = async (c: Claim): Promise<ClaimResult> => {
    // A long synchronous stretch (planning a large campaign) keeps the beat from firing:
    // the lease is renewed first, and only a renewal that fails stops the claim. A renewal
    // already on its way may have been sent before the database hung: answered once it is
    // back, it proves the lease only from when it was sent, long ago. One more, sent now;
    // none when it went unanswered (its time limit passed): the database does not answer.
    if (leaseProblem() !== undefined) {
      const pending = renewing !== undefined;
      const renewed = await renew();
      if (pending && renewed && leaseProblem() !== undefined) await renew();
    }
    const problem = leaseProblem();
    if (problem !== undefined) throw new Error(`${c.key} was not claimed: ${problem}`);
    if (lockLost !== undefined) {
      throw new Error(
        `${c.key} was not claimed: this run no longer holds the run lock of the state database (its lease ran out while the database could not be reached)`,
      );
    }
    const nowMs = clock().getTime();
    const at = c.at ?? new Date(nowMs).toISOString();
    // How far the claim's time is from this runner's clock now: 0 but for a claim given its
    // time. Its time on the database's clock (claimed_at) is the database's now() that far on.
    const aheadMs = Date.parse(at) - nowMs;
    const values = [c.key, c.target, at, c.definition, c.file, runner, c.attempt];
    const number = c.number ?? null;
    const gateway = c.gateway ?? null;
    const limited = c.limit !== undefined && c.number !== undefined;
    const scoped = c.campaign !== undefined && c.number !== undefined;
    const slotted = c.sameSlot !== undefined && c.number !== undefined;
    const keyed = c.sameKey !== undefined;
    const called = c.sameCall !== undefined;
    const later = c.later;
    // Every claim of a call takes its lock (CallScope); a slot checked for a later one of its
    // call takes it too, as the claims of that later slot do.
    const callLocked =
      c.sameCall?.call ?? (later === undefined ? undefined : callOfSeries(later.series));
    const earlier = c.earlier !== undefined && c.earlier.length > 0 ? c.earlier : undefined;
    try {
      // Each statement commits by itself; under the failpoint, with a per-number limit, for
      // a campaign's row, for a slot, for its key under other targets or for its call, they
      // run in one transaction.
      const run =
        hold === undefined &&
        !limited &&
        !scoped &&
        !slotted &&
        !keyed &&
        !called &&
        later === undefined &&
        earlier === undefined
          ? (work: (q: pg.Pool) => Promise<ClaimResult>) => work(pool)
          : transaction;
      return await run(async (client: pg.Pool | pg.PoolClient, cut?: AbortSignal) => {
        if ((limited || scoped || slotted) && c.number !== undefined) {
          // One claim per number at a time, to the end of its transaction: two runners can
          // never both count the same free slot, nor both call one person of a campaign, nor
          // both place one slot to it under two names.
          await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
            numberLock(schema, c.number),
          ]);
        }
        if (keyed && c.sameKey !== undefined) {
          // One claim of a key (but for its target) at a time, to the end of its transaction:
          // two runners can never both place one call under two targets' names. Taken after
          // the number's lock, as every claim takes them.
          await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
            keyLock(schema, c.sameKey.rest),
          ]);
        }
        if (callLocked !== undefined) {
          // One claim of a call (but for its target, slot and attempt) at a time, to the end of
          // its transaction, whatever its schedule: two runners can never both place a call
          // that runs once under two of its keys (its schedule changed between their
          // checkouts), nor two slots of one call each before finding the other's. Taken
          // last, after the key's lock, as every claim takes them.
          await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
            callLock(schema, callLocked),
          ]);
        }
        // A row an earlier attempt of which was answered (or declined) since the plan is done.
        if (earlier !== undefined) {
          const reached = await reachedBy(client, earlier);
          if (reached !== undefined) return { reached };
        }
        // A row whose person another row's key called (under any target) is held for that
        // first, as the plan holds it, before its own key under another target is looked at.
        if (scoped && c.campaign !== undefined && c.number !== undefined) {
          const dialled = await dialledBy(client, c.number, c.campaign);
          if (dialled !== undefined) return { dialled };
        }
        if (keyed && c.sameKey !== undefined) {
          const keyDialled = await keyDialledBy(client, c.key, c.sameKey);
          if (keyDialled !== undefined) return { keyDialled };
        }
        // A call that runs once whose call dialled its number under another key of its own
        // (another slot, or none) is held, as the plan holds it.
        if (c.sameCall?.once === true && c.number !== undefined) {
          const callDialled = await callDialledBy(client, c.number, c.sameCall);
          if (callDialled !== undefined) return { callDialled };
        }
        if (slotted && c.sameSlot !== undefined && c.number !== undefined) {
          const slotDialled = await slotDialledBy(client, c.number, c.sameSlot);
          if (slotDialled !== undefined) return { slotDialled };
        }
        // No slot is placed after a later one of its call: one another runner placed, may
        // have, or is placing now (claimed after this runner planned, or by a runner whose
        // clock is ahead) supersedes it, as the plan would have.
        // A key another runner placed, or is placing, is said as such below: it was not
        // missed, whatever later slot of its call was placed since.
        if (later !== undefined) {
          const taken = await laterTaken(client, later);
          if (
            taken !== undefined &&
            !(await takenByAnother(client, c.key, c.retryUnknown === true))
          )
            return { later: taken };
        }
        if (limited && c.limit !== undefined && c.number !== undefined) {
          const since = new Date(Date.parse(at) - c.limit.windowMs).toISOString();
          const counted = await client.query<{ n: number }>(
            // A call `--replace` placed again rang too, a call of its own: its history keeps
            // the number, counted for every key (its own as well). A row counts once. A
            // replacement counts its key's placed call too; a retry never its own claim.
            // The window is judged on the database's clock, where every runner's claim took
            // its time (claimed_at): runners whose clocks disagree count each other's calls
            // as they rang. A row without one (pushed from a lockfile) and a call replaced
            // (its history) have only the `at` of the runner that placed them. So have the
            // calls whose entries `state.keep` let go before a push (rangCounted).
            `SELECT (SELECT count(*)::int FROM ${s}.placements
             WHERE ((key <> $2 OR ($4 AND status = 'placed')) AND number = $1
                 AND status IN ('placed', 'unknown', 'claimed') AND CASE
                   WHEN claimed_at IS NULL THEN at::timestamptz > $3::timestamptz
                   ELSE claimed_at > now() + $5 * interval '1 millisecond' END)
               OR (history IS NOT NULL AND EXISTS (
                 SELECT 1 FROM jsonb_array_elements(history) AS h
                 WHERE h->>'number' = $1 AND (h->>'at')::timestamptz > $3::timestamptz)))
             + ${rangCounted} AS n`,
            [c.number, c.key, since, c.replace === true, aheadMs - c.limit.windowMs],
          );
          if ((counted.rows[0]?.n ?? 0) >= c.limit.count) return 'limited';
        }
        // A replacement has an entry to replace: it never makes one.
        const inserted =
          c.replace === true
            ? undefined
            : await client.query(
                `INSERT INTO ${s}.placements
                   (key, target, status, at, definition, file, runner, attempt, claimed_at, number,
                    gateway)
                 VALUES ($1, $2, 'claimed', $3, $4, $5, $6, $7,
                   now() + $10 * interval '1 millisecond', $8, $9)
                 ON CONFLICT (key) DO NOTHING
                 RETURNING key`,
                [...values, number, gateway, aheadMs],
              );
        let won = inserted?.rowCount === 1;
        if (!won) {
          // The entry being replaced is kept in `previous` (an abandoned claim restores it);
          // a placed one's sid joins the history, as the file store records a replacement.
          // A replacement claims only the placed call its plan named (`replaces`): two runners
          // that planned the same replacement both wait here, and once the first committed,
          // the second finds another sid (or the first's claim) and sends nothing. Nor does
          // it take what another runner's replacement left (failed, unknown).
          // Why a claim that does not win lost, read in the same statement (one snapshot, no
          // second round trip for a runner to settle the key in between): another runner placing
          // it now, or an outcome recorded since this runner read the state (placed, unknown, a
          // claim whose runner is gone), which is said apart.
          const reclaimed = await client.query<{
            won: string | null;
            status: string | null;
            live: boolean | null;
          }>(
            `WITH won AS (UPDATE ${s}.placements
             SET target = $2, status = 'claimed', at = $3, definition = $4, file = $5,
                 runner = $6, attempt = $7, claimed_at = now() + $13 * interval '1 millisecond',
                 outcome_at = NULL,
                 previous = CASE WHEN status = 'claimed' THEN previous ELSE jsonb_strip_nulls(
                   jsonb_build_object('status', status, 'sid', sid, 'callId', call_id, 'at', at,
                     'definition', definition, 'file', file, 'httpStatus', http_status,
                     'message', message, 'resolvedBy', resolved_by, 'history', history,
                     'number', number, 'gateway', gateway)) END,
                 history = CASE WHEN status = 'placed' AND sid IS NOT NULL
                   THEN coalesce(history, '[]'::jsonb) || jsonb_build_array(jsonb_strip_nulls(
                     jsonb_build_object('sid', sid, 'callId', call_id, 'at', at, 'number', number)))
                   ELSE history END,
                 sid = NULL, call_id = NULL, http_status = NULL, message = NULL,
                 resolved_by = NULL, number = $10, gateway = $12
             WHERE key = $1 AND (
               (status = 'claimed' AND runner = $6)
               OR (NOT $9 AND (status = 'failed' OR ($8 AND (status = 'unknown'
                 OR (status = 'claimed' AND NOT ${alive('runner')})))))
               OR ($9 AND status = 'placed' AND sid = $11)
             )
             RETURNING key)
             SELECT (SELECT key FROM won) AS won, p.status,
               (p.status = 'claimed' AND ${alive('p.runner')}) AS live
             FROM (SELECT 1) AS one LEFT JOIN ${s}.placements p ON p.key = $1`,
            [
              ...values,
              c.retryUnknown === true,
              c.replace === true,
              number,
              c.replace === true ? (c.replaces ?? null) : null,
              gateway,
              aheadMs,
            ],
          );
          const found = reclaimed.rows[0];
          won = found?.won != null;
          if (!won && c.replace !== true) {
            if (found?.status === 'placed') return { recorded: 'placed' };
            if (found?.status === 'unknown' || (found?.status === 'claimed' && !found.live))
              return { recorded: 'unknown' };
          }
        }
        // A cut connection fails the held commit at once, as it fails a pending query.
        if (won && hold) {
          const signals = [options.signal, cut].filter((x) => x !== undefined);
          await hold(signals.length > 1 ? AbortSignal.any(signals) : signals[0]);
        }
        return won;
      });
    } catch (error) {
      throw new Error(`${c.key} was not claimed: the state database failed (${causeOf(error)})`);
    }
  };

  const abandon = async (o: Outcome & DefinitionMeta): Promise<void> => {
    try {
      await giveUp(o);
    } catch (error) {
      throw new Error(
        `the claim of ${o.key} could not be given up: the state database failed (${causeOf(error)})`,
      );
    }
  };

  const giveUp = async (o: Outcome & DefinitionMeta): Promise<void> => {
    await transaction(async (client) => {
      const { rows } = await client.query<{ previous: LockEntry | null }>(
        `SELECT previous FROM ${s}.placements
         WHERE key = $1 AND status = 'claimed' AND runner = $2 FOR UPDATE`,
        [o.key, runner],
      );
      const row = rows[0];
      if (row === undefined) return;
      if (row.previous === null) {
        await client.query(`DELETE FROM ${s}.placements WHERE key = $1`, [o.key]);
        return;
      }
      const e = row.previous;
      await client.query(
        `UPDATE ${s}.placements
         SET status = $2, sid = $3, call_id = $4, at = $5, definition = $6, file = $7,
             http_status = $8, message = $9, resolved_by = $10, history = $11, previous = NULL,
             runner = NULL, number = $12, gateway = $13
         WHERE key = $1`,
        [
          o.key,
          e.status,
          e.sid ?? null,
          e.callId ?? null,
          e.at,
          e.definition,
          e.file,
          e.httpStatus ?? null,
          e.message ?? null,
          e.resolvedBy ?? null,
          e.history === undefined ? null : JSON.stringify(e.history),
          e.number ?? null,
          e.gateway ?? null,
        ],
      );
    });
  };

  const observe = async (updates: readonly Observation[]): Promise<readonly string[]> => {
    if (updates.length === 0) return [];
    const keys = [...new Set(updates.map((u) => u.key))];
    return transaction(async (client) => {
      const { rows } = await client.query<Row>(
        `${selectRows} WHERE key = ANY($1::text[]) FOR UPDATE`,
        [keys],
      );
      const current = viewOf(rows).lock;
      const next = withOutcomes(current, updates);
      for (const key of next.changed) {
        await client.query(`UPDATE ${s}.placements SET outcome = $2 WHERE key = $1`, [
          key,
          JSON.stringify(next.lock.calls[key]?.outcome),
        ]);
      }
      return next.changed;
    }).catch((error: unknown) => {
      throw failure('what the gateway said of placed calls could not be recorded', error);
    });
  };

  /**
   * Why a key in flight cannot be settled, naming its runner. One whose session is gone lives
   * on its lease alone (its connections cut, or it ended while the database was down): say
   * when that lapses, the moment a runner that has ended lets the key be settled.
   */
  const inFlightWords = async (client: pg.PoolClient, key: string): Promise<string> => {
    const { rows } = await client.query<{
      command: string;
      host: string;
      pid: number;
      connected: boolean;
      lease_ms: string | number | null;
    }>(
      `SELECT r.command, r.host, r.pid, ${connected('p.runner')} AS connected,
         GREATEST(0, EXTRACT(EPOCH FROM r.live_until - now()) * 1000) AS lease_ms
       FROM ${s}.placements p JOIN ${s}.runners r ON r.id = p.runner WHERE p.key = $1`,
      [key],
    );
    const row = rows[0];
    const placing = `${key} is being placed by another runner right now`;
    const wait = 'wait for its outcome (see `callops status`)';
    if (row === undefined) return `${placing}: ${wait}`;
    const who = `${row.command}, pid ${row.pid} on ${row.host}`;
    if (row.connected || row.lease_ms === null) return `${placing} (${who}): ${wait}`;
    const leftMs = Math.ceil(Number(row.lease_ms));
    const until = new Date(clock().getTime() + leftMs).toISOString();
    return `${placing} (${who}), its connection to the state database cut: while it runs it records the outcome itself once it reaches the database again; if it has ended, its claim lapses at ${until} (in ${Math.max(1, Math.ceil(leftMs / 1000))} s): settle it then`;
  };

  const settle = async (key: string, settlement: Settlement): Promise<void> => {
    await transaction(async (client) => {
      await client.query(`LOCK TABLE ${s}.placements IN SHARE ROW EXCLUSIVE MODE`);
      // The key, every entry that may be unknown (a refusal lists them) and any that holds
      // the sid given (one call has one sid): not every row.
      const sid = 'placed' in settlement ? settlement.placed : null;
      const view = viewOf(
        (
          await client.query<Row>(
            allowing(
              VIEW_TIME_LIMIT_MS,
              `${selectRows} WHERE key = $1 OR status IN ('unknown', 'claimed')
                 OR lower(sid) = lower($2::text)`,
              [key, sid],
            ),
          )
        ).rows,
      );
      if (view.inFlight.has(key)) throw new Refusal(await inFlightWords(client, key));
      const next = settleUnknown(view.lock, key, settlement);
      if ('error' in next) throw new Refusal(next.error);
      // Every field settleUnknown gives, as the file store keeps them: the attempt's time and
      // number digest stay (per-number limits count a placed entry), a 5xx status goes.
      const e = next.calls[key] as LockEntry;
      await client.query(
        `UPDATE ${s}.placements
         SET status = $2, sid = $3, call_id = $4, at = $5, message = $6, resolved_by = $7,
             http_status = $8, number = $9, outcome_at = now(), previous = NULL
         WHERE key = $1`,
        [
          key,
          e.status,
          e.sid ?? null,
          e.callId ?? null,
          e.at,
          e.message ?? null,
          e.resolvedBy ?? null,
          e.httpStatus ?? null,
          e.number ?? null,
        ],
      );
    }).catch((error: unknown) => {
      throw failure(`${key} could not be settled`, error);
    });
  };

  const remember = async (
    schedules: Readonly<Record<string, ScheduleMemory>> | undefined,
  ): Promise<void> => {
    const entries = Object.entries(schedules ?? {});
    if (entries.length === 0) return;
    await pool
      .query(
        `INSERT INTO ${s}.schedules (key, since, reported_through)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT (key) DO UPDATE SET since = EXCLUDED.since,
           reported_through = EXCLUDED.reported_through`,
        [
          entries.map(([key]) => key),
          entries.map(([, m]) => m.since),
          entries.map(([, m]) => m.reportedThrough ?? null),
        ],
      )
      .catch((error: unknown) => {
        throw failure('the schedule memory could not be written', error);
      });
  };

  /**
   * The outcome of a claim of this runner. Recording again an outcome the row holds already
   * succeeds: a commit whose answer the connection lost took it, and the runner that tries
   * again (it keeps what it could not record) must not take it for lost.
   */
  const record = async (o: Outcome & DefinitionMeta): Promise<void> => {
    if (o.status === 'missed') return;
    const placed = o.status === 'placed';
    let updated: number | null;
    try {
      ({ rowCount: updated } = await pool.query(
        `UPDATE ${s}.placements
         SET status = $2, sid = $3, call_id = $4, at = $5, definition = $6, file = $7,
             http_status = $8, message = $9, outcome_at = now(), previous = NULL
         WHERE key = $1 AND runner = $10 AND (status = 'claimed'
           OR (outcome_at IS NOT NULL AND status = $2 AND sid IS NOT DISTINCT FROM $3))`,
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
        `the outcome of ${o.key} could not be recorded: the state database failed (${causeOf(error)})`,
        { cause: error },
      );
    }
    if (updated !== 1) {
      throw new NotClaimed(`${o.key} is not claimed by this runner: its outcome is not recorded`);
    }
  };

  const readHolder = async (): Promise<LockHolder> => {
    // The holder writes its row just after taking the lock: a row of a runner that is gone
    // is an earlier holder's, so look again briefly before calling it unreadable.
    for (let round = 0; round < 20; round++) {
      // Its since, its lease and their age, all on the database's clock.
      const { rows } = await pool.query<
        LockHolder & { live: boolean; clock_at: string; lease_ms: string | number | null }
      >(
        `SELECT command, host, pid, since, ${alive('runner')} AS live, ${utc('now()')} AS clock_at,
           (SELECT GREATEST(0, EXTRACT(EPOCH FROM r.live_until - now()) * 1000)
              FROM ${s}.runners r WHERE r.id = runner) AS lease_ms
         FROM ${s}.run_lock WHERE id = 1`,
      );
      const row = rows[0];
      if (row?.live) return holderOf(row);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { pid: 0, host: '', command: '', since: clock().toISOString(), unreadable: true };
  };

  const lock = async (who: { command: string; now: Date }): Promise<LockResult> => {
    if (holding) throw new Error('this store already holds the run lock');
    if (lost) throw lost;
    // Held since the database's now, not this runner's clock: the one every runner shares.
    let me: LockHolder = {
      command: who.command,
      host: hostname(),
      pid: process.pid,
      since: who.now.toISOString(),
    };
    let won = false;
    try {
      await session.query('BEGIN');
      const { rows } = await session.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        [space, RUN_LOCK],
      );
      // The advisory lock is free, but a holder whose session was cut keeps the run lock
      // while its lease lasts.
      const kept =
        rows[0]?.ok === true &&
        (
          await session.query(
            `SELECT 1 FROM ${s}.run_lock WHERE id = 1 AND runner <> $1 AND ${alive('runner')}`,
            [runner],
          )
        ).rowCount !== 0;
      if (kept) await session.query('SELECT pg_advisory_unlock($1, $2)', [space, RUN_LOCK]);
      else if (rows[0]?.ok) {
        const taken = await session.query<{ since: string }>(
          `INSERT INTO ${s}.run_lock (id, runner, command, host, pid, since)
           VALUES (1, $1, $2, $3, $4, ${utc('now()')})
           ON CONFLICT (id) DO UPDATE SET runner = $1, command = $2, host = $3, pid = $4,
             since = EXCLUDED.since
           RETURNING since`,
          [runner, me.command, me.host, me.pid],
        );
        me = { ...me, since: taken.rows[0]?.since ?? me.since };
        won = true;
      }
      await session.query('COMMIT');
    } catch (error) {
      // A session whose database left a query unanswered is dropped (a ROLLBACK would wait
      // behind that query); the server lets go of what it held as it drops it.
      if (noAnswer(error)) session.connection.stream.destroy();
      else await session.query('ROLLBACK').catch(() => undefined);
      throw failure('the run lock could not be taken', error);
    }
    if (!won) {
      const holder = await readHolder().catch((error: unknown) => {
        throw failure('the run lock is held, and its holder could not be read', error);
      });
      return { ok: false, holder };
    }
    // Held once committed: a renewal that reads the run lock before sees no row of this runner.
    holding = true;
    return {
      ok: true,
      holder: me,
      lost: () => lockLost,
      release: async () => {
        if (!holding) return;
        holding = false;
        if (lost) return; // the server let go of it with the session
        try {
          await session.query(`DELETE FROM ${s}.run_lock WHERE id = 1 AND runner = $1`, [runner]);
          await session.query('SELECT pg_advisory_unlock($1, $2)', [space, RUN_LOCK]);
        } catch (error) {
          throw failure('the run lock could not be let go', error);
        }
      },
    };
  };

  // A large lockfile takes long to read, compare and write: its statements are given
  // LONG_TIME_LIMIT_MS.
  const importLock = (incoming: Lockfile, options: ImportOptions = {}): Promise<ImportResult> =>
    transaction(async (client): Promise<ImportResult> => {
      // Claims may go on meanwhile elsewhere; new rows wait until the import is decided.
      await patiently(client, `LOCK TABLE ${s}.placements IN SHARE ROW EXCLUSIVE MODE`);
      // Only the keys the lockfile has are compared: not every row ever placed.
      const { lock: current, inFlight } = viewOf(
        (
          await patiently<Row>(client, `${selectRows} WHERE key = ANY($1::text[])`, [
            Object.keys(incoming.calls),
          ])
        ).rows,
      );
      const planned = planImport(current, incoming, { ...options, inFlight });
      // A conflicting key keeps its row; every other key is written (planImport).
      if (planned.displaced.length > 0) {
        await patiently(client, `DELETE FROM ${s}.placements WHERE key = ANY($1::text[])`, [
          planned.displaced,
        ]);
      }
      const histories = Object.entries(planned.histories);
      if (histories.length > 0) {
        // Only the history: a row kept as it is (an ended claim's runner too).
        await patiently(
          client,
          `UPDATE ${s}.placements p SET history = h.history
           FROM unnest($1::text[], $2::jsonb[]) AS h(key, history) WHERE p.key = h.key`,
          [histories.map(([key]) => key), histories.map(([, h]) => JSON.stringify(h))],
        );
      }
      const entries = Object.entries(planned.added);
      const column = <T>(pick: (e: LockEntry) => T | undefined) =>
        entries.map(([, e]) => pick(e) ?? null);
      await patiently(
        client,
        `INSERT INTO ${s}.placements
           (key, status, sid, call_id, at, definition, file, http_status, message, resolved_by,
            history, outcome, number, gateway)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::text[], $7::text[], $8::integer[], $9::text[], $10::text[], $11::jsonb[],
           $12::jsonb[], $13::text[], $14::text[])`,
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
          column((e) => (e.history === undefined ? undefined : JSON.stringify(e.history))),
          column((e) => (e.outcome === undefined ? undefined : JSON.stringify(e.outcome))),
          column((e) => e.number),
          column((e) => e.gateway),
        ],
      );
      // Schedule memory the store lacks comes along; what it has stays, and what the
      // lockfile's let go joins it (importedMemory): the calls `state.keep` let go still count
      // toward per-number limits, and their slots are never due again.
      const incomingMemory = Object.entries(incoming.schedules ?? {});
      if (incomingMemory.length > 0) {
        const { rows: known } = await patiently<ScheduleRow>(
          client,
          `SELECT ${scheduleColumns} FROM ${s}.schedules WHERE key = ANY($1::text[]) FOR UPDATE`,
          [incomingMemory.map(([key]) => key)],
        );
        const stored = viewOf([], known).lock.schedules ?? {};
        const memory = incomingMemory.map(
          ([key, m]) => [key, importedMemory(stored[key], m)] as const,
        );
        await patiently(
          client,
          `INSERT INTO ${s}.schedules (key, since, reported_through, pruned_through, rang)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
           ON CONFLICT (key) DO UPDATE SET pruned_through = EXCLUDED.pruned_through,
             rang = EXCLUDED.rang`,
          [
            memory.map(([key]) => key),
            memory.map(([, m]) => m.since),
            memory.map(([, m]) => m.reportedThrough ?? null),
            memory.map(([, m]) => m.prunedThrough ?? null),
            memory.map(([, m]) => (m.rang === undefined ? null : JSON.stringify(m.rang))),
          ],
        );
      }
      return planned.result;
    }).catch((error: unknown) => {
      throw failure('the lockfile could not be imported', error);
    });

  const lacking = async (keys: readonly string[]): Promise<readonly string[]> => {
    try {
      // One round trip for any number of keys: an anti-join on the primary key.
      const { rows } = await pool.query<{ key: string }>(
        `SELECT k.key FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n)
         WHERE NOT EXISTS (SELECT 1 FROM ${s}.placements p WHERE p.key = k.key)
         ORDER BY k.n`,
        [keys],
      );
      return rows.map((r) => r.key);
    } catch (error) {
      throw failure('the lockfile could not be compared with the state database', error);
    }
  };

  const holdsEntries = async (): Promise<boolean> => {
    try {
      const { rows } = await pool.query<{ any: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${s}.placements) AS any`,
      );
      return rows[0]?.any === true;
    } catch (error) {
      throw failure('the state database could not be read', error);
    }
  };

  /**
   * A live runner other than this one that may claim calls (apply, run, state push: any but
   * NEVER_CLAIM), named as a lock's holder: the first to start. Its session holds its lock, or
   * its lease lasts (a runner whose connections were cut places on).
   */
  const livePlacer = async (): Promise<LockHolder | undefined> => {
    try {
      const { rows } = await pool.query<{
        command: string;
        host: string;
        pid: number;
        since: string;
        connected: boolean;
        clock_at: string;
        lease_ms: string | number | null;
      }>(
        `SELECT o.command, o.host, o.pid, ${connected('o.id')} AS connected,
           ${utc('o.started_at')} AS since, ${utc('now()')} AS clock_at,
           GREATEST(0, EXTRACT(EPOCH FROM o.live_until - now()) * 1000) AS lease_ms
         FROM ${s}.runners o
         WHERE o.id <> $1 AND split_part(o.command, ' -', 1) <> ALL($2::text[])
           AND (${connected('o.id')} OR o.live_until > now())
         ORDER BY o.id LIMIT 1`,
        [runner, NEVER_CLAIM],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return holderOf(row.connected ? { ...row, lease_ms: null } : row);
    } catch (error) {
      throw failure('the runners of the state database could not be read', error);
    }
  };

  /** This runner's clock against the database's, read now over the pool (see ./clock.ts). */
  const measureClock = async (): Promise<ClockVerdict> => {
    const sent = clock().getTime();
    try {
      const { rows } = await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
      const now = rows[0]?.now;
      return now === undefined ? { kind: 'right' } : judgeClock(now, sent, clock().getTime());
    } catch (error) {
      throw failure("the state database's clock could not be read", error);
    }
  };

  return {
    backend: 'postgres',
    concurrentRunners: true,
    clock: { opened, measure: measureClock },
    lacking,
    stateId,
    stateIdOf: (name) =>
      stateIdOf(pool, name).catch((error: unknown) => {
        throw failure('the state database could not be read', error);
      }),
    holdsEntries,
    livePlacer,
    read,
    // Every read is the database's: another runner's records are in it already.
    reread: async () => false,
    claim,
    record,
    abandon,
    settle,
    observe,
    remember,
    persist: async () => {},
    lock,
    export: async () => (await read()).lock,
    import: importLock,
    // A database that does not answer holds the end for CLOSE_TIME_LIMIT_MS at most: its lease
    // then runs out by itself, and the server lets go of the session's locks once it drops
    // the session. The connections are cut then, not ended: a server that hangs would never
    // close its side.
    close: async () => {
      clearInterval(beat);
      // Gone now: its claims left unrecorded are unknown at once, not at the lease's end.
      let answering = false;
      await settledWithin(
        pool
          .query(
            allowing(
              CLOSE_TIME_LIMIT_MS,
              `UPDATE ${s}.runners SET live_until = NULL WHERE id = $1`,
              [runner],
            ),
          )
          .then(
            () => {
              answering = true;
            },
            (error: unknown) => {
              answering = !unanswered(error);
            },
          ),
        CLOSE_TIME_LIMIT_MS,
      );
      const waitMs = answering ? CLOSE_TIME_LIMIT_MS : 0;
      // Ending the session lets go of the runner's and the run lock's advisory locks.
      if (holding && !lost && answering) {
        await session
          .query(
            allowing(
              CLOSE_TIME_LIMIT_MS,
              `DELETE FROM ${s}.run_lock WHERE id = 1 AND runner = $1`,
              [runner],
            ),
          )
          .catch(() => undefined);
      }
      holding = false;
      await Promise.all([pool.endWithin(waitMs), endWithin(session, waitMs)]);
    },
  };
};
