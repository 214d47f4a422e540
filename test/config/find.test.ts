import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { glob } from 'tinyglobby';
import { afterAll, describe, expect, it } from 'vitest';
import { findFiles, IGNORE } from '../../src/config/find.js';

const dir = mkdtempSync(join(tmpdir(), 'callops-find-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
