import { nothingDone, type StateUse } from '../state/store.js';

/**
 * Why the engine stopped, for the caller to turn into an exit code: the engine never knows
 * exit codes. `invalid`: the definitions or a value are wrong (nothing was sent); `usage`: a
 * flag or argument the caller passed is wrong; `locked`: another runner holds what this one
 * needs; `state`: the state could not be read or written; `clock`: this runner's clock is too far
 * from the state database's to place calls by (it passes once the clock is set right);
 * `failed`: anything else a user can act on.
 */
export type EngineErrorKind = 'invalid' | 'usage' | 'locked' | 'state' | 'clock' | 'failed';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The message of an apply or run stopped by invalid definitions. */
export const INVALID = 'invalid input; nothing was sent';

/** The message of a command stopped by invalid input: only one that sends says nothing was sent. */
export const invalidInput = (use: StateUse | undefined): string =>
  use === 'send' ? INVALID : ['invalid input', nothingDone(use)].filter(Boolean).join('; ');
