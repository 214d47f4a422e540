import { rename, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionFiles } from '../../src/config/load.js';
import { DefinitionsChanged, filesOf, watchDefinitions } from '../../src/config/watched.js';
import { projectDirs } from '../support/project-dir.js';
import { yaml } from '../validate/fixtures.js';

const project = projectDirs('callops-watched-');
const CALLS = yaml('calls:', '  - name: a');

/** A clock the test moves. */
const clock = () => {
  let ms = 1_000_000;
  return { now: () => ms, add: (by: number) => (ms += by) };
};

const changed = async (check: Promise<void>): Promise<string | undefined> =>
  check.then(
    () => undefined,
    (error: unknown) => {
      if (!(error instanceof DefinitionsChanged)) throw error;
      return `${error.file}: ${error.what}`;
    },
  );

describe('definitionFiles', () => {
  it('lists callops.yaml and the env file (read for every call), then the call files', async () => {
    const root = await project({
      'callops.yaml': yaml('calls: ["calls/*.yaml"]'),
      'calls/b.yaml': CALLS,
      'calls/a.yaml': CALLS,
    });
    const files = await definitionFiles(root);
    expect(files.map((f) => [f.file, f.everyCall === true, f.seen !== undefined])).toEqual([
      ['callops.yaml', true, true],
      ['.env', true, false],
      ['calls/a.yaml', false, true],
      ['calls/b.yaml', false, true],
    ]);
    // A batch of calls/b.yaml's calls watches it, callops.yaml and the env file only.
    expect(filesOf(files, new Set(['calls/b.yaml'])).map((f) => f.file)).toEqual([
      'callops.yaml',
      '.env',
      'calls/b.yaml',
    ]);
  });

  it('under --env-file, lists .env and that file: both are read, and a batch watches both', async () => {
    const root = await project({
      'calls/a.yaml': CALLS,
      '.env': 'A=1\n',
      'ci/ci.env': 'B=2\n',
    });
    const ci = join(root, 'ci/ci.env');
    const files = await definitionFiles(root, ci);
    expect(files.map((f) => [f.file, f.everyCall === true, f.seen !== undefined])).toEqual([
      ['.env', true, true],
      [ci, true, true],
      ['calls/a.yaml', false, true],
    ]);
    expect(filesOf(files, new Set()).map((f) => f.file)).toEqual(['.env', ci]);
    // An edit of either stops a batch.
    await writeFile(join(root, '.env'), 'A=11\n');
    expect(await changed(watchDefinitions(files, 0).check())).toBe(
      '.env: its size or modification time',
    );
    const again = await definitionFiles(root, ci);
    await writeFile(ci, 'B=22\n');
    expect(await changed(watchDefinitions(again, 0).check())).toBe(
      `${ci}: its size or modification time`,
    );
  });

  it('lists the project .env once when --env-file names it', async () => {
    const root = await project({ 'calls/a.yaml': CALLS, '.env': 'A=1\n' });
    const files = await definitionFiles(root, join(root, '.env'));
    expect(files.map((f) => f.file)).toEqual([join(root, '.env'), 'calls/a.yaml']);
  });
});

describe('watchDefinitions', () => {
  it('looks at the files at most once every 250 ms: an edit is seen at the first look after it', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    const t = clock();
    const watch = watchDefinitions(await definitionFiles(root), 250, t.now);
    expect(await changed(watch.check())).toBeUndefined();
    await utimes(join(root, 'calls/a.yaml'), new Date(), new Date(Date.now() + 5_000));
    // Within the bound: the last look's answer, no stat.
    t.add(249);
    expect(await changed(watch.check())).toBeUndefined();
    t.add(1);
    expect(await changed(watch.check())).toBe('calls/a.yaml: its size or modification time');
    // Once seen, said at every check, without another look.
    expect(await changed(watch.check())).toBe('calls/a.yaml: its size or modification time');
  });

  it('calls made while a look is under way wait for it', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    const t = clock();
    const watch = watchDefinitions(await definitionFiles(root), 250, t.now);
    await writeFile(join(root, 'calls/a.yaml'), `${CALLS}# edited\n`);
    const both = await Promise.all([changed(watch.check()), changed(watch.check())]);
    expect(both).toEqual([
      'calls/a.yaml: its size or modification time',
      'calls/a.yaml: its size or modification time',
    ]);
  });

  it('names a file replaced, removed or created since it was seen', async () => {
    const root = await project({ 'calls/a.yaml': CALLS, 'calls/b.yaml': CALLS });
    const seen = await definitionFiles(root);
    await writeFile(join(root, 'calls/new.yaml'), CALLS);
    await rename(join(root, 'calls/new.yaml'), join(root, 'calls/a.yaml'));
    expect(await changed(watchDefinitions(seen, 0).check())).toBe('calls/a.yaml: it was replaced');
    await unlink(join(root, 'calls/b.yaml'));
    const b = seen.filter((f) => f.file === 'calls/b.yaml');
    expect(await changed(watchDefinitions(b, 0).check())).toBe('calls/b.yaml: file does not exist');
    await writeFile(join(root, '.env'), 'A=1\n');
    const env = seen.filter((f) => f.file === '.env');
    expect(await changed(watchDefinitions(env, 0).check())).toBe('.env: it was created');
  });
});
