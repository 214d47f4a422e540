import type pg from 'pg';

/*
 * How long the state database has to answer. A database that stops answering (a hung
 * server, a network that drops every packet) ends no connection: the kernel of a server whose
 * processes are stopped still acknowledges TCP, keepalive included. New connections are given
 * up after the connect timeout; a query on a connection opened before the hang would wait for
 * as long as it lasts. Each one therefore has a time limit (pg's `query_timeout`, counted from
 * when it is sent), and one unanswered by then fails as a database that fails does: its
 * connection is dropped, never used again (the server rolls back a transaction it held open;
 * a statement it reads only once it wakes may still take effect, as a commit whose answer was
 * lost does: a record of an outcome so taken is the one the gateway gave).
 */

/** Every query: a claim, an outcome, a lease renewal, a read of a few rows. */
export const QUERY_TIME_LIMIT_MS = 5_000;

/**
 * A read of the whole state (every placement of the schema: 100,000 rows are some 35 MB over
 * the network), made before a command places anything and as `resolve` settles an entry.
 */
export const VIEW_TIME_LIMIT_MS = 60_000;

/**
 * A migration's statements, and the wait for another runner's migration (one may build an
 * index over a large table), and an import's (`state push` of a large lockfile).
 */
export const LONG_TIME_LIMIT_MS = 10 * 60_000;

/**
 * How long a runner that ends gives the database to end its lease and its connections: one
 * that does not answer by then leaves its lease to run out.
 */
export const CLOSE_TIME_LIMIT_MS = 2_000;

/** What pg fails a query with once its `query_timeout` passed. */
const PG_TIMEOUT = 'Query read timeout';
/**
 * What the pool fails a query with when it got no connection in time: none made (the
 * server accepts the socket but does not answer), or none free (each one held by a query
 * left unanswered).
 */
const NO_CONNECTION = new Set([
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
]);

const limitWords = (ms: number): string =>
  ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;

/** A query the database did not answer within its limit, in words that say it. */
export class NoAnswer extends Error {
  constructor(ms: number) {
    super(`no answer within ${limitWords(ms)}`);
  }
}

/** The database did not answer in time: the connection is dropped, never used again. */
export const noAnswer = (error: unknown): boolean =>
  error instanceof NoAnswer || (error instanceof Error && error.message === PG_TIMEOUT);

/** The database answered neither a query nor a connection in time. */
export const unanswered = (error: unknown): boolean =>
  noAnswer(error) || (error instanceof Error && NO_CONNECTION.has(error.message));

/** pg's words for a query that timed out, or got no connection in time, said plainly. */
export const answerWords = (error: Error): string =>
  error.message === PG_TIMEOUT
    ? new NoAnswer(QUERY_TIME_LIMIT_MS).message
    : NO_CONNECTION.has(error.message)
      ? `no connection within ${limitWords(QUERY_TIME_LIMIT_MS)}`
      : error.message;

/** `text` given `ms` to be answered instead of QUERY_TIME_LIMIT_MS (pg reads it per query). */
export const allowing = (ms: number, text: string, values?: readonly unknown[]): pg.QueryConfig =>
  ({ text, ...(values === undefined ? {} : { values }), query_timeout: ms }) as pg.QueryConfig;

/** A query given LONG_TIME_LIMIT_MS: one unanswered by then fails with NoAnswer's words. */
export const patiently = async <T>(
  client: pg.ClientBase,
  text: string,
  values?: readonly unknown[],
): Promise<pg.QueryResult<T & pg.QueryResultRow>> => {
  try {
    return await client.query<T & pg.QueryResultRow>(allowing(LONG_TIME_LIMIT_MS, text, values));
  } catch (error) {
    throw noAnswer(error) ? new NoAnswer(LONG_TIME_LIMIT_MS) : error;
  }
};

/** Resolves with whether `work` settled within `ms`. */
export const settledWithin = async (work: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * End a connection: gracefully when the database answers within `ms`, else at once (the
 * socket destroyed), so that a database that hangs holds neither the command nor its exit.
 */
export const endWithin = async (client: pg.Client, ms: number): Promise<void> => {
  if (!(await settledWithin(client.end(), ms))) client.connection.stream.destroy();
};
