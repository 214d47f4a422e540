// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import { type AttemptState, attemptKey, rowProgress } from '../../src/campaign/redial.js';
import type { StatusChange } from '../../src/simulator/options.js';
import type { LockEntry } from '../../src/state/types.js';
import { APP_SID, FROM, type Gateway, output, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const POLICY = { on: ['no-answer', 'busy'] as const, afterMs: 0, backoff: 1, maxAttempts: 3 };

const campaignYaml = (extra: readonly string[] = []): string =>
  [
    'calls:',
    '  - name: reminders',
    '    recipients: ../lists/reminders.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "${row.phone}" }',
    '    tag: { row: "${row.id}" }',
    '    redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }',
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

const number = (i: number) => `+1555${String(7000000 + i)}`;

/** A simulator ending calls at once with a seeded mix, and the final status of every call. */
const gatewayWithOutcomes = async (files: Readonly<Record<string, string>>, seed: number) => {
  const finals = new Map<string, StatusChange>();
  const gw = await startGateway(files, {
    outcomes: { answered: 0.3, busy: 0.25, 'no-answer': 0.35, failed: 0.1 },
    seed,
    ringMs: 0,
    talkMs: 0,
    targetExtra: ['concurrency: 8'],
    onStatus: (change) => {
      if (change.final) finals.set(change.call_sid, change);
    },
  });
  open.push(gw);
  return { gw, finals };
};

/** The attempts the lockfile holds for a row, in order. */
const attemptsOf = (calls: Readonly<Record<string, LockEntry>>, rowKey: string): LockEntry[] => {
  const out: LockEntry[] = [];
  for (let n = 1; calls[attemptKey(rowKey, n)] !== undefined; n++) {
    out.push(calls[attemptKey(rowKey, n)] as LockEntry);
  }
  return out;
};

describe('campaign redial by outcome', () => {
  it('redials no-answer and busy rows up to max_attempts, never after an answer, each attempt under KEY#n', async () => {
    const N = 40;
    const csv = [
      'id,phone',
      ...Array.from({ length: N }, (_, i) => `r${i + 1},${number(i + 1)}`),
      '',
    ].join('\n');
    const { gw, finals } = await gatewayWithOutcomes(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': csv },
      11,
    );
    let rounds = 0;
    for (; rounds < 6; rounds++) {
      const applied = await gw.run(['apply', '--yes']);
      expect(applied.code, output(applied)).toBe(0);
      if (/Nothing is due/.test(applied.stdout)) break;
      const refreshed = await gw.run(['status', '--refresh']);
      expect(refreshed.code, output(refreshed)).toBe(0);
    }
    expect(rounds).toBeGreaterThan(1);
    expect(rounds).toBeLessThan(6);
    const calls = ((await gw.project.lock())?.calls ?? {}) as unknown as Record<string, LockEntry>;
    const placed = gw.placed();
    const bySid = new Map(placed.map((r) => [r.sid, r]));
    expect(bySid.size).toBe(placed.length);
    let attemptsSeen = 0;
    let redialled = 0;
    for (let i = 1; i <= N; i++) {
      const attempts = attemptsOf(calls, `sim/reminders/r${i}`);
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(attempts.length).toBeLessThanOrEqual(3);
      attemptsSeen += attempts.length;
      if (attempts.length > 1) redialled++;
      // Each attempt is one call the simulator accepted, to the row's number, and ended as
      // recorded; every attempt but the last ended in a status `on` names.
      attempts.forEach((entry, index) => {
        expect(entry.status).toBe('placed');
        const request = bySid.get(entry.sid);
        expect((request?.body as { to?: { number?: string } } | undefined)?.to?.number).toBe(
          number(i),
        );
        const final = finals.get(entry.sid ?? '');
        expect(entry.outcome?.status).toBe(final?.call_status);
        if (index < attempts.length - 1)
          expect(['busy', 'no-answer']).toContain(final?.call_status);
      });
      const progress = rowProgress(
        attempts.map((entry): AttemptState => ({ entry })),
        POLICY,
      );
      expect(progress.kind).toBe('done');
    }
    expect(attemptsSeen).toBe(placed.length);
    expect(redialled).toBeGreaterThan(0);
    expect(Object.keys(calls)).toHaveLength(placed.length);

    // The report: one line per row, its attempts, latest sid and state as the simulator says.
    const report = await gw.run(['report', 'reminders', '--format', 'csv']);
    expect(report.code, output(report)).toBe(0);
    const lines = report.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,to,state,attempts,sid,sip_status,duration,last_attempt_at');
    expect(lines).toHaveLength(N + 1);
    const expected = new Map<string, number>();
    for (let i = 1; i <= N; i++) {
      const toRow = placed.filter(
        (r) => (r.body as { to?: { number?: string } } | undefined)?.to?.number === number(i),
      );
      const last = toRow.at(-1);
      const final = finals.get(last?.sid ?? '');
      const state = final?.call_status === 'completed' ? 'answered' : (final?.call_status ?? '?');
      expected.set(state, (expected.get(state) ?? 0) + 1);
      expect(lines[i]?.split(',').slice(0, 6)).toEqual([
        `r${i}`,
        number(i),
        state,
        String(toRow.length),
        last?.sid,
        String(final?.sip_status),
      ]);
    }
    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(status.code, output(status)).toBe(0);
    const counts = JSON.parse(status.stdout) as {
      rows: number;
      attempts: number;
      states: Record<string, number>;
    };
    expect(counts.rows).toBe(N);
    expect(counts.attempts).toBe(placed.length);
    for (const state of ['answered', 'busy', 'no-answer', 'failed']) {
      expect(counts.states[state], state).toBe(expected.get(state) ?? 0);
    }
    expect(counts.states.waiting).toBe(0);
    const human = await gw.run(['status', '--campaign', 'reminders']);
    expect(human.stdout).toContain(`campaign reminders: ${N} rows, ${placed.length} attempts`);
    const unknown = await gw.run(['report', 'nope']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('no campaign `nope`: campaigns: reminders');
  }, 50_000);

  it('a bad redial policy is refused at its place in the file, nothing sent', async () => {
    const bad = campaignYaml().replace(
      '    redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }',
      [
        '    redial:',
        '      on: [no-answer, voicemail]',
        '      after: soon',
        '      backoff: 0.5',
        '      max_attempts: 1.5',
      ].join('\n'),
    );
    const literal = [
      '  - name: single',
      `    application_sid: ${APP_SID}`,
      `    from: "${FROM}"`,
      `    to: { type: phone, number: "${number(99)}" }`,
      '    redial: { on: [busy], after: 1m, max_attempts: 2 }',
      '',
    ].join('\n');
    const { gw } = await gatewayWithOutcomes(
      {
        'calls/reminders.yaml': `${bad}${literal}`,
        'lists/reminders.csv': `id,phone\nr1,${number(1)}\n`,
      },
      1,
    );
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code).not.toBe(0);
    const text = output(applied);
    for (const line of [
      'calls/reminders.yaml:9:23: error: must be one of `no-answer`, `busy`, `failed`, got string "voicemail"',
      'calls/reminders.yaml:10:14: error: `after` must be a duration such as 30m, 2h or 0s, not `soon`',
      'calls/reminders.yaml:11:16: error: must be >= 1, got 0.5',
      'calls/reminders.yaml:12:21: error: must be an integer, got number 1.5',
      'calls/reminders.yaml:17:13: error: `redial` needs a campaign',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/5 errors/);
    expect(gw.sim.received()).toHaveLength(0);
  });
});
