import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, makeProject, type Project, REPO, runCli } from './helpers.js';

describe('callops (process edges)', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({});
  });
  afterAll(() => project.cleanup());

  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await runCli(['--version'], { cwd: project.dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--version to a reader that is gone exits 0 quietly; to a full device, exit 1 and one line', () => {
    // `sh -c`: the pipe's reader is gone before callops writes; /dev/full refuses every write.
    const gone = spawnSync(
      'sh',
      ['-c', `exec 1>&-; (sleep 0.3; exec "$0" -- "$1" --version) | true`, process.execPath, BIN],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(gone.status).toBe(0);
    expect(gone.stderr).toBe('');
    const full = spawnSync(
      'sh',
      ['-c', 'exec "$0" -- "$1" --version >/dev/full', process.execPath, BIN],
      {
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    expect(full.status).toBe(1);
    expect(full.stderr).toBe('callops: cannot write to standard output: ENOSPC\n');
  });

  it('plan, validate and --help to a full device: exit 1 and one line, no stack trace', () => {
    for (const args of ['plan', 'validate', '--help', 'plan --format json']) {
      const full = spawnSync(
        'sh',
        ['-c', `exec "$0" -- "$1" ${args} >/dev/full`, process.execPath, BIN],
        { cwd: REPO, encoding: 'utf8', timeout: 10_000 },
      );
      expect(full.status, args).toBe(1);
      expect(full.stderr, args).toBe('callops: cannot write to standard output: ENOSPC\n');
    }
  });

  it('a failed stderr is quiet: the exit code says it, 1 unless the command had a worse one', () => {
    const run = (args: string) =>
      spawnSync('sh', ['-c', `exec "$0" -- "$1" ${args} 2>/dev/full`, process.execPath, BIN], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 10_000,
      });
    // report --output says on stderr where it wrote the rows.
    const report = run(`report flu-shot-reminder --output ${join(project.dir, 'report.csv')}`);
    expect(report.status).toBe(1);
    expect(report.stdout).toBe('');
    expect(run('aply').status).toBe(64);
  });

  it('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help'], { cwd: project.dir });
    expect(r.code).toBe(0);
    for (const name of ['validate', 'plan', 'apply', 'run', 'status', 'resolve', 'unlock']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  it("--help lists every command of the README's Commands table (state pull and push too)", async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const names = [...readme.matchAll(/^\| `callops ([a-z]+(?: [a-z]+)*)/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['validate', 'state pull', 'state push']));
    const r = await runCli(['--help'], { cwd: project.dir });
    for (const name of names) expect(r.stdout).toMatch(new RegExp(`^ {2}${name}\\b`, 'm'));
  });

  it('a command --help shows its flags and exits 0', async () => {
    const r = await runCli(['apply', '--help'], { cwd: project.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--yes');
    expect(r.stdout).toContain('--max-calls');
  });

  it('resolve --placed refuses a sid that is not a UUID, writing nothing', async () => {
    const r = await runCli(['resolve', 'simulator/x', '--placed', 'not-a-sid'], {
      cwd: project.dir,
    });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--placed not-a-sid: a call sid is a UUID');
  });

  it('init scaffolds a project that validates, and never overwrites', async () => {
    const dir = join(project.dir, 'fresh');
    const first = await runCli(['init', dir], { cwd: project.dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created  callops.yaml');
    expect((await runCli(['validate', '-C', dir], { cwd: project.dir })).code).toBe(0);
    const again = await runCli(['init', dir], { cwd: project.dir });
    expect(again.stdout).toContain('kept     callops.yaml (already there)');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe(
      '.callops/\n.env\n.callops.lock.*.tmp\n',
    );
  });

  it('an unknown command exits 64 naming it', async () => {
    const r = await runCli(['aply'], { cwd: project.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('aply');
    expect(r.stdout).toBe('');
  });

  it('a misspelt command or flag names the known one at most two edits away', async () => {
    const cases = [
      [
        ['valdiate'],
        'callops: unknown command "valdiate" — did you mean `validate`? (`callops --help` lists them all)',
      ],
      [
        ['stauts'],
        'callops: unknown command "stauts" — did you mean `status`? (`callops --help` lists them all)',
      ],
      [
        ['help', 'plna'],
        'callops: unknown command "plna" — did you mean `plan`? (`callops --help` lists them all)',
      ],
      [['apply', '--yess'], "callops apply: Unknown option '--yess' — did you mean `--yes`?"],
      [
        ['status', '--refesh'],
        "callops status: Unknown option '--refesh' — did you mean `--refresh`?",
      ],
      // Nothing close: no guess; nor a flag the command refuses (run takes no --now).
      [['xyzzy'], 'callops: unknown command "xyzzy" — run `callops --help` for the list'],
      [['run', '--yes', '--nows'], "callops run: Unknown option '--nows'"],
      // Before the command: the same guess, never "unknown command".
      [['--verison'], "callops: Unknown option '--verison' — did you mean `--version`?"],
      [
        ['--yess', 'apply'],
        "callops apply: Unknown option '--yess' — did you mean `--yes`? (flags go after the command: callops apply …)",
      ],
      [
        ['--verbose', 'plan'],
        'callops plan: --verbose goes after the command: callops plan --verbose',
      ],
      // -C with two dashes, before the command or after it: -C goes in either place.
      [['--C', 'sub', 'plan'], "callops plan: Unknown option '--C' — did you mean `-C`?"],
      [['plan', '--C', 'sub'], "callops plan: Unknown option '--C' — did you mean `-C`?"],
    ] as const;
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.stderr, args.join(' ')).toBe(`${message}\n`);
      expect(r.code, args.join(' ')).toBe(64);
    }
    expect(project.exists('callops.lock')).toBe(false);
  });

  it('--version after a command prints the version; `help CMD` is CMD --help; --help lists --version', async () => {
    const version = (await runCli(['--version'], { cwd: project.dir })).stdout;
    for (const args of [
      ['plan', '--version'],
      ['apply', '-V'],
      ['status', '--version'],
    ]) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(version);
    }
    const help = await runCli(['help', 'plan'], { cwd: project.dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await runCli(['plan', '--help'], { cwd: project.dir })).stdout);
    expect(help.stdout).toMatch(/^Usage: callops plan/);
    const main = await runCli(['--help'], { cwd: project.dir });
    expect(main.stdout).toMatch(/^ {2}-V, --version {8}print the version$/m);
  });

  it('a name every object has (toString, constructor) is an unknown command too', async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      const r = await runCli([name], { cwd: project.dir });
      expect(r.code).toBe(64);
      expect(r.stderr).toContain(`unknown command "${name}"`);
    }
  });

  it('no command at all is a usage error (64) with the usage on stderr', async () => {
    const r = await runCli([], { cwd: project.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('Usage: callops');
  });

  it('an unknown flag of apply exits 64 naming the flag, and sends nothing', async () => {
    const r = await runCli(['apply', '--yes', '--dry'], { cwd: project.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--dry');
    expect(project.exists('callops.lock')).toBe(false);
  });

  it('a bad flag value exits 64 naming the flag', async () => {
    const bad = [
      ['apply', '--yes', '--max-calls', 'zero'],
      ['plan', '--now', 'tomorrow'],
      // Not on the calendar or the clock: refused as `at:` refuses them, never rolled over.
      ['plan', '--now', '2026-02-30T00:00:00Z'],
      ['status', '--now', '2027-02-29T09:00:00+01:00'],
      ['plan', '--now', '2026-12-01T25:00:00Z'],
      ['plan', '--format', 'xml'],
    ];
    for (const args of bad) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.code, args.join(' ')).toBe(64);
      expect(r.stderr).toContain(args.at(-2) as string);
    }
  });
  it('a --now off the calendar or the clock says which, not that it lacks an offset', async () => {
    const cases = [
      ['2026-02-30T00:00:00Z', '2026-02-30 does not exist: February 2026 has 28 days'],
      ['2028-02-30T00:00:00+01:00', '2028-02-30 does not exist: February 2028 has 29 days'],
      ['2026-13-01T00:00:00Z', '2026-13-01 is not a date: a month is 01 to 12'],
      ['2026-12-01T25:00:00Z', '25:00:00 is not a time of day (00:00:00 to 23:59:59)'],
      // Luxon and Date read T24:00 as the next day's midnight: refused, never rolled over.
      ['2026-12-01T24:00:00Z', '24:00:00 is not a time of day (00:00:00 to 23:59:59)'],
      ['2026-12-31T24:00+01:00', '24:00 is not a time of day (00:00:00 to 23:59:59)'],
    ] as const;
    for (const [now, why] of cases) {
      const r = await runCli(['plan', '--now', now], { cwd: project.dir });
      expect(r.stderr).toBe(`callops plan: --now ${now}: ${why}\n`);
      expect(r.code).toBe(64);
    }
    const r = await runCli(['plan', '--now', 'tomorrow'], { cwd: project.dir });
    expect(r.stderr).toBe(
      'callops plan: --now must be an ISO-8601 instant with an offset, e.g. 2026-12-01T09:00:00Z (got "tomorrow")\n',
    );
  });

  it('an unknown --format is refused with exactly the formats the command takes', async () => {
    const cases: [string[], string][] = [
      [['plan'], 'human, json, github or markdown'],
      [['report', 'reminders'], 'csv or json'],
      [['apply', '--yes'], 'human, json or github'],
      [['status'], 'human, json or github'],
      [['validate'], 'human, json or github'],
    ];
    for (const [args, formats] of cases) {
      const r = await runCli([...args, '--format', 'xyz'], { cwd: project.dir });
      expect(r.code, args[0]).toBe(64);
      expect(r.stderr).toBe(`callops ${args[0]}: --format must be ${formats} (got "xyz")\n`);
    }
  });

  it('-C naming no directory is a usage error (64) naming the flag, before or after the command', async () => {
    await project.write('notes.txt', '');
    const cases = [
      [
        ['-C', '/nonexistent-callops-dir', 'plan'],
        '-C /nonexistent-callops-dir: no such directory',
      ],
      [['plan', '-C', 'notes.txt'], '-C notes.txt: not a directory'],
      [['-C', 'notes.txt', 'apply', '--yes'], '-C notes.txt: not a directory'],
      [['validate', '-C', 'notes.txt'], '-C notes.txt: not a directory'],
    ] as const;
    for (const [args, message] of cases) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/does not exist/);
      expect(r.code, args.join(' ')).toBe(64);
    }
  });
  it('-C with no directory after it is a usage error (64) naming the flag', async () => {
    for (const args of [['-C'], ['-C', '.', '-C']]) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.stderr, args.join(' ')).toBe(
        'callops: -C needs a directory: callops -C DIR <command>\n',
      );
      expect(r.code, args.join(' ')).toBe(64);
    }
    // After the command, the same words (never parseArgs' "argument missing").
    for (const args of [
      ['plan', '-C'],
      ['plan', '--dir'],
    ]) {
      const after = await runCli(args, { cwd: project.dir });
      expect(after.stderr, args.join(' ')).toBe(
        'callops plan: -C needs a directory: callops plan -C DIR\n',
      );
      expect(after.code).toBe(64);
    }
    // A directory and no command: what no command at all gives, the usage.
    const bare = await runCli([], { cwd: project.dir });
    const dirOnly = await runCli(['-C', '.'], { cwd: project.dir });
    expect(dirOnly.code).toBe(64);
    expect(dirOnly.stderr).toBe(bare.stderr);
    expect((await runCli(['-C', '.', '--version'], { cwd: project.dir })).code).toBe(0);
  });
});
