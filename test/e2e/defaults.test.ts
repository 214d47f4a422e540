import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, output, type Project, runCli } from './helpers.js';

describe('the default `calls` pattern', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('takes *.yml as *.yaml, and says so wherever the default is shown', async () => {
    project = await makeProject({
      'calls/a.yaml': callsYaml([{ name: 'a' }]),
      'calls/sub/b.yml': callsYaml([{ name: 'b' }]),
    });
    const plan = await runCli(['plan', '--format', 'json'], { cwd: project.dir });
    expect(plan.code, output(plan)).toBe(0);
    const due = (JSON.parse(plan.stdout) as { due: { name: string }[] }).due;
    expect(due.map((d) => d.name).sort()).toEqual(['a', 'b']);

    const schema = await runCli(['schema', '--config'], { cwd: project.dir });
    expect(schema.code, output(schema)).toBe(0);
    const calls = (JSON.parse(schema.stdout) as { properties: { calls: { description: string } } })
      .properties.calls.description;
    expect(calls).toContain('"calls/**/*.yaml", "calls/**/*.yml"');
  });
});
