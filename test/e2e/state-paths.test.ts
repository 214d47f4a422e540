import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CliResult,
  callsYaml,
  campaignYaml,
  configYaml,
  type Gateway,
  output,
  recipientNumber,
  startGateway,
} from './helpers.js';

// Each test runs the CLI once per command; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 120_000 });

const open: Gateway[] = [];
const immutable: string[] = [];
afterEach(async () => {
  for (const path of immutable.splice(0)) spawnSync('chattr', ['-i', path]);
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** A project of one call and one campaign of one row, both due now. */
const project = async (): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/a.yaml': callsYaml([{ name: 'welcome' }]),
    'calls/reminders.yaml': campaignYaml(),
    'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(1)}\n`,
  });
  open.push(gw);
  return gw;
};

/** What Node says of a path it could not use: never shown to the user as it is. */
const RAW = /\b(ENOTDIR|EEXIST|EISDIR|ENOENT)\b|\b(lstat|mkdir|open|read|rename) '/;

/** Refused in one line on stderr, exit 1 (as any other unusable file of the project). */
const expectRefused = (r: CliResult, command: string, text: string | RegExp) => {
  expect(r.signal, `${command} hung\n${output(r)}`).toBeNull();
  expect(r.code, `${command}\n${output(r)}`).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, `${command}\n${output(r)}`).toHaveLength(1);
  expect(lines[0], command).toMatch(text);
  expect(lines[0], command).not.toMatch(RAW);
};

/** Every command that reads or writes the state, and what a refusal says it did not do. */
const COMMANDS: readonly { readonly args: readonly string[]; readonly undone?: string }[] = [
  { args: ['plan'] },
  { args: ['plan', '--format', 'json'] },
  { args: ['status'] },
  { args: ['status', '--refresh'], undone: 'nothing was recorded' },
  { args: ['apply', '--yes'], undone: 'nothing was sent' },
  { args: ['run', '--yes'], undone: 'nothing was sent' },
  { args: ['resolve', 'sim/welcome', '--not-placed'], undone: 'nothing was recorded' },
  { args: ['resolve', '--check'] },
  { args: ['receive', '--port', '0'], undone: 'nothing was recorded' },
  { args: ['state', 'pull'] },
  { args: ['report', 'reminders'] },
  { args: ['unlock'] },
];

const runAll = async (gw: Gateway, text: RegExp, commands = COMMANDS) => {
  for (const { args, undone } of commands) {
    const command = args.join(' ');
    const r = await gw.run(args, { CALLOPS_WEBHOOK_SECRET: 'whsec-state-paths-test' });
    expectRefused(r, command, text);
    if (undone !== undefined) expect(r.stderr, command).toContain(`; ${undone}`);
  }
  expect(gw.sim.received(), 'a request reached the gateway').toHaveLength(0);
};

describe('a state path callops cannot use is one plain line, exit 1, nothing sent', () => {
  it('.callops a file, not a folder: every command that uses the state says so', async () => {
    const gw = await project();
    await writeFile(join(gw.project.dir, '.callops'), 'notes\n');
    await runAll(
      gw,
      /: \.callops is a file, not a folder: callops keeps its journal and run lock there; move the file away/,
    );
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('.callops a link to a missing folder: says where it leads', async () => {
    const gw = await project();
    const { symlink } = await import('node:fs/promises');
    await symlink('/nonexistent/callops-state', join(gw.project.dir, '.callops'));
    await runAll(
      gw,
      /: \.callops is a symbolic link to a missing file \(\/nonexistent\/callops-state\): callops keeps its journal and run lock there/,
      COMMANDS.filter((c) => ['plan', 'apply', 'unlock'].includes(c.args[0] as string)),
    );
  });

  it('.callops/journal.jsonl a directory: named, with what to do', async () => {
    const gw = await project();
    await mkdir(join(gw.project.dir, '.callops', 'journal.jsonl'), { recursive: true });
    await runAll(
      gw,
      /: \.callops\/journal\.jsonl is a directory, not a file: .*move the directory away/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock'),
    );
  });

  it('.callops/.gitignore a directory: named, never blamed on the run lock', async () => {
    const gw = await project();
    await mkdir(join(gw.project.dir, '.callops', '.gitignore'), { recursive: true });
    await runAll(
      gw,
      /: \.callops\/\.gitignore is a directory, not a file: .*move the directory away/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock'),
    );
  });

  it('.callops/lock-index.json a directory: named, never the system error of its removal', async () => {
    const gw = await project();
    await mkdir(join(gw.project.dir, '.callops', 'lock-index.json'), { recursive: true });
    await runAll(
      gw,
      /: \.callops\/lock-index\.json is a directory, not a file: .*move the directory away/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock'),
    );
  });

  it('.callops/written.lock a directory: named, and apply says nothing was sent', async () => {
    const gw = await project();
    await mkdir(join(gw.project.dir, '.callops', 'written.lock'), { recursive: true });
    await runAll(
      gw,
      /: \.callops\/written\.lock is a directory, not a file: .*move the directory away/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock'),
    );
  });

  it('callops.lock a directory: not a regular file, and what to do', async () => {
    const gw = await project();
    await mkdir(join(gw.project.dir, 'callops.lock'));
    await runAll(
      gw,
      /: callops\.lock: is not a regular file: .*records every call it placed.*move it away/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock' && c.args[0] !== 'receive'),
    );
  });

  it('`lockfile:` in a folder that is a file: names the folder and the setting', async () => {
    const gw = await project();
    await gw.project.write(
      'callops.yaml',
      `${configYaml(gw.sim.url)}lockfile: state/callops.lock\n`,
    );
    await writeFile(join(gw.project.dir, 'state'), 'not a folder\n');
    await runAll(
      gw,
      /: the lockfile state\/callops\.lock cannot be kept there: state is a file, not a folder; move the file away, or set `lockfile:` in callops\.yaml to another path/,
      COMMANDS.filter((c) => c.args[0] !== 'unlock'),
    );
    await rm(join(gw.project.dir, 'state'));
  });

  // Root writes whatever the permission bits say; an immutable flag stops it too.
  it('.callops that cannot be written (chattr +i): says what to look at', async (t) => {
    const gw = await project();
    const state = join(gw.project.dir, '.callops');
    await mkdir(state);
    if (spawnSync('chattr', ['+i', state]).status !== 0) t.skip();
    immutable.push(state);
    await runAll(
      gw,
      /: cannot take the run lock \.callops\/run\.lock: operation not permitted \(EPERM\): callops must be able to write in \.callops\/ \(look at its permissions, an immutable flag, a read-only mount\)/,
      COMMANDS.filter((c) => ['apply', 'run', 'state'].includes(c.args[0] as string)),
    );
  });
});
