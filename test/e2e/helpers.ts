// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ReceivedCall,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/simulator/index.js';
import { track } from './children.js';

/** The repository root and the built CLI the tests run (`npm test` builds dist/ first). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'bin', 'callops.js');

if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does it)');
}

/** An application sid the simulator accepts (any UUID does unless it is given a list). */
export const APP_SID = '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
export const FROM = '+15550001111';

/**
 * A call file with one campaign, `reminders`, over lists/reminders.csv: `to` from the row's
 * `phone`, the given tag, and `extra` lines under the call.
 */
export const campaignYaml = (
  extra: readonly string[] = [],
  tag = '{ patient: "${row.name}", row: "${row.id}" }',
): string =>
  [
    'calls:',
    '  - name: reminders',
    '    recipients: ../lists/reminders.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "${row.phone}" }',
    `    tag: ${tag}`,
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

/** The phone number of recipient row `i` in the campaign tests. */
export const recipientNumber = (i: number): string => `+1555${String(7000000 + i)}`;

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  /** Added to a minimal environment (PATH only): no CI, GITHUB_*, CALLOPS_* or NO_COLOR leak in. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Killed with SIGKILL past this (default 15 s); the result then has signal SIGKILL. */
  readonly timeoutMs?: number;
  /** Run as this user and group (the tests run as root), e.g. one the project is read-only to. */
  readonly user?: { readonly uid: number; readonly gid: number };
}

/**
 * A shifted clock the tests themselves run under (`faketime -f +1y npx vitest run …`): the
 * CLI gets the same one, so a test that derives its dates from the clock can be checked in a
 * later year — and one that holds fixed dates a later year turns around is found.
 */
const CLOCK_SHIFT = /^(LD_PRELOAD|FAKETIME\w*|DONT_FAKE_MONOTONIC)$/;

/** A minimal environment for the CLI: nothing of the test runner's own CI settings. */
export const cliEnv = (extra: CliOptions['env'] = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' };
  if (process.env.SYSTEMROOT !== undefined) env.SYSTEMROOT = process.env.SYSTEMROOT;
  for (const [name, value] of Object.entries(process.env))
    if (CLOCK_SHIFT.test(name) && value !== undefined) env[name] = value;
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
};

/** Starts `node -- bin/callops.js ARGS` (the `--` keeps node from reading the flags) with stdin closed, stdout/stderr piped (no TTY). */
export const spawnCli = (args: readonly string[], options: CliOptions): ChildProcess =>
  track(
    spawn(process.execPath, ['--', BIN, ...args], {
      cwd: options.cwd,
      env: cliEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.user,
    }),
  );

/** Collects a child's output until it exits, killing it past `timeoutMs`. */
export const collect = (child: ChildProcess, timeoutMs = 15_000): Promise<CliResult> =>
  new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });

/** `collect`, and what the child printed so far (stdout and stderr together) while it runs. */
export const watch = (child: ChildProcess, timeoutMs?: number) => {
  let seen = '';
  const add = (chunk: Buffer | string) => {
    seen += chunk.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return { done: collect(child, timeoutMs), soFar: () => seen };
};

/**
 * Runs the real CLI as a child process. Asynchronous on purpose: a simulator started in the
 * test process keeps answering while the CLI runs.
 */
export const runCli = (args: readonly string[], options: CliOptions): Promise<CliResult> =>
  collect(spawnCli(args, options), options.timeoutMs);

/**
 * Starts the CLI on a pseudo-terminal of 200 columns (or `columns`; 0: a terminal that reports
 * no size, as some CI runners' and wrappers' do) (util-linux `script`), as a user at a
 * terminal runs it: stdout and stderr both arrive on the child's stdout, with the terminal's
 * CR LF line ends; bytes written to its stdin are typed (`\x03` is Ctrl-C).
 */
export const spawnOnTerminal = (
  args: readonly string[],
  options: CliOptions & { readonly columns?: number },
): ChildProcess => {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '--', BIN, ...args].map(quote).join(' ');
  const size = `stty cols ${options.columns ?? 200} rows ${options.columns === 0 ? 0 : 40}`;
  return track(
    spawn('script', ['-q', '-e', '-c', `${size}; exec ${command}`, '/dev/null'], {
      cwd: options.cwd,
      env: cliEnv({ TERM: 'xterm-256color', ...options.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
};

/** Terminal output as text: escape sequences and carriage returns removed. */
export const plainText = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** stdout and stderr together, for assertions about what the user saw. */
export const output = (r: CliResult): string => `${r.stdout}\n${r.stderr}`;

/** `callops status --campaign reminders --format json` (at `now`, when given) of a test project. */
export const campaignStatus = (
  gw: { run(args: readonly string[]): Promise<CliResult> },
  now?: string,
): Promise<CliResult> =>
  gw.run([
    'status',
    '--campaign',
    'reminders',
    '--format',
    'json',
    ...(now === undefined ? [] : ['--now', now]),
  ]);

export interface CallSpec {
  readonly name: string;
  /** A YAML flow mapping for `to` (default: a phone number). */
  readonly to?: string;
  /** Extra YAML lines of the call, indented by the writer. */
  readonly extra?: readonly string[];
}

/** A call file: shared defaults (application_sid, from) and the given calls. */
export const callsYaml = (
  calls: readonly CallSpec[],
  defaults: readonly string[] = [`application_sid: ${APP_SID}`, `from: "${FROM}"`],
): string =>
  [
    'defaults:',
    ...defaults.map((l) => `  ${l}`),
    'calls:',
    ...calls.flatMap((c, i) => [
      `  - name: ${c.name}`,
      `    to: ${c.to ?? `{ type: phone, number: "+1555000${String(2000 + i).padStart(4, '0')}" }`}`,
      ...(c.extra ?? []).map((l) => `    ${l}`),
    ]),
    '',
  ].join('\n');

/** callops.yaml with one target `sim` at `baseUrl`, its credentials taken from the environment. */
export const configYaml = (baseUrl: string, targetExtra: readonly string[] = []): string =>
  [
    'targets:',
    '  sim:',
    `    base_url: ${baseUrl}`,
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    ...targetExtra.map((l) => `    ${l}`),
    'default_target: sim',
    '',
  ].join('\n');

/**
 * callops.yaml with one target `gw` whose base URL, account and key all come from the
 * environment (VG_BASE_URL, VG_ACCOUNT_SID, VG_API_KEY): a test points it anywhere per run.
 */
export const envConfigYaml = (targetExtra: readonly string[] = []): string =>
  [
    'targets:',
    '  gw:',
    '    base_url: ${VG_BASE_URL}',
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    ...targetExtra.map((l) => `    ${l}`),
    'default_target: gw',
    '',
  ].join('\n');

export interface Project {
  readonly dir: string;
  write(rel: string, text: string): Promise<void>;
  read(rel: string): Promise<string>;
  exists(rel: string): boolean;
  /** callops.lock parsed (undefined when absent). */
  lock(): Promise<LockJson | undefined>;
  cleanup(): Promise<void>;
}

export interface LockEntryJson {
  readonly status: 'placed' | 'failed' | 'unknown';
  readonly sid?: string;
  readonly callId?: string;
  readonly httpStatus?: number;
  readonly message?: string;
  readonly at: string;
  readonly file?: string;
  readonly number?: string;
  readonly gateway?: string;
  readonly resolvedBy?: string;
  readonly outcome?: { readonly status: string; readonly answered: boolean };
}

export interface LockJson {
  readonly lockfileVersion: number;
  readonly calls: Readonly<Record<string, LockEntryJson>>;
  readonly schedules?: Readonly<
    Record<string, { since: string; reportedThrough?: string; prunedThrough?: string }>
  >;
}

/** A fresh project directory under the OS temp dir with the given files (relative paths). */
export const makeProject = async (files: Readonly<Record<string, string>>): Promise<Project> => {
  const dir = await mkdtemp(join(tmpdir(), 'callops-e2e-'));
  const write = async (rel: string, text: string) => {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  };
  for (const [rel, text] of Object.entries(files)) await write(rel, text);
  return {
    dir,
    write,
    read: (rel) => readFile(join(dir, rel), 'utf8'),
    exists: (rel) => existsSync(join(dir, rel)),
    lock: async () => {
      const path = join(dir, 'callops.lock');
      return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as LockJson) : undefined;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};

/**
 * callops.lock as an earlier release wrote it: its entries without the `gateway` they record
 * (a line of its own, never the last of an entry: `number`, `sid` or `status` follow it).
 */
export const withoutRecordedGateways = async (project: Project): Promise<void> => {
  const text = await project.read('callops.lock');
  await project.write(
    'callops.lock',
    text.replace(/^ {6}"gateway": "sha256:[0-9a-f]{16}",\n/gm, ''),
  );
};

/**
 * callops.yaml with `sim` reading its base_url from GW_URL, and `production` beside it written
 * out at `url`, the run's target: the gateway renamed when `url` is sim's, another gateway
 * (production after a rehearsal on staging) when it is not.
 */
export const simUnresolvedBeside = async (g: Gateway, url: string): Promise<void> => {
  const config = await g.project.read('callops.yaml');
  await g.project.write(
    'callops.yaml',
    config
      .replace(`base_url: ${g.sim.url}`, 'base_url: ${GW_URL}')
      .replace(
        'default_target: sim',
        [
          '  production:',
          `    base_url: ${url}`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
          'default_target: production',
        ].join('\n'),
      ),
  );
};

/** How plan, apply and run name target `sim` when it does not resolve here. */
export const SIM_UNRESOLVED =
  'target sim does not resolve here (a variable in its base_url or account_sid is unset or empty, or its base_url is not a URL)';

/** Every file under `dir` (recursively) with its content, for leak checks. */
export const filesUnder = async (dir: string): Promise<{ path: string; text: string }[]> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Promise.all(files.map(async (path) => ({ path, text: await readFile(path, 'utf8') })));
};

/** A loopback port nothing listens on (bound, then released). */
export const closedPort = (): Promise<number> =>
  new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });

/** Polls `check` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export const waitFor = async <T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 10_000, everyMs = 20 } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** The JSON lines of a file; a missing file has none, a torn last line is left out. */
export const jsonLines = async (path: string): Promise<Record<string, unknown>[]> => {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
};

export interface ChildSimulator {
  readonly url: string;
  readonly child: ChildProcess;
  /** Stops it with SIGTERM (SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** `callops simulator --port 0 ARGS` as a separate process; resolves once it printed its URL. */
export const startChildSimulator = async (
  args: readonly string[],
  cwd: string,
): Promise<ChildSimulator> => {
  const child = spawnCli(['simulator', '--port', '0', ...args], { cwd });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let text = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const url = await waitFor('the simulator to print its URL', () => {
      if (child.exitCode !== null) throw new Error(`simulator exited ${child.exitCode}`);
      return /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0];
    });
    return { url, child, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** The account and key the tests give the in-process simulator (and the CLI's environment). */
export const ACCOUNT_SID = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
export const API_KEY = 'e2e-key-3b9d7c1a';

/** validate, plan and apply in each output format: what a check of every output runs. */
const EVERY_COMMAND = [['validate'], ['plan'], ['apply', '--yes']];
const EVERY_FORMAT = ['human', 'json', 'github'];

/** Every command in every format on `gw` (each with `args` too), each result with what it ran. */
export const everyOutput = async (
  gw: Gateway,
  env: Readonly<Record<string, string | undefined>> = {},
  args: readonly string[] = [],
): Promise<{ what: string; r: CliResult }[]> => {
  const results: { what: string; r: CliResult }[] = [];
  for (const command of EVERY_COMMAND) {
    for (const format of EVERY_FORMAT) {
      const r = await gw.run([...command, ...args, '--format', format], env);
      results.push({ what: `${command[0]} ${format}`, r });
    }
  }
  return results;
};

export interface Gateway {
  readonly sim: RunningSimulator;
  readonly project: Project;
  /** VG_ACCOUNT_SID and VG_API_KEY for the simulator, plus what the test adds. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs the CLI in the project with `env` (and `extraEnv` over it). */
  run(args: readonly string[], extraEnv?: CliOptions['env']): Promise<CliResult>;
  /** 201 answers of the simulator so far. */
  placed(): readonly ReceivedCall[];
  close(): Promise<void>;
}

/**
 * An in-process simulator and a project whose only target points at it. Each test gets its
 * own pair, so request counts belong to that test alone.
 */
export const startGateway = async (
  calls: Readonly<Record<string, string>>,
  options: SimulatorOptions & { readonly targetExtra?: readonly string[] } = {},
): Promise<Gateway> => {
  const { targetExtra, ...simOptions } = options;
  const sim = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY, ...simOptions });
  const project = await makeProject({ 'callops.yaml': configYaml(sim.url, targetExtra), ...calls });
  const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };
  return {
    sim,
    project,
    env,
    run: (args, extraEnv = {}) => runCli(args, { cwd: project.dir, env: { ...env, ...extraEnv } }),
    placed: () => sim.received().filter((r) => r.status === 201),
    close: async () => {
      await sim.close();
      await project.cleanup();
    },
  };
};

/**
 * The numbers a simulator accepted calls to (201), each as often as called: what a person
 * would have heard, whichever key or target placed it.
 */
export const callsPerNumber = (from: Gateway | RunningSimulator): Record<string, number> => {
  const counts: Record<string, number> = {};
  const sim = 'sim' in from ? from.sim : from;
  for (const r of sim.received().filter((c) => c.status === 201)) {
    const number = (r.body as { to: { number: string } }).to.number;
    counts[number] = (counts[number] ?? 0) + 1;
  }
  return counts;
};

/** Start-up of a child process on a loaded CI machine has been seen to take 13 s. */
const SLOW = { timeoutMs: 30_000 };

/**
 * `run --yes ARGS` in the gateway's project (killed past 80 s, or `killAfterMs`), with `env`
 * added to the gateway's, and `until`: a wait (30 s at most) that fails at once, with what
 * run said, if run ended. The test stops it (SIGTERM).
 */
export const startRun = (
  g: Gateway,
  args: readonly string[] = [],
  more: { readonly env?: Readonly<Record<string, string>>; readonly killAfterMs?: number } = {},
) => {
  const child: ChildProcess = spawnCli(['run', '--yes', ...args], {
    cwd: g.project.dir,
    env: { ...g.env, ...more.env },
  });
  const { done, soFar } = watch(child, more.killAfterMs ?? 80_000);
  const until = <T>(what: string, check: () => Promise<T | undefined> | T | undefined) =>
    waitFor(
      what,
      async () => {
        if (child.exitCode !== null) throw new Error(`run ended (${child.exitCode}):\n${soFar()}`);
        return check();
      },
      SLOW,
    );
  return { child, done, soFar, until };
};

/**
 * A `wait` for the simulator that holds every accepted call until `release()` (and lets
 * every later one through): the calls stay in flight as long as a test needs.
 */
export const holdCalls = () => {
  const waiting: (() => void)[] = [];
  let open = false;
  return {
    held: () => waiting.length,
    release: () => {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    wait: () => new Promise<void>((resolve) => (open ? resolve() : waiting.push(resolve))),
  };
};

/**
 * A running `apply --yes` (started by `start`: spawnCli or spawnOnTerminal) against a gateway
 * whose simulator holds every accepted call until `release()`: one call per name (its tag
 * `{ call: NAME }`), at concurrency 2, and it resolves once two requests are held there.
 */
export const startHeldApply = async (
  start: (args: readonly string[], options: CliOptions) => ChildProcess,
  names: readonly string[],
) => {
  const hold = holdCalls();
  const gw = await startGateway(
    {
      'calls/a.yaml': callsYaml(names.map((name) => ({ name, extra: [`tag: { call: ${name} }`] }))),
    },
    { targetExtra: ['concurrency: 2'], latencyMs: 1, wait: hold.wait },
  );
  const child = start(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
  const { done, soFar } = watch(child, 20_000);
  await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined));
  return { gw, release: hold.release, child, done, soFar };
};

/** The whole body of a request to a fake gateway, as text. */
export const bodyOf = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
  });

/** A fake gateway listening on a free loopback port, and how to stop it (connections too). */
export const listenLoopback = async (
  server: Server,
): Promise<{ url: string; close(): Promise<void> }> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};
