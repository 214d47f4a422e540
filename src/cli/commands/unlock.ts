import { describeHolder, forceUnlock } from '../../state/runlock.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { stateDirOf } from '../state.js';

export const command: CommandModule = {
  summary: 'clear a stale run lock',
  usage: `Usage: callops unlock

Removes .callops/run.lock. Use it only when the run named in the lock is gone (a crashed
machine, a killed container); a dead run on the same host is detected without it.`,
  options: {},
  run: async (ctx) => {
    const { removed } = await forceUnlock(stateDirOf(ctx.root));
    ctx.stdout.write(
      removed === undefined
        ? 'no run lock was held\n'
        : `removed the run lock ${describeHolder(removed, new Date())}\n`,
    );
    return EXIT.ok;
  },
};
