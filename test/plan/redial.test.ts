// biome-ignore-all lint/suspicious/noTemplateCurlyInString: rows hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import type { RedialPolicy } from '../../src/campaign/redial.js';
import { dialsAnotherNumberNow, editedSincePlaced } from '../../src/plan/changed.js';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { checkReplace } from '../../src/plan/replace.js';
import { wakeTimes } from '../../src/plan/wake.js';
import { numberDigest } from '../../src/screen/number.js';
import type { CallOutcome } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { entry as anyEntry, call, lock, schedule } from './make.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const POLICY: RedialPolicy = {
  on: ['no-answer', 'busy'],
  afterMs: 30 * 60_000,
  backoff: 2,
  maxAttempts: 3,
};

/** Row r1 of campaign `reminders`, with the policy (and a schedule when given). */
const row = (extra: Partial<CallDefinition> = {}): CallDefinition =>
  call('reminders/r1', {
    campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    redial: POLICY,
    ...extra,
  });

/** An attempt of row r1 as it is defined now. */
const entry = (e: Parameters<typeof anyEntry>[0]) =>
  anyEntry({ definition: row().definition, ...e });

const ended = (status: CallOutcome['status'], endedAt: string, sip = 487): CallOutcome => ({
  status,
  sip_status: sip,
  duration: 0,
  answered: false,
  ended_at: endedAt,
});

const plan = (calls: Record<string, ReturnType<typeof entry>>, extra: Partial<PlanInput> = {}) =>
  buildPlan({
    calls: [row()],
    lock: lock(calls),
    now: NOW,
    runTarget: 'prod',
    explicitTarget: false,
    ...extra,
  });

const K = 'prod/reminders/r1';

describe('campaign redial in the plan', () => {
  it('first attempt due under the row key', () => {
    expect(plan({}).due.map((i) => i.key)).toEqual([K]);
  });

  it('attempt 2 waits `after` from the end of attempt 1, listed with its instant, and run wakes then', () => {
    const p = plan({
      [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T11:50:00Z') }),
    });
    expect(p.due).toEqual([]);
    expect(p.upcoming).toHaveLength(1);
    expect(p.upcoming[0]).toMatchObject({
      key: `${K}#2`,
      waiting: true,
      opens: '2026-12-01T12:20:00.000Z',
    });
    expect(p.upcoming[0]?.reason).toMatch(/redial 2 of 3/);
    expect(wakeTimes(p)).toEqual([Date.parse('2026-12-01T12:20:00Z')]);
  });

  it('attempt 2 waits from when attempt 1 was placed when the gateway says it ended before that: the listed instant says so', () => {
    const p = plan({
      [K]: entry({
        sid: 's1',
        at: '2026-12-01T11:55:00.000Z',
        outcome: ended('no-answer', '2026-12-01T11:50:00Z'),
      }),
    });
    expect(p.due).toEqual([]);
    expect(p.upcoming[0]).toMatchObject({ key: `${K}#2`, opens: '2026-12-01T12:25:00.000Z' });
    expect(p.upcoming[0]?.reason).toMatch(
      /^waiting: redial 2 of 3: .*; from 2026-12-01T12:25:00\.000Z$/,
    );
    expect(wakeTimes(p)).toEqual([Date.parse('2026-12-01T12:25:00Z')]);
  });

  it('attempt 3 is due once after × backoff passed since attempt 2 ended', () => {
    const calls = {
      [K]: entry({ sid: 's1', outcome: ended('busy', '2026-12-01T10:00:00Z', 486) }),
      [`${K}#2`]: entry({ sid: 's2', outcome: ended('no-answer', '2026-12-01T11:00:00Z') }),
    };
    expect(plan(calls).due.map((i) => i.key)).toEqual([`${K}#3`]);
    expect(plan(calls, { now: new Date('2026-12-01T11:59:59Z') }).upcoming[0]?.opens).toBe(
      '2026-12-01T12:00:00.000Z',
    );
  });

  it('never beyond max_attempts, never after an answer or a 603, never while an outcome is not known', () => {
    const three = {
      [K]: entry({ sid: 's1', outcome: ended('busy', '2026-12-01T09:00:00Z', 486) }),
      [`${K}#2`]: entry({ sid: 's2', outcome: ended('busy', '2026-12-01T10:00:00Z', 486) }),
      [`${K}#3`]: entry({ sid: 's3', outcome: ended('busy', '2026-12-01T11:00:00Z', 486) }),
    };
    const cases = [
      three,
      {
        [K]: entry({
          sid: 's1',
          outcome: { ...ended('completed', '2026-12-01T09:00:00Z', 200), answered: true },
        }),
      },
      { [K]: entry({ sid: 's1', outcome: ended('busy', '2026-12-01T09:00:00Z', 603) }) },
      { [K]: entry({ sid: 's1', outcome: ended('failed', '2026-12-01T09:00:00Z', 503) }) },
      { [K]: entry({ sid: 's1' }) },
      {
        [K]: entry({
          sid: 's1',
          outcome: { ...ended('in-progress', '2026-12-01T09:00:00Z'), ended_at: undefined },
        }),
      },
      { [K]: entry({ status: 'unknown' }) },
    ];
    expect(cases).toHaveLength(7);
    for (const calls of cases) {
      const p = plan(calls);
      expect(p.due, JSON.stringify(calls)).toEqual([]);
      expect(p.upcoming).toEqual([]);
      expect(p.skipped).toHaveLength(1);
    }
  });

  it('an attempt whose outcome is not known: a redial waits for it, unless it is the last one allowed', () => {
    const busy = (sid: string, at: string) => entry({ sid, outcome: ended('busy', at, 486) });
    const first = plan({ [K]: entry({ sid: 's1' }) });
    expect(first.skipped[0]?.reason).toMatch(
      /^attempt 1 of 3 placed s1 at .*; its outcome is not known yet \(status --refresh, apply --wait\): no redial before it is$/,
    );
    const last = plan({
      [K]: busy('s1', '2026-12-01T09:00:00Z'),
      [`${K}#2`]: busy('s2', '2026-12-01T10:00:00Z'),
      [`${K}#3`]: entry({ sid: 's3' }),
    });
    expect(last.skipped[0]).toMatchObject({ key: `${K}#3` });
    expect(last.skipped[0]?.reason).toMatch(
      /^attempt 3 of 3 placed s3 at .*; its outcome is not known yet \(status --refresh, apply --wait\): no redial after it \(max_attempts 3\)$/,
    );
  });

  it('a refused request (failed entry) of attempt 2 is retried under KEY#2', () => {
    const calls = {
      [K]: entry({ sid: 's1', outcome: ended('busy', '2026-12-01T09:00:00Z', 486) }),
      [`${K}#2`]: entry({ status: 'failed', httpStatus: 503 }),
    };
    expect(plan(calls).due.map((i) => i.key)).toEqual([`${K}#2`]);
  });

  it('a redial due outside the row hours waits for the opening', () => {
    const calls = {
      [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T09:00:00Z') }),
    };
    const night = plan(calls, { calls: [row({ schedule: schedule({ window: '14:00-18:00' }) })] });
    expect(night.due).toEqual([]);
    expect(night.upcoming[0]).toMatchObject({ key: `${K}#2`, opens: '2026-12-01T14:00:00Z' });
  });

  it('a redial whose wait ends outside the row hours waits from their next opening, and run wakes then', () => {
    const calls = {
      [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T11:50:00Z') }),
    };
    // The wait ends at 12:20Z, 21:20 in Tokyo: after the window closed at 21:10 there.
    const tokyo = (window: string) => ({
      calls: [row({ schedule: schedule({ window, timezone: 'Asia/Tokyo' }) })],
    });
    const closed = plan(calls, tokyo('06:00-21:10'));
    expect(closed.due).toEqual([]);
    expect(closed.upcoming[0]).toMatchObject({
      key: `${K}#2`,
      waiting: true,
      opens: '2026-12-01T21:00:00Z',
    });
    expect(closed.upcoming[0]?.reason).toMatch(
      /^waiting: redial 2 of 3: .*; from 2026-12-01T21:00:00Z \(2026-12-02 06:00 Asia\/Tokyo\): the wait ends at 2026-12-01T12:20:00Z, outside calling hours 06:00-21:10 Asia\/Tokyo$/,
    );
    expect(wakeTimes(closed)).toEqual([Date.parse('2026-12-01T21:00:00Z')]);
    // Open when the wait ends: from the wait's end, as before.
    const open = plan(calls, tokyo('06:00-21:30'));
    expect(open.upcoming[0]).toMatchObject({ key: `${K}#2`, opens: '2026-12-01T12:20:00.000Z' });
    expect(open.upcoming[0]?.reason).toMatch(/; from 2026-12-01T12:20:00\.000Z$/);
  });
});

describe('a row that redials, once its campaign ended', () => {
  const over = { calls: [row({ schedule: schedule({ end: '2026-12-01T11:00:00Z' }) })] };
  const words =
    'no redial: campaign reminders ended at 2026-12-01T11:00:00Z (end 2026-12-01T11:00:00Z)';

  it('reached before the end: not expired, done at its latest attempt with no redial', () => {
    const p = plan(
      { [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T09:00:00Z') }) },
      over,
    );
    expect(p.due).toEqual([]);
    expect(p.missed).toEqual([]);
    expect(p.upcoming).toEqual([]);
    expect(p.skipped).toHaveLength(1);
    expect(p.skipped[0]?.key).toBe(K);
    expect(p.skipped[0]?.expired).toBeUndefined();
    expect(p.skipped[0]?.reason).toBe(`done after attempt 1 (no-answer s1): ${words}`);
  });

  it('a refused redial request is not retried: the row stands at the attempt before it', () => {
    const p = plan(
      {
        [K]: entry({ sid: 's1', outcome: ended('busy', '2026-12-01T09:00:00Z', 486) }),
        [`${K}#2`]: entry({ status: 'failed', httpStatus: 503 }),
      },
      over,
    );
    expect(p.due).toEqual([]);
    expect(p.missed).toEqual([]);
    expect(p.skipped[0]?.key).toBe(K);
    expect(p.skipped[0]?.reason).toBe(`done after attempt 1 (busy s1): ${words}`);
  });

  it('an edited row says the campaign ended instead of how to call it again', () => {
    const edited = row({
      definition: 'sha256:reminders/r1-v2',
      schedule: schedule({ end: '2026-12-01T11:00:00Z' }),
    });
    const p = plan(
      { [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T09:00:00Z') }) },
      { calls: [edited] },
    );
    expect(p.skipped[0]).toMatchObject({ key: K, changed: true });
    expect(p.skipped[0]?.reason).toMatch(
      /^changed since placed \(attempt 1 no-answer s1 at .*\); not redialled: campaign reminders ended at 2026-12-01T11:00:00Z/,
    );
  });

  it('never reached (no attempt, or its first request refused): expired, never placed', () => {
    const refused: Record<string, ReturnType<typeof entry>> = {
      [K]: entry({ status: 'failed', httpStatus: 503 }),
    };
    for (const calls of [{}, refused]) {
      const p = plan(calls, over);
      expect(p.skipped).toEqual([]);
      expect(p.missed[0]).toMatchObject({ key: K, expired: true });
      expect(p.missed[0]?.reason).toMatch(/before the row was reached; never placed$/);
    }
  });
});

describe('an edited row of a campaign that redials', () => {
  const edited = row({ definition: 'sha256:reminders/r1-v2' });
  const noAnswer = (sid: string, endedAt: string) =>
    entry({ sid, outcome: ended('no-answer', endedAt) });

  it('is not redialled: listed as changed since placed under its latest placed attempt', () => {
    const p = plan({ [K]: noAnswer('s1', '2026-12-01T09:00:00Z') }, { calls: [edited] });
    expect(p.due).toEqual([]);
    expect(p.upcoming).toEqual([]);
    expect(p.skipped).toEqual([expect.objectContaining({ key: K, changed: true })]);
    expect(p.skipped[0]?.reason).toMatch(
      /^changed since placed \(attempt 1 no-answer s1 at .*\); not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
    // A later attempt, refused by the gateway, is not tried again from the edited row.
    const retry = plan(
      {
        [K]: noAnswer('s1', '2026-12-01T09:00:00Z'),
        [`${K}#2`]: entry({ status: 'failed', httpStatus: 400 }),
      },
      { calls: [edited] },
    );
    expect(retry.due).toEqual([]);
    expect(retry.skipped).toEqual([expect.objectContaining({ key: K, changed: true })]);
    const second = plan(
      {
        [K]: noAnswer('s1', '2026-12-01T09:00:00Z'),
        [`${K}#2`]: noAnswer('s2', '2026-12-01T10:00:00Z'),
      },
      { calls: [edited] },
    );
    expect(second.skipped).toEqual([expect.objectContaining({ key: `${K}#2`, changed: true })]);
  });

  it('a row never placed, or whose first request was refused, is placed as it is now', () => {
    expect(plan({}, { calls: [edited] }).due.map((i) => i.key)).toEqual([K]);
    const refused = plan(
      { [K]: entry({ status: 'failed', httpStatus: 400 }) },
      { calls: [edited] },
    );
    expect(refused.due.map((i) => i.key)).toEqual([K]);
  });
});

describe('an edited row that dials the number its attempts dialled', () => {
  // What row() dials, and another number.
  const NUMBER = '+15550002222';
  const OTHER = '+15550009999';
  // A cell edited that is not the number (a name's typo, a time zone), or `redial:` added.
  const edited = row({ definition: 'sha256:reminders/r1-v2' });
  const moved = row({
    definition: 'sha256:reminders/r1-v3',
    options: { ...row().options, to: { type: 'phone', number: OTHER } },
  });
  const attempt = (sid: string, endedAt: string, status: CallOutcome['status'] = 'no-answer') =>
    entry({
      sid,
      number: numberDigest(NUMBER),
      outcome: ended(status, endedAt, status === 'busy' ? 486 : 487),
    });
  const REDIALLED = '; edited since attempt 1: redialled as it is now';

  it('is redialled as it is now at its time; the plan says it was edited since that attempt', () => {
    const p = plan({ [K]: attempt('s1', '2026-12-01T09:00:00Z') }, { calls: [edited] });
    expect(p.skipped).toEqual([]);
    expect(p.due.map((i) => [i.key, i.definition, i.changed])).toEqual([
      [`${K}#2`, 'sha256:reminders/r1-v2', undefined],
    ]);
    expect(p.due[0]?.reason).toBe(`redial 2 of 3: attempt 1 no-answer (s1)${REDIALLED}`);
    // Before its time it waits, as any redial does.
    const early = plan({ [K]: attempt('s1', '2026-12-01T11:50:00Z') }, { calls: [edited] });
    expect(early.upcoming[0]).toMatchObject({
      key: `${K}#2`,
      opens: '2026-12-01T12:20:00.000Z',
    });
    expect(early.upcoming[0]?.reason).toContain(REDIALLED);
    // Its attempts are counted as before: attempt 3 after × backoff from attempt 2.
    const third = plan(
      {
        [K]: attempt('s1', '2026-12-01T09:00:00Z'),
        [`${K}#2`]: attempt('s2', '2026-12-01T11:00:00Z'),
      },
      { calls: [edited] },
    );
    expect(third.due.map((i) => i.key)).toEqual([`${K}#3`]);
    expect(third.due[0]?.reason).toBe(
      'redial 3 of 3: attempt 2 no-answer (s2); edited since attempt 2: redialled as it is now',
    );
  });

  it('its refused redial is tried again', () => {
    const p = plan(
      {
        [K]: attempt('s1', '2026-12-01T09:00:00Z'),
        [`${K}#2`]: entry({ status: 'failed', httpStatus: 400, number: numberDigest(NUMBER) }),
      },
      { calls: [edited] },
    );
    expect(p.due.map((i) => i.key)).toEqual([`${K}#2`]);
  });

  it('is never redialled after an answer, a decline, an outcome redial.on does not name, or max_attempts', () => {
    const answered = entry({
      sid: 's1',
      number: numberDigest(NUMBER),
      outcome: { ...ended('completed', '2026-12-01T09:00:00Z', 200), answered: true },
    });
    const declined = entry({
      sid: 's1',
      number: numberDigest(NUMBER),
      outcome: ended('busy', '2026-12-01T09:00:00Z', 603),
    });
    const three = {
      [K]: attempt('s1', '2026-12-01T09:00:00Z'),
      [`${K}#2`]: attempt('s2', '2026-12-01T10:00:00Z'),
      [`${K}#3`]: attempt('s3', '2026-12-01T11:00:00Z'),
    };
    for (const calls of [
      { [K]: answered },
      { [K]: declined },
      { [K]: attempt('s1', '2026-12-01T09:00:00Z', 'failed') },
      three,
    ]) {
      const p = plan(calls, { calls: [edited] });
      expect(p.due).toEqual([]);
      expect(p.upcoming).toEqual([]);
      expect(p.skipped).toHaveLength(1);
      expect(p.skipped[0]?.changed).toBeUndefined();
      expect(p.skipped[0]?.reason).toMatch(/^done after attempt /);
    }
  });

  it('that dials another number now is not redialled: changed since placed, with the new-id hint', () => {
    const p = plan({ [K]: attempt('s1', '2026-12-01T09:00:00Z') }, { calls: [moved] });
    expect(p.due).toEqual([]);
    expect(p.upcoming).toEqual([]);
    expect(p.skipped).toEqual([expect.objectContaining({ key: K, changed: true })]);
    expect(p.skipped[0]?.reason).toMatch(
      /^changed since placed \(attempt 1 no-answer s1 at \S+, to another number than it dials now\); not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
  });

  it('editedSincePlaced: none for the same number, the changed item for another', () => {
    const attempts = [{ entry: attempt('s1', '2026-12-01T09:00:00Z') }];
    const built = (c: CallDefinition) => ({
      key: K,
      name: c.name,
      target: 'prod',
      file: c.file,
      line: c.line,
      to: c === moved ? OTHER : NUMBER,
      definition: c.definition,
    });
    expect(editedSincePlaced(edited, attempts, built(edited))).toBeUndefined();
    expect(editedSincePlaced(moved, attempts, built(moved))).toMatchObject({
      key: K,
      changed: true,
    });
    // No digest kept (an entry of an earlier release): whom it dialled is not known.
    const unknown = [
      { entry: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T09:00:00Z') }) },
    ];
    expect(editedSincePlaced(edited, unknown, built(edited))).toMatchObject({ changed: true });
  });
});

describe('--replace and redial', () => {
  const NUMBER = '+15550002222';
  const replace = (calls: Record<string, ReturnType<typeof entry>>, c = row(), now = NOW) =>
    checkReplace('reminders/r1', {
      calls: [c],
      lock: lock(calls),
      now,
      runTarget: 'prod',
      explicitTarget: false,
    });
  const noAnswer = (number = NUMBER) =>
    entry({
      sid: 's1',
      number: numberDigest(number),
      outcome: ended('no-answer', '2026-12-01T09:00:00Z'),
    });
  const GO_ON =
    "its campaign redials by outcome: each attempt is its own placement, placed once, and the row's attempts go on by its `redial` policy under the id it has (`callops plan --only reminders/r1` says when, or why not); keep its id: under a new id the row would be held, as a new key does not call a person again";

  it('a row that dials the number its attempts dialled is sent to the plan, never to a new id', () => {
    // Under a new id it would be held for ever (its person was called under the old key),
    // and a copy beside it would call its number a second time: its attempts go on as it is.
    expect(replace({ [K]: noAnswer() })).toBe(GO_ON);
    expect(replace({ [K]: entry({ sid: 's1' }) })).toBe(GO_ON);
    // Edited, its number as it was: redialled as it is now.
    expect(replace({ [K]: noAnswer() }, row({ definition: 'sha256:reminders/r1-v2' }))).toBe(GO_ON);
    // Never placed: the plan places it.
    expect(replace({})).toBe(GO_ON);
  });

  it('a row that dials another number now: a new id calls it there', () => {
    const moved = row({
      definition: 'sha256:reminders/r1-v3',
      options: { ...row().options, to: { type: 'phone', number: '+15550009999' } },
    });
    expect(replace({ [K]: noAnswer() }, moved)).toBe(
      'its campaign redials by outcome: each attempt is its own placement, placed once; it is changed since placed (attempt 1), so it is not redialled: to call the row as it is now, give it a new id in its CSV (a new row starts at attempt 1)',
    );
    // Its latest placed attempt is the one compared, across its attempts.
    const second = entry({ sid: 's2', number: numberDigest('+15550009999') });
    expect(replace({ [K]: noAnswer(), [`${K}#2`]: second }, moved)).toBe(GO_ON);
    // Once its campaign ended a new id is never placed either: the hint says it ended.
    const ends = row({
      ...moved,
      schedule: schedule({ end: '2026-12-01T11:00:00Z' }),
    });
    expect(replace({ [K]: noAnswer() }, ends)).toBe(
      'its campaign redials by outcome: each attempt is its own placement, placed once; it is changed since placed (attempt 1), so it is not redialled: campaign reminders ended at 2026-12-01T11:00:00Z (end 2026-12-01T11:00:00Z)',
    );
  });
});

describe('a row whose next redial cannot come before its campaign ends', () => {
  const ends = { calls: [row({ schedule: schedule({ end: '2026-12-02T00:00:00Z' }) })] };
  it('is done at its latest attempt with no redial, not waiting for a redial after the end', () => {
    // after 30 min, backoff 2: attempt 2 from 09:30 the next day would be past end.
    const p = plan(
      { [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T23:45:00Z') }) },
      { ...ends, now: new Date('2026-12-01T23:50:00Z') },
    );
    expect(p.upcoming).toEqual([]);
    expect(p.missed).toEqual([]);
    expect(p.skipped[0]?.reason).toBe(
      "done after attempt 1 (no-answer s1): no redial: the next attempt would fall after the campaign's end (campaign reminders ends at 2026-12-02T00:00:00Z (end 2026-12-02T00:00:00Z))",
    );
  });

  it('is done when its hours do not open again before the end', () => {
    const p = plan(
      { [K]: entry({ sid: 's1', outcome: ended('no-answer', '2026-12-01T09:00:00Z') }) },
      { calls: [row({ schedule: schedule({ end: '2026-12-01', window: '09:00-11:00' }) })] },
    );
    expect(p.upcoming).toEqual([]);
    expect(p.skipped[0]?.reason).toBe(
      "done after attempt 1 (no-answer s1): no redial: no opening before the campaign's end (campaign reminders ends at 2026-12-02T00:00:00Z (end 2026-12-01))",
    );
  });

  it('never reached with no opening before the end: expired, not waiting', () => {
    const p = plan(
      {},
      { calls: [row({ schedule: schedule({ end: '2026-12-01', window: '09:00-11:00' }) })] },
    );
    expect(p.upcoming).toEqual([]);
    expect(p.missed[0]).toMatchObject({ key: K, expired: true });
    expect(p.missed[0]?.reason).toBe(
      'expired: no opening before end 2026-12-01 (2026-12-02T00:00:00Z); never placed',
    );
    // Not reported by apply before the end has passed.
    expect(p.unreported).toEqual([]);
  });
});

describe('a row whose `to` takes its number through a ${VAR}', () => {
  const BEFORE = '+15550100001';
  const AFTER = '+15551100001';
  const envRow = row({
    options: { ...row().options, to: { type: 'phone', number: '${PFX}100001' } },
  });
  const attempt1 = (number?: string) => ({
    [K]: entry({
      sid: 's1',
      outcome: ended('no-answer', '2026-12-01T09:00:00Z'),
      ...(number === undefined ? {} : { number: numberDigest(number) }),
    }),
  });
  const withNumber = (number: string): Partial<PlanInput> => ({
    calls: [envRow],
    callNumber: () => number,
  });

  it('is not redialled once the variable gives another number than attempt 1 dialled: changed since placed', () => {
    const p = plan(attempt1(BEFORE), withNumber(AFTER));
    expect(p.due).toEqual([]);
    expect(p.upcoming).toEqual([]);
    expect(p.skipped).toEqual([expect.objectContaining({ key: K, changed: true })]);
    expect(p.skipped[0]?.reason).toMatch(
      /^changed since placed \(attempt 1 no-answer s1 at \S+, to another number than it dials now \(its `to` takes the number from the environment\)\); not redialled: to call the row as it is now, give it a new id in its CSV/,
    );
    // Nor is a refused later attempt tried again.
    const retry = plan(
      { ...attempt1(BEFORE), [`${K}#2`]: entry({ status: 'failed', httpStatus: 503 }) },
      withNumber(AFTER),
    );
    expect(retry.due).toEqual([]);
    expect(retry.skipped).toEqual([expect.objectContaining({ key: K, changed: true })]);
  });

  it('is redialled while the variable gives the number attempt 1 dialled, or when the entry keeps no digest', () => {
    expect(plan(attempt1(BEFORE), withNumber(BEFORE)).due.map((i) => i.key)).toEqual([`${K}#2`]);
    expect(plan(attempt1(), withNumber(AFTER)).due.map((i) => i.key)).toEqual([`${K}#2`]);
  });
});

describe('dialsAnotherNumberNow', () => {
  const placed = entry({ sid: 's1', number: numberDigest('+15550100001') });
  it('resolves only a `to` that does not name its number as written', () => {
    const asked: string[] = [];
    const numberOf = (c: CallDefinition) => {
      asked.push(c.name);
      return '+15551100001';
    };
    // A literal number is covered by the definition: nothing resolved or hashed.
    expect(dialsAnotherNumberNow(placed, row(), numberOf)).toBe(false);
    expect(asked).toEqual([]);
    const envRow = row({
      options: { ...row().options, to: { type: 'phone', number: '${PFX}100001' } },
    });
    expect(dialsAnotherNumberNow(placed, envRow, numberOf)).toBe(true);
    expect(dialsAnotherNumberNow(placed, envRow, () => '+15550100001')).toBe(false);
    // A variable missing or malformed tells no number.
    expect(dialsAnotherNumberNow(placed, envRow, () => undefined)).toBe(false);
    expect(dialsAnotherNumberNow(entry({ sid: 's1' }), envRow, numberOf)).toBe(false);
  });
});
