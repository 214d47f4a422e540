import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Test failpoint of every state store: `CALLOPS_FAILPOINT_HOLD_SYNC=<path>` holds each commit
 * that makes intents durable (the journal's fdatasync of a batch with an intent; a database
 * store's commit of its claims) until `<path>` exists. It lets a test prove that no request
 * leaves while its intent is not yet durable.
 */
export const HOLD_SYNC_ENV = 'CALLOPS_FAILPOINT_HOLD_SYNC';

/** Waits before one commit; rejects (and so fails the commit) once `signal` aborts. */
export type CommitHold = (signal?: AbortSignal) => Promise<void>;

const POLL_MS = 5;

/**
 * The hold, read once when a store opens; undefined when the variable is unset or empty, so
 * that a store pays nothing per commit. Until `<path>` exists (creating it releases that
 * commit and every later one), each commit polls for it every 5 ms, and after its first
 * poll appends a line (the pid) to `<path>.reached`: an event a test can wait for, written
 * once the process has gone round its event loop, so that a request sent without waiting
 * for the commit would be on the wire by then.
 */
export const commitHold = (env: NodeJS.ProcessEnv = process.env): CommitHold | undefined => {
  const path = env[HOLD_SYNC_ENV];
  if (path === undefined || path === '') return undefined;
  return async (signal) => {
    if (existsSync(path)) return;
    await sleep(POLL_MS, undefined, { signal });
    appendFileSync(`${path}.reached`, `${process.pid}\n`);
    while (!existsSync(path)) await sleep(POLL_MS, undefined, { signal });
  };
};
