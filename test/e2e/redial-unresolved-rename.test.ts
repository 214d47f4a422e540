// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${…} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, campaignYaml, FROM, output, recipientNumber, waitFor } from './helpers.js';

/**
 * A target renamed (`gw:` → `production:`, the same gateway) while attempt 1 of a redial
 * waits for its outcome, in a job without the old name's variables (GW_URL unset): the
 * entry records the gateway that placed it, production's, so `status --refresh` asks
 * production about it, records its outcome, and the redial falls due. The real CLI, the
 * file store, the built-in simulator ending every call no-answer.
 */

const startGateway = gatewaysClosedAfterEach();

const target = (name: string, variable: string): string[] => [
  `  ${name}:`,
  `    base_url: \${${variable}}`,
  '    account_sid: ${VG_ACCOUNT_SID}',
  '    api_key: ${VG_API_KEY}',
];

const config = (names: readonly (readonly [string, string])[], run: string): string =>
  [
    'targets:',
    ...names.flatMap(([name, variable]) => target(name, variable)),
    `default_target: ${run}`,
    '',
  ].join('\n');

interface PlanJson {
  due: { key: string; reason?: string }[];
  upcoming: { key: string; reason?: string }[];
  skipped: { key: string; reason?: string }[];
}

describe('an attempt placed under a renamed target whose variables are unset here', () => {
  it('has its outcome read through the target on the gateway it records, and its redial falls due', {
    timeout: 90_000,
  }, async () => {
    const g = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml(
          ['redial: { on: [no-answer], after: 1m, max_attempts: 2 }'],
          '{ row: "${row.id}" }',
        ),
        'lists/reminders.csv': `id,phone\nr1,${recipientNumber(1)}\n`,
      },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    await g.project.write('callops.yaml', config([['gw', 'GW_URL']], 'gw'));
    // Placed, its outcome not waited for.
    const first = await g.run(['apply', '--yes'], { GW_URL: g.sim.url });
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain('placed  gw/reminders/r1');
    const sid1 = (await g.project.lock())?.calls['gw/reminders/r1']?.sid;
    expect(sid1).toBeDefined();

    await g.project.write(
      'callops.yaml',
      config(
        [
          ['gw', 'GW_URL'],
          ['production', 'PROD_URL'],
        ],
        'production',
      ),
    );
    const here = { PROD_URL: g.sim.url };
    const later = new Date(Date.now() + 120_000).toISOString();
    const before = JSON.parse(
      (await g.run(['plan', '--format', 'json', '--now', later], here)).stdout,
    ) as PlanJson;
    expect(before.due).toEqual([]);

    // Asked until the simulator has ended the call (each refresh asks production once).
    const refreshed = await waitFor(
      'the outcome of attempt 1 to be recorded',
      async () => {
        const r = await g.run(['status', '--refresh'], here);
        expect(r.code, output(r)).toBe(0);
        expect(r.stderr).not.toContain('not asked');
        expect(r.stderr).toContain('refresh: asked target production about 1 call');
        const outcome = (await g.project.lock())?.calls['gw/reminders/r1']?.outcome;
        return outcome?.status === 'no-answer' ? r : undefined;
      },
      { timeoutMs: 20_000, everyMs: 200 },
    );
    expect(refreshed.stderr).not.toContain('target gw');

    const planned = await g.run(['plan', '--format', 'json', '--now', later], here);
    expect(planned.code, output(planned)).toBe(0);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.due.map((i) => i.key)).toEqual(['production/reminders/r1#2']);
    expect(plan.due[0]?.reason).toContain(`attempt 1 no-answer (${sid1}`);
    expect(planned.stdout).not.toContain('not known yet');
  });

  it('carries the schedules memory of a call its entries record on this gateway: a missed slot is reported once', {
    timeout: 60_000,
  }, async () => {
    const g = await startGateway({
      'calls/a.yaml': [
        'calls:',
        '  - name: hourly',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        `    to: { type: phone, number: "${recipientNumber(2)}" }`,
        '    schedule: { cron: "0 * * * *", deadline: 2h }',
        '',
      ].join('\n'),
    });
    const now = '2026-12-03T14:30:00Z';
    await g.project.write('callops.yaml', config([['gw', 'GW_URL']], 'gw'));
    const first = await g.run(['apply', '--yes', '--now', now], { GW_URL: g.sim.url });
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain('missed  gw/hourly@2026-12-03T13:00:00Z');
    expect(first.stdout).toContain('placed  gw/hourly@2026-12-03T14:00:00Z');
    await g.project.write(
      'callops.yaml',
      config(
        [
          ['gw', 'GW_URL'],
          ['production', 'PROD_URL'],
        ],
        'production',
      ),
    );
    const second = await g.run(['apply', '--yes', '--now', now], { PROD_URL: g.sim.url });
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).not.toContain('missed');
    expect(g.placed()).toHaveLength(1);
  });
});
