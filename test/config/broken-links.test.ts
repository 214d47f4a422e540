import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLink, lookUp } from '../../src/config/exists.js';
import { loadProject } from '../../src/config/index.js';
import { projectDirs } from '../support/project-dir.js';
import { error, yaml } from '../validate/fixtures.js';

const project = projectDirs('callops-links-');

const CALLS = yaml('calls:', '  - name: a');
const MISSING = 'is a symbolic link to a missing file';
const LOOP = 'is a symbolic link in a loop of links';

describe('a symbolic link that cannot be followed', () => {
  it('is told apart from a missing file, a file and a link that leads somewhere', async () => {
    const root = await project({ 'a.yaml': CALLS, 'd/x': '' });
    await symlink('/nonexistent/callops.yaml', join(root, 'dangling'));
    await symlink('self', join(root, 'self'));
    await symlink('a.yaml', join(root, 'good'));
    expect(brokenLink(join(root, 'dangling'))).toBe(`${MISSING} (/nonexistent/callops.yaml)`);
    expect(brokenLink(join(root, 'self'))).toBe(`${LOOP} (self)`);
    expect(brokenLink(join(root, 'good'))).toBeUndefined();
    expect(brokenLink(join(root, 'nothing'))).toBeUndefined();
    expect(await lookUp(join(root, 'dangling'))).toEqual({
      problem: `${MISSING} (/nonexistent/callops.yaml)`,
    });
    expect(await lookUp(join(root, 'self'))).toEqual({ problem: `${LOOP} (self)` });
    expect(await lookUp(join(root, 'good'))).toBe('file');
    expect(await lookUp(join(root, 'd'))).toBe('dir');
    expect(await lookUp(join(root, 'nothing'))).toBe('absent');
    expect(await lookUp(join(root, 'a.yaml', 'under-a-file'))).toBe('absent');
  });

  it('as callops.yaml is an error, never "no callops.yaml"', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    await symlink('/mnt/config/callops.yaml', join(root, 'callops.yaml'));
    const loaded = await loadProject({ root });
    expect(loaded.configFile).toBeUndefined();
    expect(loaded.diagnostics).toEqual([
      error('callops.yaml', 0, 0, '', `${MISSING} (/mnt/config/callops.yaml)`),
    ]);
  });

  it('as callops.yaml in a loop is an error', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    await symlink('callops.yaml', join(root, 'callops.yaml'));
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([error('callops.yaml', 0, 0, '', `${LOOP} (callops.yaml)`)]);
  });

  it('as a call file found by the patterns is an error, with the other files read', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    await symlink('/nonexistent.yaml', join(root, 'calls/dangling.yaml'));
    await symlink('loop2.yaml', join(root, 'calls/loop1.yaml'));
    await symlink('loop1.yaml', join(root, 'calls/loop2.yaml'));
    // Not a call file by its name: not looked at.
    await symlink('/nonexistent.txt', join(root, 'calls/notes.txt'));
    const loaded = await loadProject({ root });
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);
    expect(loaded.diagnostics).toEqual([
      error('calls/dangling.yaml', 0, 0, '', `${MISSING} (/nonexistent.yaml)`),
      error('calls/loop1.yaml', 0, 0, '', `${LOOP} (loop2.yaml)`),
      error('calls/loop2.yaml', 0, 0, '', `${LOOP} (loop1.yaml)`),
    ]);
  });

  it('as a call file found by patterns of callops.yaml is an error', async () => {
    const root = await project({
      'callops.yaml': yaml('calls: ["ops/*.yaml"]'),
      'ops/a.yaml': CALLS,
    });
    await symlink('/nonexistent.yaml', join(root, 'ops/b.yaml'));
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([
      error('ops/b.yaml', 0, 0, '', `${MISSING} (/nonexistent.yaml)`),
    ]);
  });

  it('named on the command line says what is wrong, not "no such file"', async () => {
    const root = await project({ 'calls/a.yaml': CALLS });
    await symlink('loop2.yaml', join(root, 'calls/loop1.yaml'));
    await symlink('loop1.yaml', join(root, 'calls/loop2.yaml'));
    await symlink('/nonexistent.yaml', join(root, 'calls/dangling.yaml'));
    const loaded = await loadProject({
      root,
      paths: ['calls/loop1.yaml', 'calls/dangling.yaml', 'calls/a.yaml'],
    });
    expect(loaded.diagnostics).toEqual([
      { ...error('calls/loop1.yaml', 0, 0, '', `${LOOP} (loop2.yaml)`), typed: true },
      { ...error('calls/dangling.yaml', 0, 0, '', `${MISSING} (/nonexistent.yaml)`), typed: true },
    ]);
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);
  });

  it('as a recipients CSV says what is wrong', async () => {
    const root = await project({
      'calls/a.yaml': yaml('calls:', '  - name: a', '    recipients: ../lists/r.csv'),
      'lists/other.csv': 'phone\n',
    });
    await symlink('/nonexistent.csv', join(root, 'lists/r.csv'));
    const loaded = await loadProject({ root });
    expect(loaded.recipients?.get('lists/r.csv')).toEqual({
      problem: `${MISSING} (/nonexistent.csv)`,
    });
  });
});
