import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, type Project, runCli } from './helpers.js';

const HINT = 'no callops.yaml here; ../callops.yaml is a project: run from there or pass -C ..';

describe('a command run from a folder of a project', () => {
  let project: Project;
  beforeAll(async () => {
    project = await makeProject({
      'callops.yaml': 'defaults: { timeout: 30 }\n',
      'calls/a.yaml': callsYaml([{ name: 'a' }]),
    });
  });
  afterAll(() => project.cleanup());

  it('validate, plan and status say where the project is, and go on with the folder as asked', async () => {
    const cwd = join(project.dir, 'calls');
    for (const command of ['validate', 'plan', 'status']) {
      const r = await runCli([command], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr.split('\n')[0]).toBe(`callops ${command}: ${HINT}`);
    }
    // From the root, or -C to it, there is no such line.
    for (const args of [['validate'], ['plan']]) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.stderr).not.toContain('is a project');
      const c = await runCli(['-C', '..', ...args], { cwd });
      expect(c.stderr).not.toContain('is a project');
    }
  });

  it('apply and run refuse (exit 64), nothing placed and nothing written in the folder', async () => {
    const cwd = join(project.dir, 'calls');
    for (const args of [
      ['apply', '--yes'],
      ['run', '--yes'],
    ]) {
      const r = await runCli(args, { cwd });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toBe(`callops ${args[0]}: ${HINT} (nothing was sent, nothing written)\n`);
    }
    expect((await readdir(cwd)).sort()).toEqual(['a.yaml']);
    expect(project.exists('callops.lock')).toBe(false);
    // With -C naming the folder from the root, the line says so.
    const c = await runCli(['apply', '--yes', '-C', 'calls'], { cwd: project.dir });
    expect(c.code).toBe(64);
    expect(c.stderr).toBe(
      'callops apply: no callops.yaml in calls; callops.yaml is a project: run from there or pass -C . (nothing was sent, nothing written)\n',
    );
  });
});
