import { createHash } from 'node:crypto';
import type pg from 'pg';
import { noAnswer, patiently } from './time-limit.js';

export const DEFAULT_SCHEMA = 'callops';

/**
 * A schema name callops accepts: lower-case letters, digits and `_`, starting with a letter
 * or `_`, at most 63 bytes (PostgreSQL's limit). It is still always quoted in SQL.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name quoted as an SQL identifier, or an error saying what is accepted. */
export const quoteSchema = (name: string): string => {
  if (!SCHEMA_NAME.test(name)) {
    throw new Error(
      `state.schema ${JSON.stringify(name)} is not a schema name callops accepts: use lower-case letters, digits and _, starting with a letter or _, at most 63 characters`,
    );
  }
  return `"${name}"`;
};

/**
 * The first key of every advisory lock callops takes in this schema: 31 bits of a hash of
 * the schema name, so that projects in other schemas of one database never share a lock.
 * The second key says which lock: RUN_LOCK, MIGRATION_LOCK, or a runner's id (≥ 1).
 */
export const lockSpace = (schema: string): number =>
  createHash('sha256').update(`callops:${schema}`).digest().readUInt32BE(0) & 0x7fffffff;

/**
 * The advisory lock of one number digest (per-number limits, campaign rows, slots), in the
 * one-bigint key space, which never overlaps the two-key locks above: claims to one number
 * queue behind it.
 */
export const numberLock = (schema: string, digest: string): string =>
  createHash('sha256')
    .update(`callops:${schema}:number:${digest}`)
    .digest()
    .readBigInt64BE(0)
    .toString();

/**
 * The advisory lock of one key but for its target (`rest`), in the one-bigint key space as
 * numberLock: claims of one call under several targets queue behind it.
 */
export const keyLock = (schema: string, rest: string): string =>
  createHash('sha256')
    .update(`callops:${schema}:key:${rest}`)
    .digest()
    .readBigInt64BE(0)
    .toString();

/**
 * The advisory lock of one call (or campaign row) but for its target, slot and attempt
 * (`call`, CallScope), in the one-bigint key space as numberLock: the claims of a call's keys
 * queue behind it, whatever their schedule.
 */
export const callLock = (schema: string, call: string): string =>
  createHash('sha256')
    .update(`callops:${schema}:call:${call}`)
    .digest()
    .readBigInt64BE(0)
    .toString();

export const RUN_LOCK = 0;
export const MIGRATION_LOCK = -1;

/** Each migration, in order: migration n brings the schema to version n. Never edit one. */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.runners (
      id serial PRIMARY KEY,
      command text NOT NULL,
      host text NOT NULL,
      pid integer NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${s}.placements (
      key text PRIMARY KEY,
      target text,
      status text NOT NULL CHECK (status IN ('claimed', 'placed', 'failed', 'unknown')),
      sid text,
      call_id text,
      at text NOT NULL,
      definition text NOT NULL,
      file text NOT NULL,
      http_status integer,
      message text,
      resolved_by text,
      runner integer,
      attempt integer,
      claimed_at timestamptz,
      outcome_at timestamptz
    );
    CREATE TABLE ${s}.run_lock (
      id integer PRIMARY KEY CHECK (id = 1),
      runner integer NOT NULL,
      command text NOT NULL,
      host text NOT NULL,
      pid integer NOT NULL,
      since text NOT NULL
    );`,
  // Replacements (`apply --replace`) keep earlier sids; a claim keeps the entry it replaced,
  // so that a claim given up before its request left restores it; schedule memory.
  (s) => `
    ALTER TABLE ${s}.placements ADD COLUMN history jsonb, ADD COLUMN previous jsonb;
    CREATE TABLE ${s}.schedules (
      key text PRIMARY KEY,
      since text NOT NULL,
      reported_through text
    );`,
  // What the gateway says became of a placed call (`status --refresh`, `callops receive`).
  (s) => `ALTER TABLE ${s}.placements ADD COLUMN outcome jsonb;`,
  // Per-number limits: the digest of the number each placement dials (never the number).
  (s) => `
    ALTER TABLE ${s}.placements ADD COLUMN number text;
    CREATE INDEX placements_number ON ${s}.placements (number) WHERE number IS NOT NULL;`,
  // A runner's lease: until when it is live by the database's clock, renewed while it runs,
  // so that a cut connection does not make a live runner's claims look abandoned.
  (s) => `ALTER TABLE ${s}.runners ADD COLUMN live_until timestamptz;`,
  // A campaign row's claim is checked against the campaign's entries of its number (under the
  // number's lock, through placements_number): a runner that does not check would call a
  // person twice beside one that does, so every runner sharing the schema must be one that does.
  (s) => `COMMENT ON COLUMN ${s}.placements.number IS
    'digest of the number dialled: each claim checks per-number limits and campaign rows against it';`,
  // A scheduled call's claim is checked against the other keys of its slot that dialled its
  // number (a call renamed by another checkout): the entries of one number and slot, found
  // at once however many slots that number has. Like version 6, it keeps a runner that does
  // not check from sharing the schema with one that does.
  (s) => `CREATE INDEX placements_number_slot ON ${s}.placements (number, split_part(key, '@', 2))
    WHERE number IS NOT NULL;`,
  // A claim is checked against its key under other targets (a target renamed by another
  // checkout, or another name for its gateway): the entries of one key but for its target,
  // found at once. Like versions 6 and 7, it keeps a runner that does not check from sharing
  // the schema with one that does.
  (s) => `CREATE INDEX placements_rest ON ${s}.placements (substr(key, strpos(key, '/') + 1));`,
  // A replacement (`apply --replace`), and a call placed again where a twin target placed it,
  // is checked too, under the same lock, against its key under other targets as its plan read
  // it (a call replaced in one checkout and placed again under the renamed target in another).
  // Like versions 6 to 8, it keeps a runner that does not check from sharing the schema with
  // one that does.
  (s) => `COMMENT ON INDEX ${s}.placements_rest IS
    'keys but for their target: every claim, a replacement too, checks its key under other targets';`,
  // A campaign row's claim is checked against the campaign's entries of its number under every
  // target, not its own alone (a target renamed in another checkout, a row inserted above):
  // a runner that checks its own target alone would call a person twice beside one that
  // checks them all. Like versions 6 to 9, it keeps such a runner from sharing the schema.
  (s) => `COMMENT ON COLUMN ${s}.placements.number IS
    'digest of the number dialled: each claim checks per-number limits, and campaign rows under every target, against it';`,
  // The digest is of the number as compared (numberDigest: its `+` and, without one, its
  // leading zeros aside, so `15550100001` is `+15550100001`): a runner of an earlier release
  // digests a number written without `+` as written, and its claims and a newer runner's to
  // that person would not find each other. Like versions 6 to 10, it keeps such a runner from
  // sharing the schema.
  (s) => `COMMENT ON COLUMN ${s}.placements.number IS
    'digest of the number dialled, as compared (+ and its digits): each claim checks per-number limits, and campaign rows under every target, against it';`,
  // The digest of the gateway each placement went to (its base_url and account_sid as they
  // resolved then, never the URL): a target whose variables are unset elsewhere is then read
  // by its entries, those placed on the run's gateway held as a renamed target's. A runner of
  // an earlier release claims without it, and its calls would read as another gateway's.
  (s) => `
    ALTER TABLE ${s}.placements ADD COLUMN gateway text;
    COMMENT ON COLUMN ${s}.placements.gateway IS
      'digest of the gateway placed on (base_url and account_sid as resolved then): an entry under a target that does not resolve is read by it';`,
  // A call that runs once is checked at its claim, under a lock of the call that every claim
  // of it takes, against the call's other keys (its schedule changed in another checkout): the
  // keys of one call but for their target, slot and attempt, found at once. Like versions 6
  // to 11, it keeps a runner that does not check (nor take that lock) from sharing the schema.
  (s) => `
    CREATE INDEX placements_call ON ${s}.placements
      (split_part(split_part(substr(key, strpos(key, '/') + 1), '@', 1), '#', 1));
    COMMENT ON INDEX ${s}.placements_call IS
      'keys but for their target, slot and attempt: every claim of a call locks it, and one that runs once checks its other keys';`,
  // The view under `state.keep` reads the rows it keeps (and the first and last it leaves out
  // of each call) through this index, not every row ever placed: keys by their memory key
  // (`<target>/<call>`) where their slot is written as callops writes slots, then a settled
  // row's slot (kept.ts). An earlier release reads every row, as it did: it may share the
  // schema.
  (s) => `CREATE INDEX placements_kept ON ${s}.placements (
    (CASE WHEN key ~ '/.*@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
      THEN split_part(left(key, -21), '/', 1) || '/' || split_part(left(key, -21), '/', 2) END),
    ((CASE WHEN status IN ('placed', 'failed') THEN right(key, 20)
      ELSE 'unsettled' END) COLLATE "C"));`,
  // What a lockfile's schedule memory kept of the entries `state.keep` let go, brought by
  // `state push`: through which slot they were let go, and the calls they rang, which a claim
  // counts toward per-number limits (rang.ts). A runner of an earlier release would count
  // none of them, and call a number within the window beside one that counts them: like
  // versions 6 to 13, it keeps such a runner from sharing the schema.
  (s) => `
    ALTER TABLE ${s}.schedules ADD COLUMN pruned_through text, ADD COLUMN rang jsonb;
    COMMENT ON COLUMN ${s}.schedules.rang IS
      'calls let go from a pushed lockfile, per number digest: each claim counts them toward per-number limits';`,
  // A scheduled slot's claim is checked, under the lock of its call, against the later slots
  // of its call under its target (placements_kept: a call's slots by its memory key, settled
  // ones by slot): no slot is placed after a later one that another runner placed or is
  // placing (its plan read the state before that, or its clock is ahead). Like versions 6 to
  // 13 and 15, it keeps a runner that does not check from sharing the schema with one that does.
  (s) => `COMMENT ON INDEX ${s}.placements_kept IS
    'slots by memory key, settled ones by slot: state.keep reads through it, and every slot''s claim finds the later slots of its call';`,
];

/**
 * The versions an earlier release's runner may share the schema with: they only add what a
 * read uses, and change no claim. Bringing a schema to one of them waits for no runner.
 */
const SHARED_VERSIONS: ReadonlySet<number> = new Set([14]);

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Create or migrate callops' tables in `schema`, in one transaction under an advisory lock,
 * so two runners starting together do not race: the second waits, then finds the schema
 * current. A schema newer than this callops knows is refused rather than used.
 */
export const migrate = async (client: pg.ClientBase, schema: string): Promise<void> => {
  const s = quoteSchema(schema);
  await client.query('BEGIN');
  try {
    // Another runner's migration is waited for, as long as a migration may take.
    await patiently(client, 'SELECT pg_advisory_xact_lock($1, $2)', [
      lockSpace(schema),
      MIGRATION_LOCK,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.callops_schema_version (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${s}.callops_schema_version`,
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the state schema ${s} is at version ${current}, newer than this callops knows (${SCHEMA_VERSION}): upgrade callops`,
      );
    }
    const checked = Array.from({ length: SCHEMA_VERSION - current }, (_, i) => current + 1 + i);
    if (current > 0 && checked.some((version) => !SHARED_VERSIONS.has(version)))
      await refuseLiveRunners(client, schema, current);
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      const migration = MIGRATIONS[version - 1];
      if (migration) await patiently(client, migration(s));
      await client.query(`INSERT INTO ${s}.callops_schema_version (version) VALUES ($1)`, [
        version,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    // One left unanswered is dropped by the caller: a ROLLBACK would wait behind it.
    if (!noAnswer(error)) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};

/** The first version whose runners hold a lease (`runners.live_until`). */
const LEASE_VERSION = 5;

/**
 * Refuse to bring a schema in use to a newer version: a runner live on it now (its session
 * holds its advisory lock, or its lease lasts) is of a release that checked the version as it
 * started, and would go on claiming without the checks the new version brings (a campaign
 * row's number, a renamed slot's number): beside a runner that makes them, one person could
 * be called twice. Runners gone long since (a crash, a host lost) hold neither, and do not count.
 */
const refuseLiveRunners = async (
  client: pg.ClientBase,
  schema: string,
  current: number,
): Promise<void> => {
  const s = quoteSchema(schema);
  const connected = `EXISTS (
      SELECT 1 FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = r.id::bigint::oid)`;
  const live = current >= LEASE_VERSION ? `(${connected} OR r.live_until > now())` : connected;
  const { rows } = await client.query<{ command: string; host: string; pid: number }>(
    `SELECT command, host, pid FROM ${s}.runners r WHERE ${live} ORDER BY id`,
    [lockSpace(schema)],
  );
  if (rows.length === 0) return;
  const named = rows
    .slice(0, 3)
    .map((r) => `\`${r.command}\` on ${r.host}, pid ${r.pid}`)
    .join('; ');
  const more = rows.length > 3 ? `; and ${rows.length - 3} more` : '';
  throw new Error(
    `the state schema ${s} is at version ${current}, and this callops would bring it to version ${SCHEMA_VERSION}, but ${rows.length === 1 ? 'a runner of an earlier release is' : `${rows.length} runners of an earlier release are`} using it (${named}${more}): such a runner would go on without the checks version ${SCHEMA_VERSION} brings, and one person could be called twice, so the schema is left as it is and nothing was sent; stop ${rows.length === 1 ? 'it' : 'them'} (or let ${rows.length === 1 ? 'it' : 'them'} finish), then run this again`,
  );
};

/**
 * Which state a schema holds, as `.callops/moved-to-postgres.json` records it (../moved.ts): a
 * digest of its name and the instant callops created it there (version 1 of
 * `callops_schema_version`, to the microsecond). Every url that reaches it (another host name,
 * a pooler, a new password) and a restored copy give the same; another database, another
 * schema, or one dropped and created anew, another. Undefined where callops has no schema
 * of that name.
 */
export const stateIdOf = async (client: pg.ClientBase | pg.Pool, schema: string) => {
  const s = quoteSchema(schema);
  let created: string | undefined;
  try {
    const { rows } = await client.query<{ created: string }>(
      `SELECT to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created
       FROM ${s}.callops_schema_version WHERE version = 1`,
    );
    created = rows[0]?.created;
  } catch (error) {
    // No such schema, or no callops table in it.
    if (isPgCode(error, '3F000', '42P01')) return undefined;
    throw error;
  }
  if (created === undefined) return undefined;
  return createHash('sha256').update(`callops:${schema}:${created}`).digest('hex').slice(0, 16);
};

const isPgCode = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' &&
  error !== null &&
  codes.includes(String((error as { code?: unknown }).code));
