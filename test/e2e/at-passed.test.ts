import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, type Project, runCli } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface PlanJson {
  due: unknown[];
  upcoming: unknown[];
  missed: unknown[];
  skipped: { key: string; slot?: string; local?: string; reason?: string }[];
}

describe('a one-time call whose `at` passed before it was placed', () => {
  it('plan lists it as skipped, never placed, and apply says nothing is due as plan shows it', async () => {
    // A year typo: 24 December 2025, not 2026 (on the built-in simulator: no callops.yaml).
    project = await makeProject({
      'calls/a.yaml': callsYaml([
        {
          name: 'xmas',
          extra: ['schedule: { at: "2025-12-24T09:00:00", timezone: Europe/Berlin }'],
        },
      ]),
    });
    const cwd = project.dir;
    expect((await runCli(['validate'], { cwd })).code).toBe(0);

    const plan = await runCli(['plan', '--no-color'], { cwd });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Skipped (1):');
    expect(plan.stdout).toMatch(
      /= simulator\/xmas@2025-12-24T08:00:00Z \(09:00 Europe\/Berlin\) .* — never placed: its only slot had passed when callops first saw the call/,
    );
    expect(plan.stdout).toContain('Plan: 0 to place, 0 missed, 1 skipped, 0 upcoming.');

    const json = JSON.parse(
      (await runCli(['plan', '--format', 'json'], { cwd })).stdout,
    ) as PlanJson;
    expect(json.skipped).toEqual([
      expect.objectContaining({
        key: 'simulator/xmas@2025-12-24T08:00:00Z',
        slot: '2025-12-24T08:00:00Z',
        local: '09:00 Europe/Berlin',
        reason: expect.stringMatching(/^never placed: .*move its `at` to place it$/),
      }),
    ]);

    const apply = await runCli(['apply', '--yes', '--no-color'], { cwd });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain(
      'Nothing is due: every call is placed, scheduled later, or skipped (see `callops plan`).',
    );
    // Still listed once apply remembered the call: it is not placed, ever.
    const again = JSON.parse(
      (await runCli(['plan', '--format', 'json'], { cwd })).stdout,
    ) as PlanJson;
    expect(again.skipped.map((i) => i.key)).toEqual(['simulator/xmas@2025-12-24T08:00:00Z']);
  });
});
