import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/cli/command-names.js';
import { COMMON_USAGE } from '../../src/cli/context.js';
import { makeProject, output, type Project, runCli } from './helpers.js';

/** Every command the CLI has: a new one is held to its help at once. */
const COMMANDS = COMMAND_NAMES;

interface Flag {
  readonly name: string;
  /** The placeholder of its value (FILE, N, …), when it takes one. */
  readonly value?: string;
}

/**
 * The flags a help text lists: in its usage lines (`[--only NAME…]`) and in its flag lines
 * (`  --out FILE   …`, `  -C DIR   …`), with the placeholder of the value they take.
 */
const flagsOf = (help: string): Flag[] => {
  const flags = new Map<string, Flag>();
  const add = (name: string, value: string | undefined) => {
    if (!flags.has(name) || value) flags.set(name, { name, ...(value ? { value } : {}) });
  };
  for (const line of help.split('\n')) {
    const definition = /^\s{2}(?:-[A-Za-z], )?(-{1,2}[A-Za-z][a-z-]*)(?: (\S+))?(?:\s{2,}|$)/.exec(
      line,
    );
    if (definition?.[1]) add(definition[1], definition[2]);
    if (/^\s*(Usage:|callops )/.test(line)) {
      for (const m of line.matchAll(
        /(--[a-z][a-z-]*)(?: ([A-Z][A-Za-z/]*|[a-z]+(?:\|[a-z]+)+))?/g,
      )) {
        if (m[1]) add(m[1], m[2]);
      }
    }
  }
  return [...flags.values()];
};

/**
 * The entries of a "Common flags:" section: each flag's line with the lines that continue it
 * (indented past the flags' column).
 */
const commonEntries = (help: string): string[] => {
  const section = help.slice(help.indexOf('Common flags:\n') + 'Common flags:\n'.length);
  const entries: string[] = [];
  for (const line of section.split('\n')) {
    if (line === '') continue;
    if (/^ {3}/.test(line) && entries.length > 0) entries[entries.length - 1] += `\n${line}`;
    else entries.push(line);
  }
  return entries;
};

const SAMPLE: Readonly<Record<string, string>> = {
  ISO: '2026-12-01T09:00:00Z',
  FMT: 'json',
  N: '2',
  'N/s': '5/s',
  'N/WIN': '10/s',
};

/** A value of a flag: its sample, or the first of the choices a usage line lists (`csv|json`). */
const sample = (value: string): string =>
  SAMPLE[value] ?? (value.includes('|') ? (value.split('|')[0] as string) : 'x');

describe('every command accepts each flag its --help lists', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({ 'callops.yaml': 'lockfile: callops.lock\n' });
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('parses the help of every command, and each command takes all the flags listed', async () => {
    expect(COMMANDS).toHaveLength(14);
    const checked = await Promise.all(
      COMMANDS.map(async (command) => {
        const help = await runCli([command, '--help'], { cwd: project.dir });
        const flags = flagsOf(help.stdout);
        // Every listed flag at once, before --help: a flag the command does not know, or one
        // it refuses, is a usage error (64) naming it.
        const args = flags
          .filter((f) => f.name !== '--help' && f.name !== '-h')
          .flatMap((f) => (f.value ? [f.name, sample(f.value)] : [f.name]));
        const r = await runCli([command, ...args, '--help'], { cwd: project.dir });
        return { command, help, flags, args, r };
      }),
    );
    expect(checked).toHaveLength(14);
    for (const { command, help, flags, args, r } of checked) {
      expect(help.code, output(help)).toBe(0);
      expect(
        flags.map((f) => f.name),
        command,
      ).toEqual(expect.arrayContaining(['-C', '--help']));
      expect(r.code, `${command} ${args.join(' ')}\n${output(r)}`).toBe(0);
      // Whole entries of the common flags: no line left over of a flag the command refuses.
      const known = commonEntries(COMMON_USAGE);
      for (const entry of commonEntries(help.stdout)) expect(known, command).toContain(entry);
    }
  }, 60_000);

  it('a flag a command refuses is not in its help, and is refused even beside --help', async () => {
    const help = await runCli(['run', '--help'], { cwd: project.dir });
    expect(flagsOf(help.stdout).map((f) => f.name)).not.toContain('--now');
    // Nor the lines that continue its entry.
    expect(help.stdout).not.toContain('rehearsal');
    const r = await runCli(['run', '--now', '2026-12-01T09:00:00Z', '--help'], {
      cwd: project.dir,
    });
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr).toContain('--now');
  });
});

/** The common flags a command must take only when it does something with them. */
const IGNORABLE: readonly (readonly [string, string])[] = [
  ['--target', 'lab'],
  ['--env-file', 'vars.env'],
  ['--format', 'json'],
  ['--now', '2026-12-01T09:00:00Z'],
];

/**
 * Each command and the common flags it has no use for: it neither lists them nor takes them
 * (`demo --target lab` ran the demo on the simulator, `demo --format json` printed human
 * output). unlock takes --env-file: a state database's url may reference its variables.
 */
const IGNORED: Readonly<Record<string, readonly string[]>> = {
  schema: ['--target', '--env-file', '--format', '--now'],
  init: ['--target', '--env-file', '--format', '--now'],
  demo: ['--target', '--env-file', '--format', '--now'],
  unlock: ['--target', '--format', '--now'],
  receive: ['--now'],
  simulator: ['--target', '--env-file', '--format', '--now'],
};

describe('a common flag a command would ignore', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({
      'callops.yaml': 'lockfile: callops.lock\n',
      'vars.env': 'SOME_VAR=1\n',
    });
  });
  afterAll(async () => {
    await project?.cleanup();
  });

  it('is neither listed in its help nor taken: a usage error (64) naming the flag, nothing done', async () => {
    // A run lock whose process is gone: unlock would remove it, were the flag ignored.
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const lock = `${JSON.stringify({ pid: gone, host: hostname(), since: new Date().toISOString(), command: 'callops run' })}\n`;
    await project.write('.callops/run.lock', lock);
    const runs = Object.entries(IGNORED).flatMap(([command, ignored]) =>
      IGNORABLE.filter(([flag]) => ignored.includes(flag)).map(([flag, value]) => ({
        command,
        flag,
        // init's DIR is one it would make; the simulator any free port, never a fixed one.
        args: [
          command,
          ...(command === 'init' ? ['new'] : command === 'simulator' ? ['--port', '0'] : []),
          flag,
          value,
        ],
      })),
    );
    const results = await Promise.all(
      runs.map(async (run) => ({
        ...run,
        r: await runCli(run.args, { cwd: project.dir, timeoutMs: 10_000 }),
      })),
    );
    for (const { args, flag, r } of results) {
      const what = args.join(' ');
      expect(r.code, `${what}\n${output(r)}`).toBe(64);
      expect(r.stderr, what).toContain(`callops ${args[0]}: `);
      expect(r.stderr, what).toContain(flag);
      expect(r.stdout, what).toBe('');
    }
    expect(project.exists('new')).toBe(false);
    expect(await project.read('.callops/run.lock')).toBe(lock);
    const helps = await Promise.all(
      Object.entries(IGNORED).map(async ([command, ignored]) => ({
        command,
        ignored,
        help: await runCli([command, '--help'], { cwd: project.dir }),
      })),
    );
    for (const { command, ignored, help } of helps) {
      expect(help.code, command).toBe(0);
      const listed = flagsOf(help.stdout).map((f) => f.name);
      for (const flag of ignored) expect(listed, `${command} ${flag}`).not.toContain(flag);
    }
  }, 60_000);

  it('unlock takes --env-file: the url of a state database may reference its variables', async () => {
    const help = await runCli(['unlock', '--help'], { cwd: project.dir });
    expect(flagsOf(help.stdout).map((f) => f.name)).toContain('--env-file');
    const r = await runCli(['unlock', '--env-file', 'vars.env'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(0);
  });
});

describe('a command with formats of its own', () => {
  it('report lists its own formats, not the common human | json | github', async () => {
    const project = await makeProject({ 'callops.yaml': 'lockfile: callops.lock\n' });
    try {
      const help = await runCli(['report', '--help'], { cwd: project.dir });
      expect(help.code, output(help)).toBe(0);
      expect(help.stdout).toContain('[--format csv|json]');
      expect(help.stdout).not.toContain('human | json | github');
      const plan = await runCli(['plan', '--help'], { cwd: project.dir });
      expect(plan.stdout).toContain('human | json | github');
    } finally {
      await project.cleanup();
    }
  });
});
