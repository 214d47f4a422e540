import { Worker } from 'node:worker_threads';

/**
 * A PostgreSQL query the calling thread waits for, synchronously: a worker thread holds the
 * connection and the caller blocks on Atomics.wait until it answers. It lets a synchronous
 * hook (the simulator's onCreate) look at the database at the very moment a request arrives.
 */
export interface SyncQuery {
  /** The number of rows `sql` returns with `params`. */
  count(sql: string, params: readonly unknown[]): number;
  close(): Promise<void>;
}

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const pg = require('pg');
const flag = new Int32Array(workerData.shared);
const client = new pg.Client({ connectionString: workerData.url });
client.connect().then(() => parentPort.postMessage('ready'), (e) => parentPort.postMessage(String(e)));
parentPort.on('message', async ({ sql, params }) => {
  let n = -1;
  try { n = (await client.query(sql, params)).rowCount ?? -1; } catch { n = -2; }
  Atomics.store(flag, 1, n);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

export const openSyncQuery = async (url: string): Promise<SyncQuery> => {
  const shared = new SharedArrayBuffer(8);
  const flag = new Int32Array(shared);
  const worker = new Worker(WORKER, { eval: true, workerData: { url, shared } });
  const first = await new Promise<unknown>((resolve) => worker.once('message', resolve));
  if (first !== 'ready') throw new Error(`the query worker did not connect: ${String(first)}`);
  return {
    count: (sql, params) => {
      Atomics.store(flag, 0, 0);
      worker.postMessage({ sql, params });
      if (Atomics.wait(flag, 0, 0, 10_000) === 'timed-out') throw new Error('query timed out');
      const n = Atomics.load(flag, 1);
      if (n < 0) throw new Error(`query failed: ${sql}`);
      return n;
    },
    close: async () => {
      await worker.terminate();
    },
  };
};
