import pg from 'pg';
import { settledWithin } from './time-limit.js';

const ignore = (): void => undefined;

/** The pool of a runner's connections, and a bounded end of them all. */
export type StatePool = pg.Pool & {
  /**
   * End the pool: gracefully while the database answers within `ms`, else every connection
   * left (idle, checked out or still connecting) is cut at once, so that a database that
   * hangs holds no socket open, nor the process with it.
   */
  endWithin(ms: number): Promise<void>;
};

/**
 * The pool of a runner's connections. A connection's 'error' event with no listener ends the
 * process, and the pool listens only while the connection is idle: it stops as it hands one
 * out, before whoever asked can listen, and a server that ends the connection then (a
 * restart, a failover, pg_terminate_backend) sends its error in the same read as the answer
 * that freed it. Every connection therefore has a listener of its own from its start; what
 * failed is reported by the query that needed it, or by the transaction that held it.
 */
export const statePool = (config: pg.PoolConfig): StatePool => {
  // Every connection the pool makes, until its socket closes: cut at once by endWithin.
  const open = new Map<pg.Client, Promise<void>>();
  class Tracked extends pg.Client {
    constructor(options?: pg.ClientConfig) {
      super(options);
      open.set(
        this,
        new Promise((closed) =>
          this.connection.stream.once('close', () => {
            open.delete(this);
            closed();
          }),
        ),
      );
    }
  }
  const pool = new pg.Pool({ ...config, Client: Tracked });
  pool.on('connect', (client) => client.on('error', ignore));
  // An idle pooled connection that dies is replaced on next use.
  pool.on('error', ignore);
  return Object.assign(pool, {
    endWithin: async (ms: number) => {
      // The pool has ended once no connection is checked out, but the idle ones it let go
      // wait for the server to close them: a server that hangs never does.
      if (await settledWithin(Promise.all([pool.end(), ...open.values()]), ms)) return;
      for (const client of open.keys()) client.connection.stream.destroy();
    },
  });
};
