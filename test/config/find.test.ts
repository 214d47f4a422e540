import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  findCallFiles,
  findFiles,
  findFilesWith,
  IGNORE,
  matchedPlainly,
  patternExtensions,
} from '../../src/config/find.js';
import { makeFifo, releaseFifo } from '../support/fifo.js';

const dir = mkdtempSync(join(tmpdir(), 'callops-find-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifos: string[] = [];
afterEach(() => {
  for (const fifo of fifos.splice(0)) releaseFifo(fifo);
});

const tree = (name: string, files: readonly string[]): string => {
  const root = join(dir, name);
  for (const f of files) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    writeFileSync(join(root, f), 'calls: []\n');
  }
  return root;
};

const FILES = [
  'calls/a.yaml',
  'calls/b.yml',
  'calls/c.YAML',
  'calls/.hidden.yaml',
  'calls/.yaml',
  'calls/notes.txt',
  'calls/deep/er/d.yaml',
  'calls/.git/e.yaml',
  'calls/.dot/f.yaml',
  'calls/node_modules/g.yaml',
  'calls/x.yaml.bak',
  'calls/sub dir/h.yml',
  'other/i.yaml',
  'j.yaml',
];

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('findFiles', () => {
  it('finds with the default patterns exactly what tinyglobby finds', async () => {
    const root = tree('plain', FILES);
    const cases = [
      ['calls/**/*.yaml', 'calls/**/*.yml'],
      ['**/*.yaml', '**/*.yml'],
      ['other/**/*.yaml'],
      ['missing/**/*.yaml'],
      ['calls/deep/**/*.yaml'],
    ];
    expect(cases).toHaveLength(5);
    for (const globs of cases) {
      const ours = sorted(await findFiles(globs, root));
      expect(ours, globs.join(' ')).toEqual(
        sorted(await glob(globs, { cwd: root, ignore: IGNORE })),
      );
    }
    expect(sorted(await findFiles(['calls/**/*.yaml', 'calls/**/*.yml'], root))).toEqual([
      'calls/a.yaml',
      'calls/b.yml',
      'calls/deep/er/d.yaml',
      'calls/sub dir/h.yml',
    ]);
  });

  it('leaves other patterns, and trees with symbolic links, to tinyglobby', async () => {
    const root = tree('links', ['calls/a.yaml', 'elsewhere/b.yaml', 'calls/c-1.yaml']);
    symlinkSync(join(root, 'elsewhere'), join(root, 'calls/linked'));
    const cases = [['calls/**/*.yaml'], ['calls/*-1.yaml'], ['calls/{a,c-1}.yaml']];
    expect(cases).toHaveLength(3);
    for (const globs of cases) {
      const ours = sorted(await findFiles(globs, root));
      expect(ours, globs.join(' ')).toEqual(
        sorted(await glob(globs, { cwd: root, ignore: IGNORE })),
      );
    }
    expect(sorted(await findFiles(['calls/**/*.yaml'], root))).toContain('calls/linked/b.yaml');
  });

  it('finds a FIFO or a directory named like a call file, for the reader to refuse', async () => {
    const root = tree('kinds', ['calls/a.yaml', 'calls/sub/c.yaml', 'calls/d.yaml/e.yaml']);
    makeFifo(join(root, 'calls/b.yaml'));
    fifos.push(join(root, 'calls/b.yaml'));
    makeFifo(join(root, 'calls/sub/notes'));
    fifos.push(join(root, 'calls/sub/notes'));
    const all = ['calls/a.yaml', 'calls/b.yaml', 'calls/d.yaml', 'calls/d.yaml/e.yaml'];
    // The plain walk, tinyglobby, and tinyglobby again once a link is in the tree.
    expect(sorted(await findFiles(['calls/**/*.yaml'], root))).toEqual(
      sorted([...all, 'calls/sub/c.yaml']),
    );
    expect(await findFiles(['calls/*.yaml'], root)).toEqual(
      expect.arrayContaining(all.slice(0, 3)),
    );
    expect(await findFiles(['calls/b.yaml', 'calls/d.yaml'], root)).toEqual(
      expect.arrayContaining(['calls/b.yaml', 'calls/d.yaml']),
    );
    // A pattern that names no file by its name finds no directory: calls/ and calls/sub/ hold files.
    for (const globs of [['calls/*'], ['calls/**']]) {
      const found = await findFiles(globs, root);
      expect(found, globs[0]).toEqual(expect.arrayContaining(all.slice(0, 2)));
      expect(found, globs[0]).not.toContain('calls');
      expect(found, globs[0]).not.toContain('calls/sub');
    }
    expect(await findFiles(['calls/**'], root)).toContain('calls/sub/notes');
    symlinkSync(join(root, 'calls/sub'), join(root, 'calls/linked'));
    expect(sorted(await findFiles(['calls/**/*.yaml'], root))).toEqual(
      sorted([...all, 'calls/sub/c.yaml', 'calls/linked/c.yaml']),
    );
  });

  it('names the files the patterns would find but for the case of their extension, where they look', async () => {
    const root = tree('cased', [
      ...FILES,
      'calls/deep/K.Yml',
      'calls/.hidden/L.YAML',
      'calls/node_modules/m.YAML',
      'calls/dir.YAML/n.yaml',
    ]);
    const miscased = async (globs: readonly string[]) =>
      sorted((await findCallFiles(globs, root)).miscased);
    // The plain walk of the default patterns: under calls/ alone, no hidden names, no node_modules.
    const defaults = ['calls/c.YAML', 'calls/deep/K.Yml'];
    expect(await miscased(['calls/**/*.yaml', 'calls/**/*.yml'])).toEqual(defaults);
    expect(await miscased(['calls/**/*.yml'])).toEqual(['calls/deep/K.Yml']);
    // A pattern that takes the name in that case takes the file: nothing to say.
    expect(await miscased(['calls/**/*.yaml', 'calls/**/*.YAML', 'calls/**/*.yml'])).toEqual([
      'calls/deep/K.Yml',
    ]);
    // Other patterns, through tinyglobby: the same, in the folders they cover.
    expect(await miscased(['calls/*.yaml'])).toEqual(['calls/c.YAML']);
    expect(await miscased(['calls/*.yaml', '!calls/c.*'])).toEqual([]);
    expect(await miscased(['calls/**/*'])).toEqual([]);
    // A brace list of extensions: each of them in any case.
    expect(await miscased(['calls/**/*.{yaml,yml}'])).toEqual(defaults);
    expect(await miscased(['calls/*.{yml,yaml}'])).toEqual(['calls/c.YAML']);
    expect(await miscased(['calls/**/*.{yaml,yml}', '!calls/deep/**'])).toEqual(['calls/c.YAML']);
    // And a tree with a link, which the plain walk leaves to tinyglobby.
    symlinkSync(join(root, 'other'), join(root, 'calls/linked'));
    expect(await miscased(['calls/**/*.yaml', 'calls/**/*.yml'])).toEqual(defaults);
    expect((await findCallFiles(['calls/**/*.yaml'], root)).files).toContain('calls/a.yaml');
  });

  it('reads the extensions a pattern ends in, one or a brace list of them', () => {
    expect(patternExtensions('calls/**/*.yaml')).toEqual(['.yaml']);
    expect(patternExtensions('ops/*.{yaml,yml}')).toEqual(['.yaml', '.yml']);
    expect(patternExtensions('!calls/drafts/*.yml')).toEqual(['.yml']);
    for (const none of ['calls/**/*', 'calls/**/*.{yaml,}', 'calls/*.y?ml', 'calls/{a,b}'])
      expect(patternExtensions(none), none).toEqual([]);
  });

  it('tells by name whether the default patterns would find a file written there, as tinyglobby does', async () => {
    const root = tree('written', ['calls/a.yaml']);
    const globs = ['calls/**/*.yaml', 'calls/**/*.yml'];
    const paths = [
      'calls/state.yaml',
      'calls/deep/new/state.yml',
      'calls/state.yaml/x.lock',
      'calls/state.lock',
      'calls/.hidden.yaml',
      'calls/.dot/x.yaml',
      'calls/node_modules/x.yaml',
      'calls/X.YAML',
      'state/x.yaml',
      'callsx/x.yaml',
      'x.yaml',
    ];
    expect(paths).toHaveLength(11);
    for (const rel of paths) {
      const found = await findFilesWith(globs, root, [join(root, rel)]);
      expect(matchedPlainly(globs, rel), rel).toBe(found.includes(join(root, rel)));
    }
    expect(matchedPlainly(['calls/*.yaml'], 'calls/x.yaml')).toBeUndefined();
  });
});
