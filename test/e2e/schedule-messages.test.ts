import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, makeProject, type Project, runCli } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
  severity: string;
}

const validate = async (schedules: readonly string[]) => {
  project = await makeProject({
    'calls/a.yaml': callsYaml(schedules.map((s, i) => ({ name: `c${i}`, extra: [s] }))),
  });
  const r = await runCli(['validate', '--format', 'json'], { cwd: project.dir });
  const json = JSON.parse(r.stdout) as { errors: JsonDiagnostic[] };
  return { r, errors: json.errors };
};

// callsYaml puts call i's schedule on line 7 + 3i; its cron value starts at column 23.
describe('schedule messages', () => {
  it('@daily and other shortcuts: not supported, with the 5-field equivalent, at the cron', async () => {
    const { r, errors } = await validate([
      'schedule: { cron: "@daily" }',
      'schedule: { cron: "@hourly" }',
    ]);
    expect(r.code).toBe(1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({
      file: 'calls/a.yaml',
      line: 7,
      column: 23,
      severity: 'error',
    });
    expect(errors[0]?.message).toMatch(/shortcuts .*`@daily` are not supported.*`0 0 \* \* \*`/);
    expect(errors[1]).toMatchObject({ line: 10, column: 23 });
    expect(errors[1]?.message).toMatch(/`0 \* \* \* \*`/);
  });

  it('an out-of-range value names its field', async () => {
    const { errors } = await validate([
      'schedule: { cron: "61 * * * *" }',
      'schedule: { cron: "0 24 * * *" }',
      'schedule: { cron: "0 9 * 13 *" }',
    ]);
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [7, 23],
      [10, 23],
      [13, 23],
    ]);
    expect(errors[0]?.message).toContain('minute 61 is out of range 0–59');
    expect(errors[1]?.message).toContain('hour 24 is out of range 0–23');
    expect(errors[2]?.message).toContain('month 13 is out of range 1–12');
  });

  it('a cron that never falls inside its window is a warning at the cron', async () => {
    const { r, errors } = await validate([
      'schedule: { cron: "0 3 * * *", window: "08:00-18:00" }',
      'schedule: { cron: "0 9 * * *", window: "08:00-18:00" }',
    ]);
    expect(r.code).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 7, column: 23, severity: 'warning' });
    expect(errors[0]?.message).toMatch(/`0 3 \* \* \*` never falls inside window 08:00-18:00/);
    const human = await runCli(['validate'], { cwd: project?.dir ?? '' });
    expect(human.stdout + human.stderr).toMatch(
      /calls\/a\.yaml:7:23: warning: cron `0 3 \* \* \*` never falls/,
    );
  });

  it('a 6-field cron with a trailing `*` is read seconds first and says so at the cron; Quartz `?` is refused saying why', async () => {
    const { r, errors } = await validate([
      'schedule: { cron: "0 9 * * 1-5 *", timezone: Europe/Berlin }',
      'schedule: { cron: "0 0 9 ? * MON-FRI" }',
      'schedule: { cron: "30 0 9 * * 1-5" }',
    ]);
    expect(r.code).toBe(1);
    expect(errors.map((e) => [e.line, e.column, e.severity])).toEqual([
      [7, 23, 'warning'],
      [10, 23, 'error'],
    ]);
    expect(errors[0]?.message).toContain(
      'cron `0 9 * * 1-5 *`: 6 fields are read with seconds first, none as a year: second 0, minute 9 of every hour, month 1-5 (January–May), so it fires in every hour; for 09:00 write 5 fields: `0 9 * * 1-5`',
    );
    expect(errors[1]?.message).toMatch(
      /`\?` \(Quartz's "no specific value"\) is not supported: .*6 fields are read with seconds first.*`0 0 9 \* \* MON-FRI`, or 5 fields: `0 9 \* \* MON-FRI`/,
    );
    const human = await runCli(['validate'], { cwd: project?.dir ?? '' });
    expect(human.stdout + human.stderr).toMatch(
      /calls\/a\.yaml:7:23: warning: cron `0 9 \* \* 1-5 \*`: 6 fields are read with seconds first/,
    );
  });
});
