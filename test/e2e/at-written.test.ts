import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, type Project, runCli } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface PlanJson {
  upcoming: { key: string; slot?: string; reason?: string }[];
  skipped: unknown[];
}

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
    for (const now of [
      '2026-06-30T09:00:00+99:99',
      '2026-06-30T09:00:00+24:00',
      // Hours alone, as `at:` reads them.
      '2026-06-30T09:00:00+15',
      '2026-06-30T09:00:00+24',
      '2026-06-30T09:00:00+99',
    ]) {
      const r = await runCli(['plan', '--now', now], { cwd });
      expect(r.code, now).toBe(64);
      expect(r.stderr).toContain(`--now`);
      expect(r.stderr).toContain(now);
      // Said as at: says it, with the range, not as a text of the wrong shape.
      expect(r.stderr).toContain(`is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)`);
      expect(r.stdout).not.toContain('evaluated at');
    }
  });

  it('a --now with an offset of hours alone is read as `at:` reads it', async () => {
    const cwd = await projectOf(['schedule: { at: "2026-07-01T09:00:00Z" }']);
    const r = await runCli(['plan', '--format', 'json', '--now', '2026-06-30T09:00:00+05'], {
      cwd,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { now: string }).now).toBe('2026-06-30T04:00:00.000Z');
  });

  it('a slot more than eight years ahead, or a --now decades back, is still listed by plan and status', async () => {
    const cwd = await projectOf([
      'schedule: { at: "2035-06-01T09:00:00Z" }',
      'schedule: { at: "2027-07-01T09:00:00", timezone: America/New_York }',
      'schedule: { cron: "0 9 * * 1", start: "2040-01-01" }',
      // No 31 February: validate warns; the plan says so, never as a call to come.
      'schedule: { cron: "0 9 31 2 *" }',
      // None of its times is inside its window: alike.
      'schedule: { cron: "0 3 * * *", window: "08:00-21:00" }',
    ]);
    const noDate =
      'cron `0 9 31 2 *` matches no date of any year (its days of month never come in its months): no slot of it is ever placed';
    const outside =
      'cron `0 3 * * *` never falls inside window 08:00-21:00 (UTC time): no slot of it is ever placed';
    const now = ['--now', '2026-06-01T00:00:00Z'];
    const human = await runCli(['plan', '--no-color', ...now], { cwd });
    expect(human.code, human.stderr).toBe(0);
    // validate's warnings, and the plan's reasons, in the same words.
    expect(human.stderr).toContain(noDate);
    expect(human.stderr).toContain(outside);
    expect(human.stdout).toMatch(/~ simulator\/c0@2035-06-01T09:00:00Z {2}→ .* — in 3287d 9h/);
    expect(human.stdout).toContain('~ simulator/c2@2040-01-02T09:00:00Z');
    expect(human.stdout).toContain(
      `= simulator/c3  → +15550002003  (calls/a.yaml:14) — ${noDate}\n`,
    );
    expect(human.stdout).toContain(
      `= simulator/c4  → +15550002004  (calls/a.yaml:17) — ${outside}\n`,
    );
    expect(human.stdout).not.toMatch(/~ simulator\/c[34]/);
    expect(human.stdout).toContain('2 skipped, 5 upcoming');

    const json = JSON.parse(
      (await runCli(['plan', '--format', 'json', ...now], { cwd })).stdout,
    ) as PlanJson;
    expect(json.upcoming.map((i) => i.key)).toEqual([
      'simulator/c1@2027-07-01T13:00:00Z',
      'simulator/c0@2035-06-01T09:00:00Z',
      'simulator/c2@2040-01-02T09:00:00Z',
      'simulator/c2@2040-01-09T09:00:00Z',
      'simulator/c2@2040-01-16T09:00:00Z',
    ]);
    expect(json.skipped).toEqual([
      expect.objectContaining({ key: 'simulator/c3', reason: noDate }),
      expect.objectContaining({ key: 'simulator/c4', reason: outside }),
    ]);
    expect(json.skipped.map((i) => (i as { slot?: string }).slot)).toEqual([undefined, undefined]);

    const md = await runCli(['plan', '--format', 'markdown', ...now], { cwd });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('### Upcoming: 5 slots\n');
    expect(md.stdout).toContain(`- \`simulator/c3\` → \`+15550002003\` — ${noDate}\n`);

    const status = await runCli(['status', '--no-color', ...now], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('simulator/c0@2035-06-01T09:00:00Z');
    // Not among the next slots: status says it has none in validate's warning.
    expect(status.stdout).not.toContain('simulator/c3');
    expect(status.stdout).not.toContain('simulator/c4');
    expect(status.stderr).toContain(noDate);
    expect(status.stderr).toContain(outside);

    const back = JSON.parse(
      (await runCli(['plan', '--format', 'json', '--now', '1970-01-01T00:00:00Z'], { cwd })).stdout,
    ) as PlanJson;
    expect(back.upcoming.map((i) => i.key)).toContain('simulator/c1@2027-07-01T13:00:00Z');
    expect(back.upcoming.map((i) => i.key)).toContain('simulator/c0@2035-06-01T09:00:00Z');
  });
});
