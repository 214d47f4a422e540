import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, type Gateway, output, recipientNumber } from './helpers.js';

/**
 * A campaign with cron (rows placed at each slot, `<target>/<campaign>/<id>@<slot>`) whose
 * target is renamed between two slots (`sim:` → `production:` in callops.yaml, the same
 * gateway). The real CLI, the file store, the built-in simulator answering every call: the
 * slots placed under the old name are the rows' own, so `status --campaign` and `report` show
 * them as before the rename (the same words, sids and outcomes), and count the next slot,
 * placed under the new name, beside them.
 */

const startGateway = gatewaysClosedAfterEach();

const SLOT_1 = '2025-01-01T09:00:30Z';
const SLOT_2 = '2025-01-01T09:10:30Z';

/** callops.yaml with the helpers' target `sim` named `name` instead. */
const renamed = (config: string, name: string): string =>
  config
    .replace(/^ {2}sim:$/m, `  ${name}:`)
    .replace(/^default_target: sim$/m, `default_target: ${name}`);

/** What `status --campaign reminders` (human, JSON) and `report reminders` say at `now`. */
const seen = async (g: Gateway, now: string) => {
  const human = await g.run(['status', '--campaign', 'reminders', '--now', now]);
  expect(human.code, output(human)).toBe(0);
  const json = await g.run(['status', '--campaign', 'reminders', '--format', 'json', '--now', now]);
  expect(json.code, output(json)).toBe(0);
  const report = await g.run(['report', 'reminders', '--now', now]);
  expect(report.code, output(report)).toBe(0);
  return {
    // The first line names the target, whose name changed.
    human: human.stdout.split('\n').slice(1).join('\n'),
    json: JSON.parse(json.stdout) as { attempts: number; states: Record<string, number> },
    report: report.stdout,
  };
};

describe('a campaign with cron whose target was renamed since a slot', () => {
  it('status --campaign and report count the slots the old name placed as the rows’ own', {
    timeout: 90_000,
  }, async () => {
    const g = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml(['schedule: { cron: "*/10 * * * *", deadline: 5m }']),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(1)}\nr2,Bob,${recipientNumber(2)}\nr3,Cy,${recipientNumber(3)}\n`,
      },
      { outcomes: { answered: 1, busy: 0, 'no-answer': 0, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    const first = await g.run(['apply', '--yes', '--now', SLOT_1, '--wait', '10s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain('placed  sim/reminders/r1@2025-01-01T09:00:00Z');
    expect(g.placed()).toHaveLength(3);
    const lock1 = await g.project.lock();
    const sids = ['r1', 'r2', 'r3'].map(
      (id) => lock1?.calls[`sim/reminders/${id}@2025-01-01T09:00:00Z`]?.sid,
    );
    for (const sid of sids) expect(sid).toBeDefined();

    const before = await seen(g, SLOT_1);
    expect(before.json).toMatchObject({ rows: 3, attempts: 3 });
    expect(before.json.states).toMatchObject({ answered: 3, held: 0, waiting: 0 });
    const lines = before.report.split('\r\n');
    sids.forEach((sid, i) => {
      expect(lines[i + 1]).toMatch(
        new RegExp(`^r${i + 1},\\${recipientNumber(i + 1)},answered,1,${sid},200,0,\\S+,$`),
      );
    });

    await g.project.write(
      'callops.yaml',
      renamed(await g.project.read('callops.yaml'), 'production'),
    );

    // At the same instant: the same words, sids and outcomes; nobody is called again.
    const after = await seen(g, SLOT_1);
    expect(after.json).toEqual(before.json);
    expect(after.report).toBe(before.report);
    expect(after.human).toBe(before.human);
    const again = await g.run(['apply', '--yes', '--now', SLOT_1]);
    expect(again.code, output(again)).toBe(0);
    expect(g.placed()).toHaveLength(3);

    // At the next slot, before it is placed: each row stands at the slot the old name placed.
    const waiting = await seen(g, SLOT_2);
    expect(waiting.json).toMatchObject({ rows: 3, attempts: 3 });
    expect(waiting.report).toBe(before.report);

    const next = await g.run(['apply', '--yes', '--now', SLOT_2, '--wait', '10s']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toContain('placed  production/reminders/r1@2025-01-01T09:10:00Z');
    expect(g.placed()).toHaveLength(6);
    const lock2 = await g.project.lock();
    const later = await seen(g, SLOT_2);
    // Each row's two slots, one under either name, each counted once.
    expect(later.json).toMatchObject({ rows: 3, attempts: 6 });
    expect(later.json.states).toMatchObject({ answered: 3 });
    const laterLines = later.report.split('\r\n');
    ['r1', 'r2', 'r3'].forEach((id, i) => {
      const sid = lock2?.calls[`production/reminders/${id}@2025-01-01T09:10:00Z`]?.sid;
      expect(sid).toBeDefined();
      expect(laterLines[i + 1]).toMatch(
        new RegExp(`^${id},\\${recipientNumber(i + 1)},answered,2,${sid},200,0,\\S+,$`),
      );
    });
  });
});
