import type { EngineEvent } from '../engine/events.js';

/**
 * The calls of a run as its events tell them: started and not yet done, and how many of
 * the batch never started. What a stalled run names.
 */
export interface RunProgress {
  note(event: EngineEvent): void;
  /** What is still pending, in words (empty when nothing is). */
  pending(): string;
}

const SHOWN = 5;
const calls = (n: number): string => `${n} call${n === 1 ? '' : 's'}`;

export const runProgress = (): RunProgress => {
  const started = new Set<string>();
  let due = 0;
  let done = 0;
  return {
    note: (event) => {
      if (event.type === 'run:start') due += event.items.length;
      else if (event.type === 'call:start') started.add(event.key);
      else if (event.type === 'call:done') {
        done += 1;
        started.delete(event.outcome.key);
      } else if (event.type === 'run:finish') {
        due = 0;
        done = 0;
        started.clear();
      }
    },
    pending: () => {
      const waiting = Math.max(0, due - done - started.size);
      const keys = [...started].slice(0, SHOWN);
      const more = started.size > SHOWN ? `, … ${started.size - SHOWN} more` : '';
      const parts = [
        ...(started.size > 0
          ? [`${calls(started.size)} in progress: ${keys.join(', ')}${more}`]
          : []),
        ...(waiting > 0 ? [`${calls(waiting)} not started`] : []),
      ];
      return parts.join('; ');
    },
  };
};

/**
 * The command stopped with its work pending: the event loop ran out of things to wait for
 * while a promise of it was unsettled (a request the HTTP client left pending for ever).
 */
export class StalledError extends Error {
  override readonly name = 'StalledError';
}

/**
 * `work`, or a StalledError when the event loop runs out of things to wait for while `work`
 * is still pending: nothing can settle it any more, and Node would exit 0 halfway, as if all
 * went well. The error names what was pending; nothing is recorded for it (what the journal
 * holds is folded by the next command, as after a crash).
 */
export const settleOrStall = async (
  work: Promise<number>,
  pending: () => string,
): Promise<number> => {
  let listener: (() => void) | undefined;
  const stalled = new Promise<never>((_resolve, reject) => {
    listener = () => {
      const what = pending();
      reject(
        new StalledError(
          `internal error: stopped with nothing left to wait for, its work unfinished${
            what === '' ? '' : ` — ${what}`
          }. Nothing more was recorded: the next command settles a call whose intent was written as after a crash (unknown: its request may have left)`,
        ),
      );
    };
  });
  const onBeforeExit = (): void => listener?.();
  process.once('beforeExit', onBeforeExit);
  try {
    return await Promise.race([work, stalled]);
  } finally {
    process.off('beforeExit', onBeforeExit);
  }
};
