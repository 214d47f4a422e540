// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml patterns hold literal ${VAR} text
import { mkdir, realpath, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject, projectStamp } from '../../src/config/index.js';
import { makeFifo, releaseFifo, within } from '../support/fifo.js';
import { projectDirs } from '../support/project-dir.js';
import { error, warning, yaml } from '../validate/fixtures.js';

const project = projectDirs('callops-load-');
const fifos: string[] = [];
afterEach(() => {
  for (const fifo of fifos.splice(0)) releaseFifo(fifo);
});

/** A project with calls/a.yaml, and a FIFO and a directory named like call files. */
const withOddFiles = async (config: Readonly<Record<string, string>> = {}) => {
  const root = await project({ ...config, 'calls/a.yaml': CALLS, 'calls/sub/c.yaml': CALLS });
  makeFifo(join(root, 'calls/b.yaml'));
  fifos.push(join(root, 'calls/b.yaml'));
  await mkdir(join(root, 'calls/d.yml'));
  return root;
};

const CALLS = yaml('calls:', '  - name: a');

describe('loadProject', () => {
  it('finds calls/**/*.yaml and *.yml by default, sorted, with posix paths relative to the root', async () => {
    const root = await project({
      'calls/b.yaml': CALLS,
      'calls/a.yml': CALLS,
      'calls/nested/deep/c.yaml': CALLS,
      'calls/notes.txt': 'not yaml',
      'other/d.yaml': CALLS,
    });
    const loaded = await loadProject({ root });
    expect(loaded.root).toBe(root);
    expect(loaded.configFile).toBeUndefined();
    expect(loaded.callFiles.map((f) => f.file)).toEqual([
      'calls/a.yml',
      'calls/b.yaml',
      'calls/nested/deep/c.yaml',
    ]);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.callFiles[0]?.documents[0]?.data).toEqual({ calls: [{ name: 'a' }] });
  });

  it('reads callops.yaml first and takes its `calls` globs', async () => {
    const root = await project({
      'callops.yaml': yaml('calls: ["ops/*.yaml"]'),
      'ops/x.yaml': CALLS,
      'calls/ignored.yaml': CALLS,
    });
    const loaded = await loadProject({ root });
    expect(loaded.configFile?.file).toBe('callops.yaml');
    expect(loaded.configFile?.documents[0]?.data).toEqual({ calls: ['ops/*.yaml'] });
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['ops/x.yaml']);
  });

  it('accepts callops.yml, and never reads the config file as a call file', async () => {
    const root = await project({ 'callops.yml': yaml('calls: ["*.yml"]'), 'a.yml': CALLS });
    const loaded = await loadProject({ root });
    expect(loaded.configFile?.file).toBe('callops.yml');
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['a.yml']);
  });

  it('warns when no call files match, at the `calls` key of callops.yaml', async () => {
    const root = await project({
      'callops.yaml': yaml('lockfile: x.lock', 'calls: ["ops/*.yaml"]'),
    });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([
      warning('callops.yaml', 2, 8, '/calls', 'no call files match ops/*.yaml'),
    ]);
  });

  it('says that a pattern matching nothing is read as written when it holds ${…}', async () => {
    const root = await project({
      'callops.yaml': yaml('calls: ["${CALLS_DIR}/*.yaml"]'),
      'ops/a.yaml': CALLS,
    });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([
      warning(
        'callops.yaml',
        1,
        8,
        '/calls',
        'no call files match ${CALLS_DIR}/*.yaml (a `calls` pattern is read as written: `${…}` in it is not expanded)',
      ),
    ]);
  });

  it('warns when there is no callops.yaml and no calls directory', async () => {
    const loaded = await loadProject({ root: await project({}) });
    expect(loaded.diagnostics).toEqual([
      { ...warning('calls', 0, 0, '', 'no call files match calls/**/*.yaml, calls/**/*.yml') },
    ]);
  });

  it('takes paths instead of globs: a file as is, a directory for its YAML files', async () => {
    const root = await project({
      'calls/a.yaml': CALLS,
      'extra/one.txt': CALLS,
      'more/x.yml': CALLS,
      'more/sub/y.yaml': CALLS,
    });
    const loaded = await loadProject({ root, paths: ['more', 'extra/one.txt', 'more/x.yml'] });
    expect(loaded.callFiles.map((f) => f.file)).toEqual([
      'extra/one.txt',
      'more/sub/y.yaml',
      'more/x.yml',
    ]);
    expect(loaded.diagnostics).toEqual([]);
  });

  it('reports a path that does not exist, and keeps going', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    const loaded = await loadProject({ root, paths: ['calls/nope.yaml', 'calls/a.yaml'] });
    expect(loaded.diagnostics).toEqual([
      // The path as typed: redacted as typed arguments are when shown.
      { ...error('calls/nope.yaml', 0, 0, '', 'no such file or directory'), typed: true },
    ]);
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);
  });

  it('reports a missing project directory', async () => {
    const missing = join(tmpdir(), 'callops-definitely-missing-dir');
    const loaded = await loadProject({ root: missing });
    expect(loaded.diagnostics).toEqual([
      error(missing, 0, 0, '', 'project directory does not exist'),
    ]);
    expect(loaded.callFiles).toEqual([]);
  });

  it('refuses a 5 MiB call file before reading it, and reads the others', async () => {
    const root = await project({
      'calls/big.yaml': `calls: []\n# ${'x'.repeat(5 * 1024 * 1024)}\n`,
      'calls/small.yaml': CALLS,
    });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([
      error(
        'calls/big.yaml',
        1,
        1,
        '',
        'file is 5.1 MiB; callops reads call files up to 4 MiB — split it',
      ),
    ]);
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/small.yaml']);
  });

  it('reports invalid UTF-8 at its line and column', async () => {
    const bad = Buffer.concat([
      Buffer.from('calls:\n  - name: x\n    from: "'),
      Buffer.from([0xff]),
      Buffer.from('"\n'),
    ]);
    const root = await project({ 'calls/bad.yaml': bad });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([
      error('calls/bad.yaml', 3, 12, '', 'file is not valid UTF-8 (byte 0xFF); save it as UTF-8'),
    ]);
    expect(loaded.callFiles).toEqual([]);
  });

  it('reports YAML errors with the file name, and still returns the file', async () => {
    const root = await project({ 'calls/tabs.yaml': 'calls:\n\t- name: a\n' });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toContainEqual(
      error('calls/tabs.yaml', 2, 1, '', 'tabs are not allowed for indentation; use spaces'),
    );
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/tabs.yaml']);
  });

  it('refuses a callops.yaml that holds no settings, at 1:1, never reading it as none', async () => {
    const message =
      'holds no settings (empty or only comments): write its settings, or remove the file to use the CALLOPS_* environment target';
    for (const text of ['', '  \n\n', '# truncated\n', '---\n', '~\n', '--- # x\n...\n']) {
      const root = await project({ 'callops.yaml': text, 'calls/a.yaml': CALLS });
      const loaded = await loadProject({ root });
      expect(loaded.diagnostics, JSON.stringify(text)).toEqual([
        error('callops.yaml', 1, 1, '', message),
      ]);
      expect(loaded.configFile?.file).toBe('callops.yaml');
    }
    const yml = await project({ 'callops.yml': '# nothing yet\n', 'calls/a.yaml': CALLS });
    expect((await loadProject({ root: yml })).diagnostics).toEqual([
      error('callops.yml', 1, 1, '', message),
    ]);
    // An empty mapping is written on purpose: it is read as it is.
    const braces = await project({ 'callops.yaml': '{}\n', 'calls/a.yaml': CALLS });
    expect((await loadProject({ root: braces })).diagnostics).toEqual([]);
  });

  it('gives a callops.yaml with syntax errors only those, never "holds no settings"', async () => {
    for (const text of [
      'targets:\n  sim:\n    base_url: http://127.0.0.1:1\nstate: { backend: file, x: ${A} }\n',
      'targets: [\n',
      '# settings below\n\tdefault_target: sim\n',
    ]) {
      const root = await project({ 'callops.yaml': text, 'calls/a.yaml': CALLS });
      const { diagnostics } = await loadProject({ root });
      expect(diagnostics.length, JSON.stringify(text)).toBeGreaterThan(0);
      for (const d of diagnostics) {
        expect(d.file).toBe('callops.yaml');
        expect(d.severity).toBe('error');
        expect(d.message).not.toMatch(/holds no settings|remove the file/);
      }
    }
  });

  it('reports a directory named like the config file', async () => {
    const root = await project({ 'callops.yaml/inner.txt': '', 'calls/a.yaml': CALLS });
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([error('callops.yaml', 0, 0, '', 'is not a regular file')]);
    expect(loaded.configFile).toBeUndefined();
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);
  });

  it('refuses a FIFO or a directory a `calls` pattern matches by its name, never waiting', async () => {
    const configs: Readonly<Record<string, string>>[] = [
      {},
      {
        'callops.yaml': yaml(
          'calls: [calls/a.yaml, calls/b.yaml, calls/d.yml, "calls/sub/*.yaml"]',
        ),
      },
    ];
    for (const config of configs) {
      const loaded = await within(loadProject({ root: await withOddFiles(config) }), 5000, 'hung');
      if (typeof loaded === 'string') throw new Error('loadProject waited on the FIFO');
      expect(loaded.diagnostics).toEqual([
        error('calls/b.yaml', 0, 0, '', 'is not a regular file'),
        error('calls/d.yml', 0, 0, '', 'is not a regular file'),
      ]);
      expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml', 'calls/sub/c.yaml']);
    }
  });

  it('names the project a lockfile lies in: a callops.yaml or .yml below the root, on its way', async () => {
    const inside = async (lockfile: string, files: Readonly<Record<string, string>>) => {
      const root = await project({
        'callops.yaml': yaml(`lockfile: "${lockfile}"`),
        'calls/a.yaml': CALLS,
        ...files,
      });
      return (await loadProject({ root })).lockfileInProject;
    };
    const sub = { 'sub/callops.yaml': yaml('lockfile: callops.lock') };
    expect(await inside('sub/callops.lock', sub)).toBe('sub/callops.yaml');
    expect(await inside('./sub/../sub/deep/x.lock', sub)).toBe('sub/callops.yaml');
    expect(await inside('sub/deep/x.lock', { 'sub/deep/callops.yml': '' })).toBe(
      'sub/deep/callops.yml',
    );
    // The root's own callops.yaml, a folder beside the lockfile's, and one below it are not on its way.
    expect(await inside('callops.lock', sub)).toBeUndefined();
    expect(await inside('state/callops.lock', sub)).toBeUndefined();
    expect(await inside('sub/x.lock', { 'sub/deep/callops.yaml': '' })).toBeUndefined();
    expect(await inside('new/folder/x.lock', {})).toBeUndefined();
    expect(await inside('../x.lock', {})).toBeUndefined();
  });

  it('says where a link takes the lockfile out of the project, or into a hidden folder of it', async () => {
    const shared = await realpath(await project({ 'calls.lock': '' }));
    const leaves = async (lockfile: string, links: Readonly<Record<string, string>>) => {
      const root = await project({
        'callops.yaml': yaml(`lockfile: "${lockfile}"`),
        'calls/a.yaml': CALLS,
        'state/kept.lock': '',
        '.git/HEAD': '',
      });
      for (const [name, target] of Object.entries(links)) await symlink(target, join(root, name));
      return { root: await realpath(root), away: (await loadProject({ root })).lockfileLeaves };
    };
    // A lockfile there already, one not written yet, and one in a folder callops would create.
    for (const lockfile of ['st/calls.lock', 'st/new.lock', 'st/deep/new.lock']) {
      expect((await leaves(lockfile, { st: shared })).away, lockfile).toEqual({
        leads: `leads to ${join(shared, lockfile.slice(3))} (st is a symbolic link to ${shared})`,
        outside: true,
      });
    }
    // The lockfile itself a link out of the project.
    expect((await leaves('ops.lock', { 'ops.lock': join(shared, 'calls.lock') })).away).toEqual({
      leads: `leads to ${join(shared, 'calls.lock')} (ops.lock is a symbolic link to ${join(shared, 'calls.lock')})`,
      outside: true,
    });
    const hidden = await leaves('g/calls.lock', { g: '.git' });
    expect(hidden.away).toEqual({
      leads: `leads to ${join(hidden.root, '.git/calls.lock')} (g is a symbolic link to .git)`,
      outside: false,
    });
    // Inside the project, links followed, or named as it is: nothing to say.
    expect((await leaves('st/x.lock', { st: 'state' })).away).toBeUndefined();
    expect((await leaves('st/kept.lock', { st: 'state' })).away).toBeUndefined();
    expect((await leaves('new/folder/x.lock', {})).away).toBeUndefined();
    expect((await leaves('.git/calls.lock', {})).away).toBeUndefined();
    // A link that cannot be followed is said where the lockfile is read.
    expect(
      (await leaves('gone.lock', { 'gone.lock': '/nonexistent/x.lock' })).away,
    ).toBeUndefined();
  });

  it('says when the lockfile is a file callops reads, or named like a call file, and reads no such call file', async () => {
    const read = async (
      lockfile: string,
      files: Readonly<Record<string, string>> = {},
      options: { readonly envFile?: string; readonly link?: readonly [string, string] } = {},
    ) => {
      const root = await project({
        'callops.yaml': yaml(`lockfile: "${lockfile}"`, 'suppress: [lists/dnc.csv]'),
        'calls/a.yaml': yaml('calls:', '  - name: a', '    recipients: ../lists/people.csv'),
        'lists/people.csv': 'phone\n+15550001234\n',
        'lists/dnc.csv': 'number\n+15550009876\n',
        ...files,
      });
      if (options.link !== undefined) await symlink(options.link[1], join(root, options.link[0]));
      const envFile = options.envFile === undefined ? {} : { envFile: join(root, options.envFile) };
      const loaded = await loadProject({ root, ...envFile });
      return { read: loaded.lockfileRead, files: loaded.callFiles.map((f) => f.file) };
    };
    const env = { is: 'an env file' };
    // Not there yet, or there (a lockfile an earlier apply wrote over it).
    expect((await read('.env')).read).toEqual(env);
    expect((await read('.env', { '.env': '{}\n' })).read).toEqual(env);
    expect((await read('./x/../.env')).read).toEqual(env);
    expect((await read('ci.env', {}, { envFile: 'ci.env' })).read).toEqual(env);
    expect((await read('ci.env')).read).toBeUndefined();
    expect((await read('callops.yaml')).read).toEqual({ is: 'the project config' });
    expect((await read('callops.yml')).read).toEqual({ is: 'the project config' });
    expect((await read('lists/people.csv')).read).toEqual({ is: 'a recipients file' });
    expect((await read('lists/dnc.csv')).read).toEqual({ is: 'a do-not-call list' });
    // Through a link, by where it leads.
    expect((await read('dnc.lock', {}, { link: ['dnc.lock', 'lists/dnc.csv'] })).read).toEqual({
      is: 'a do-not-call list',
    });
    // Named like a call file: not there yet, and there (then not read as a call file).
    expect((await read('calls/state.yaml')).read).toEqual({ callPattern: true });
    expect((await read('calls/deep/state.yml')).read).toEqual({ callPattern: true });
    const there = await read('calls/state.yaml', { 'calls/state.yaml': '{"calls": {}}\n' });
    expect(there).toEqual({ read: { callPattern: true }, files: ['calls/a.yaml'] });
    // Another name of a call file (a link to it) is that file.
    expect((await read('a.lock', {}, { link: ['a.lock', 'calls/a.yaml'] })).read).toEqual({
      is: 'a file callops reads',
    });
    for (const lockfile of ['callops.lock', 'state/calls.lock', 'calls/state.lock', 'calls.yaml'])
      expect((await read(lockfile)).read, lockfile).toBeUndefined();
  });
});

describe('projectStamp', () => {
  it('changes when a call file is edited, added or removed, or callops.yaml changes', async () => {
    const root = await project({ 'calls/a.yaml': CALLS, 'other/x.yaml': CALLS });
    const first = await projectStamp(root);
    expect(await projectStamp(root)).toBe(first);
    // Same size, a later modification time: an edit.
    await utimes(join(root, 'calls/a.yaml'), new Date(), new Date(Date.now() + 5_000));
    const edited = await projectStamp(root);
    expect(edited).not.toBe(first);
    await writeFile(join(root, 'calls/b.yml'), CALLS);
    const added = await projectStamp(root);
    expect(added).not.toBe(edited);
    await unlink(join(root, 'calls/b.yml'));
    expect(await projectStamp(root)).toBe(edited);
    await writeFile(join(root, 'callops.yaml'), yaml('calls: ["other/*.yaml"]'));
    const configured = await projectStamp(root);
    expect(configured).not.toBe(edited);
    // The globs of callops.yaml decide which files count: calls/ no longer does.
    await writeFile(join(root, 'calls/c.yaml'), CALLS);
    expect(await projectStamp(root)).toBe(configured);
    await writeFile(join(root, 'other/y.yaml'), CALLS);
    expect(await projectStamp(root)).not.toBe(configured);
  });

  it('changes when the recipients CSV of a campaign is edited, its path written plain or as `!!str`', async () => {
    for (const written of ['people.csv', '!!str people.csv', '!!str "people.csv"']) {
      const root = await project({
        'calls/a.yaml': yaml('calls:', '  - name: camp', `    recipients: ${written}`),
        'calls/people.csv': 'id,phone\n1,+15550002001\n',
      });
      const first = await projectStamp(root);
      await writeFile(join(root, 'calls/people.csv'), 'id,phone\n1,+15550002001\n2,+15550002002\n');
      expect(await projectStamp(root), written).not.toBe(first);
    }
  });

  it('changes when an env file is created or edited: `.env`, and the one --env-file names', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    const first = await projectStamp(root);
    await writeFile(join(root, '.env'), 'A=1\n');
    const created = await projectStamp(root);
    expect(created).not.toBe(first);
    await writeFile(join(root, '.env'), 'A=2\n');
    expect(await projectStamp(root)).not.toBe(created);
    const other = join(root, 'other.env');
    await writeFile(other, 'A=1\n');
    const named = await projectStamp(root, other);
    await writeFile(other, 'A=22\n');
    const edited = await projectStamp(root, other);
    expect(edited).not.toBe(named);
    // .env is read under --env-file too: an edit of it is a change of the definitions.
    await writeFile(join(root, '.env'), 'A=333\n');
    expect(await projectStamp(root, other)).not.toBe(edited);
  });

  it('never waits on a FIFO named like a call file', async () => {
    const stamp = await within(projectStamp(await withOddFiles()), 5000, 'hung');
    expect(stamp).toContain('calls/b.yaml');
    expect(stamp).toContain('calls/d.yml');
  });
});
