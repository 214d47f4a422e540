import { appendFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Test failpoint of `run`'s scheduler: `CALLOPS_FAILPOINT_HOLD_PLAN=<path>` holds each wake
 * once it has looked at the definitions (a campaign's CSV read when the run started or the
 * definitions were last loaded, and its size and time found unchanged since) and at the
 * state, and before it plans (reads the rows it places), until `<path>` exists. It lets a
 * test change a CSV between the read a wake plans with and its rows, which a wake must see
 * before it places anything from them.
 */
export const HOLD_PLAN_ENV = 'CALLOPS_FAILPOINT_HOLD_PLAN';

/** Waits before a wake plans; resolves at once when `signal` aborts (the wake then ends). */
export type PlanHold = (signal: AbortSignal) => Promise<void>;

const POLL_MS = 5;

/**
 * The hold, read once when run starts; undefined when the variable is unset or empty, so that
 * a wake pays nothing. Until `<path>` exists (creating it releases that wake and every later
 * one), a held wake appends a line to `<path>.reached` (an event a test can wait for) and
 * polls for it every 5 ms.
 */
export const planHold = (
  env: Readonly<Record<string, string | undefined>>,
): PlanHold | undefined => {
  const path = env[HOLD_PLAN_ENV];
  if (path === undefined || path === '') return undefined;
  return async (signal) => {
    if (existsSync(path)) return;
    appendFileSync(`${path}.reached`, 'held\n');
    while (!existsSync(path) && !signal.aborted) await sleep(POLL_MS);
  };
};
