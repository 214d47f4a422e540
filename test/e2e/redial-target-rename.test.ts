// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { APP_SID, callsPerNumber, campaignYaml, FROM, output, recipientNumber } from './helpers.js';

/**
 * A campaign with a redial policy whose target is renamed between two attempts (`sim:` →
 * `production:` in callops.yaml, the same gateway). The real CLI, the file store, the built-in
 * simulator ending every call no-answer: attempt 1 placed under the old name is the row's own,
 * so attempt 2 is placed under the new name when due, once, and never a third; status and
 * report show both. A campaign without redial beside it is placed once, as before the rename.
 */

const startGateway = gatewaysClosedAfterEach();

const ONCE_NUMBER = recipientNumber(50);

/** A campaign without redial: its row is called once, whatever its target's name. */
const ONCE = [
  'calls:',
  '  - name: once',
  '    recipients: ../lists/once.csv',
  `    application_sid: ${APP_SID}`,
  `    from: "${FROM}"`,
  '    to: { type: phone, number: "${row.phone}" }',
  '',
].join('\n');

/** callops.yaml with the helpers' target `sim` named `name` instead. */
const renamed = (config: string, name: string): string =>
  config
    .replace(/^ {2}sim:$/m, `  ${name}:`)
    .replace(/^default_target: sim$/m, `default_target: ${name}`);

interface PlanJson {
  due: { key: string; reason?: string }[];
  upcoming: { key: string }[];
  skipped: { key: string; reason?: string }[];
}

describe('a redial whose target was renamed since the attempt before it', () => {
  it('is placed under the new name when due, once; status and report count the attempt the old name placed', {
    timeout: 90_000,
  }, async () => {
    const g = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml(
          ['redial: { on: [no-answer], after: 1m, max_attempts: 2 }'],
          '{ row: "${row.id}" }',
        ),
        'lists/reminders.csv': `id,phone\nr1,${recipientNumber(1)}\n`,
        'calls/once.yaml': ONCE,
        'lists/once.csv': `id,phone\no1,${ONCE_NUMBER}\n`,
      },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    const first = await g.run(['apply', '--yes', '--wait', '10s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toContain('placed  sim/reminders/r1');
    const lock1 = await g.project.lock();
    const sid1 = lock1?.calls['sim/reminders/r1']?.sid;
    expect(sid1).toBeDefined();
    expect(callsPerNumber(g)).toEqual({ [recipientNumber(1)]: 1, [ONCE_NUMBER]: 1 });

    await g.project.write(
      'callops.yaml',
      renamed(await g.project.read('callops.yaml'), 'production'),
    );
    // Two minutes on: attempt 1 ended no-answer more than `after` ago.
    const later = new Date(Date.now() + 120_000).toISOString();

    const planned = await g.run(['plan', '--format', 'json', '--now', later]);
    expect(planned.code, output(planned)).toBe(0);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.due.map((i) => i.key)).toEqual(['production/reminders/r1#2']);
    expect(plan.due[0]?.reason).toBe(
      `redial 2 of 2: attempt 1 no-answer (${sid1}, placed as sim/reminders/r1 under target sim, which this checkout's callops.yaml does not define)`,
    );
    // The campaign without redial: held, placed once.
    expect(plan.skipped.map((i) => i.key)).toEqual(['production/once/o1']);
    expect(plan.skipped[0]?.reason).toMatch(
      /^not placed: already placed as sim\/once\/o1 .*a campaign's row is placed once, whatever its target's name/,
    );

    const status = await g.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(status.code, output(status)).toBe(0);
    const counts = JSON.parse(status.stdout) as {
      attempts: number;
      states: Record<string, number>;
    };
    expect(counts.attempts).toBe(1);
    expect(counts.states).toMatchObject({ waiting: 1, held: 0 });
    const report = await g.run(['report', 'reminders']);
    expect(report.code, output(report)).toBe(0);
    expect(report.stdout.split('\r\n')[1]).toMatch(
      new RegExp(`^r1,\\${recipientNumber(1)},waiting,1,${sid1},487,0,\\S+,$`),
    );

    const second = await g.run(['apply', '--yes', '--now', later, '--wait', '10s']);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toContain('placed  production/reminders/r1#2');
    expect(callsPerNumber(g)).toEqual({ [recipientNumber(1)]: 2, [ONCE_NUMBER]: 1 });
    const sid2 = (await g.project.lock())?.calls['production/reminders/r1#2']?.sid;
    expect(sid2).toBeDefined();

    // Max attempts reached across the rename: nothing more, ever.
    const evenLater = new Date(Date.now() + 600_000).toISOString();
    const third = await g.run(['apply', '--yes', '--now', evenLater]);
    expect(third.code, output(third)).toBe(0);
    expect(callsPerNumber(g)).toEqual({ [recipientNumber(1)]: 2, [ONCE_NUMBER]: 1 });
    const done = JSON.parse(
      (await g.run(['plan', '--format', 'json', '--now', evenLater])).stdout,
    ) as PlanJson;
    expect(done.due).toEqual([]);
    expect(done.skipped.find((i) => i.key === 'production/reminders/r1#2')?.reason).toBe(
      `done after attempt 2 (no-answer ${sid2}): max_attempts reached`,
    );
    const final = await g.run(['report', 'reminders']);
    expect(final.stdout.split('\r\n')[1]).toMatch(
      new RegExp(`^r1,\\${recipientNumber(1)},no-answer,2,${sid2},487,0,\\S+,$`),
    );
  });
});
