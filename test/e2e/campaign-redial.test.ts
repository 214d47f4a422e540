// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { type AttemptState, attemptKey, rowProgress } from '../../src/campaign/redial.js';
import type { StatusChange } from '../../src/simulator/options.js';
import type { LockEntry } from '../../src/state/types.js';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  APP_SID,
  campaignYaml as campaign,
  FROM,
  output,
  recipientNumber,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

const POLICY = { on: ['no-answer', 'busy'] as const, afterMs: 0, backoff: 1, maxAttempts: 3 };

const campaignYaml = (extra: readonly string[] = []): string =>
  campaign(
    ['redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }', ...extra],
    '{ row: "${row.id}" }',
  );

const number = recipientNumber;

/** A simulator ending calls at once with a seeded mix, and the final status of every call. */
const gatewayWithOutcomes = async (
  files: Readonly<Record<string, string>>,
  seed: number,
  onCreate?: (body: string) => void,
) => {
  const finals = new Map<string, StatusChange>();
  const gw = await startGateway(files, {
    outcomes: { answered: 0.3, busy: 0.25, 'no-answer': 0.35, failed: 0.1 },
    seed,
    ringMs: 0,
    talkMs: 0,
    targetExtra: ['concurrency: 8'],
    ...(onCreate === undefined ? {} : { onCreate }),
    onStatus: (change) => {
      if (change.final) finals.set(change.call_sid, change);
    },
  });
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
    expect(lines[0]).toBe(
      'id,to,state,attempts,sid,sip_status,duration,last_attempt_at,to_changed',
    );
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
    const unknownStatus = await gw.run(['status', '--campaign', 'nope']);
    expect(unknownStatus.code).toBe(64);
    expect(unknownStatus.stderr).toContain('no campaign `nope`: campaigns: reminders');
    const toFile = await gw.run(['report', 'reminders', '--output', 'out/report.csv']);
    expect(toFile.code, output(toFile)).toBe(64);
    expect(toFile.stderr).toContain('--output out/report.csv: no such directory out');
    const written = await gw.run(['report', 'reminders', '--output', 'report.csv']);
    expect(written.code, output(written)).toBe(0);
    expect(written.stdout).toBe('');
    expect(await gw.project.read('report.csv')).toBe(report.stdout);
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

  it('an `after` past a year is refused at its place; a wait a backoff takes past any date is no redial, not one due at once', async () => {
    const gw = await startGateway(
      {
        'calls/reminders.yaml': campaign(
          ['redial: { on: [no-answer], after: 100000000d, max_attempts: 2 }'],
          '{ row: "${row.id}" }',
        ),
        'lists/reminders.csv': `id,phone\na1,${number(1)}\n`,
      },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(
      'calls/reminders.yaml:8:39: error: `after` must be at most 366d (a year), not `100000000d`',
    );
    expect((await gw.run(['apply', '--yes'])).code).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
    // Attempt 2 waits 1s; attempt 3 would wait 1s × 1e300, past the last date there is.
    await gw.project.write(
      'calls/reminders.yaml',
      campaign(
        ['redial: { on: [no-answer], after: 1s, backoff: 1e300, max_attempts: 3 }'],
        '{ row: "${row.id}" }',
      ),
    );
    const first = await gw.run(['apply', '--yes', '--wait', '10s']);
    expect(first.code, output(first)).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100));
    const second = await gw.run(['apply', '--yes', '--wait', '10s']);
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).toContain('placed  sim/reminders/a1#2');
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).not.toContain('a1#3');
    expect(plan.stdout).toMatch(
      /sim\/reminders\/a1#2 .*done after attempt 2 \(no-answer .*\): no redial: its wait \(after × backoff\^\(n−1\)\) ends past the last date there is/,
    );
    const third = await gw.run(['apply', '--yes']);
    expect(third.code, output(third)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect((JSON.parse(status.stdout) as { states: Record<string, number> }).states).toMatchObject({
      'no-answer': 1,
      waiting: 0,
    });
  }, 30_000);

  it('500 rows, 20 suppressed, three zones (one outside its hours), redial, a SIGKILL mid-campaign: exactly the expected attempts, no duplicate, and the report matches the simulator', async () => {
    const N = 500;
    // Zones from the clock: local 11:xx and 12:xx are inside 09:00-15:00, 02:xx is not,
    // for at least two hours from now (Etc/GMT-N is UTC+N).
    const zoneAt = (localHour: number): string => {
      const offset = ((((localHour - new Date().getUTCHours()) % 24) + 24 + 12) % 24) - 12;
      return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
    };
    const zones = [zoneAt(11), zoneAt(12), zoneAt(2)];
    const group = (i: number) => i % 3;
    const closed = (i: number) => group(i) === 2;
    const rowsInHours = Array.from({ length: N }, (_, k) => k + 1).filter((i) => !closed(i));
    const listed = new Set(rowsInHours.filter((_, k) => k % 16 === 5).slice(0, 20));
    expect(listed.size).toBe(20);
    const csv = [
      'id,phone,timezone',
      ...Array.from({ length: N }, (_, k) => `r${k + 1},${number(k + 1)},${zones[group(k + 1)]}`),
      '',
    ].join('\n');
    let created = 0;
    let kill = () => {};
    const dnc = ['number,reason', ...[...listed].map((i) => `${number(i)},asked us not to`), ''];
    const { gw, finals } = await gatewayWithOutcomes(
      {
        'calls/reminders.yaml': campaignYaml(['schedule: { window: "09:00-15:00" }']),
        'lists/reminders.csv': csv,
        'lists/dnc.csv': dnc.join('\n'),
      },
      23,
      () => {
        // Killed outright as the 100th request arrives (while it and others are in flight).
        created += 1;
        if (created === 100) kill();
      },
    );
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
    const numberOf = (body: unknown) =>
      (body as { to?: { number?: string } } | undefined)?.to?.number ?? '';

    // 1. The first apply is killed outright when the gateway gets its 100th request.
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    kill = () => child.kill('SIGKILL');
    const { done } = watch(child, 30_000);
    expect((await done).signal).toBe('SIGKILL');
    expect(created).toBeGreaterThanOrEqual(100);
    expect(created).toBeLessThan(rowsInHours.length - listed.size);

    // 2. apply → refresh → apply … until nothing is due and every outcome is known; the
    //    attempts the kill left unknown are settled from the gateway's records.
    const entries = async () =>
      ((await gw.project.lock())?.calls ?? {}) as unknown as Record<string, LockEntry>;
    let rounds = 0;
    let settled = false;
    for (; rounds < 8; rounds++) {
      const applied = await gw.run(['apply', '--yes']);
      expect(applied.code, output(applied)).toBe(0);
      const nothing = /Nothing is due/.test(applied.stdout);
      const refreshed = await gw.run(['status', '--refresh']);
      expect([0, 3]).toContain(refreshed.code);
      if (!settled) {
        settled = true;
        // The calls in flight at the kill are unknown: never redialled until settled.
        const unknownAfterKill = Object.values(await entries()).filter(
          (e) => e.status === 'unknown',
        );
        expect(unknownAfterKill.length).toBeGreaterThan(0);
        // A person must settle them: the campaign's status says so by its exit code.
        const unsettled = await gw.run(['status', '--campaign', 'reminders']);
        expect(unsettled.code, output(unsettled)).toBe(3);
        const check = await gw.run(['resolve', '--check']);
        expect([0, 3], output(check)).toContain(check.code);
        const left = Object.entries(await entries())
          .filter(([, e]) => e.status === 'unknown')
          .map(([key]) => key);
        if (left.length > 0) {
          // Never reached the gateway: a number with no call in its log beyond the lock's.
          const sids = new Set(Object.values(await entries()).map((e) => e.sid));
          for (const key of left) {
            const row = Number(/\/r(\d+)/.exec(key)?.[1]);
            const extra = gw
              .placed()
              .filter((r) => numberOf(r.body) === number(row) && !sids.has(r.sid));
            expect(extra, key).toHaveLength(0);
          }
          const notPlaced = await gw.run(['resolve', ...left, '--not-placed']);
          expect(notPlaced.code, output(notPlaced)).toBe(0);
        }
        continue;
      }
      const open = Object.values(await entries()).filter(
        (e) =>
          e.status !== 'placed' || e.outcome === undefined || e.outcome.status === 'in-progress',
      );
      if (nothing && open.length === 0) break;
    }
    expect(rounds).toBeLessThan(8);

    const calls = await entries();
    const placed = gw.placed();
    expect(gw.sim.received()).toHaveLength(placed.length);
    // No duplicate: every accepted call is exactly one entry, every entry one accepted call.
    const sids = Object.values(calls).map((e) => e.sid);
    expect(new Set(sids).size).toBe(sids.length);
    expect(new Set(sids)).toEqual(new Set(placed.map((r) => r.sid)));
    expect(placed.length).toBeGreaterThan(rowsInHours.length - listed.size);

    const report = await gw.run(['report', 'reminders', '--format', 'csv']);
    expect(report.code, output(report)).toBe(0);
    const lines = report.stdout.trimEnd().split('\r\n').slice(1);
    expect(lines).toHaveLength(N);
    const states = new Map<string, number>();
    for (let i = 1; i <= N; i++) {
      const toRow = placed.filter((r) => numberOf(r.body) === number(i));
      const cells = lines[i - 1]?.split(',') ?? [];
      if (closed(i) || listed.has(i)) {
        // None to a suppressed number, none outside a recipient's hours.
        expect(toRow, `r${i}`).toHaveLength(0);
        expect(cells.slice(0, 4)).toEqual([
          `r${i}`,
          number(i),
          listed.has(i) ? 'suppressed' : 'waiting',
          '0',
        ]);
        continue;
      }
      // Attempts exactly as the policy says from the outcomes: every one but the last was
      // busy or no-answer (none after an answer), the last ended otherwise or was the 3rd.
      const outcomes = toRow.map((r) => finals.get(r.sid ?? '')?.call_status);
      expect(outcomes.length, `r${i}`).toBeGreaterThanOrEqual(1);
      expect(outcomes.length, `r${i}`).toBeLessThanOrEqual(3);
      for (const o of outcomes.slice(0, -1)) expect(['busy', 'no-answer']).toContain(o);
      const last = outcomes.at(-1);
      if (outcomes.length < 3) expect(['completed', 'failed']).toContain(last);
      // The lockfile holds them as KEY, KEY#2, KEY#3, each with its sid, in order.
      expect(attemptsOf(calls, `sim/reminders/r${i}`).map((e) => e.sid)).toEqual(
        toRow.map((r) => r.sid),
      );
      const state = last === 'completed' ? 'answered' : String(last);
      states.set(state, (states.get(state) ?? 0) + 1);
      expect(cells.slice(0, 5), `r${i}`).toEqual([
        `r${i}`,
        number(i),
        state,
        String(toRow.length),
        toRow.at(-1)?.sid,
      ]);
    }
    expect(states.get('answered')).toBeGreaterThan(0);
    expect([...placed.values()].length).toBeGreaterThan(rowsInHours.length);

    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    const counts = JSON.parse(status.stdout) as { rows: number; states: Record<string, number> };
    expect(counts.rows).toBe(N);
    expect(counts.states).toEqual(
      expect.objectContaining({
        answered: states.get('answered') ?? 0,
        busy: states.get('busy') ?? 0,
        'no-answer': states.get('no-answer') ?? 0,
        failed: states.get('failed') ?? 0,
        suppressed: 20,
        waiting: N - rowsInHours.length,
        placed: 0,
        unknown: 0,
        expired: 0,
      }),
    );
  }, 90_000);

  it('the per-number limit holds back a redial like any call: it waits, nothing more is sent', async () => {
    const csv = ['id,phone', ...[1, 2, 3].map((i) => `r${i},${number(i)}`), ''].join('\n');
    const gw = await startGateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': csv },
      {
        outcomes: { answered: 0, busy: 1, 'no-answer': 0, failed: 0 },
        seed: 1,
        ringMs: 0,
        talkMs: 0,
      },
    );
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}limits: { per_number: 2/24h }\n`);
    for (let round = 0; round < 3; round++) {
      const applied = await gw.run(['apply', '--yes']);
      expect(applied.code, output(applied)).toBe(0);
      const refreshed = await gw.run(['status', '--refresh']);
      expect(refreshed.code, output(refreshed)).toBe(0);
    }
    // Two attempts per number, the third held back by the limit (not sent, no entry).
    expect(gw.placed()).toHaveLength(6);
    const calls = Object.keys((await gw.project.lock())?.calls ?? {}).sort();
    expect(calls).toEqual(
      [1, 2, 3].flatMap((i) => [`sim/reminders/r${i}`, `sim/reminders/r${i}#2`]),
    );
    const plan = await gw.run(['plan', '--format', 'json']);
    const json = JSON.parse(plan.stdout) as { waiting: { key: string; reason: string }[] };
    expect(json.waiting.map((i) => i.key).sort()).toEqual(
      [1, 2, 3].map((i) => `sim/reminders/r${i}#3`),
    );
    const status = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    const counts = JSON.parse(status.stdout) as {
      attempts: number;
      states: Record<string, number>;
    };
    expect(counts.attempts).toBe(6);
    expect(counts.states.waiting).toBe(3);
  }, 40_000);

  it('run places the redial when its wait is over: it learns the outcome, wakes at the instant, stops at max_attempts', async () => {
    const csv = ['id,phone', ...[1, 2].map((i) => `r${i},${number(i)}`), ''].join('\n');
    const yaml = campaignYaml().replace(
      'redial: { on: [no-answer, busy], after: 0s, max_attempts: 3 }',
      'redial: { on: [busy], after: 3s, max_attempts: 2 }',
    );
    // Every call ends busy at once.
    const busy = await startGateway(
      { 'calls/reminders.yaml': yaml, 'lists/reminders.csv': csv },
      {
        outcomes: { answered: 0, busy: 1, 'no-answer': 0, failed: 0 },
        seed: 1,
        ringMs: 0,
        talkMs: 0,
      },
    );
    const child = spawnCli(['run', '--yes'], {
      cwd: busy.project.dir,
      env: { ...busy.env, CALLOPS_RUN_REFRESH_SECONDS: '1' },
    });
    const { done, soFar } = watch(child, 40_000);
    await waitFor(
      'two attempts to each number',
      () => (busy.placed().length >= 4 ? true : undefined),
      {
        timeoutMs: 12_000,
      },
    );
    const lock = await waitFor(
      'every attempt with its outcome',
      async () => {
        const calls = ((await busy.project.lock())?.calls ?? {}) as unknown as Record<
          string,
          LockEntry
        >;
        const all = Object.values(calls);
        return all.length === 4 && all.every((e) => e.outcome?.status === 'busy')
          ? calls
          : undefined;
      },
      { timeoutMs: 15_000 },
    );
    for (const i of [1, 2]) {
      const [first, second] = attemptsOf(lock, `sim/reminders/r${i}`);
      expect(second?.sid).toBeDefined();
      // Not before `after` from the end of the first attempt.
      const endedAt = Date.parse(first?.outcome?.ended_at ?? '');
      expect(Date.parse(second?.at ?? '') - endedAt).toBeGreaterThanOrEqual(3000);
    }
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, soFar()).toBe(0);
    // max_attempts 2: nothing more was sent while run went on.
    expect(busy.placed()).toHaveLength(4);
  }, 60_000);
});
