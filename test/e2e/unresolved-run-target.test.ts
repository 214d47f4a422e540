// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { callsYaml, campaignYaml, output, recipientNumber } from './helpers.js';

/**
 * A target renamed (`gw:` → `production:`, the same gateway, the old name kept beside it),
 * then read where none of their variables is set (a laptop without the secrets): the run's
 * own target does not resolve, so the gateway the old name's entries record cannot be
 * compared with it. report, status and plan show what the lockfile says was placed — never
 * `waiting` with 0 attempts — and name the variables that keep it from resolving; apply
 * sends nothing. The real CLI, the file store, the built-in simulator.
 */

const startGateway = gatewaysClosedAfterEach();

const WELCOME = '+15550170001';
const LATE = '+15550170002';

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

/** No variable of either target set: what a laptop without the secrets gives. */
const LAPTOP = { VG_ACCOUNT_SID: undefined, VG_API_KEY: undefined };

const UNSET_LINE =
  "target production does not resolve here (PROD_URL, VG_ACCOUNT_SID unset or empty): the entries of targets that do not resolve here either are shown as the lockfile records them, not read by production's gateway";

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
  unresolvedTargets?: { target: string; entries: number; held?: number; runTarget?: string }[];
}

interface ReportRow {
  id: string;
  state: string;
  attempts: number;
  sid?: string;
}

describe('a renamed target read where the run target does not resolve', () => {
  it('report, status and plan show what was placed under the old name, not waiting', {
    timeout: 60_000,
  }, async () => {
    const g = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'welcome', to: `{ type: phone, number: "${WELCOME}" }` }]),
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(1)}\nr2,Bob,${recipientNumber(2)}\n`,
    });
    await g.project.write('callops.yaml', config([['gw', 'GW_URL']], 'gw'));
    const first = await g.run(['apply', '--yes'], { GW_URL: g.sim.url });
    expect(first.code, output(first)).toBe(0);
    expect(g.placed()).toHaveLength(3);
    const lock = await g.project.lock();
    const sids = ['r1', 'r2'].map((id) => lock?.calls[`gw/reminders/${id}`]?.sid);

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

    const report = await g.run(['report', 'reminders', '--format', 'json'], LAPTOP);
    expect(report.code, output(report)).toBe(0);
    const rows = JSON.parse(report.stdout) as ReportRow[];
    expect(rows.map((r) => [r.id, r.state, r.attempts, r.sid])).toEqual([
      ['r1', 'placed', 1, sids[0]],
      ['r2', 'placed', 1, sids[1]],
    ]);
    expect(report.stderr).toContain(UNSET_LINE);

    const counts = await g.run(['status', '--campaign', 'reminders', '--format', 'json'], LAPTOP);
    expect(counts.code, output(counts)).toBe(0);
    const c = JSON.parse(counts.stdout) as { attempts: number; states: Record<string, number> };
    expect(c.attempts).toBe(2);
    expect(c.states.placed).toBe(2);
    expect(c.states.waiting).toBe(0);

    const status = await g.run(['status', '--campaign', 'reminders'], LAPTOP);
    expect(status.code, output(status)).toBe(0);
    expect(status.stdout).toContain(UNSET_LINE);
    expect(status.stdout).toContain('campaign reminders: 2 rows, 2 attempts recorded');

    const planned = await g.run(['plan', '--format', 'json'], LAPTOP);
    expect(planned.code, output(planned)).toBe(0);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => i.key).sort()).toEqual([
      'production/reminders/r1',
      'production/reminders/r2',
      'production/welcome',
    ]);
    expect(plan.skipped.find((i) => i.key === 'production/welcome')?.reason).toContain(
      'already placed as gw/welcome',
    );
    expect(plan.unresolvedTargets).toEqual([
      { target: 'gw', entries: 3, held: 3, runTarget: 'unknown' },
    ]);

    // The header's counts are those of the lines below it.
    const human = await g.run(['plan'], LAPTOP);
    expect(human.code, output(human)).toBe(0);
    expect(human.stdout).toContain(UNSET_LINE);
    expect(human.stdout).toContain(
      "3 entries recording the gateway that placed them are read as production's",
    );
    expect(human.stdout).toContain('reminders: 2 rows — 2 skipped');
    expect(human.stdout).toContain('Skipped (3):');
    expect(human.stdout).toContain('Plan: 0 to place, 0 missed, 3 skipped, 0 upcoming.');
    expect(human.stdout).not.toContain('placed again under production');

    const apply = await g.run(['apply', '--yes'], LAPTOP);
    expect(apply.code, output(apply)).toBe(0);
    expect(g.placed()).toHaveLength(3);

    // Where production resolves, its entries are read by its gateway, as before.
    const there = await g.run(['plan', '--format', 'json'], { PROD_URL: g.sim.url });
    expect(there.code, output(there)).toBe(0);
    const resolved = JSON.parse(there.stdout) as PlanJson;
    expect(resolved.due).toEqual([]);
    expect(resolved.unresolvedTargets).toEqual([{ target: 'gw', entries: 3, held: 3 }]);

    // Once production placed a call of its own, the gateway its entry records is production's
    // as it resolved then: the old name's entries are read by it where neither resolves.
    await g.project.write(
      'calls/b.yaml',
      callsYaml([{ name: 'late', to: `{ type: phone, number: "${LATE}" }` }]),
    );
    const late = await g.run(['apply', '--yes', '--only', 'late'], { PROD_URL: g.sim.url });
    expect(late.code, output(late)).toBe(0);
    expect(g.placed()).toHaveLength(4);
    const after = await g.run(['plan', '--format', 'json'], LAPTOP);
    expect(after.code, output(after)).toBe(0);
    const known = JSON.parse(after.stdout) as PlanJson;
    expect(known.due).toEqual([]);
    expect(known.unresolvedTargets).toEqual([
      { target: 'gw', entries: 3, held: 3, runTarget: 'recorded' },
    ]);
  });
});
