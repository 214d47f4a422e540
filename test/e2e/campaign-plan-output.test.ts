// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type PlanFile, planDigest } from '../../src/plan/index.js';
import { APP_SID, FROM, makeProject, output, type Project, runCli } from './helpers.js';

/**
 * A campaign's plan as every consumer reads it — `--format json`, `--out` (the plan file
 * apply executes), markdown and the human text — byte for byte as the expected files under
 * test/fixtures/campaign-plan, which were written by the release that kept every row's cells
 * and item fields as plain values. Rows now compute them from the CSV's text when asked for;
 * these files prove nothing a consumer reads changed, for plain rows and for rows whose cells
 * are quoted (a comma, doubled quotes, a line break inside a cell), with a BOM, CRLF line
 * ends, an empty line, hours in four zones, a redial waiting, an answered row, a row changed
 * since placed, an unknown one and a failed one being retried.
 */

const EXPECTED = fileURLToPath(new URL('../fixtures/campaign-plan/', import.meta.url));
const expected = (name: string): Promise<string> => readFile(join(EXPECTED, name), 'utf8');

const template = (name: string, csv: string, extra: readonly string[] = []): string[] => [
  `  - name: ${name}`,
  `    recipients: ../lists/${csv}`,
  `    application_sid: ${APP_SID}`,
  `    from: "${FROM}"`,
  '    to: { type: phone, number: "${row.phone}" }',
  ...extra.map((l) => `    ${l}`),
];

const FILES: Readonly<Record<string, string>> = {
  'calls/reminders.yaml': [
    'calls:',
    ...template('reminders', 'reminders.csv', [
      'tag: { patient: "${row.name}", row: "${row.id}" }',
      'schedule: { window: "08:00-21:00" }',
    ]),
    ...template('followups', 'followups.csv', [
      'redial: { on: [no-answer, busy], after: 30m, max_attempts: 3 }',
    ]),
    ...template('notify', 'notify.csv'),
    '',
  ].join('\n'),
  'lists/reminders.csv': [
    '\ufeffid,name,phone,timezone',
    'ny,"Doe, Jane",+15557000001,America/New_York',
    '',
    'tokyo,"Sato ""Ken""",+15557000002,Asia/Tokyo',
    'berlin,"Two\r\nLines",+15557000003,Europe/Berlin',
    'la,Plain,+15557000004,America/Los_Angeles',
    '',
  ].join('\r\n'),
  'lists/followups.csv': 'phone,name\n+15557000011,A\n"+15557000012",B\n+15557000013,\n',
  'lists/notify.csv': 'id,phone\na,+15557000021\nb,+15557000022\nc,+15557000023\n',
  'callops.lock': `${JSON.stringify(
    {
      lockfileVersion: 1,
      calls: {
        'simulator/followups/1': {
          status: 'placed',
          sid: 'CA-f1',
          at: '2026-06-01T12:40:00.000Z',
          definition: 'sha256:47e89e3a189a7b4f0d7f41bde2935264b77f6dcdc930aabb16df7a4112245101',
          file: 'lists/followups.csv',
          outcome: {
            status: 'no-answer',
            sip_status: 487,
            duration: 0,
            answered: false,
            ended_at: '2026-06-01T12:50:00.000Z',
          },
        },
        'simulator/followups/2': {
          status: 'placed',
          sid: 'CA-f2',
          at: '2026-06-01T12:40:00.000Z',
          definition: 'sha256:e8eee328b8b8c90d06400df1057d387b164b3641badf009d4e3891e72d3e6fe7',
          file: 'lists/followups.csv',
          outcome: {
            status: 'completed',
            sip_status: 200,
            duration: 30,
            answered: true,
            ended_at: '2026-06-01T12:41:00.000Z',
          },
        },
        'simulator/notify/a': {
          status: 'placed',
          sid: 'CA-n1',
          at: '2026-06-01T12:00:00.000Z',
          definition: 'sha256:0',
          file: 'lists/notify.csv',
        },
        'simulator/notify/b': {
          status: 'unknown',
          at: '2026-06-01T12:00:00.000Z',
          definition: 'sha256:0',
          file: 'lists/notify.csv',
          message: 'the run ended before an answer was recorded',
        },
        'simulator/reminders/ny': {
          status: 'failed',
          at: '2026-06-01T12:00:00.000Z',
          definition: 'sha256:0',
          file: 'lists/reminders.csv',
          httpStatus: 500,
          message: 'boom',
        },
      },
    },
    null,
    2,
  )}\n`,
};

const NOW = ['--now', '2026-06-01T13:00:00Z'];

const open: Project[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.cleanup()));
});

describe('a campaign plan, as each consumer reads it', () => {
  it('--format json, --out, markdown and text are byte for byte what they were', async () => {
    const project = await makeProject(FILES);
    open.push(project);
    const run = (args: readonly string[]) =>
      runCli(['plan', ...NOW, ...args], { cwd: project.dir });

    const json = await run(['--format', 'json']);
    expect(json.code, output(json)).toBe(0);
    expect(json.stdout).toBe(await expected('plan.json'));

    const retry = await run(['--retry-unknown', '--format', 'json']);
    expect(retry.code, output(retry)).toBe(0);
    expect(retry.stdout).toBe(await expected('plan-retry-unknown.json'));

    const wrote = await run(['--retry-unknown', '--out', 'saved.plan.json']);
    expect(wrote.code, output(wrote)).toBe(0);
    // Its salt is new in each file, and so is the digest that covers it.
    const saved = JSON.parse(await project.read('saved.plan.json')) as PlanFile;
    expect(saved.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(saved.planDigest).toBe(planDigest(saved));
    expect(
      (await project.read('saved.plan.json'))
        .replace(`"salt": "${saved.salt}"`, '"salt": "SALT"')
        .replace(`"planDigest": "${saved.planDigest}"`, '"planDigest": "DIGEST"'),
    ).toBe(await expected('plan-file.json'));

    const markdown = await run(['--format', 'markdown']);
    expect(markdown.code, output(markdown)).toBe(0);
    expect(markdown.stdout).toBe(await expected('plan.md'));

    const text = await run([]);
    expect(text.code, output(text)).toBe(0);
    expect(text.stdout).toBe(await expected('plan.txt'));
  });
});
