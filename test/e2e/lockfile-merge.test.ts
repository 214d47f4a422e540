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
 * callops.lock: the merge of the two conflicts in callops.lock. `callops state pull` writes
 * it as both sides merged, placements of a third clone on either side too, and nobody is
 * called twice.
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

/**
 * Clone a and clone b each placed a call of their own; a pushed first. b also merged (cleanly)
 * the work of a third clone c, pushed to a branch of its own: b's side of the conflict to
 * come holds c's placement, which b's .callops/ never recorded.
 */
const diverged = async (): Promise<Clones> => {
  const clones = await twoClones();
  const c = join(clones.a, '..', 'c');
  gitOk(join(clones.a, '..'), 'clone', '-q', 'origin.git', 'c');
  await placeAndCommit(clones, c, 'zz-c', '+15550500003');
  gitOk(c, 'push', '-q', 'origin', 'HEAD:ci');
  await placeAndCommit(clones, clones.a, 'a-only', '+15550500001');
  gitOk(clones.a, 'push', '-q');
  await placeAndCommit(clones, clones.b, 'b-only', '+15550500002');
  gitOk(clones.b, 'pull', '-q', '--no-rebase', 'origin', 'ci');
  expect(Object.keys((await lockOf(clones.b)).calls).sort()).toEqual([
    'sim/b-only',
    'sim/base',
    'sim/zz-c',
  ]);
  const recorded = await readFile(join(clones.b, '.callops', 'written.lock'), 'utf8');
  expect(Object.keys((JSON.parse(recorded) as LockJson).calls).sort()).toEqual([
    'sim/b-only',
    'sim/base',
  ]);
  return clones;
};

const EVERY_KEY = ['sim/a-only', 'sim/b-only', 'sim/base', 'sim/zz-c'];

/** The conflict refused by every other command, in words that name `state pull` as the way. */
const expectConflictRefused = async (clones: Clones) => {
  expect(await readFile(join(clones.b, 'callops.lock'), 'utf8')).toMatch(/^<<<<<<< /m);
  for (const args of [['apply', '--yes'], ['plan'], ['status']]) {
    const r = await clones.run(clones.b, args);
    expect(r.code, output(r)).not.toBe(0);
    expect(r.stderr).toContain('callops.lock has unresolved git merge conflict markers');
    expect(r.stderr).toContain('run `callops state pull`');
    expect(r.stderr).not.toContain('restore it from git');
  }
  expect(clones.gw.placed()).toHaveLength(4);
};

/** The conflicted files git lists (`git diff --diff-filter=U`). */
const unmerged = (dir: string): string[] =>
  git(dir, 'diff', '--name-only', '--diff-filter=U')
    .out.split('\n')
    .filter((l) => l !== '');

/** `state pull` for each conflict of callops.lock, then git's part, until the merge or rebase ends. */
const pullThrough = async (clones: Clones, finish: readonly string[]): Promise<CliResult[]> => {
  const pulls: CliResult[] = [];
  while (unmerged(clones.b).includes('callops.lock')) {
    const sent = clones.gw.placed().length;
    const pulled = await clones.run(clones.b, ['state', 'pull']);
    expect(pulled.code, output(pulled)).toBe(0);
    expect(await readFile(join(clones.b, 'callops.lock'), 'utf8')).not.toMatch(/^[<=>|]{7}/m);
    expect(clones.gw.placed()).toHaveLength(sent);
    pulls.push(pulled);
    gitOk(clones.b, 'add', 'callops.lock');
    git(clones.b, ...finish);
    expect(pulls.length).toBeLessThan(4);
  }
  return pulls;
};

/** After the resolution: nothing is placed again, and every clone's lockfile holds all four. */
const expectUnion = async (clones: Clones) => {
  expect(Object.keys((await lockOf(clones.b)).calls).sort()).toEqual(EVERY_KEY);
  const again = await clones.run(clones.b, ['apply', '--yes']);
  expect(again.code, output(again)).toBe(0);
  expect(clones.gw.placed()).toHaveLength(4);
  gitOk(clones.b, 'push', '-q');
  gitOk(clones.a, 'pull', '-q', '--ff-only');
  const inA = await clones.run(clones.a, ['apply', '--yes']);
  expect(inA.code, output(inA)).toBe(0);
  expect(Object.keys((await lockOf(clones.a)).calls).sort()).toEqual(EVERY_KEY);
  expect(callsPerNumber(clones.gw)).toEqual({
    '+15550500000': 1,
    '+15550500001': 1,
    '+15550500002': 1,
    '+15550500003': 1,
  });
};

describe('callops.lock conflicting in a git merge of two clones', () => {
  it("a merge: state pull writes both sides merged, a third clone's placement too; nothing placed twice", async () => {
    const clones = await diverged();
    expect(git(clones.b, 'pull', '-q', '--no-rebase').status).not.toBe(0);
    await expectConflictRefused(clones);
    const [pulled, ...more] = await pullThrough(clones, ['commit', '-q', '--no-edit']);
    expect(more).toEqual([]);
    expect(pulled?.stdout).toContain(
      'callops.lock held git merge conflict markers (1 conflict): wrote it as its two sides merged, 4 entries: the side of `<<<<<<< HEAD` held 3 entries (1 only there), the side of `>>>>>>> ',
    );
    expect(pulled?.stdout).toContain('held 3 entries (1 only there)');
    expect(pulled?.stdout).toContain('holds every placement recorded in .callops/ too');
    expect(pulled?.stdout).toContain('`git add callops.lock`, then finish the merge');
    expect(git(clones.b, 'status', '--porcelain').out).toBe('');
    await expectUnion(clones);
  });

  it('a merge in diff3 style: the base section is left out', async () => {
    const clones = await diverged();
    gitOk(clones.b, 'config', 'merge.conflictStyle', 'diff3');
    expect(git(clones.b, 'pull', '-q', '--no-rebase').status).not.toBe(0);
    expect(await readFile(join(clones.b, 'callops.lock'), 'utf8')).toMatch(/^\|{7}/m);
    await pullThrough(clones, ['commit', '-q', '--no-edit']);
    await expectUnion(clones);
  });

  it('a rebase (the sides swapped): state pull writes both sides merged; nothing placed twice', async () => {
    const clones = await diverged();
    expect(git(clones.b, 'pull', '-q', '--rebase').status).not.toBe(0);
    await expectConflictRefused(clones);
    const pulls = await pullThrough(clones, ['rebase', '--continue']);
    expect(pulls.length).toBeGreaterThan(0);
    expect(pulls[0]?.stdout).toContain('wrote it as its two sides merged');
    expect(git(clones.b, 'status', '--porcelain').out).toBe('');
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
