import {
  formatBanner,
  SIMULATOR_FLAGS,
  SIMULATOR_USAGE,
  simulatorOptionsFromValues,
  startSimulator,
} from '../../simulator/index.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';

/** Runs until SIGINT/SIGTERM, then closes and exits 0. */
export const command: CommandModule = {
  summary: 'run the built-in Voice Gateway simulator',
  usage: SIMULATOR_USAGE,
  options: SIMULATOR_FLAGS,
  refuses: {
    target: 'the simulator is a gateway, not a client of one: it takes no --target',
    'env-file':
      'the simulator reads no variables: it takes no --env-file (--account-sid and --api-key set its credentials)',
    format: 'the simulator prints its URL and plain lines: it takes no --format',
    now: 'the simulator answers on the clock: it takes no --now',
  },
  handlesSignals: true,
  run: async (ctx) => {
    const parsed = simulatorOptionsFromValues(ctx.values);
    if ('error' in parsed) throw new UsageError(parsed.error);
    const sim = await startSimulator({ ...parsed.options, keepHistory: false });
    ctx.stdout.write(`${formatBanner(sim)}\n`);
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await sim.close();
    ctx.stderr.write(`simulator stopped after ${sim.receivedCount()} create-call requests\n`);
    return EXIT.ok;
  },
};
