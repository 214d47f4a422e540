import { isInFlight } from '../state/store.js';
import type { LockEntry } from '../state/types.js';
import { settleWords } from './check-words.js';

const MESSAGE_MAX = 120;

const detail = (entry: LockEntry): string => {
  const message = entry.message ?? '';
  const short = message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message;
  return [entry.httpStatus, short].filter((part) => part !== undefined && part !== '').join(' ');
};

/**
 * What the lockfile says about a key that would otherwise be due: nothing yet → due;
 * placed → skipped for good; failed → due again; unknown → skipped until settled by hand,
 * or due again with `--retry-unknown`; being placed by another runner right now → skipped,
 * whatever the flags (that runner records it). The reason says which, in the user's terms.
 */
export const decide = (
  key: string,
  entry: LockEntry | undefined,
  retryUnknown: boolean,
): { bucket: 'due' | 'skipped'; reason?: string } => {
  if (entry === undefined) return { bucket: 'due' };
  switch (entry.status) {
    case 'placed':
      return {
        bucket: 'skipped',
        reason: `already placed ${entry.sid ?? '(no sid)'} at ${entry.at}`,
      };
    case 'failed':
      return { bucket: 'due', reason: `retrying: failed before (${detail(entry) || entry.at})` };
    case 'unknown':
      if (isInFlight(entry))
        return { bucket: 'skipped', reason: 'being placed by another runner right now' };
      return retryUnknown
        ? {
            bucket: 'due',
            reason: `retrying: outcome unknown before (${detail(entry) || entry.at})`,
          }
        : {
            bucket: 'skipped',
            reason: `unknown — settle: ${settleWords(key)}, or apply --retry-unknown`,
          };
  }
};
