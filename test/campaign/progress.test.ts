// biome-ignore-all lint/suspicious/noTemplateCurlyInString: rows hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { campaignCounts, campaignLines } from '../../src/campaign/progress.js';
import type { Plan, PlanItem } from '../../src/plan/types.js';
import { numberDigest } from '../../src/screen/number.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, csvRows, entry, lock, schedule } from '../plan/make.js';

const POLICY = { on: ['busy', 'no-answer'] as const, afterMs: 0, backoff: 1, maxAttempts: 2 };
const row = (id: string): CallDefinition =>
  call(`reminders/${id}`, {
    campaign: { name: 'reminders', id, recipients: 'lists/r.csv' },
    redial: { ...POLICY, on: [...POLICY.on] },
  });
/** A row of a campaign whose `end` passed before the plans below (made at 11:00). */
const endedRow = (id: string): CallDefinition => ({
  ...row(id),
  schedule: schedule({ end: '2026-12-01T10:30:00Z' }),
});
const item = (id: string, extra: Partial<PlanItem> = {}): PlanItem => ({
  key: `sim/reminders/${id}`,
  name: `reminders/${id}`,
  target: 'sim',
  file: 'lists/r.csv',
  line: 2,
  to: `+1555000${id.slice(1)}`,
  definition: 'sha256:x',
  campaign: 'reminders',
  row: id,
  ...extra,
});
const outcome = (status: 'busy' | 'no-answer' | 'completed', sip: number) => ({
  status,
  sip_status: sip,
  duration: status === 'completed' ? 12 : 0,
  answered: status === 'completed',
  ended_at: '2026-12-01T10:00:05Z',
});

describe('campaign report lines and counts', () => {
  it('each row by its latest attempt: answered, exhausted busy, placed, unknown, suppressed, expired, waiting', () => {
    const ids = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];
    const calls = lock({
      'sim/reminders/r1': entry({ sid: 'a1', outcome: outcome('busy', 486) }),
      'sim/reminders/r1#2': entry({ sid: 'a2', outcome: outcome('completed', 200) }),
      'sim/reminders/r2': entry({ sid: 'b1', outcome: outcome('busy', 486) }),
      'sim/reminders/r2#2': entry({ sid: 'b2', outcome: outcome('busy', 486) }),
      'sim/reminders/r3': entry({ sid: 'c1' }),
      'sim/reminders/r4': entry({ status: 'unknown' }),
    });
    const plan: Plan = {
      target: 'sim',
      now: '2026-12-01T11:00:00Z',
      due: [],
      upcoming: [item('r7', { waiting: true, opens: '2026-12-01T14:00:00Z' })],
      missed: [item('r6', { expired: true })],
      skipped: ['r1', 'r2', 'r3', 'r4'].map((id) => item(id)),
      suppressed: [item('r5')],
    };
    const lines = campaignLines(
      'reminders',
      ids.map((id) => (id === 'r6' ? endedRow(id) : row(id))),
      calls,
      plan,
    );
    expect(lines.map((l) => [l.id, l.state, l.attempts, l.sid ?? ''])).toEqual([
      ['r1', 'answered', 2, 'a2'],
      ['r2', 'busy', 2, 'b2'],
      ['r3', 'placed', 1, 'c1'],
      ['r4', 'unknown', 1, ''],
      ['r5', 'suppressed', 0, ''],
      ['r6', 'expired', 0, ''],
      ['r7', 'waiting', 0, ''],
    ]);
    expect(lines[0]).toMatchObject({ to: '+15550001', sipStatus: 200, duration: 12 });
    const counts = campaignCounts('reminders', lines);
    expect(counts.attempts).toBe(6);
    expect(counts.states).toEqual({
      placed: 1,
      'in-flight': 0,
      answered: 1,
      busy: 1,
      'no-answer': 0,
      failed: 0,
      unknown: 1,
      suppressed: 1,
      held: 0,
      expired: 1,
      waiting: 1,
    });
  });
});

describe('campaign report lines once the end passed', () => {
  const plan: Plan = {
    target: 'sim',
    now: '2026-12-01T11:00:00Z',
    due: [],
    upcoming: [],
    missed: [item('r4', { expired: true })],
    skipped: ['r1', 'r2', 'r3'].map((id) => item(id)),
  };

  /** An attempt of row `id` as it is defined now (not edited since). */
  const attempt = (id: string, e: Parameters<typeof entry>[0]) =>
    entry({ definition: row(id).definition, ...e });

  it('a row reached before the end keeps its latest outcome (its redial is not placed); only a row never reached is expired', () => {
    const calls = lock({
      // Attempt 1 ended no-answer; its redial was still to come when the end passed.
      'sim/reminders/r1': attempt('r1', { sid: 'a1', outcome: outcome('no-answer', 487) }),
      // Attempt 1 busy; attempt 2's request was refused: it is not retried after the end.
      'sim/reminders/r2': attempt('r2', { sid: 'b1', outcome: outcome('busy', 486) }),
      'sim/reminders/r2#2': attempt('r2', { status: 'failed', httpStatus: 503 }),
      'sim/reminders/r3': attempt('r3', { sid: 'c1', outcome: outcome('completed', 200) }),
    });
    const lines = campaignLines('reminders', ['r1', 'r2', 'r3', 'r4'].map(endedRow), calls, plan);
    expect(lines.map((l) => [l.id, l.state, l.attempts, l.sid ?? ''])).toEqual([
      ['r1', 'no-answer', 1, 'a1'],
      // Its line speaks of attempt 1, the call whose outcome it stands at.
      ['r2', 'busy', 2, 'b1'],
      ['r3', 'answered', 1, 'c1'],
      ['r4', 'expired', 0, ''],
    ]);
    expect(campaignCounts('reminders', lines).states).toMatchObject({
      'no-answer': 1,
      busy: 1,
      answered: 1,
      expired: 1,
      waiting: 0,
    });
  });

  it('before the end the same rows wait for their redial and first call', () => {
    const calls = lock({
      'sim/reminders/r1': attempt('r1', { sid: 'a1', outcome: outcome('no-answer', 487) }),
    });
    const early: Plan = {
      ...plan,
      now: '2026-12-01T10:00:00Z',
      due: [item('r4')],
      missed: [],
      skipped: [item('r1')],
    };
    const lines = campaignLines('reminders', ['r1', 'r4'].map(endedRow), calls, early);
    expect(lines.map((l) => l.state)).toEqual(['waiting', 'waiting']);
  });
});

describe('campaign report lines of rows keyed by position (a CSV without an id column)', () => {
  const ANN = '+15550400001';
  const BOB = '+15550400002';
  const ZED = '+15550400009';
  /** Row `id` of campaign nid dialling `number`; keyed by position unless `withIds`. */
  const posRow = (id: string, number: string, extra: Partial<CallDefinition> = {}) =>
    call(`nid/${id}`, {
      campaign: { name: 'nid', id, recipients: 'lists/r.csv', positional: true },
      options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number } },
      definition: `sha256:nid-${id}-${number}`,
      ...extra,
    });
  const ended = { schedule: schedule({ end: '2026-12-01T10:30:00Z' }) };
  const plan = (now: string, skipped: PlanItem[] = []): Plan => ({
    target: 'sim',
    now,
    due: [],
    upcoming: [],
    missed: [],
    skipped,
  });
  // Ann was called as row 1; then Zed was put above her: Ann is row 2, a key with no entry.
  const state = lock({
    'sim/nid/1': entry({
      sid: 'S-1',
      number: numberDigest(ANN),
      definition: `sha256:nid-1-${ANN}`,
    }),
  });

  it('a row whose number the campaign dialled under another row is held, not waiting', () => {
    const lines = campaignLines(
      'nid',
      [posRow('1', ZED), posRow('2', ANN), posRow('3', BOB)],
      state,
      plan('2026-12-01T09:00:00Z'),
    );
    expect(lines.map((l) => [l.id, l.state, l.attempts])).toEqual([
      ['1', 'placed', 1],
      ['2', 'held', 0],
      ['3', 'waiting', 0],
    ]);
    expect(campaignCounts('nid', lines).states).toMatchObject({ held: 1, waiting: 1 });
  });

  it('after the end such a row is still held, never expired; a row never reached is', () => {
    const lines = campaignLines(
      'nid',
      [posRow('1', ZED, ended), posRow('2', ANN, ended), posRow('3', BOB, ended)],
      state,
      plan('2026-12-01T11:00:00Z'),
    );
    expect(lines.map((l) => l.state)).toEqual(['placed', 'held', 'expired']);
  });

  it('a row the plan holds because an earlier row of the run dials its number is held', () => {
    const held: PlanItem = {
      key: 'sim/nid/3',
      name: 'nid/3',
      target: 'sim',
      file: 'lists/r.csv',
      line: 4,
      to: ANN,
      definition: `sha256:nid-3-${ANN}`,
      campaign: 'nid',
      row: '3',
      reason: `not placed: sim/nid/2 of this campaign dials ${ANN} too, in this run; lists/r.csv has no id column`,
    };
    const lines = campaignLines(
      'nid',
      [posRow('2', ANN), posRow('3', ANN)],
      lock(),
      plan('2026-12-01T09:00:00Z', [held]),
    );
    expect(lines.map((l) => [l.id, l.state, l.to])).toEqual([
      // Not listed by this plan: the row's own number.
      ['2', 'waiting', ANN],
      ['3', 'held', ANN],
    ]);
  });

  it('with an id column a row whose number another row was called at is held too', () => {
    const withId = (id: string) =>
      posRow(id, ANN, { campaign: { name: 'nid', id, recipients: 'lists/r.csv' } });
    const lines = campaignLines(
      'nid',
      csvRows([withId('1'), withId('2')]),
      state,
      plan('2026-12-01T09:00:00Z'),
    );
    expect(lines.map((l) => l.state)).toEqual(['placed', 'held']);
  });

  it('with shared_numbers two rows may share a number: nothing is held', () => {
    const withId = (id: string) =>
      posRow(id, ANN, {
        campaign: { name: 'nid', id, recipients: 'lists/r.csv', sharedNumbers: true },
      });
    const lines = campaignLines(
      'nid',
      csvRows([withId('1'), withId('2')]),
      state,
      plan('2026-12-01T09:00:00Z'),
    );
    expect(lines.map((l) => l.state)).toEqual(['placed', 'waiting']);
  });
});

describe('campaign report lines of a campaign with cron (each row placed at every slot)', () => {
  const cronRow = (id: string): CallDefinition =>
    call(`reminders/${id}`, {
      campaign: { name: 'reminders', id, recipients: 'lists/r.csv' },
      schedule: schedule({ cron: '0 * * * *' }),
    });
  const at = (slot: string, e: Parameters<typeof entry>[0]) =>
    entry({ at: `${slot.slice(0, 19)}.200Z`, ...e });
  const plan: Plan = {
    target: 'sim',
    now: '2026-12-01T11:30:00Z',
    due: [],
    upcoming: ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) =>
      item(id, { key: `sim/reminders/${id}@2026-12-01T12:00:00Z`, slot: '2026-12-01T12:00:00Z' }),
    ),
    missed: [],
    skipped: [],
  };

  it('a row stands at its latest slot: its sid, outcome and time; its attempts are its slots with an entry', () => {
    const calls = lock({
      // Listed out of order: the latest slot is the one that counts, not the last key read.
      'sim/reminders/r1@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', {
        sid: 'a11',
        outcome: outcome('completed', 200),
      }),
      'sim/reminders/r1@2026-12-01T09:00:00Z': at('2026-12-01T09:00:00Z', {
        sid: 'a09',
        outcome: outcome('busy', 486),
      }),
      'sim/reminders/r1@2026-12-01T10:00:00Z': at('2026-12-01T10:00:00Z', { sid: 'a10' }),
      'sim/reminders/r2@2026-12-01T10:00:00Z': at('2026-12-01T10:00:00Z', {
        sid: 'b10',
        outcome: outcome('completed', 200),
      }),
      'sim/reminders/r2@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', {
        sid: 'b11',
        outcome: outcome('no-answer', 487),
      }),
      'sim/reminders/r3@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', { sid: 'c11' }),
      'sim/reminders/r4@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', { status: 'unknown' }),
      // Another campaign's row of the same id is not this row's.
      'sim/other/r5@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', { sid: 'x' }),
    });
    const lines = campaignLines(
      'reminders',
      ['r1', 'r2', 'r3', 'r4', 'r5'].map(cronRow),
      calls,
      plan,
    );
    expect(
      lines.map((l) => [l.id, l.state, l.attempts, l.sid ?? '', l.lastAttemptAt ?? '']),
    ).toEqual([
      ['r1', 'answered', 3, 'a11', '2026-12-01T11:00:00.200Z'],
      ['r2', 'no-answer', 2, 'b11', '2026-12-01T11:00:00.200Z'],
      ['r3', 'placed', 1, 'c11', '2026-12-01T11:00:00.200Z'],
      ['r4', 'unknown', 1, '', '2026-12-01T11:00:00.200Z'],
      ['r5', 'waiting', 0, '', ''],
    ]);
    expect(lines[1]).toMatchObject({ to: '+15550002', sipStatus: 487, duration: 0 });
    const counts = campaignCounts('reminders', lines);
    expect(counts.attempts).toBe(7);
    expect(counts.states).toMatchObject({
      answered: 1,
      'no-answer': 1,
      placed: 1,
      unknown: 1,
      waiting: 1,
    });
  });

  it('a row edited since its latest slot stands at that slot: the edit speaks to the next slots', () => {
    const calls = lock({
      'sim/reminders/r1@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', {
        status: 'failed',
        httpStatus: 503,
        definition: 'sha256:before-the-edit',
      }),
    });
    const [line] = campaignLines('reminders', [cronRow('r1')], calls, plan);
    // Its request was refused: the next slot (or a retry) is still to come.
    expect(line).toMatchObject({ state: 'waiting', attempts: 1 });
  });

  describe('once no slot is left (the plan lists none due or to come)', () => {
    const over: Plan = { ...plan, now: '2026-12-02T12:00:00Z', upcoming: [] };
    const calls = lock({
      'sim/reminders/r1@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', {
        sid: 'a11',
        outcome: outcome('completed', 200),
      }),
      'sim/reminders/r2@2026-12-01T10:00:00Z': at('2026-12-01T10:00:00Z', {
        sid: 'b10',
        outcome: outcome('completed', 200),
      }),
      'sim/reminders/r2@2026-12-01T11:00:00Z': at('2026-12-01T11:00:00Z', {
        status: 'failed',
        httpStatus: 400,
      }),
    });
    /** A row dialling its own number (`+1555000<n>`, as `item` shows it). */
    const numbered = (id: string): CallDefinition => {
      const r = cronRow(id);
      return {
        ...r,
        options: { ...r.options, to: { type: 'phone', number: `+1555000${id.slice(1)}` } },
      };
    };
    const lines = campaignLines('reminders', ['r1', 'r2', 'r3'].map(numbered), calls, over);

    it('a row keeps its number in `to`, although the plan lists none of its slots', () => {
      expect(lines.map((l) => [l.id, l.to, l.toChanged ?? false])).toEqual([
        ['r1', '+15550001', false],
        ['r2', '+15550002', false],
        ['r3', '+15550003', false],
      ]);
    });

    it('a row whose latest slot was refused is failed, one never placed expired', () => {
      expect(lines.map((l) => [l.id, l.state, l.attempts])).toEqual([
        ['r1', 'answered', 1],
        ['r2', 'failed', 2],
        ['r3', 'expired', 0],
      ]);
    });

    it('while a slot is to come the same rows wait', () => {
      const early = campaignLines('reminders', ['r2', 'r3'].map(cronRow), calls, plan);
      expect(early.map((l) => l.state)).toEqual(['waiting', 'waiting']);
    });
  });
});

describe('campaign report lines of a redial campaign whose `to` takes its number through a ${VAR}', () => {
  const BEFORE = '+15550100001';
  const envRow = (): CallDefinition => {
    const r = row('r1');
    return { ...r, options: { ...r.options, to: { type: 'phone', number: '${PFX}100001' } } };
  };
  const calls = lock({
    'sim/reminders/r1': entry({
      sid: 'a1',
      definition: envRow().definition,
      number: numberDigest(BEFORE),
      outcome: outcome('no-answer', 487),
    }),
  });
  const plan: Plan = {
    target: 'sim',
    now: '2026-12-01T11:00:00Z',
    due: [],
    upcoming: [],
    missed: [],
    skipped: [item('r1', { to: '${PFX}100001' })],
  };

  it('a row the variable now gives another number stands at its outcome, not waiting for a redial', () => {
    const [line] = campaignLines('reminders', [envRow()], calls, plan, () => '+15551100001');
    expect(line).toMatchObject({ id: 'r1', state: 'no-answer', to: '', toChanged: true });
  });

  it('while it gives the number attempt 1 dialled, the row waits for its redial', () => {
    const [line] = campaignLines('reminders', [envRow()], calls, plan, () => BEFORE);
    expect(line).toMatchObject({ id: 'r1', state: 'waiting', to: '${PFX}100001' });
    expect(line?.toChanged).toBeUndefined();
  });
});
