import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CliResult,
  callsPerNumber,
  callsYaml,
  type Gateway,
  type LockJson,
  output,
  runCli,
  startGateway,
} from './helpers.js';

/**
 * Two clones of one git repository, each placing a call of its own and committing
 * callops.lock: the merge of the two conflicts in callops.lock. Resolved the way callops
 * names, the lockfile holds both sides' placements and nobody is called twice.
 */

// Each test runs git and the CLI a dozen times; a loaded machine makes each take seconds.
vi.setConfig({ testTimeout: 120_000 });

const open: Gateway[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** git in `cwd`, as a user of its own (no global configuration read): its status and output. */
const git = (cwd: string, ...args: string[]): { status: number | null; out: string } => {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'ops',
      GIT_AUTHOR_EMAIL: 'ops@example.com',
      GIT_COMMITTER_NAME: 'ops',
      GIT_COMMITTER_EMAIL: 'ops@example.com',
      GIT_EDITOR: 'true',
    },
  });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

/** git that must succeed. */
const gitOk = (cwd: string, ...args: string[]): void => {
  const r = git(cwd, ...args);
  expect(r.status, `git ${args.join(' ')}\n${r.out}`).toBe(0);
};

const lockOf = async (dir: string): Promise<LockJson> =>
  JSON.parse(await readFile(join(dir, 'callops.lock'), 'utf8')) as LockJson;

interface Clones {
  readonly gw: Gateway;
  readonly a: string;
  readonly b: string;
  readonly run: (dir: string, args: readonly string[]) => Promise<CliResult>;
}

/**
 * A project on one simulator whose first call `base` is placed and committed, pushed to a
 * bare repository, and cloned twice (`a`, `b`): `.callops/` is not committed, as its own
 * .gitignore says, so each clone starts without one.
 */
const twoClones = async (): Promise<Clones> => {
  const gw = await startGateway({
    'calls/base.yaml': callsYaml([{ name: 'base', to: '{ type: phone, number: "+15550500000" }' }]),
  });
  open.push(gw);
  const seed = gw.project.dir;
  const run = (dir: string, args: readonly string[]) => runCli(args, { cwd: dir, env: gw.env });
  const base = await run(seed, ['apply', '--yes']);
  expect(base.code, output(base)).toBe(0);
  await writeFile(join(seed, '.gitignore'), '.callops/\n');
  gitOk(seed, 'init', '-q', '-b', 'main');
  gitOk(seed, 'add', '-A');
  gitOk(seed, 'commit', '-qm', 'base placed');
  const root = await mkdtemp(join(tmpdir(), 'callops-clones-'));
  dirs.push(root);
  gitOk(root, 'clone', '-q', '--bare', seed, 'origin.git');
  gitOk(root, 'clone', '-q', 'origin.git', 'a');
  gitOk(root, 'clone', '-q', 'origin.git', 'b');
  return { gw, a: join(root, 'a'), b: join(root, 'b'), run };
};

/** A call of its own in clone `dir`, placed by apply and committed. */
const placeAndCommit = async (
  clones: Clones,
  dir: string,
  name: string,
  number: string,
): Promise<void> => {
  await writeFile(
    join(dir, 'calls', `${name}.yaml`),
    callsYaml([{ name, to: `{ type: phone, number: "${number}" }` }]),
  );
  const applied = await clones.run(dir, ['apply', '--yes']);
  expect(applied.code, output(applied)).toBe(0);
  expect(applied.stdout).toContain(`sim/${name}`);
  gitOk(dir, 'add', '-A');
  gitOk(dir, 'commit', '-qm', `${name} placed`);
};

/** Clone a and clone b each placed a call of their own; a pushed first. */
const diverged = async (): Promise<Clones> => {
  const clones = await twoClones();
  await placeAndCommit(clones, clones.a, 'a-only', '+15550500001');
  gitOk(clones.a, 'push', '-q');
  await placeAndCommit(clones, clones.b, 'b-only', '+15550500002');
  return clones;
};

const EVERY_KEY = ['sim/a-only', 'sim/b-only', 'sim/base'];

/** The conflict refused, in words that name the side to take in a merge and in a rebase. */
const expectConflictRefused = async (clones: Clones) => {
  expect(await readFile(join(clones.b, 'callops.lock'), 'utf8')).toMatch(/^<<<<<<< /m);
  const r = await clones.run(clones.b, ['apply', '--yes']);
  expect(r.code, output(r)).toBe(1);
  expect(r.stderr).toContain('callops.lock has unresolved git merge conflict markers');
  expect(r.stderr).toContain('keeping your own side would drop the placements of the other side');
  expect(r.stderr).toContain(
    '`git checkout --theirs callops.lock` in a merge, `git checkout --ours callops.lock` in a rebase',
  );
  expect(r.stderr).toContain('then run `callops state pull`');
  expect(r.stderr).not.toContain('restore it from git');
  expect(clones.gw.placed()).toHaveLength(3);
};

/** After the resolution: nothing is placed again, and every clone's lockfile holds all three. */
const expectUnion = async (clones: Clones) => {
  expect(Object.keys((await lockOf(clones.b)).calls).sort()).toEqual(EVERY_KEY);
  const again = await clones.run(clones.b, ['apply', '--yes']);
  expect(again.code, output(again)).toBe(0);
  gitOk(clones.b, 'push', '-q');
  gitOk(clones.a, 'pull', '-q', '--ff-only');
  const inA = await clones.run(clones.a, ['apply', '--yes']);
  expect(inA.code, output(inA)).toBe(0);
  expect(Object.keys((await lockOf(clones.a)).calls).sort()).toEqual(EVERY_KEY);
  expect(callsPerNumber(clones.gw)).toEqual({
    '+15550500000': 1,
    '+15550500001': 1,
    '+15550500002': 1,
  });
};

describe('callops.lock conflicting in a git merge of two clones', () => {
  it('a merge: the other side taken, then state pull, holds both sides; nothing placed twice', async () => {
    const clones = await diverged();
    expect(git(clones.b, 'pull', '-q', '--no-rebase').status).not.toBe(0);
    await expectConflictRefused(clones);
    gitOk(clones.b, 'checkout', '--theirs', 'callops.lock');
    const pulled = await clones.run(clones.b, ['state', 'pull']);
    expect(pulled.code, output(pulled)).toBe(0);
    expect(pulled.stdout).toContain('wrote 1 entry recorded in .callops/ back into callops.lock:');
    expect(pulled.stdout).toContain('sim/b-only: placed');
    gitOk(clones.b, 'add', 'callops.lock');
    gitOk(clones.b, 'commit', '-q', '--no-edit');
    await expectUnion(clones);
  });

  it('a rebase (ours and theirs swapped): the other side taken, then state pull, holds both sides', async () => {
    const clones = await diverged();
    expect(git(clones.b, 'pull', '-q', '--rebase').status).not.toBe(0);
    await expectConflictRefused(clones);
    gitOk(clones.b, 'checkout', '--ours', 'callops.lock');
    const pulled = await clones.run(clones.b, ['state', 'pull']);
    expect(pulled.code, output(pulled)).toBe(0);
    expect(pulled.stdout).toContain('sim/b-only: placed');
    gitOk(clones.b, 'add', 'callops.lock');
    gitOk(clones.b, 'rebase', '--continue');
    await expectUnion(clones);
  });

  it('state pull in a fresh clone: says .callops/ recorded nothing, not that callops.lock holds it all', async () => {
    const clones = await twoClones();
    const pulled = await clones.run(clones.b, ['state', 'pull']);
    expect(pulled.code, output(pulled)).toBe(0);
    expect(pulled.stdout).toBe(
      'nothing was recorded in .callops/ (no call was placed from this folder, or its .callops/ was removed): callops.lock is left as it is; nothing to write\n',
    );
    expect(pulled.stdout).not.toContain('already holds');
  });
});
