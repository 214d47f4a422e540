import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The parent: forks and execs its arguments (their stdout on its stderr), prints the child's
 * pid, then waits on its stdin; only once that ends does it kill and reap the child. A child
 * killed meanwhile stays a zombie, as under a container's PID 1 that reaps nothing. (Node
 * cannot be that parent: it reaps every child it starts.)
 */
const PARENT = `
$| = 1;
my $pid = fork() // die "fork: $!";
if ($pid == 0) { open STDOUT, '>&', \\*STDERR; exec { $ARGV[0] } @ARGV or die "exec: $!"; }
print "$pid\\n";
<STDIN>;
kill 'KILL', $pid;
waitpid($pid, 0);
`;

export interface UnreapedChild {
  readonly pid: number;
  /** SIGKILL the child; resolves once it is a zombie (`Z` in /proc/PID/stat). */
  kill(): Promise<void>;
  /** The parent reaps the child (killing it first if need be) and exits. */
  release(): Promise<void>;
  /** What the child and the parent wrote on stderr. */
  stderr(): string;
}

/** Whether /proc/PID/stat says `pid` is a zombie: `Z` after the last ')' (the name's end). */
const isZombie = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .startsWith('Z ');
  } catch {
    return false;
  }
};

/** Polls `check` every 10 ms for up to 10 s. */
const until = async (what: string, check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * Starts `command` (argv) under a parent that does not reap it until `release()`: killed,
 * it stays a zombie. `release()` must be called (in a `finally`): the parent then reaps it.
 */
export const startUnreaped = async (
  command: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<UnreapedChild> => {
  const parent: ChildProcess = spawn('perl', ['-e', PARENT, ...command], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let errors = '';
  parent.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  parent.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const exited = new Promise<void>((resolve) => parent.once('close', () => resolve()));
  const release = async (): Promise<void> => {
    parent.stdin?.end();
    await exited;
  };
  try {
    await until('the child’s pid', () => {
      if (parent.exitCode !== null) throw new Error(`perl exited: ${errors}`);
      return /^\d+\n/.test(out);
    });
  } catch (error) {
    await release();
    throw error;
  }
  const pid = Number.parseInt(out, 10);
  return {
    pid,
    kill: async () => {
      process.kill(pid, 'SIGKILL');
      await until(`pid ${pid} to be a zombie`, () => isZombie(pid));
    },
    release,
    stderr: () => errors,
  };
};
