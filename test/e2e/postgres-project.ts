import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { POSTGRES_STATE } from '../support/state-backends.js';
import { type Gateway, startGateway } from './helpers.js';

/** What `postgresForFile` gives a test file once its server is up. */
export interface FilePostgres {
  /** The server itself: a test halts, resumes or restarts it. */
  readonly server: TestPostgres;
  /** The URL of the file's database. */
  readonly url: string;
  /** CALLOPS_DATABASE_URL for the commands' environment. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * `startGateway`, its callops.yaml keeping the state in the file's database (in `schema`
   * when given, then the `extra` top-level lines); closed after the file's tests.
   */
  gateway(
    calls: Parameters<typeof startGateway>[0],
    options?: Parameters<typeof startGateway>[1] & {
      readonly schema?: string;
      readonly extra?: readonly string[];
    },
  ): Promise<Gateway>;
}

/**
 * A real PostgreSQL server and a fresh database for the test file that calls this: started
 * before its tests; every gateway `gateway` made, then the server, stopped after them.
 */
export const postgresForFile = (): FilePostgres => {
  let server: TestPostgres | undefined;
  let url: string | undefined;
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.freshDatabase();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await server?.stop();
  });
  const started = () => {
    if (server === undefined || url === undefined)
      throw new Error('PostgreSQL is not started: use it inside a test, not at load time');
    return { server, url };
  };
  return {
    get server() {
      return started().server;
    },
    get url() {
      return started().url;
    },
    get env() {
      return { CALLOPS_DATABASE_URL: started().url };
    },
    gateway: async (calls, { schema, extra = [], ...options } = {}) => {
      const gw = await startGateway(calls, options);
      gateways.push(gw);
      const state = [...POSTGRES_STATE, ...(schema === undefined ? [] : [`  schema: ${schema}`])];
      const config = await gw.project.read('callops.yaml');
      await gw.project.write('callops.yaml', `${config}${[...state, ...extra].join('\n')}\n`);
      return gw;
    },
  };
};

/** One query on the database at `url`, on a connection of its own. */
export const queryDatabase = async <T extends pg.QueryResultRow>(url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<T>(sql);
  } finally {
    await client.end();
  }
};

/** Sessions of the database at `url` waiting for an advisory lock. */
export const advisoryWaiters = async (url: string): Promise<number> =>
  (
    await queryDatabase<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    )
  ).rows[0]?.n ?? 0;

/**
 * Sessions of the database at `url` waiting for another session's transaction to end (a
 * claim of a key whose row that transaction inserted, not yet committed).
 */
export const transactionWaiters = async (url: string): Promise<number> =>
  (
    await queryDatabase<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'transactionid' AND NOT granted
         AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`,
    )
  ).rows[0]?.n ?? 0;
