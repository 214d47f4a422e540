import { setTimeout as sleep } from 'node:timers/promises';
import type { Outcome } from '../execute/outcome.js';
import type { DefinitionMeta } from '../state/record.js';
import { NotClaimed, OutcomeJournaled, type StateStore } from '../state/store.js';

/**
 * Outcomes the gateway gave that the state could not record (a database gone): what a runner
 * keeps of each, the sid with it, until it records it.
 *
 * The invariant: a kept outcome's claim is still this runner's in the state (claimed, in
 * flight for every other runner), so no runner sends its key again and nobody is told to
 * settle it by hand while this one will record it. An outcome leaves only recorded, or
 * refused for good (NotClaimed: its claim is no longer this runner's); only what a runner
 * still keeps when it ends is said unknown, with the command that settles it.
 */
export interface UnrecordedOutcomes {
  /** How many are kept. */
  readonly size: number;
  keep(entry: Outcome & DefinitionMeta, error: unknown): void;
  /**
   * Record each kept outcome again, at once. Resolves with those recorded and those refused
   * for good (both let go); those the state failed again stay kept, and `error` is the first
   * such failure. `withinMs` bounds the wait for the state's answer.
   */
  recordAgain(store: StateStore, withinMs?: number): Promise<RecordedAgain>;
  /**
   * Try again, a second apart, until none is kept or `withinMs` passed (a runner about to
   * end, which records what it can before it goes).
   */
  recordUntil(store: StateStore, withinMs: number): Promise<RecordedAgain>;
  /** What is still kept, with why it could not be recorded; kept on. */
  left(): readonly KeptOutcome[];
}

/** An outcome kept, and the failure that kept it (the first, unless a refusal followed). */
export interface KeptOutcome {
  readonly entry: Outcome & DefinitionMeta;
  readonly error: unknown;
}

export interface RecordedAgain {
  /** Recorded now, in the order they were kept. */
  readonly recorded: readonly (Outcome & DefinitionMeta)[];
  /** Refused for good: their claim is no longer this runner's; their error says why. */
  readonly refused: readonly KeptOutcome[];
  /** The state failed again (those outcomes stay kept). */
  readonly error?: unknown;
}

/**
 * Whether an outcome the state refused with `error` is worth recording again before a runner
 * ends: not one whose claim is another runner's now (NotClaimed), nor one the journal holds
 * already (OutcomeJournaled: the next command records it, and trying again for
 * RECORD_AGAIN_MS would only keep the runner waiting on a lockfile it cannot read).
 */
export const worthRecordingAgain = (error: unknown): boolean =>
  !(error instanceof NotClaimed) && !(error instanceof OutcomeJournaled);

/** How long a runner that ends keeps trying to record what it kept (less than a lease). */
export const RECORD_AGAIN_MS = 10_000;

/** Between two tries of `recordUntil`. */
const RETRY_EVERY_MS = 1_000;

/** `work`, or a rejection once `ms` passed without its answer (`late` words it). */
export const within = <T>(
  work: Promise<T>,
  ms: number,
  late: (words: string) => Error = (words) => new Error(words),
): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late(`no answer within ${Math.ceil(ms / 1000)} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

export const unrecordedOutcomes = (): UnrecordedOutcomes => {
  const kept = new Map<string, KeptOutcome>();
  const recordAgain = async (store: StateStore, withinMs?: number): Promise<RecordedAgain> => {
    const tries = [...kept.values()];
    const settled = await Promise.allSettled(
      tries.map(({ entry }) => {
        const write = store.record(entry);
        return withinMs === undefined
          ? write
          : within(
              write,
              withinMs,
              (words) =>
                new Error(
                  `the outcome of ${entry.key} could not be recorded: ${store.backend === 'postgres' ? 'the state database' : 'the state'} gave ${words}`,
                ),
            );
      }),
    );
    const recorded: (Outcome & DefinitionMeta)[] = [];
    const refused: KeptOutcome[] = [];
    let error: unknown;
    settled.forEach((result, index) => {
      const k = tries[index] as KeptOutcome;
      if (result.status === 'fulfilled') {
        kept.delete(k.entry.key);
        recorded.push(k.entry);
      } else if (result.reason instanceof NotClaimed) {
        kept.delete(k.entry.key);
        refused.push({ entry: k.entry, error: result.reason });
      } else {
        error ??= result.reason;
      }
    });
    return { recorded, refused, ...(error === undefined ? {} : { error }) };
  };
  return {
    get size() {
      return kept.size;
    },
    keep: (entry, error) => {
      kept.set(entry.key, { entry, error });
    },
    recordAgain,
    recordUntil: async (store, withinMs) => {
      const until = Date.now() + withinMs;
      const recorded: (Outcome & DefinitionMeta)[] = [];
      const refused: KeptOutcome[] = [];
      let error: unknown;
      while (kept.size > 0) {
        const left = until - Date.now();
        if (left <= 0) break;
        const round = await recordAgain(store, left);
        recorded.push(...round.recorded);
        refused.push(...round.refused);
        error = round.error;
        if (kept.size === 0) break;
        const pause = Math.min(RETRY_EVERY_MS, until - Date.now());
        if (pause > 0) await sleep(pause);
      }
      return { recorded, refused, ...(error === undefined ? {} : { error }) };
    },
    left: () => [...kept.values()],
  };
};
