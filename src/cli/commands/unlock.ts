import { lockedError, stateDirOf } from '../../engine/state.js';
import type { Env } from '../../resolve/index.js';
import {
  describeHolder,
  type HolderLiveness,
  lockAdvice,
  type RunLockHolder,
  unlockRunLock,
} from '../../state/runlock.js';
import { refuseUnusableState } from '../../state/usable.js';
import type { ProjectConfig } from '../../validate/model.js';
import type { CommandContext, CommandModule } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { projectState } from '../load.js';
import { openProjectState } from '../state.js';

export const command: CommandModule = {
  summary: 'clear a stale run lock',
  usage: `Usage: callops unlock [--force]

Removes .callops/run.lock when the run named in it is gone (a killed process not reaped yet,
a zombie, is gone). A holder alive on this host is never removed (exit 75): wait for it or
stop it. A holder on another host, or in another PID namespace of this host (another
container), cannot be checked from here: it is removed only with --force, when that run is
certainly gone (a crashed machine, a stopped container). A dead run on this host is also
taken over by the next command without unlock.

  --force   remove a lock held on another host or in another PID namespace (or an
            unreadable one)`,
  options: { force: { type: 'boolean' } },
  // --env-file is taken: a state database's url may reference its variables.
  refuses: {
    target: "the run lock is the project's, whatever the target: unlock takes no --target",
    format: 'unlock says what it did in one line: it takes no --format',
    now: 'unlock judges the run lock on the clock: it takes no --now',
  },
  run: async (ctx) => {
    const now = new Date();
    const { config, env } = await projectState(ctx);
    if (config.state.backend !== 'file') return unlockDatabase(ctx, config, env, now);
    const stateDir = stateDirOf(ctx.root);
    await refuseUnusableState({ stateDir, keeps: 'its journal and run lock' }).catch(
      (error: Error) => {
        throw new CliError(error.message);
      },
    );
    const result = await unlockRunLock(stateDir, {
      force: ctx.values.force === true,
      now,
    });
    if (result.kind === 'none') {
      ctx.stdout.write('no run lock was held\n');
      return EXIT.ok;
    }
    const who = describeHolder(result.holder, now);
    if (result.kind === 'refused') {
      throw new CliError(
        `not removed: the run lock is ${who}. ${lockAdvice(result.holder, result.liveness)}`,
        EXIT.locked,
      );
    }
    if (result.liveness !== 'gone') {
      ctx.stderr.write(
        `warning: removed a run lock that could not be checked (${uncheckable(result.holder, result.liveness)}); if that run still goes on, two runs now share the lockfile\n`,
      );
    }
    ctx.stdout.write(`removed the run lock ${who}\n`);
    return EXIT.ok;
  },
};

/** Why a holder removed with --force could not be checked, in a few words. */
const uncheckable = (holder: RunLockHolder, liveness: HolderLiveness): string => {
  if (liveness === 'elsewhere') return `host ${holder.host}`;
  if (liveness === 'other-namespace') return `PID namespace ${holder.pidNs ?? '?'}`;
  return 'unreadable';
};

/**
 * A database store's run lock is a PostgreSQL advisory lock: the server lets go of it the
 * moment its holder's session ends (process killed, host gone), so a dead holder never
 * blocks. unlock refuses a live holder (75) and clears the row a dead one left.
 */
const unlockDatabase = async (
  ctx: CommandContext,
  config: ProjectConfig,
  env: Env,
  now: Date,
): Promise<number> => {
  const { store } = await openProjectState(ctx, config, env, 'callops unlock', {
    skipLockfileCheck: true,
  });
  try {
    const taken = await store.lock({ command: 'callops unlock', now });
    if (!taken.ok) {
      const refused = lockedError('the state database', taken.holder, now, store.backend);
      throw new CliError(`not removed: ${refused.message}`, EXIT.locked);
    }
    await taken.release();
    ctx.stdout.write(
      'no run lock was held (the database frees the lock of a runner that is gone)\n',
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
};
