import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_SID, callsYaml, makeProject, output, runCli, startGateway } from './helpers.js';

const lines = (text: string, start: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(start));

// GitHub reads an annotation's file from the repository root: the directory a step runs in.
describe('GitHub annotations under -C DIR name files from the working directory', () => {
  it('validate -C ops annotates ops/calls/x.yaml; human output keeps the project path', async () => {
    const p = await makeProject({
      'calls/x.yaml': [
        'calls:',
        '  - name: Bad',
        `    application_sid: ${APP_SID}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '',
      ].join('\n'),
    });
    const away = await mkdtemp(join(tmpdir(), 'callops-e2e-away-'));
    try {
      const [cwd, ops] = [dirname(p.dir), basename(p.dir)];
      const github = await runCli(['validate', '-C', ops], {
        cwd,
        env: { GITHUB_ACTIONS: 'true' },
      });
      expect(github.code, output(github)).toBe(1);
      const errors = lines(github.stdout, '::error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(new RegExp(`^::error file=${ops}/calls/x\\.yaml,line=2,col=11,`));
      const human = await runCli(['validate', '-C', ops], { cwd });
      expect(human.code, output(human)).toBe(1);
      expect(human.stderr).toMatch(/^calls\/x\.yaml:2:11: error: /m);
      // Run from the project itself, nothing changes.
      const inside = await runCli(['validate', '--format', 'github'], { cwd: p.dir });
      expect(lines(inside.stdout, '::error')[0]).toMatch(/^::error file=calls\/x\.yaml,line=2,/);
      // A project outside the working directory: its absolute path.
      await mkdir(join(away, 'step'));
      const outside = await runCli(['validate', '--format', 'github', '-C', p.dir], {
        cwd: join(away, 'step'),
      });
      expect(lines(outside.stdout, '::error')[0]).toMatch(
        new RegExp(`^::error file=${join(p.dir, 'calls', 'x.yaml')},line=2,`),
      );
    } finally {
      await rm(away, { recursive: true, force: true });
      await p.cleanup();
    }
  });

  it('apply and plan -C DIR annotate an unknown call at DIR/calls/a.yaml', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml([{ name: 'maybe' }]) },
      { failStatus: 500 },
    );
    try {
      const [cwd, dir] = [dirname(gw.project.dir), basename(gw.project.dir)];
      const env = { ...gw.env, GITHUB_ACTIONS: 'true' };
      const file = new RegExp(`^::warning file=${dir}/calls/a\\.yaml,line=\\d+,`);
      const apply = await runCli(['apply', '--yes', '-C', dir], { cwd, env });
      expect(apply.code, output(apply)).toBe(1);
      const applied = lines(apply.stdout, '::warning');
      expect(applied).toHaveLength(1);
      expect(applied[0]).toMatch(file);
      const plan = await runCli(['plan', '-C', dir], { cwd, env });
      expect(plan.code, output(plan)).toBe(0);
      const planned = lines(plan.stdout, '::warning');
      expect(planned).toHaveLength(1);
      expect(planned[0]).toMatch(file);
    } finally {
      await gw.close();
    }
  });
});
