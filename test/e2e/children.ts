import type { ChildProcess } from 'node:child_process';

/** CLI processes the tests started and that have not exited yet. */
const live = new Set<ChildProcess>();

/** Remembers `child` until it exits, so that a failed test cannot leave it running. */
export const track = <T extends ChildProcess>(child: T): T => {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
};

/**
 * Kills every CLI process a test left running (a `run` would otherwise go on placing calls
 * after the test failed). A process on a pseudo-terminal dies with it: killing `script`
 * hangs up the terminal.
 */
export const killLeftovers = (): void => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
};
