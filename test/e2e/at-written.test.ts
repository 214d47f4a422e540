import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, type Project, runCli } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** A project of one call per schedule (on the built-in simulator: no callops.yaml). */
const projectOf = async (schedules: readonly string[]) => {
  project = await makeProject({
    'calls/a.yaml': callsYaml(schedules.map((s, i) => ({ name: `c${i}`, extra: [s] }))),
  });
  return project.dir;
};

// callsYaml puts call i's schedule on line 7 + 3i; its `at` value starts at column 21.
describe('an `at` as written', () => {
  it('an offset no zone has, 24:00 or a day not on the calendar: an error at the `at`, saying which', async () => {
    const cwd = await projectOf([
      'schedule: { at: "2026-07-01T09:00:00+24:00" }',
      'schedule: { at: "2026-07-01T09:00:00+14:60" }',
      'schedule: { at: "2026-07-01T09:00:00+99:99" }',
      'schedule: { at: "2026-07-01T24:00:00Z" }',
      'schedule: { at: "2027-02-29T09:00:00Z" }',
      'schedule: { at: "2027-07-01T09:00:00-05:00", timezone: America/New_York }',
    ]);
    const r = await runCli(['validate', '--no-color'], { cwd });
    expect(r.code).toBe(1);
    const range = 'is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)';
    for (const line of [
      `calls/a.yaml:7:21: error: \`at\` \`2026-07-01T09:00:00+24:00\`: +24:00 ${range}`,
      `calls/a.yaml:10:21: error: \`at\` \`2026-07-01T09:00:00+14:60\`: +14:60 ${range}`,
      `calls/a.yaml:13:21: error: \`at\` \`2026-07-01T09:00:00+99:99\`: +99:99 ${range}`,
      'calls/a.yaml:16:21: error: `at` `2026-07-01T24:00:00Z`: 24:00:00 is not a time of day (00:00:00 to 23:59:59)',
      'calls/a.yaml:19:21: error: `at` `2027-02-29T09:00:00Z`: 2027-02-29 does not exist: February 2027 has 28 days',
      "calls/a.yaml:22:21: warning: `at` `2027-07-01T09:00:00-05:00`: its offset -05:00 is not America/New_York's on 2027-07-01 (-04:00), so it is placed at 10:00 America/New_York time; drop the offset for 09:00 there",
    ])
      expect(r.stderr).toContain(line);
    expect(r.stderr).toContain('5 errors, 1 warning');

    // None of them is placed a day early (or late): the plan refuses them as validate does.
    const plan = await runCli(['plan', '--now', '2026-06-01T00:00:00Z'], { cwd });
    expect(plan.code).toBe(1);
    expect(plan.stdout).not.toContain('2026-06-30');
  });

  it('a --now with an offset no zone has is a usage error, never evaluated hours or days away', async () => {
    const cwd = await projectOf(['schedule: { at: "2026-07-01T09:00:00Z" }']);
    for (const now of ['2026-06-30T09:00:00+99:99', '2026-06-30T09:00:00+24:00']) {
      const r = await runCli(['plan', '--now', now], { cwd });
      expect(r.code, now).toBe(64);
      expect(r.stderr).toContain(`--now`);
      expect(r.stderr).toContain(now);
      expect(r.stdout).not.toContain('evaluated at');
    }
  });
});
