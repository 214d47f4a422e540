import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectAbove } from '../../src/config/project-above.js';
import { projectDirs } from '../support/project-dir.js';

const project = projectDirs('callops-above-');
const CALL = 'calls:\n  - name: a\n';

describe('projectAbove', () => {
  it('names the callops.yaml above a folder that holds neither callops.yaml nor call files', async () => {
    const root = await project({ 'callops.yaml': '{}\n', 'calls/a.yaml': CALL, 'notes/x.txt': '' });
    expect(await projectAbove(join(root, 'calls'))).toBe(join(root, 'callops.yaml'));
    expect(await projectAbove(join(root, 'notes'))).toBe(join(root, 'callops.yaml'));
    expect(await projectAbove(root)).toBeUndefined();
  });

  it('a folder that is a project of its own is not a folder of the one above', async () => {
    const root = await project({
      'callops.yaml': '{}\n',
      'own/callops.yml': '{}\n',
      'calls-only/calls/a.yaml': CALL,
    });
    expect(await projectAbove(join(root, 'own'))).toBeUndefined();
    expect(await projectAbove(join(root, 'calls-only'))).toBeUndefined();
  });

  it('the search stops at the top of a git checkout', async () => {
    const root = await project({ 'callops.yaml': '{}\n', 'repo/.git/HEAD': '', 'repo/sub/x': '' });
    expect(await projectAbove(join(root, 'repo', 'sub'))).toBeUndefined();
    expect(await projectAbove(join(root, 'repo'))).toBeUndefined();
  });
});
