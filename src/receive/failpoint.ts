/**
 * Test failpoint: `CALLOPS_FAILPOINT_MAX_QUEUED=N` makes a receiver answer 503 past N calls'
 * statuses waiting, in place of MAX_QUEUED (./server.ts), so that a test reaches that bound
 * with a few calls. Unset, empty or not a whole number from 1: undefined (MAX_QUEUED holds).
 */
export const MAX_QUEUED_ENV = 'CALLOPS_FAILPOINT_MAX_QUEUED';

export const maxQueuedFailpoint = (
  env: Readonly<Record<string, string | undefined>>,
): number | undefined => {
  const text = env[MAX_QUEUED_ENV];
  if (text === undefined || !/^[1-9]\d{0,8}$/.test(text)) return undefined;
  return Number(text);
};
