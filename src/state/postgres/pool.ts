import pg from 'pg';

const ignore = (): void => undefined;

/**
 * The pool of a runner's connections. A connection's 'error' event with no listener ends the
 * process, and the pool listens only while the connection is idle: it stops as it hands one
 * out, before whoever asked can listen, and a server that ends the connection then (a
 * restart, a failover, pg_terminate_backend) sends its error in the same read as the answer
 * that freed it. Every connection therefore has a listener of its own from its start; what
 * failed is reported by the query that needed it, or by the transaction that held it.
 */
export const statePool = (config: pg.PoolConfig): pg.Pool => {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => client.on('error', ignore));
  // An idle pooled connection that dies is replaced on next use.
  pool.on('error', ignore);
  return pool;
};
