import type { EngineError } from '../engine/errors.js';

/** Exit codes of SPEC "Commands". */
export const EXIT = {
  ok: 0,
  failed: 1,
  changes: 2,
  /** `status`: an entry is unknown; a person must settle it. */
  unsettled: 3,
  usage: 64,
  /** Another runner holds what this one needs, or its clock is wrong: try again later. */
  locked: 75,
  /** A bug: the command could not go on (the message says what was left undone). */
  internal: 70,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the user caused with flags or arguments: printed as one line, exit 64. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure that is not a bug: printed as one line with the given exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
  }
}

/** The exit code of each way the engine stops. */
export const exitCodeOf = (error: EngineError): ExitCode => {
  switch (error.kind) {
    case 'usage':
      return EXIT.usage;
    case 'locked':
    case 'clock':
      return EXIT.locked;
    default:
      return EXIT.failed;
  }
};
