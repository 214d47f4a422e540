import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, makeProject, output, type Project, runCli } from './helpers.js';

/** A call file as `git merge` leaves it when both sides changed the number. */
const CONFLICTED = [
  'calls:',
  '  - name: a',
  `    application_sid: ${APP_SID}`,
  '    from: "+15550001111"',
  '<<<<<<< HEAD',
  '    to: { type: phone, number: "+15550002222" }',
  '=======',
  '    to: { type: phone, number: "+15550003333" }',
  '>>>>>>> feature/new-number',
  '',
].join('\n');

const CLEAN = CONFLICTED.split('\n')
  .filter((line, i) => i < 4 || i === 5 || line === '')
  .join('\n');

describe('git merge conflict markers left in a YAML file', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('a call file: one error at its first marker, nothing else said of it', async () => {
    project = await makeProject({ 'calls/a.yaml': CONFLICTED, 'calls/b.yaml': CLEAN });
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      'calls/a.yaml:5:1: error: calls/a.yaml has unresolved git merge conflict markers (lines 5 to 9) — keep the lines wanted from each side and remove the marker lines, or restore it from git',
    );
    expect(r.stderr).toContain('1 error, 0 warnings');
    const plan = await runCli(['plan'], { cwd: project.dir });
    expect(plan.code, output(plan)).toBe(1);
    expect(plan.stderr.match(/error:/g)).toHaveLength(1);
  });

  it('callops.yaml: one error at its first marker, never taken as the default settings', async () => {
    project = await makeProject({
      'callops.yaml': [
        'lockfile: callops.lock',
        'defaults:',
        '<<<<<<< ours',
        '  timeout: 45',
        '=======',
        '  timeout: 30',
        '>>>>>>> theirs',
        '',
      ].join('\n'),
      'calls/b.yaml': CLEAN,
    });
    const r = await runCli(['validate', '--format', 'json'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(1);
    const { errors } = JSON.parse(r.stdout) as {
      errors: { file: string; line: number; column: number; message: string }[];
    };
    expect(errors).toEqual([
      expect.objectContaining({
        file: 'callops.yaml',
        line: 3,
        column: 1,
        message: expect.stringContaining(
          'has unresolved git merge conflict markers (lines 3 to 7)',
        ),
      }),
    ]);
  });

  it('a lone ======= line in a block scalar is text, not a conflict', async () => {
    project = await makeProject({
      'calls/b.yaml': `${CLEAN}    metadata:\n      note: |\n        Title\n=======\n`,
    });
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.stderr).not.toContain('conflict markers');
  });
});
