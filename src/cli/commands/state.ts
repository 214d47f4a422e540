import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { loadAndValidate } from '../load.js';
import { holdState, statePaths } from '../state.js';

export const command: CommandModule = {
  summary: 'bring the lockfile view up to date with the state store',
  usage: `Usage: callops state pull

pull   writes the lockfile view from the store. With the file store (callops.lock and
       .callops/), every placement recorded in .callops/ that callops.lock lacks, or holds
       in an older state, is written back into callops.lock; no entry of callops.lock is
       dropped. It is the way on when callops.lock was deleted or replaced by an older
       copy (git checkout, a revert, a stale CI cache). Commit callops.lock afterwards.`,
  options: {},
  allowPositionals: true,
  handlesSignals: false,
  run: async (ctx) => {
    const [sub, ...rest] = ctx.positionals;
    if (sub !== 'pull' || rest.length > 0) {
      throw new UsageError(
        sub === undefined
          ? 'name a subcommand: `callops state pull`'
          : `unknown subcommand "${[sub, ...rest].join(' ')}" (the state command takes: pull)`,
      );
    }
    const { project } = await loadAndValidate(ctx);
    const paths = statePaths(project.config);
    const held = await holdState(ctx, paths, 'callops state pull', { pull: true });
    try {
      const { restored } = held;
      if (restored.length === 0) {
        ctx.stdout.write(
          `${paths.lockName} already holds every placement recorded in .callops/; nothing to write\n`,
        );
        return EXIT.ok;
      }
      ctx.stdout.write(
        `wrote ${restored.length} entr${restored.length === 1 ? 'y' : 'ies'} recorded in .callops/ back into ${paths.lockName}:\n`,
      );
      for (const key of restored) {
        const entry = held.lock.calls[key];
        ctx.stdout.write(
          `  ${key}: ${entry?.status ?? '?'}${entry?.sid ? ` (sid ${entry.sid})` : ''}\n`,
        );
      }
      ctx.stdout.write(`commit ${paths.lockName}, so that the placements are not lost again\n`);
      return EXIT.ok;
    } finally {
      await held.release();
    }
  },
};
