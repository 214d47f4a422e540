import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/config/index.js';
import { leavesProject } from '../../src/config/inside.js';
import { KUBELET_DATA_DIR, kubeletVolume } from '../support/kubelet-volume.js';
import { projectDirs } from '../support/project-dir.js';
import { yaml } from '../validate/fixtures.js';

const project = projectDirs('callops-inside-');

const CALLS = yaml('calls:', '  - name: a');
const OUTSIDE = 'outside the project';
const HIDDEN = 'a hidden file of the project';

describe('a file that leads out of the project', () => {
  it('is told apart from one that stays inside it', async () => {
    const away = await project({ 'secret.env': 'KEY=canary-value\n' });
    const root = await project({ 'calls/a.yaml': CALLS, 'shared/b.yaml': CALLS, '.env': '' });
    await mkdir(join(root, '.hidden'));
    await writeFile(join(root, '.hidden/c.yaml'), CALLS);
    await symlink(join(away, 'secret.env'), join(root, 'calls/out.yaml'));
    await symlink(away, join(root, 'calls/far'));
    await symlink('../.env', join(root, 'calls/env.yaml'));
    await symlink('../shared/b.yaml', join(root, 'calls/b.yaml'));
    await symlink('/nonexistent.yaml', join(root, 'calls/dangling.yaml'));
    const leaves = leavesProject(root);
    expect(leaves(join(root, 'calls/out.yaml'))).toBe(
      `is a symbolic link to ${join(away, 'secret.env')}, ${OUTSIDE}: callops reads no callops.yaml, call file, recipients CSV or do-not-call list from outside the project`,
    );
    // Through a linked folder: the file itself is no link.
    expect(leaves(join(root, 'calls/far/secret.env'))).toContain(
      `leads to ${join(away, 'secret.env')}, ${OUTSIDE}`,
    );
    // A path written outside the project, no link at all.
    expect(leaves(join(away, 'secret.env'))).toContain(OUTSIDE);
    expect(leaves(join(root, 'calls/env.yaml'))).toBe(
      `is a symbolic link to ../.env (${join(root, '.env')}), ${HIDDEN}: callops follows no link to a file or folder whose name starts with a dot (.env, .git)`,
    );
    expect(leaves(join(root, 'calls/a.yaml'))).toBeUndefined();
    expect(leaves(join(root, 'calls/b.yaml'))).toBeUndefined();
    // A hidden file named as such is read as named; a broken link is said by the reader.
    expect(leaves(join(root, '.hidden/c.yaml'))).toBeUndefined();
    expect(leaves(join(root, 'calls/dangling.yaml'))).toBeUndefined();
  });

  it('as a call file is an error naming it, and is not read; one named outside on the command line is read', async () => {
    const away = await project({ 'x.yaml': CALLS });
    const root = await project({ 'calls/a.yaml': CALLS });
    await symlink(join(away, 'x.yaml'), join(root, 'calls/out.yaml'));
    const loaded = await loadProject({ root });
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({ file: 'calls/out.yaml', line: 0, severity: 'error' }),
    ]);
    expect(loaded.diagnostics[0]?.message).toContain(OUTSIDE);
    const named = await loadProject({ root, paths: [join(away, 'x.yaml')] });
    expect(named.diagnostics).toEqual([]);
    expect(named.callFiles).toHaveLength(1);
    const linked = await loadProject({ root, paths: ['calls/out.yaml'] });
    expect(linked.callFiles).toEqual([]);
    expect(linked.diagnostics[0]?.message).toContain(OUTSIDE);
  });

  it('as callops.yaml (out of the project, or to its .env) is an error naming it, and is not read', async () => {
    const away = await project({ 'shared.yaml': 'target: {}\n\tapi_key: canary-value\n' });
    for (const [link, expected] of [
      [join(away, 'shared.yaml'), OUTSIDE],
      ['.env', HIDDEN],
    ] as const) {
      const root = await project({ 'calls/a.yaml': CALLS, '.env': 'KEY=canary-value\n' });
      await symlink(link, join(root, 'callops.yaml'));
      const loaded = await loadProject({ root });
      expect(loaded.diagnostics).toEqual([
        expect.objectContaining({ file: 'callops.yaml', line: 0, severity: 'error' }),
      ]);
      expect(loaded.diagnostics[0]?.message).toContain(expected);
      expect(JSON.stringify(loaded)).not.toContain('canary-value');
    }
    // A link to a file inside the project is read as before.
    const root = await project({ 'calls/a.yaml': CALLS, 'conf/base.yaml': '{}\n' });
    await symlink('conf/base.yaml', join(root, 'callops.yaml'));
    expect((await loadProject({ root })).diagnostics).toEqual([]);
  });
});

describe('a project kubelet mounts from a ConfigMap', () => {
  it('is read through its ..data links, in the root or in a folder of the project', async () => {
    const root = await project({});
    await kubeletVolume(root, { 'callops.yaml': '{}\n', 'calls/a.yaml': CALLS });
    const leaves = leavesProject(root);
    expect(leaves(join(root, 'callops.yaml'))).toBeUndefined();
    expect(leaves(join(root, 'calls/a.yaml'))).toBeUndefined();
    const loaded = await loadProject({ root });
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.configFile?.file).toBe('callops.yaml');
    expect(loaded.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml']);

    // Only the call files come from the ConfigMap, mounted at calls/.
    const image = await project({ 'callops.yaml': '{}\n' });
    await mkdir(join(image, 'calls'));
    await kubeletVolume(join(image, 'calls'), { 'a.yaml': CALLS, 'b.yaml': CALLS });
    const mounted = await loadProject({ root: image });
    expect(mounted.diagnostics).toEqual([]);
    expect(mounted.callFiles.map((f) => f.file)).toEqual(['calls/a.yaml', 'calls/b.yaml']);
  });

  it('still refuses a link to a hidden file in it, beside it, or to a folder only named like its data', async () => {
    const away = await project({});
    await kubeletVolume(away, { 'a.yaml': CALLS });
    const root = await project({ '.git/config': '' });
    await kubeletVolume(root, { 'callops.yaml': '{}\n', '.env': 'KEY=canary-value\n' });
    // Named like kubelet's data folder, but no ..data leads to it.
    await mkdir(join(root, '..2026_12_02_17_49_00.1'));
    await writeFile(join(root, '..2026_12_02_17_49_00.1/stale.yaml'), CALLS);
    // A ..data of the user's own, to a hidden folder not named like kubelet's.
    await mkdir(join(root, 'sub/..secrets'), { recursive: true });
    await writeFile(join(root, 'sub/..secrets/s.yaml'), CALLS);
    await symlink('..secrets', join(root, 'sub/..data'));
    const links: Record<string, string> = {
      'calls/env.yaml': '../..data/.env',
      'calls/dotenv.yaml': '../.env',
      'calls/git.yaml': '../.git/config',
      'calls/stale.yaml': '../..2026_12_02_17_49_00.1/stale.yaml',
      'calls/secrets.yaml': '../sub/..data/s.yaml',
    };
    await mkdir(join(root, 'calls'));
    for (const [link, target] of Object.entries(links)) await symlink(target, join(root, link));
    // A ..data of another volume, out of the project.
    await symlink(join(away, '..data/a.yaml'), join(root, 'calls/away.yaml'));
    const leaves = leavesProject(root);
    for (const link of Object.keys(links)) expect(leaves(join(root, link)), link).toContain(HIDDEN);
    expect(leaves(join(root, 'calls/away.yaml'))).toBe(
      `is a symbolic link to ${join(away, '..data/a.yaml')} (${join(away, KUBELET_DATA_DIR, 'a.yaml')}), ${OUTSIDE}: callops reads no callops.yaml, call file, recipients CSV or do-not-call list from outside the project`,
    );
    const loaded = await loadProject({ root });
    expect(loaded.callFiles).toEqual([]);
    expect(loaded.diagnostics.map((d) => d.file).sort()).toEqual(
      [...Object.keys(links), 'calls/away.yaml'].sort(),
    );
    expect(JSON.stringify(loaded)).not.toContain('canary-value');
  });
});
