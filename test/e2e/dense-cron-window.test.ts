// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, FROM, makeProject, output, type Project, plainText, runCli } from './helpers.js';

/**
 * A dense cron (every 5 seconds, every second) whose window opens many hours ahead: its
 * next slot lies beyond thousands of wall times the window closes, which the plan jumps over.
 */

const open: Project[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.cleanup()));
});

/** 00:30 UTC: 14:30 in Pacific/Kiritimati (UTC+14), 12:30 the day before in Etc/GMT+12. */
const NOW = '2026-06-10T00:30:02Z';

const campaign = (cron: string): string =>
  [
    'calls:',
    '  - name: camp',
    '    recipients: ../lists/camp.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "${row.phone}" }',
    `    schedule: { cron: "${cron}", timezone: "\${row.tz}", window: "00:00-12:00", deadline: 2s }`,
    '',
  ].join('\n');

const CSV =
  'id,phone,tz\nr1,+15557000001,UTC\nr2,+15557000002,Pacific/Kiritimati\nr3,+15557000003,Etc/GMT+12\n';

interface PlanJson {
  readonly upcoming: readonly { readonly key: string }[];
  readonly campaigns: readonly { readonly upcoming: number; readonly done: number }[];
}

describe('a dense cron with a window that opens far ahead', () => {
  it('a campaign every 5 seconds: its rows wait for their next slot, none expired or done', async () => {
    const project = await makeProject({
      'calls/camp.yaml': campaign('*/5 * * * * *'),
      'lists/camp.csv': CSV,
    });
    open.push(project);
    const run = (args: readonly string[]) => runCli(args, { cwd: project.dir });

    const report = await run(['report', 'camp', '--now', NOW]);
    expect(report.code, output(report)).toBe(0);
    const states = report.stdout
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((line) => line.split(',').slice(0, 3).join(','));
    expect(states).toEqual([
      'r1,+15557000001,waiting',
      'r2,+15557000002,waiting',
      'r3,+15557000003,waiting',
    ]);

    const json = await run(['plan', '--now', NOW, '--format', 'json']);
    expect(json.code, output(json)).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanJson;
    expect(plan.campaigns[0]).toMatchObject({ upcoming: 3, done: 0 });
    const keys = plan.upcoming.map((i) => i.key);
    // r2 at local midnight in Kiritimati, r3 at local midnight in Etc/GMT+12.
    expect(keys).toContain('simulator/camp/r2@2026-06-10T10:00:00Z');
    expect(keys).toContain('simulator/camp/r3@2026-06-10T12:00:00Z');

    const human = await run(['plan', '--now', NOW]);
    expect(human.code, output(human)).toBe(0);
    const text = plainText(human.stdout);
    expect(text).toContain('camp: 3 rows — 3 upcoming;');
    expect(text).not.toContain('done (no slot left)');
  });

  it('a call every second with a window 22 h ahead: status shows its next slots', async () => {
    const project = await makeProject({
      'calls/ping.yaml': [
        'calls:',
        '  - name: ping',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "+15557000009" }',
        '    schedule: { cron: "* * * * * *", window: "10:00-12:00" }',
        '',
      ].join('\n'),
    });
    open.push(project);
    const status = await runCli(['status', '--now', '2026-06-10T12:00:00Z'], { cwd: project.dir });
    expect(status.code, output(status)).toBe(0);
    const text = plainText(status.stdout);
    expect(text).toContain('next slots:');
    expect(text).toContain('ping@2026-06-11T10:00:00Z');
  });
});
