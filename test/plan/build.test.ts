// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  MISSED_PER_CALL,
  markChecked,
  markReported,
  memoryAt,
  missedToReport,
  type PlanInput,
} from '../../src/plan/index.js';
import { COUNT_SCANS, MAX_SLOTS } from '../../src/schedule/index.js';
import type { Lockfile } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

const base = {
  lock: lock(),
  now: new Date('2026-12-01T09:05:00Z'),
  runTarget: 'prod',
  explicitTarget: false,
} satisfies Omit<PlanInput, 'calls'>;

const keys = (items: readonly { key: string }[]): string[] => items.map((i) => i.key);

describe('unscheduled calls', () => {
  it('are due once, with a readable destination', () => {
    const plan = buildPlan({ ...base, calls: [call('welcome')] });
    expect(plan.target).toBe('prod');
    expect(plan.now).toBe('2026-12-01T09:05:00.000Z');
    expect(plan.due).toEqual([
      {
        key: 'prod/welcome',
        name: 'welcome',
        target: 'prod',
        file: 'calls/welcome.yaml',
        line: 4,
        to: '+15550002222',
        definition: 'sha256:welcome-v1',
      },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('are skipped once placed', () => {
    const plan = buildPlan({
      ...base,
      calls: [call('welcome')],
      lock: lock({ 'prod/welcome': entry({ sid: 'sid-1', definition: 'sha256:welcome-v1' }) }),
    });
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toBe('already placed sid-1 at 2026-12-01T08:00:01.123Z');
  });

  it('are due again after a failure, saying why', () => {
    const plan = buildPlan({
      ...base,
      calls: [call('welcome')],
      lock: lock({
        'prod/welcome': entry({ status: 'failed', httpStatus: 400, message: 'Bad Request' }),
      }),
    });
    expect(plan.due[0]?.reason).toBe('retrying: failed before (400 Bad Request)');
  });

  it('are skipped when unknown, unless unknown ones are retried', () => {
    const input = {
      ...base,
      calls: [call('welcome')],
      lock: lock({ 'prod/welcome': entry({ status: 'unknown', message: 'timeout' }) }),
    };
    const plan = buildPlan(input);
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toBe(
      'unknown — settle: `callops resolve --check prod/welcome` looks it up on the gateway; or `callops resolve prod/welcome --placed SID` or `--not-placed`, or apply --retry-unknown',
    );
    const retry = buildPlan({ ...input, retryUnknown: true });
    expect(keys(retry.due)).toEqual(['prod/welcome']);
    expect(retry.due[0]?.reason).toBe('retrying: outcome unknown before (timeout)');
  });

  it('are skipped when disabled', () => {
    const plan = buildPlan({ ...base, calls: [call('welcome', { enabled: false })] });
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => [i.key, i.reason])).toEqual([['prod/welcome', 'disabled']]);
  });
});

describe('selection and targets', () => {
  it('lists only the calls named by `only`', () => {
    const plan = buildPlan({
      ...base,
      calls: [call('a'), call('b', { enabled: false }), call('c')],
      only: ['c', 'b'],
    });
    expect(keys(plan.due)).toEqual(['prod/c']);
    expect(keys(plan.skipped)).toEqual(['prod/b']);
  });

  it('sends a pinned call to its own target when no target was chosen', () => {
    const plan = buildPlan({ ...base, calls: [call('a', { target: 'staging' })] });
    expect(plan.due.map((i) => [i.key, i.target])).toEqual([['staging/a', 'staging']]);
  });

  it('skips a call pinned elsewhere when the target was chosen', () => {
    const plan = buildPlan({
      ...base,
      explicitTarget: true,
      calls: [call('a', { target: 'staging' }), call('b', { target: 'prod' }), call('c')],
    });
    expect(keys(plan.due)).toEqual(['prod/b', 'prod/c']);
    expect(plan.skipped.map((i) => [i.key, i.reason])).toEqual([
      ['staging/a', 'pinned to target `staging`'],
    ]);
  });
});

/** callops has known every call of these tests since long before their slots. */
const known = (...names: string[]) =>
  Object.fromEntries(names.map((n) => [`prod/${n}`, { since: '2026-01-01T00:00:00.000Z' }]));

describe('scheduled calls', () => {
  const daily = call('daily', { schedule: schedule({ cron: '0 9 * * *' }) });
  const seen = { ...base, lock: lock({}, known('daily', 'hourly')) };

  it('make a slot due within its deadline, keyed by the slot', () => {
    const plan = buildPlan({ ...seen, calls: [daily] });
    expect(plan.due.map((i) => [i.key, i.slot])).toEqual([
      ['prod/daily@2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z'],
    ]);
    expect(plan.missed.map((i) => i.key)).toEqual(['prod/daily@2026-11-30T09:00:00Z']);
    expect(keys(plan.upcoming)).toEqual([
      'prod/daily@2026-12-02T09:00:00Z',
      'prod/daily@2026-12-03T09:00:00Z',
      'prod/daily@2026-12-04T09:00:00Z',
    ]);
  });

  it('shows the next slots of a leap-day cron, years ahead', () => {
    const leap = call('leap', { schedule: schedule({ cron: '0 9 29 2 *' }) });
    const plan = buildPlan({ ...seen, calls: [leap] });
    expect(keys(plan.upcoming)).toEqual([
      'prod/leap@2028-02-29T09:00:00Z',
      'prod/leap@2032-02-29T09:00:00Z',
    ]);
  });

  it('never makes due, nor reports missed, a slot up to the last one state.keep let go', () => {
    const lenient = call('daily', {
      schedule: schedule({ cron: '0 9 * * *', deadlineMs: 3 * 86_400_000 }),
    });
    const remembered = { since: '2026-01-01T00:00:00.000Z' };
    const without = buildPlan({
      ...base,
      lock: lock({}, { 'prod/daily': remembered }),
      calls: [lenient],
    });
    expect(keys(without.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
    expect(keys(without.missed).sort()).toEqual([
      'prod/daily@2026-11-28T09:00:00Z',
      'prod/daily@2026-11-29T09:00:00Z',
      'prod/daily@2026-11-30T09:00:00Z',
    ]);
    // The entries up to 11-30 were let go: none of those slots is due or missed again.
    const pruned = { ...remembered, prunedThrough: '2026-11-30T09:00:00.000Z' };
    const plan = buildPlan({ ...base, lock: lock({}, { 'prod/daily': pruned }), calls: [lenient] });
    expect(keys(plan.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
    expect(plan.missed).toEqual([]);
    // Up to the latest: nothing due at all.
    const all = { ...remembered, prunedThrough: '2026-12-01T09:00:00.000Z' };
    const none = buildPlan({ ...base, lock: lock({}, { 'prod/daily': all }), calls: [lenient] });
    expect(none.due).toEqual([]);
    expect(none.missed).toEqual([]);
  });

  it('never makes due a slot already reported missed, whatever the deadline became since', () => {
    const lenient = call('daily', {
      schedule: schedule({ cron: '0 9 * * *', deadlineMs: 3 * 86_400_000 }),
    });
    // An earlier apply reported 11-30 missed (then its deadline was 10 minutes).
    const reported = {
      since: '2026-01-01T00:00:00.000Z',
      reportedThrough: '2026-11-30T09:00:00.000Z',
    };
    const plan = buildPlan({
      ...base,
      lock: lock({}, { 'prod/daily': reported }),
      calls: [lenient],
    });
    expect(keys(plan.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
    // Reported through the latest slot: nothing is due.
    const all = { ...reported, reportedThrough: '2026-12-01T09:00:00.000Z' };
    const none = buildPlan({ ...base, lock: lock({}, { 'prod/daily': all }), calls: [lenient] });
    expect(none.due).toEqual([]);
  });

  it('is due up to just before the deadline and missed at it', () => {
    const before = buildPlan({ ...seen, now: new Date('2026-12-01T09:09:59Z'), calls: [daily] });
    expect(keys(before.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
    const at = buildPlan({ ...seen, now: new Date('2026-12-01T09:10:00Z'), calls: [daily] });
    expect(at.due).toEqual([]);
    // Known since January and never reported: every slot since was missed, counted.
    expect(at.missed.map((i) => [i.key, i.reason])).toEqual([
      [
        'prod/daily@2026-12-01T09:00:00Z',
        'deadline passed at 2026-12-01T09:10:00Z; never placed late (earlier missed slots not listed)',
      ],
    ]);
  });

  it('makes a slot due at the instant it falls due', () => {
    const plan = buildPlan({ ...base, now: new Date('2026-12-01T09:00:00Z'), calls: [daily] });
    expect(keys(plan.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
  });

  it('does not call a slot missed when the lockfile has it', () => {
    const plan = buildPlan({
      ...base,
      now: new Date('2026-12-01T10:00:00Z'),
      calls: [daily],
      lock: lock({
        'prod/daily@2026-12-01T09:00:00Z': entry({ status: 'failed', httpStatus: 503 }),
        'prod/daily@2026-11-30T09:00:00Z': entry({ sid: 's' }),
      }),
    });
    expect(plan.missed).toEqual([]);
    expect(plan.due).toEqual([]);
  });

  it('settles due slots with the lockfile like unscheduled calls', () => {
    const plan = buildPlan({
      ...base,
      calls: [daily],
      lock: lock({ 'prod/daily@2026-12-01T09:00:00Z': entry({ sid: 'sid-9' }) }),
    });
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(/^already placed sid-9 at /);
    const failed = buildPlan({
      ...base,
      calls: [daily],
      lock: lock({
        'prod/daily@2026-12-01T09:00:00Z': entry({ status: 'failed', httpStatus: 429 }),
      }),
    });
    expect(failed.due[0]?.reason).toBe('retrying: failed before (429)');
  });

  it('lists no time outside the window, and keeps upcoming slots inside it', () => {
    const hourly = call('hourly', {
      schedule: schedule({ cron: '0 * * * *', window: '08:00-21:00', timezone: 'Europe/Berlin' }),
    });
    // 22:05 UTC is 23:05 in Berlin: 23:00 is no slot (outside the window).
    const plan = buildPlan({ ...seen, now: new Date('2026-12-01T22:05:00Z'), calls: [hourly] });
    expect(plan.due).toEqual([]);
    expect(plan.skipped).toEqual([]);
    // The ten latest missed slots, the last at 20:00 local (21:00 is outside the window).
    const missed = plan.missed.map((i) => i.slot);
    expect(missed).toHaveLength(MISSED_PER_CALL);
    expect(missed[0]).toBe('2026-12-01T10:00:00Z');
    expect(missed.at(-1)).toBe('2026-12-01T19:00:00Z');
    expect(plan.missed[0]?.reason).toBe(
      'deadline passed at 2026-12-01T10:10:00Z; never placed late (earlier missed slots not listed)',
    );
    expect(plan.missed[1]?.reason).toBe(
      'deadline passed at 2026-12-01T11:10:00Z; never placed late',
    );
    expect(keys(plan.upcoming)).toEqual([
      'prod/hourly@2026-12-02T07:00:00Z',
      'prod/hourly@2026-12-02T08:00:00Z',
      'prod/hourly@2026-12-02T09:00:00Z',
    ]);
  });

  it('lists none of the many times of a dense cron outside its window', () => {
    const tick = call('tick', {
      schedule: schedule({ cron: '* * * * * *', window: '02:00-03:00' }),
    });
    const plan = buildPlan({ ...base, now: new Date('2026-03-28T23:00:00Z'), calls: [tick] });
    expect(plan.due).toEqual([]);
    expect(plan.skipped).toEqual([]);
    expect(plan.missed).toEqual([]);
    expect(keys(plan.upcoming)[0]).toBe('prod/tick@2026-03-29T02:00:00Z');
  });

  it('does not make a slot due once the window it fell due in has closed', () => {
    const late = call('late', {
      schedule: schedule({ cron: '59 20 * * *', window: '08:00-21:00', timezone: 'Europe/Berlin' }),
    });
    const known = lock({}, { 'prod/late': { since: '2026-01-01T00:00:00.000Z' } });
    // 20:59 in Berlin (19:59Z); at 21:05 its deadline (10 min) has not passed, its window has.
    const after = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-01T20:05:00Z'),
      calls: [late],
    });
    expect(after.due).toEqual([]);
    expect(after.missed.map((i) => [i.key, i.reason])).toContainEqual([
      'prod/late@2026-12-01T19:59:00Z',
      'window 08:00-21:00 closed at 2026-12-01T20:00:00Z (21:00 Europe/Berlin); never placed late',
    ]);
    // Apply reports it once, as any missed slot.
    expect(missedToReport(after).missed.map((i) => i.key)).toContain(
      'prod/late@2026-12-01T19:59:00Z',
    );
    // Within its window it is due.
    const within = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-01T19:59:30Z'),
      calls: [late],
    });
    expect(keys(within.due)).toEqual(['prod/late@2026-12-01T19:59:00Z']);
  });

  it('makes none of several slots due once their window has closed', () => {
    const twice = call('twice', {
      schedule: schedule({
        cron: '55,59 20 * * *',
        window: '08:00-21:00',
        timezone: 'Europe/Berlin',
      }),
    });
    const known = lock({}, { 'prod/twice': { since: '2026-01-01T00:00:00.000Z' } });
    // 21:03 in Berlin: both slots are within their deadline, neither within its window.
    const plan = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-01T20:03:00Z'),
      calls: [twice],
    });
    expect(plan.due).toEqual([]);
    expect(keys(plan.missed).filter((k) => k.includes('2026-12-01'))).toEqual([
      'prod/twice@2026-12-01T19:55:00Z',
      'prod/twice@2026-12-01T19:59:00Z',
    ]);
  });

  it('does not make an unknown slot due with --retry-unknown once its window has closed', () => {
    const late = call('late', {
      schedule: schedule({
        cron: '59 20 * * *',
        window: '08:00-21:00',
        timezone: 'Europe/Berlin',
        deadlineMs: 30 * 60_000,
      }),
    });
    const key = 'prod/late@2026-12-02T19:59:00Z';
    const known = lock(
      { [key]: entry({ status: 'unknown', httpStatus: 500 }) },
      { 'prod/late': { since: '2026-01-01T00:00:00.000Z' } },
    );
    // 21:05 in Berlin: the deadline (21:29) is still to come, the window closed at 21:00.
    const after = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-02T20:05:00Z'),
      calls: [late],
      retryUnknown: true,
    });
    expect(after.due).toEqual([]);
    expect(after.skipped.map((i) => [i.key, i.reason])).toEqual([
      [
        key,
        `unknown — settle: \`callops resolve --check ${key}\` looks it up on the gateway; or \`callops resolve ${key} --placed SID\` or \`--not-placed\` (not placed again: window 08:00-21:00 closed at 2026-12-02T20:00:00Z (21:00 Europe/Berlin); never placed late)`,
      ],
    ]);
    // Within its window --retry-unknown places it again.
    const within = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-02T19:59:50Z'),
      calls: [late],
      retryUnknown: true,
    });
    expect(keys(within.due)).toEqual([key]);
  });

  it('names the window close, not the later deadline, once both have passed', () => {
    const late = call('late', {
      schedule: schedule({
        cron: '59 20 * * *',
        window: '08:00-21:00',
        timezone: 'Europe/Berlin',
        deadlineMs: 30 * 60_000,
      }),
    });
    const known = lock({}, { 'prod/late': { since: '2026-12-02T18:00:00.000Z' } });
    const plan = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-03T19:59:58Z'),
      calls: [late],
    });
    expect(plan.missed.map((i) => [i.key, i.reason])).toContainEqual([
      'prod/late@2026-12-02T19:59:00Z',
      'window 08:00-21:00 closed at 2026-12-02T20:00:00Z (21:00 Europe/Berlin); never placed late',
    ]);
    expect(missedToReport(plan).missed.map((i) => i.reason)).toContain(
      'window 08:00-21:00 closed at 2026-12-02T20:00:00Z (21:00 Europe/Berlin); never placed late',
    );
    // Without a window its deadline is what ended it.
    const open = call('late', {
      schedule: schedule({ cron: '59 20 * * *', deadlineMs: 30 * 60_000 }),
    });
    const deadline = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-12-03T19:59:58Z'),
      calls: [open],
    });
    expect(deadline.missed.map((i) => i.reason)).toContain(
      'deadline passed at 2026-12-02T21:29:00Z; never placed late',
    );
  });

  it('lists as many upcoming slots as asked', () => {
    const plan = buildPlan({ ...base, calls: [daily], upcomingCount: 1 });
    expect(keys(plan.upcoming)).toEqual(['prod/daily@2026-12-02T09:00:00Z']);
  });

  it('lists a slot a rehearsal already placed as placed, not as upcoming', () => {
    const ahead = lock({
      'prod/daily@2026-12-02T09:00:00Z': entry({ sid: 's1', at: '2026-12-01T09:06:00.000Z' }),
    });
    const plan = buildPlan({ ...base, lock: ahead, calls: [daily] });
    // As many slots to come as asked: one more in the place of the placed one.
    expect(keys(plan.upcoming)).toEqual([
      'prod/daily@2026-12-03T09:00:00Z',
      'prod/daily@2026-12-04T09:00:00Z',
      'prod/daily@2026-12-05T09:00:00Z',
    ]);
    const next = buildPlan({ ...base, lock: ahead, calls: [daily], upcomingCount: 1 });
    expect(keys(next.upcoming)).toEqual(['prod/daily@2026-12-03T09:00:00Z']);
    expect(plan.skipped).toContainEqual(
      expect.objectContaining({
        key: 'prod/daily@2026-12-02T09:00:00Z',
        reason: 'already placed s1 at 2026-12-01T09:06:00.000Z',
      }),
    );
    expect(keys(plan.due)).toEqual(['prod/daily@2026-12-01T09:00:00Z']);
  });

  it('lists a slot a rehearsal left unknown as unknown, not as upcoming (a run would not place it)', () => {
    const ahead = lock({
      'prod/daily@2026-12-02T09:00:00Z': entry({
        status: 'unknown',
        sid: undefined,
        at: '2026-12-01T09:06:00.000Z',
      }),
    });
    const plan = buildPlan({ ...base, lock: ahead, calls: [daily] });
    expect(keys(plan.upcoming)).toEqual([
      'prod/daily@2026-12-03T09:00:00Z',
      'prod/daily@2026-12-04T09:00:00Z',
      'prod/daily@2026-12-05T09:00:00Z',
    ]);
    expect(plan.skipped).toContainEqual(
      expect.objectContaining({
        key: 'prod/daily@2026-12-02T09:00:00Z',
        reason: expect.stringMatching(/^unknown — settle: `callops resolve --check /),
      }),
    );
    // With --retry-unknown it is placed again when its slot comes: it is still to come.
    const retry = buildPlan({ ...base, lock: ahead, calls: [daily], retryUnknown: true });
    expect(keys(retry.upcoming)[0]).toBe('prod/daily@2026-12-02T09:00:00Z');
  });

  it('places an at schedule once', () => {
    const once = call('once', { schedule: schedule({ at: '2026-12-01T10:00:00+01:00' }) });
    const plan = buildPlan({ ...base, calls: [once] });
    expect(keys(plan.due)).toEqual(['prod/once@2026-12-01T09:00:00Z']);
    const later = buildPlan({ ...base, now: new Date('2026-12-05T00:00:00Z'), calls: [once] });
    expect(later.due).toEqual([]);
    expect(later.upcoming).toEqual([]);
  });

  it('skips a schedule it cannot read, saying why', () => {
    const bad = call('bad', { schedule: schedule({ cron: '0 9 * *' }) });
    const plan = buildPlan({ ...base, calls: [bad] });
    expect(plan.skipped[0]?.key).toBe('prod/bad');
    expect(plan.skipped[0]?.reason).toBe('schedule not understood (see `callops validate`)');
  });
});

describe('catch-up (Kubernetes CronJob rule)', () => {
  const perMinute = call('pm', { schedule: schedule({ cron: '* * * * *' }) });
  const late = { ...base, now: new Date('2026-12-01T09:09:30Z'), calls: [perMinute] };

  it('makes only the most recent slot due; the older ones within the deadline are superseded', () => {
    const plan = buildPlan({ ...late, lock: lock({}, known('pm')) });
    expect(keys(plan.due)).toEqual(['prod/pm@2026-12-01T09:09:00Z']);
    const superseded = plan.missed.filter((i) => i.reason?.startsWith('superseded'));
    expect(superseded.map((i) => i.slot)).toHaveLength(9);
    expect(superseded[0]?.slot).toBe('2026-12-01T09:00:00Z');
    expect(plan.missed.at(-1)?.reason).toBe(
      'superseded by 2026-12-01T09:09:00Z: catch-up places only the most recent slot (schedule.catchup: all places every one)',
    );
    expect(plan.missed.at(-1)?.slot).toBe('2026-12-01T09:08:00Z');
  });

  it('with catchup: all makes every slot within the deadline due', () => {
    const all = call('pm', { schedule: schedule({ cron: '* * * * *', catchup: 'all' }) });
    const plan = buildPlan({ ...late, calls: [all] });
    expect(plan.due).toHaveLength(10);
    expect(plan.missed).toEqual([]);
  });

  it('with catchup: all places the latest MAX_SLOTS slots, the current one among them; the older ones are superseded, counted', () => {
    const spec = { cron: '* * * * *', catchup: 'all', deadlineMs: 86_400_000 } as const;
    const dense = call('pm', { schedule: schedule(spec) });
    const now = new Date('2026-12-03T10:00:30Z');
    const plan = buildPlan({ ...base, now, calls: [dense] });
    // 1440 slots within the deadline (10:01 yesterday … 10:00 today): the latest 1000 due.
    expect(plan.due).toHaveLength(MAX_SLOTS);
    expect(plan.due[0]?.slot).toBe('2026-12-02T17:21:00Z');
    expect(plan.due.at(-1)?.slot).toBe('2026-12-03T10:00:00Z');
    expect(plan.missedCount).toEqual({ count: 440 });
    expect(plan.missed.at(-1)?.slot).toBe('2026-12-02T17:20:00Z');
    expect(plan.missed.at(-1)?.reason).toBe(
      `superseded by 2026-12-02T17:21:00Z: catchup: all places at most the latest ${MAX_SLOTS} slots still within their deadline`,
    );
    expect(missedToReport(plan).missedCount).toEqual({ count: 440 });
    // A per-second one: its count stops at its bound, and says so.
    const tick = call('tick', { schedule: schedule({ ...spec, cron: '* * * * * *' }) });
    const ticks = buildPlan({ ...base, now, calls: [tick] });
    expect(ticks.due).toHaveLength(MAX_SLOTS);
    expect(ticks.due.at(-1)?.slot).toBe('2026-12-03T10:00:30Z');
    expect(ticks.missedCount?.atLeast).toBe(true);
    expect(missedToReport(ticks).missedCount.atLeast).toBe(true);
  });

  it('a per-second schedule seen after 10 minutes has one slot due, not 600', () => {
    const tick = call('tick', { schedule: schedule({ cron: '* * * * * *' }) });
    const plan = buildPlan({ ...base, calls: [tick] });
    expect(keys(plan.due)).toEqual(['prod/tick@2026-12-01T09:05:00Z']);
    expect(plan.missed).toHaveLength(MISSED_PER_CALL);
    expect(plan.missed[0]?.reason).toMatch(/\(earlier superseded slots not listed\)$/);
  });

  it('never reports a slot that was over before callops first saw the call', () => {
    const fresh = buildPlan(late);
    // 09:00…09:08 were still placeable at first sight (now): superseded, listed.
    expect(fresh.missed.map((i) => i.slot)).toHaveLength(9);
    expect(fresh.missed.every((i) => i.reason?.startsWith('superseded'))).toBe(true);
    expect(fresh.memory).toEqual({ 'prod/pm': { since: '2026-12-01T09:09:30.000Z' } });
    // Seen at 11:55: an apply at 12:00:30 lists the slots that were placeable since then.
    const later = buildPlan({
      ...late,
      now: new Date('2026-12-01T12:00:30Z'),
      lock: lock({}, { 'prod/pm': { since: '2026-12-01T11:55:00.000Z' } }),
    });
    const deadlinePassed = later.missed.filter((i) => i.reason?.startsWith('deadline'));
    expect(deadlinePassed.map((i) => i.slot)).toEqual([
      '2026-12-01T11:46:00Z',
      '2026-12-01T11:47:00Z',
      '2026-12-01T11:48:00Z',
      '2026-12-01T11:49:00Z',
      '2026-12-01T11:50:00Z',
    ]);
  });

  it('takes a call the memory does not know as first seen at firstSeen (run: its previous look)', () => {
    const plan = buildPlan({ ...late, firstSeen: new Date('2026-12-01T09:00:30Z') });
    expect(plan.memory).toEqual({ 'prod/pm': { since: '2026-12-01T09:00:30.000Z' } });
    // Placeable at 09:00:30 but over by now (deadline 10 min): missed, not dropped unseen.
    const deadlinePassed = plan.missed.filter((i) => i.reason?.startsWith('deadline'));
    expect(deadlinePassed.map((i) => i.slot)).toEqual([
      '2026-12-01T08:51:00Z',
      '2026-12-01T08:52:00Z',
      '2026-12-01T08:53:00Z',
      '2026-12-01T08:54:00Z',
      '2026-12-01T08:55:00Z',
      '2026-12-01T08:56:00Z',
      '2026-12-01T08:57:00Z',
      '2026-12-01T08:58:00Z',
      '2026-12-01T08:59:00Z',
    ]);
    // A call the memory knows keeps its since; a firstSeen after now counts as now.
    const known = buildPlan({
      ...late,
      firstSeen: new Date('2026-12-01T08:00:00Z'),
      lock: lock({}, { 'prod/pm': { since: '2026-12-01T09:05:00.000Z' } }),
    });
    expect(known.memory).toEqual({ 'prod/pm': { since: '2026-12-01T09:05:00.000Z' } });
    const ahead = buildPlan({ ...late, firstSeen: new Date('2026-12-01T10:00:00Z') });
    expect(ahead.memory).toEqual({ 'prod/pm': { since: '2026-12-01T09:09:30.000Z' } });
  });

  it('keeps a placed or unknown older slot as it is, and supersedes a failed one', () => {
    const plan = buildPlan({
      ...late,
      lock: lock(
        {
          'prod/pm@2026-12-01T09:07:00Z': entry({ sid: 's7' }),
          'prod/pm@2026-12-01T09:06:00Z': entry({ status: 'unknown' }),
          'prod/pm@2026-12-01T09:05:00Z': entry({ status: 'failed', httpStatus: 400 }),
        },
        known('pm'),
      ),
    });
    expect(keys(plan.due)).toEqual(['prod/pm@2026-12-01T09:09:00Z']);
    expect(keys(plan.skipped)).toEqual([
      'prod/pm@2026-12-01T09:06:00Z',
      'prod/pm@2026-12-01T09:07:00Z',
    ]);
    expect(keys(plan.missed)).toContain('prod/pm@2026-12-01T09:05:00Z');
  });
});

describe('never back in time: a slot not later than one placed is superseded', () => {
  // Placed at 09:00 UTC (09:00 in London); the call then edited, its deadline 2 h.
  const now = new Date('2026-11-10T09:05:00Z');
  const placedAt9 = { 'prod/daily@2026-11-10T09:00:00Z': entry({ sid: 'sid-9' }) };
  const edited = (cron: string, timezone: string, extra = {}) =>
    call('daily', { schedule: schedule({ cron, timezone, deadlineMs: 7_200_000, ...extra }) });
  const seenAt = { 'prod/daily': { since: '2026-11-10T09:01:00.000Z' } };
  const planOf = (calls: CallDefinition[], entries: Lockfile['calls'] = placedAt9) =>
    buildPlan({ ...base, now, lock: lock(entries, seenAt), calls });

  it.each([
    [
      'a time zone edited to one ahead',
      edited('0 9 * * *', 'Europe/Berlin'),
      '2026-11-10T08:00:00Z',
    ],
    [
      'a cron edited to an earlier time',
      edited('30 8 * * *', 'Europe/London'),
      '2026-11-10T08:30:00Z',
    ],
  ])(
    '%s: the earlier slot within its deadline is not placed, and reported superseded',
    (_, daily, slot) => {
      const plan = planOf([daily]);
      expect(plan.due).toEqual([]);
      expect(plan.missed.map((i) => [i.slot, i.reason])).toEqual([
        [
          slot,
          'superseded by 2026-11-10T09:00:00Z, already placed: an earlier slot is never placed after a later one',
        ],
      ]);
      // Reported once: apply and run remember it.
      expect(missedToReport(plan).missed.map((i) => i.slot)).toEqual([slot]);
      const marked = markChecked(plan.memory ?? {}, plan.unreported ?? []);
      expect(marked['prod/daily']?.reportedThrough).toBe(slot);
      // A later slot of the edited call is due as usual.
      const next = buildPlan({
        ...base,
        now: new Date('2026-11-11T08:35:00Z'),
        lock: lock(placedAt9, marked),
        calls: [daily],
      });
      expect(next.due.map((i) => i.slot)).toHaveLength(1);
      expect(next.unreported).toEqual([]);
    },
  );

  it('with catchup: all too; the slots after the one placed are due', () => {
    const hourly = edited('0 * * * *', 'Asia/Kathmandu', { catchup: 'all' });
    // Kathmandu is 5:45 ahead: slots at :15 UTC. 08:15 is before 09:00, 09:15 after it.
    const plan = buildPlan({
      ...base,
      now: new Date('2026-11-10T09:20:00Z'),
      lock: lock(placedAt9, seenAt),
      calls: [hourly],
    });
    expect(plan.due.map((i) => i.slot)).toEqual(['2026-11-10T09:15:00Z']);
    expect(plan.missed.map((i) => i.slot)).toEqual([
      '2026-11-10T07:15:00Z',
      '2026-11-10T08:15:00Z',
    ]);
  });

  it('an unknown slot supersedes as a placed one; a failed one does not (it never rang)', () => {
    const daily = edited('0 9 * * *', 'Europe/Berlin');
    const unknown = planOf([daily], {
      'prod/daily@2026-11-10T09:00:00Z': entry({ status: 'unknown', httpStatus: 500 }),
    });
    expect(unknown.due).toEqual([]);
    expect(unknown.missed[0]?.reason).toBe(
      'superseded by 2026-11-10T09:00:00Z, whose outcome is unknown: an earlier slot is never placed after a later one',
    );
    const failed = planOf([daily], {
      'prod/daily@2026-11-10T09:00:00Z': entry({ status: 'failed', httpStatus: 400 }),
    });
    expect(failed.due.map((i) => i.slot)).toEqual(['2026-11-10T08:00:00Z']);
  });

  it('a slot placed ahead of its time by a rehearsal does not supersede the ones before it', () => {
    const daily = edited('0 9 * * *', 'Europe/Berlin');
    // Placed at 09:04 for 10:00: before its slot, as only a rehearsal places one.
    const ahead = entry({ sid: 'ahead', at: '2026-11-10T09:04:00.000Z' });
    const plan = planOf([daily], { 'prod/daily@2026-11-10T10:00:00Z': ahead });
    expect(plan.due.map((i) => i.slot)).toEqual(['2026-11-10T08:00:00Z']);
  });

  it("each row of a campaign by its own entries: one row's placed slot supersedes none of another's", () => {
    const row = (id: string, timezone: string): CallDefinition =>
      call(`remind/${id}`, {
        campaign: { name: 'remind', id, recipients: 'lists/r.csv' },
        schedule: schedule({ cron: '0 9 * * *', timezone, deadlineMs: 7_200_000 }),
      });
    const plan = buildPlan({
      ...base,
      now,
      lock: lock(
        { 'prod/remind/london@2026-11-10T09:00:00Z': entry({ sid: 'sid-l' }) },
        { 'prod/remind': seenAt['prod/daily'] },
      ),
      // The London row edited to Berlin; the Paris row was Berlin's all along.
      calls: [row('london', 'Europe/Berlin'), row('paris', 'Europe/Paris')],
    });
    expect(keys(plan.due)).toEqual(['prod/remind/paris@2026-11-10T08:00:00Z']);
    expect(keys(plan.missed)).toEqual(['prod/remind/london@2026-11-10T08:00:00Z']);
  });
});

describe('order and destinations', () => {
  it('sorts by slot, then key; unscheduled first', () => {
    const s = schedule({ cron: '*/5 * * * *', deadlineMs: 11 * 60_000, catchup: 'all' });
    const plan = buildPlan({
      ...base,
      calls: [call('z', { schedule: s }), call('b'), call('a', { schedule: s }), call('c')],
    });
    expect(keys(plan.due)).toEqual([
      'prod/b',
      'prod/c',
      'prod/a@2026-12-01T08:55:00Z',
      'prod/z@2026-12-01T08:55:00Z',
      'prod/a@2026-12-01T09:00:00Z',
      'prod/z@2026-12-01T09:00:00Z',
      'prod/a@2026-12-01T09:05:00Z',
      'prod/z@2026-12-01T09:05:00Z',
    ]);
  });

  it('renders every kind of destination without resolving references', () => {
    const to = (value: unknown) =>
      buildPlan({ ...base, calls: [call('x', { options: { to: value } })] }).due[0]?.to;
    expect(to({ type: 'sip', sipUri: 'sip:probe@example.com' })).toBe('sip:probe@example.com');
    expect(to({ type: 'user', name: 'alice' })).toBe('user alice');
    expect(to({ type: 'teams', number: '+15550003333' })).toBe('teams +15550003333');
    expect(to({ type: 'phone', number: '${ALICE_NUMBER}' })).toBe('${ALICE_NUMBER}');
    expect(to({ type: 'phone', number: '+15550002222', trunk: 'carrier-a' })).toBe(
      '+15550002222 (trunk carrier-a)',
    );
  });
});

describe('missed slots: every one counted, reported once', () => {
  const daily = call('daily', { schedule: schedule({ cron: '0 9 * * *' }) });
  const firstSeen = { since: '2027-01-01T09:01:00.000Z' };
  const placed = lock(
    { 'prod/daily@2027-01-01T09:00:00Z': entry({ sid: 's1' }) },
    { 'prod/daily': firstSeen },
  );

  it('counts and lists the slots missed since callops first saw the call, older than 24 hours too', () => {
    const plan = buildPlan({
      ...base,
      now: new Date('2027-01-06T08:00:00Z'),
      lock: placed,
      calls: [daily],
    });
    const missed = [
      'prod/daily@2027-01-02T09:00:00Z',
      'prod/daily@2027-01-03T09:00:00Z',
      'prod/daily@2027-01-04T09:00:00Z',
      'prod/daily@2027-01-05T09:00:00Z',
    ];
    // plan lists the last 24 hours, and counts the rest.
    expect(keys(plan.missed)).toEqual(missed.slice(-1));
    expect(plan.missed[0]?.reason).toMatch(/\(earlier missed slots not listed\)$/);
    expect(plan.missedCount).toEqual({ count: 4 });
    expect(plan.unreported?.map((r) => [r.memory, r.count, keys(r.items), r.through])).toEqual([
      ['prod/daily', 4, missed, '2027-01-05T09:00:00Z'],
    ]);
    const report = missedToReport(plan);
    expect(report.missedCount).toEqual({ count: 4 });
    expect(keys(report.missed)).toEqual(missed);
    const memory = markChecked(plan.memory ?? {}, plan.unreported ?? []);
    expect(memory['prod/daily']).toEqual({ ...firstSeen, reportedThrough: '2027-01-05T09:00:00Z' });
    // Reported once: the next apply has nothing more to report.
    const again = buildPlan({
      ...base,
      now: new Date('2027-01-06T08:00:00Z'),
      lock: lock(placed.calls, memory),
      calls: [daily],
    });
    expect(missedToReport(again).missedCount).toEqual({ count: 0 });
  });

  it('counts the missed slots it does not list, and lists the latest with a note', () => {
    const hourly = call('daily', { schedule: schedule({ cron: '0 * * * *' }) });
    const plan = buildPlan({
      ...base,
      now: new Date('2027-01-02T15:30:00Z'),
      lock: placed,
      calls: [hourly],
    });
    // 01-01 10:00 … 01-02 15:00: 14 + 16 slots.
    const [report] = plan.unreported ?? [];
    expect(report?.count).toBe(30);
    expect(report?.atLeast).toBeUndefined();
    expect(report?.items).toHaveLength(MISSED_PER_CALL);
    expect(report?.items[0]?.slot).toBe('2027-01-02T06:00:00Z');
    expect(report?.items[0]?.reason).toMatch(/\(earlier missed slots not listed\)$/);
    expect(report?.through).toBe('2027-01-02T15:00:00Z');
    expect(plan.missedCount).toEqual({ count: 30 });
    expect(missedToReport(plan).missedCount).toEqual({ count: 30 });
  });

  it('moves reportedThrough over the slots it looked at, placed ones too, never over uncounted ones', () => {
    // Placed on 01-02, missed on 01-03: only 01-03 is reported; reportedThrough reaches it.
    const plan = buildPlan({
      ...base,
      now: new Date('2027-01-04T08:00:00Z'),
      lock: lock(
        { 'prod/daily@2027-01-02T09:00:00Z': entry({ sid: 's2' }) },
        { 'prod/daily': { ...firstSeen, reportedThrough: '2027-01-01T09:00:00Z' } },
      ),
      calls: [daily],
    });
    expect(plan.unreported?.map((r) => [r.count, keys(r.items), r.through])).toEqual([
      [1, ['prod/daily@2027-01-03T09:00:00Z'], '2027-01-03T09:00:00Z'],
    ]);
    // Nothing missed since: the memory still moves, so the next count starts there.
    const quiet = buildPlan({
      ...base,
      now: new Date('2027-01-05T08:00:00Z'),
      lock: lock(
        { 'prod/daily@2027-01-04T09:00:00Z': entry({ sid: 's4' }) },
        { 'prod/daily': { ...firstSeen, reportedThrough: '2027-01-03T09:00:00Z' } },
      ),
      calls: [daily],
    });
    expect(quiet.unreported?.map((r) => [r.count, r.items.length, r.through])).toEqual([
      [0, 0, '2027-01-04T09:00:00Z'],
    ]);
  });

  it('bounds the count of a dense schedule missed for long: at least N, and the next report goes on from there', () => {
    const tick = call('tick', { schedule: schedule({ cron: '* * * * * *' }) });
    const memory = { 'prod/tick': { since: '2026-11-01T00:00:00.000Z' } };
    const plan = buildPlan({ ...base, lock: lock({}, memory), calls: [tick] });
    const [report] = plan.unreported ?? [];
    expect(report?.atLeast).toBe(true);
    expect(report?.count).toBeGreaterThanOrEqual(MAX_SLOTS);
    expect(report?.count).toBeLessThanOrEqual(COUNT_SCANS * MAX_SLOTS);
    // Only counted slots are listed and marked reported: the latest listed is `through`.
    expect(report?.items.at(-1)?.slot).toBe(report?.through);
    expect((report?.through ?? '') < '2026-11-02T00:00:00Z').toBe(true);
    expect(missedToReport(plan).missedCount).toEqual({ count: report?.count, atLeast: true });
    expect(plan.missedCount?.atLeast).toBe(true);
    const next = buildPlan({
      ...base,
      lock: lock({}, markChecked(plan.memory ?? {}, plan.unreported ?? [])),
      calls: [tick],
    });
    const [rest] = next.unreported ?? [];
    expect((rest?.items[0]?.slot ?? '') > (report?.through ?? '')).toBe(true);
  });
});

describe('missed slots of a campaign some rows of which are selected (--only NAME/ROW)', () => {
  // Two rows of an hourly campaign, in UTC and in Kathmandu (slots at :15 UTC).
  const row = (id: string, timezone: string): CallDefinition =>
    call(`hourly/${id}`, {
      campaign: { name: 'hourly', id, recipients: 'lists/r.csv' },
      schedule: schedule({ cron: '0 * * * *', timezone }),
    });
  const rows = [row('utc', 'UTC'), row('kath', 'Asia/Kathmandu')];
  // Seen at 00:16 first, when the Kathmandu row's 00:15 slot was placed.
  const seen = lock(
    { 'prod/hourly/kath@2026-11-10T00:15:00Z': entry({ sid: 'k0' }) },
    { 'prod/hourly': { since: '2026-11-10T00:16:00.000Z' } },
  );
  const at = (now: string, extra: Partial<PlanInput> = {}) =>
    buildPlan({ ...base, now: new Date(now), lock: seen, calls: rows, ...extra });
  const slots = (plan: { unreported?: readonly { items: readonly { key: string }[] }[] }) =>
    (plan.unreported ?? []).flatMap((r) => keys(r.items));

  it("reports the selected rows' missed slots but moves no memory: the others' are reported later", () => {
    const some = at('2026-11-10T04:05:00Z', { only: ['hourly/utc'] });
    expect(some.partial).toEqual(['prod/hourly']);
    expect(slots(some)).toEqual([
      'prod/hourly/utc@2026-11-10T01:00:00Z',
      'prod/hourly/utc@2026-11-10T02:00:00Z',
      'prod/hourly/utc@2026-11-10T03:00:00Z',
    ]);
    expect(some.unreported?.every((r) => r.partial === true)).toBe(true);
    expect(markChecked(some.memory ?? {}, some.unreported ?? [])).toEqual(seen.schedules);
    // The whole campaign then: every row's missed slots, once.
    const whole = at('2026-11-10T04:06:00Z');
    expect(whole.partial).toBeUndefined();
    expect(slots(whole)).toEqual([
      'prod/hourly/utc@2026-11-10T01:00:00Z',
      'prod/hourly/utc@2026-11-10T02:00:00Z',
      'prod/hourly/utc@2026-11-10T03:00:00Z',
      'prod/hourly/kath@2026-11-10T01:15:00Z',
      'prod/hourly/kath@2026-11-10T02:15:00Z',
      'prod/hourly/kath@2026-11-10T03:15:00Z',
    ]);
    expect(markChecked(whole.memory ?? {}, whole.unreported ?? [])['prod/hourly']).toEqual({
      since: '2026-11-10T00:16:00.000Z',
      reportedThrough: '2026-11-10T03:15:00Z',
    });
  });

  it('a selection of every row, or of the campaign, is whole', () => {
    expect(at('2026-11-10T04:05:00Z', { only: ['hourly'] }).partial).toBeUndefined();
    const both = at('2026-11-10T04:05:00Z', { only: ['hourly/utc', 'hourly/kath'] });
    expect(both.partial).toBeUndefined();
  });

  it('a slot missed while waiting its turn moves no partial memory either', () => {
    const utc = {
      target: 'prod',
      name: 'hourly/utc',
      campaign: 'hourly',
      slot: '2026-11-10T04:00:00Z',
    };
    const memory = seen.schedules ?? {};
    expect(markReported(memory, [utc], ['prod/hourly'])).toEqual(memory);
    expect(markReported(memory, [utc])['prod/hourly']?.reportedThrough).toBe(utc.slot);
  });

  it('what run reported of the selected rows (reported) is not reported again by its next plan', () => {
    const some = at('2026-11-10T04:05:00Z', { only: ['hourly/utc'] });
    const through = some.unreported?.[0]?.through as string;
    const next = at('2026-11-10T04:06:00Z', {
      only: ['hourly/utc'],
      reported: { 'prod/hourly': through },
    });
    expect(slots(next)).toEqual([]);
  });
});

describe("a campaign's memory and a row behind the others", () => {
  // Every 10 minutes, each slot due for 30, every one placed (catchup: all).
  const row = (id: string): CallDefinition =>
    call(`tens/${id}`, {
      campaign: { name: 'tens', id, recipients: 'lists/r.csv' },
      schedule: schedule({ cron: '*/10 * * * *', deadlineMs: 1_800_000, catchup: 'all' }),
    });
  const rows = [row('a'), row('b')];
  // Row a was placed at 11:40, 11:50 and 12:00; row b refused at each.
  const calls = Object.fromEntries(
    ['11:40', '11:50', '12:00'].flatMap((at) => [
      [`prod/tens/a@2026-06-10T${at}:00Z`, entry({ sid: `a-${at}` })],
      [`prod/tens/b@2026-06-10T${at}:00Z`, entry({ status: 'failed' })],
    ]),
  );
  const at = (now: string, schedules: Lockfile['schedules']) =>
    buildPlan({ ...base, now: new Date(now), lock: lock(calls, schedules), calls: rows });

  it("stays before the earliest slot a row is due at, whatever the other rows' reports looked through", () => {
    const plan = at('2026-06-10T12:01:30Z', { 'prod/tens': { since: '2026-06-10T12:00:30.000Z' } });
    expect(keys(plan.due)).toEqual([
      'prod/tens/b@2026-06-10T11:40:00Z',
      'prod/tens/b@2026-06-10T11:50:00Z',
      'prod/tens/b@2026-06-10T12:00:00Z',
    ]);
    // Row a's slots before its 12:00 were looked at through 11:50; row b's 11:40 is due.
    const memory = markChecked(plan.memory ?? {}, plan.unreported ?? []);
    expect(memory['prod/tens']?.reportedThrough).toBe('2026-06-10T11:39:59Z');
    // So the next plan has them due still, as a call of its own would.
    expect(keys(at('2026-06-10T12:02:30Z', memory).due)).toEqual(keys(plan.due));
  });
});

describe('a rehearsal ahead of the clock (apply --now in the future)', () => {
  // Every 10 s, deadline 1 min; the clock reads 00:24:00, the rehearsal is at 00:25:00.
  const ten = call('ten', { schedule: schedule({ cron: '*/10 * * * * *', deadlineMs: 60_000 }) });
  const clock = new Date('2026-12-02T00:24:00Z');
  const at = new Date('2026-12-02T00:25:00Z');
  const known = { 'prod/ten': { since: '2026-12-02T00:20:00.000Z' } };
  const rehearse = (before: Lockfile['schedules']) => {
    const plan = buildPlan({ ...base, now: at, lock: lock({}, before), calls: [ten] });
    // It reports as at that instant: the slots before 00:25:00 are superseded.
    expect(missedToReport(plan).missedCount.count).toBeGreaterThan(0);
    return memoryAt(before, markChecked(plan.memory ?? {}, plan.unreported ?? []), at, clock);
  };

  it('moves no reportedThrough: a real apply after it places the slot that falls due and reports the missed ones', () => {
    const memory = rehearse(known);
    expect(memory).toEqual(known);
    // The rehearsal placed 00:25:00 (a loopback target): a real apply at 00:24:35.
    const real = buildPlan({
      ...base,
      now: new Date('2026-12-02T00:24:35Z'),
      lock: lock({ 'prod/ten@2026-12-02T00:25:00Z': entry({ sid: 's1' }) }, memory),
      calls: [ten],
    });
    expect(keys(real.due)).toEqual(['prod/ten@2026-12-02T00:24:30Z']);
    expect(missedToReport(real).missed.map((i) => i.slot)).toContain('2026-12-02T00:24:20Z');
    // At 00:25:00, the slot the rehearsal placed is not placed again.
    const later = buildPlan({
      ...base,
      now: new Date('2026-12-02T00:25:05Z'),
      lock: lock({ 'prod/ten@2026-12-02T00:25:00Z': entry({ sid: 's1' }) }, memory),
      calls: [ten],
    });
    expect(keys(later.due)).toEqual([]);
    expect(keys(later.skipped)).toEqual(['prod/ten@2026-12-02T00:25:00Z']);
  });

  it('remembers a call it sees first since the clock, not since its instant', () => {
    expect(rehearse(undefined)).toEqual({ 'prod/ten': { since: '2026-12-02T00:24:00.000Z' } });
  });

  it('keeps everything when at or before the clock, as a real apply does', () => {
    const plan = buildPlan({ ...base, now: clock, lock: lock({}, known), calls: [ten] });
    const after = markChecked(plan.memory ?? {}, plan.unreported ?? []);
    expect(after['prod/ten']?.reportedThrough).toBeDefined();
    expect(memoryAt(known, after, clock, clock)).toEqual(after);
    expect(memoryAt(known, after, new Date('2026-12-02T00:23:00Z'), clock)).toEqual(after);
  });
});
