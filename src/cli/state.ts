import { knownSecrets, secretEnvFiles } from '../engine/known-secrets.js';
import { type OpenedState, openState } from '../engine/state.js';
import { printable } from '../report/printable.js';
import { makeRedactor, type Redactor } from '../report/redact.js';
import type { Env, Secret } from '../resolve/index.js';
import type { RetainedCall } from '../state/retention.js';
import type { StateUse } from '../state/store.js';
import type { ProjectConfig } from '../validate/model.js';
import type { CommandContext } from './context.js';
import { showDiagnostics } from './load.js';
import { receivedNote } from './received-note.js';

/**
 * `state.keep` under `--now`: the given instant as the clock moves on from it, but never
 * later than the clock itself, so a rehearsal in the future drops nothing a real run
 * could still place.
 */
const retentionClock = (now: Date): (() => Date) => {
  const shiftMs = now.getTime() - Date.now();
  return () => new Date(Math.min(Date.now(), Date.now() + shiftMs));
};

/** The project's state store; a `state.url` that cannot be resolved is shown at its place. */
export const openProjectState = async (
  ctx: CommandContext,
  config: ProjectConfig,
  env: Env,
  command: string,
  options: {
    readonly restore?: boolean;
    /** What the command does with the state: `send`, `record`, or `read` (the default). */
    readonly use?: StateUse;
    /** The validated calls by name: the view then drops what `state.keep` lets go. */
    readonly calls?: () => readonly RetainedCall[];
    /**
     * The command neither plans nor writes the lockfile view: a database store does not
     * compare the lockfile with it first.
     */
    readonly skipLockfileCheck?: boolean;
    /** `callops state push`: a database store records the move once the import is done. */
    readonly pushing?: boolean;
    /** `state.keep` as it is now (`run`: of each reload); default the one of `config`. */
    readonly keepMs?: () => number;
    /**
     * The command places calls by this runner's clock (`apply` but a rehearsal, `run`): it says
     * itself a clock too far from a state database's to place by.
     */
    readonly placing?: boolean;
    /** The secrets the command knows (Prepared's), when it read the project: not read again. */
    readonly secrets?: readonly Secret[];
  } = {},
): Promise<OpenedState> => {
  const { secrets, ...site } = options;
  // The values of the env files are secrets by custom, referenced or not (as every diagnostic
  // a command prints hides them): a sid in the lockfile may be one.
  const files = secrets === undefined ? await secretEnvFiles(ctx.root, ctx.envFile) : undefined;
  const known: readonly Secret[] =
    secrets ?? knownSecrets(config, env, files?.file ?? {}, files?.project ?? {});
  let redactor: Redactor | undefined;
  const redact = (): Redactor => {
    redactor ??= makeRedactor(known);
    return redactor;
  };
  return openState(config, env, {
    command,
    signal: ctx.signal,
    ...site,
    ...(ctx.nowGiven && { now: retentionClock(ctx.now) }),
    ...(ctx.envFile !== undefined && { envFile: ctx.envFile }),
    // A store's warning quotes the lockfile (sids, keys): each secret the project knows
    // replaced by its reference, and every character a terminal would act on escaped.
    warn: (message) => {
      ctx.stderr.write(`warning: ${printable(redact()(message))}\n`);
    },
    received: (recorded) => {
      ctx.stderr.write(receivedNote(recorded));
    },
    onDiagnostics: (diagnostics) => {
      showDiagnostics(ctx, diagnostics, () => undefined, redact());
    },
  });
};
