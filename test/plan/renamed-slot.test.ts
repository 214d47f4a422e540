import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { numberDigest } from '../../src/screen/number.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, csvRows, entry, lock, schedule } from './make.js';

const DIGEST = numberDigest('+15550002222');
const OLD = 'prod/t15@2026-12-01T09:05:00Z';

/** A per-minute call whose slots may be placed for 50 s (every call dials +15550002222). */
const minutely = (name: string) =>
  call(name, { schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }) });

const input = (
  calls: PlanInput['calls'],
  entries: Record<string, LockEntry>,
  now = '2026-12-01T09:05:30Z',
): PlanInput => ({
  calls,
  lock: lock(entries),
  now: new Date(now),
  runTarget: 'prod',
  explicitTarget: false,
});

describe('a slot its call placed under a name no call has now', () => {
  it('is held back under the new name, with the old key and how to go on', () => {
    const plan = buildPlan(
      input([minutely('t15-renamed')], { [OLD]: entry({ sid: 'sid-1', number: DIGEST }) }),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped).toHaveLength(1);
    expect(plan.skipped[0]?.key).toBe('prod/t15-renamed@2026-12-01T09:05:00Z');
    expect(plan.skipped[0]?.reason).toBe(
      `not placed: this slot already dialled its number as ${OLD} (placed sid-1 at 2026-12-01T08:00:01.123Z), a name no call has now (renamed?): a slot is placed once, whatever its call's name; the next slot is placed as usual`,
    );
  });

  it('is held when the old entry is unknown or being placed, saying how to settle it', () => {
    const unknown = buildPlan(
      input([minutely('t15-renamed')], { [OLD]: entry({ status: 'unknown', number: DIGEST }) }),
    );
    expect(unknown.due).toEqual([]);
    expect(unknown.skipped[0]?.reason).toContain(
      `(unknown, at 2026-12-01T08:00:01.123Z), a name no call has now`,
    );
    expect(unknown.skipped[0]?.reason).toContain(
      `; \`callops resolve --check ${OLD}\` looks it up on the gateway, or \`callops resolve ${OLD} --not-placed\` lets it be placed within its deadline`,
    );
    const claimed = buildPlan(
      input([minutely('t15-renamed')], {
        [OLD]: entry({ status: 'unknown', message: IN_FLIGHT, number: DIGEST }),
      }),
    );
    expect(claimed.due).toEqual([]);
    expect(claimed.skipped[0]?.reason).toContain('(being placed by another runner right now)');
  });

  it('is placed when the old entry failed, dialled another number, or its call is still defined', () => {
    const failed = buildPlan(
      input([minutely('t15-renamed')], { [OLD]: entry({ status: 'failed', number: DIGEST }) }),
    );
    expect(failed.due.map((i) => i.key)).toEqual(['prod/t15-renamed@2026-12-01T09:05:00Z']);
    const other = buildPlan(
      input([minutely('t15-renamed')], {
        [OLD]: entry({ number: numberDigest('+15550009999') }),
      }),
    );
    expect(other.due).toHaveLength(1);
    const beside = buildPlan(
      input([minutely('t15'), minutely('t16')], { [OLD]: entry({ number: DIGEST }) }),
    );
    expect(beside.due.map((i) => i.key)).toEqual(['prod/t16@2026-12-01T09:05:00Z']);
    // Another target's entry is another gateway's call.
    const elsewhere = buildPlan(
      input([minutely('t15-renamed')], {
        'staging/t15@2026-12-01T09:05:00Z': entry({ number: DIGEST }),
      }),
    );
    expect(elsewhere.due).toHaveLength(1);
  });

  it('is held when the old call is disabled: its copy under a new name is the call now', () => {
    const plan = buildPlan(
      input([call('t15', { enabled: false }), minutely('t15-renamed')], {
        [OLD]: entry({ sid: 'sid-1', number: DIGEST }),
      }),
    );
    expect(plan.due).toEqual([]);
    // The old name is still a call's: the reason says it is disabled, not gone.
    const reason = plan.skipped.find((i) => i.key.startsWith('prod/t15-renamed@'))?.reason;
    expect(reason).toBe(
      `not placed: this slot already dialled its number as ${OLD} (placed sid-1 at 2026-12-01T08:00:01.123Z), a call now disabled (replaced by this one?): a slot is placed once, whatever its call's name; the next slot is placed as usual`,
    );
  });

  it('is not missed once its deadline passed, nor superseded by a later slot', () => {
    const entries = { [OLD]: entry({ number: DIGEST }) };
    // 09:05:00 placed as t15; the new name first seen at 09:05:30.
    const since = { 'prod/t15-renamed': { since: '2026-12-01T09:05:30.000Z' } };
    const later = buildPlan({
      ...input([minutely('t15-renamed')], entries, '2026-12-01T09:06:10Z'),
      lock: lock(entries, since),
    });
    expect(later.due.map((i) => i.key)).toEqual(['prod/t15-renamed@2026-12-01T09:06:00Z']);
    expect(later.missed).toEqual([]);
    expect(later.missedCount).toEqual({ count: 0 });
    // Looked at (the memory moves past it), none to report.
    expect(later.unreported?.map((r) => [r.count, r.items.length])).toEqual([[0, 0]]);
    // A long deadline: 09:05 is within it at 09:06:10, older than the slot due.
    const long = call('t15-renamed', {
      schedule: schedule({ cron: '* * * * *', deadlineMs: 600_000 }),
    });
    const superseded = buildPlan({
      ...input([long], entries, '2026-12-01T09:06:10Z'),
      lock: lock(entries, since),
    });
    expect(superseded.due.map((i) => i.key)).toEqual(['prod/t15-renamed@2026-12-01T09:06:00Z']);
    // The slots before 09:05 were never placed (superseded); 09:05 itself was.
    const missed = superseded.missed.map((i) => i.slot);
    expect(missed).toContain('2026-12-01T09:04:00Z');
    expect(missed).not.toContain('2026-12-01T09:05:00Z');
  });
});

const ANN = '+15550002222';
const BOB = '+15550003333';

/** Row `id` of per-minute campaign `campaign` (an id column) dialling `number`. */
/** Row `id` of per-minute campaign `campaign` (an id column); `shared`: `shared_numbers: true`. */
const row = (campaign: string, id: string, number = ANN, shared = false): CallDefinition =>
  call(`${campaign}/${id}`, {
    campaign: {
      name: campaign,
      id,
      recipients: 'lists/r.csv',
      ...(shared ? { sharedNumbers: true as const } : {}),
    },
    options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number } },
    schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }),
  });

const SLOT = '2026-12-01T09:05:00Z';
/** Rows a1 (Ann) and b1 (Bob) of `reminders`, placed at SLOT. */
const placedAsReminders = {
  [`prod/reminders/a1@${SLOT}`]: entry({ sid: 'sid-a', number: DIGEST }),
  [`prod/reminders/b1@${SLOT}`]: entry({ sid: 'sid-b', number: numberDigest(BOB) }),
};

describe('a campaign row’s slot its campaign placed under a name no call has now', () => {
  it('is held back under the campaign’s new name, with the old key and its sid', () => {
    const plan = buildPlan(
      input(
        csvRows([row('reminders-v2', 'a1'), row('reminders-v2', 'b1', BOB)]),
        placedAsReminders,
      ),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => [i.key, i.reason])).toEqual([
      [
        `prod/reminders-v2/a1@${SLOT}`,
        `not placed: this slot already dialled its number as prod/reminders/a1@${SLOT} (placed sid-a at 2026-12-01T08:00:01.123Z), a campaign no call has now (renamed?): a row's slot is placed once, whatever its campaign's name; the next slot is placed as usual`,
      ],
      [
        `prod/reminders-v2/b1@${SLOT}`,
        expect.stringContaining(`as prod/reminders/b1@${SLOT} (placed sid-b at `),
      ],
    ]);
    // Its next slots are to come as usual.
    expect(plan.upcoming[0]?.key).toBe('prod/reminders-v2/a1@2026-12-01T09:06:00Z');
  });

  it('says the old campaign is disabled, not gone, when it is still in the files', () => {
    const off = { ...row('reminders', 'a1'), enabled: false };
    const plan = buildPlan(input(csvRows([off, row('reminders-v2', 'a1')]), placedAsReminders));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key.startsWith('prod/reminders-v2/'))?.reason).toBe(
      `not placed: this slot already dialled its number as prod/reminders/a1@${SLOT} (placed sid-a at 2026-12-01T08:00:01.123Z), a campaign now disabled (replaced by this one?): a row's slot is placed once, whatever its campaign's name; the next slot is placed as usual`,
    );
  });

  it('is held by the number its row dialled, also under another id; unknown says how to settle it', () => {
    const renamedId = buildPlan(input(csvRows([row('reminders-v2', 'ann')]), placedAsReminders));
    expect(renamedId.due).toEqual([]);
    expect(renamedId.skipped[0]?.reason).toContain(`as prod/reminders/a1@${SLOT} (placed sid-a `);
    const unknown = buildPlan(
      input(csvRows([row('reminders-v2', 'a1')]), {
        [`prod/reminders/a1@${SLOT}`]: entry({ status: 'unknown', number: DIGEST }),
      }),
    );
    expect(unknown.due).toEqual([]);
    expect(unknown.skipped[0]?.reason).toContain(
      `; \`callops resolve --check prod/reminders/a1@${SLOT}\` looks it up on the gateway, or \`callops resolve prod/reminders/a1@${SLOT} --not-placed\` lets it be placed within its deadline`,
    );
  });

  it('is placed when the old call failed, went to another number or another person of one phone, or its campaign is still defined', () => {
    const keys = (calls: CallDefinition[], entries: Record<string, LockEntry>) =>
      buildPlan(input(csvRows(calls), entries)).due.map((i) => i.key);
    expect(
      keys([row('reminders-v2', 'a1')], {
        [`prod/reminders/a1@${SLOT}`]: entry({ status: 'failed', number: DIGEST }),
      }),
    ).toEqual([`prod/reminders-v2/a1@${SLOT}`]);
    // Only Bob's row was placed: Ann's row is placed now.
    expect(
      keys([row('reminders-v2', 'a1')], {
        [`prod/reminders/b1@${SLOT}`]: placedAsReminders[`prod/reminders/b1@${SLOT}`] as LockEntry,
      }),
    ).toEqual([`prod/reminders-v2/a1@${SLOT}`]);
    // Two people sharing Ann's phone (`shared_numbers`): a1 was called, a2 was not (its row
    // dials it too).
    expect(
      keys([row('reminders-v2', 'a1', ANN, true), row('reminders-v2', 'a2', ANN, true)], {
        [`prod/reminders/a1@${SLOT}`]: entry({ number: DIGEST }),
      }),
    ).toEqual([`prod/reminders-v2/a2@${SLOT}`]);
    // Without it a number is called once: a2 is held as well.
    expect(
      keys([row('reminders-v2', 'a1'), row('reminders-v2', 'a2')], {
        [`prod/reminders/a1@${SLOT}`]: entry({ number: DIGEST }),
      }),
    ).toEqual([]);
    // A second campaign beside the first: two calls at one slot are two calls.
    expect(keys([row('reminders', 'a1'), row('again', 'a1')], placedAsReminders)).toEqual([
      `prod/again/a1@${SLOT}`,
    ]);
    // Another target's entry is another gateway's call.
    expect(
      keys([row('reminders-v2', 'a1')], {
        [`staging/reminders/a1@${SLOT}`]: entry({ number: DIGEST }),
      }),
    ).toEqual([`prod/reminders-v2/a1@${SLOT}`]);
  });

  it('is not missed once its deadline passed, nor superseded by a later slot', () => {
    const since = { 'prod/reminders-v2': { since: '2026-12-01T09:05:30.000Z' } };
    const later = buildPlan({
      ...input(csvRows([row('reminders-v2', 'a1')]), placedAsReminders, '2026-12-01T09:06:10Z'),
      lock: lock(placedAsReminders, since),
    });
    expect(later.due.map((i) => i.key)).toEqual(['prod/reminders-v2/a1@2026-12-01T09:06:00Z']);
    expect(later.missed).toEqual([]);
    expect(later.missedCount).toEqual({ count: 0 });
    expect(later.unreported?.map((r) => [r.count, r.items.length])).toEqual([[0, 0]]);
  });

  it('asks no row its number while the lockfile holds no slot of a campaign no call has now', () => {
    let asked = 0;
    const numberOf = () => {
      asked += 1;
      return ANN;
    };
    const calls = csvRows([row('reminders', 'a1'), row('reminders', 'b1', BOB)]);
    // Its own slots, and a campaign removed since that had no cron (rows without slots).
    const entries = {
      [`prod/reminders/a1@${SLOT}`]: entry({ number: DIGEST }),
      'prod/old/a1': entry({ number: DIGEST }),
    };
    const plan = buildPlan({ ...input(calls, entries), numberOf });
    expect(plan.due.map((i) => i.key)).toEqual([`prod/reminders/b1@${SLOT}`]);
    expect(asked).toBe(0);
    // A slot of a campaign no call has now: each row asks once.
    buildPlan({
      ...input(calls, { ...entries, [`prod/old/a1@${SLOT}`]: entry({ number: DIGEST }) }),
      numberOf,
    });
    expect(asked).toBe(2);
  });
});

describe('an unscheduled call new by its name whose number a call no longer defined dialled', () => {
  const OLD_ONCE = 'prod/welcome-alice';
  it('stays due, and says which call dialled its number and how', () => {
    const plan = buildPlan(
      input([call('welcome-alice-v2')], {
        [OLD_ONCE]: entry({ sid: 'sid-9', number: DIGEST }),
      }),
    );
    expect(plan.due.map((i) => i.key)).toEqual(['prod/welcome-alice-v2']);
    expect(plan.due[0]?.reason).toBe(
      `new by its name, but its number was dialled as ${OLD_ONCE} (placed sid-9 at 2026-12-01T08:00:01.123Z), a name no call has now (renamed?): placed again`,
    );
  });

  it('says the old call is disabled, not gone, when it is still in the files with enabled: false', () => {
    const plan = buildPlan(
      input([call('welcome-alice', { enabled: false }), call('welcome-alice-v2')], {
        [OLD_ONCE]: entry({ sid: 'sid-9', number: DIGEST }),
      }),
    );
    expect(plan.due.map((i) => [i.key, i.reason])).toEqual([
      [
        'prod/welcome-alice-v2',
        `new by its name, but its number was dialled as ${OLD_ONCE} (placed sid-9 at 2026-12-01T08:00:01.123Z), a call now disabled (replaced by this one?): placed again`,
      ],
    ]);
  });

  it('says nothing when the old call is still defined, failed, dialled another number or another target', () => {
    const cases: [CallDefinition[], Record<string, LockEntry>][] = [
      [
        [call('welcome-alice'), call('welcome-alice-v2')],
        { [OLD_ONCE]: entry({ number: DIGEST }) },
      ],
      [[call('welcome-alice-v2')], { [OLD_ONCE]: entry({ status: 'failed', number: DIGEST }) }],
      [[call('welcome-alice-v2')], { [OLD_ONCE]: entry({ number: numberDigest('+15550009999') }) }],
      [[call('welcome-alice-v2')], { 'staging/welcome-alice': entry({ number: DIGEST }) }],
    ];
    for (const [calls, entries] of cases) {
      const plan = buildPlan(input(calls, entries));
      const due = plan.due.find((i) => i.key === 'prod/welcome-alice-v2');
      expect(due).toBeDefined();
      expect(due?.reason).toBeUndefined();
    }
  });
});

describe('a slot placed before a call was made a campaign of the same name, or a campaign a call', () => {
  /** `t15` placed at SLOT as a call (not a campaign), to Ann. */
  const placedAsCall = { [`prod/t15@${SLOT}`]: entry({ sid: 'sid-c', number: DIGEST }) };
  /** Row a1 of campaign `t15` placed at SLOT, to Ann. */
  const placedAsRow = { [`prod/t15/a1@${SLOT}`]: entry({ sid: 'sid-r', number: DIGEST }) };

  it('is held under the campaign’s row that dials its number, and says what the call became', () => {
    const plan = buildPlan(input(csvRows([row('t15', 'a1'), row('t15', 'b1', BOB)]), placedAsCall));
    expect(plan.due.map((i) => i.key)).toEqual([`prod/t15/b1@${SLOT}`]);
    expect(plan.skipped.map((i) => [i.key, i.reason])).toEqual([
      [
        `prod/t15/a1@${SLOT}`,
        `not placed: this slot already dialled its number as prod/t15@${SLOT} (placed sid-c at 2026-12-01T08:00:01.123Z), a call no longer defined, whose name is a campaign's now (made a campaign?): a slot is placed once, whether a call or a campaign's row places it; the next slot is placed as usual`,
      ],
    ]);
    expect(plan.upcoming[0]?.key).toBe('prod/t15/a1@2026-12-01T09:06:00Z');
  });

  it('is held as the project gives it: a campaign named by its template, not by its rows', () => {
    // ValidatedProject.named holds the campaign's template, written as a call.
    const template = call('t15', { schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }) });
    const plan = (entries: Record<string, LockEntry>) =>
      buildPlan({
        ...input(csvRows([row('t15', 'a1')]), entries),
        named: [template],
        campaigns: ['t15'],
      });
    expect(plan(placedAsCall).due).toEqual([]);
    // Unknown too: it may have rung.
    const unknown = plan({ [`prod/t15@${SLOT}`]: entry({ status: 'unknown', number: DIGEST }) });
    expect(unknown.due).toEqual([]);
    expect(unknown.skipped[0]?.reason).toContain(
      `, or \`callops resolve prod/t15@${SLOT} --not-placed\``,
    );
  });

  it('holds the call made of a campaign at the slot a row placed to its number', () => {
    const plan = buildPlan(input([minutely('t15')], placedAsRow));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => [i.key, i.reason])).toEqual([
      [
        `prod/t15@${SLOT}`,
        `not placed: this slot already dialled its number as prod/t15/a1@${SLOT} (placed sid-r at 2026-12-01T08:00:01.123Z), a campaign no longer defined, whose name is a call's now (made a call?): a slot is placed once, whether a call or a campaign's row places it; the next slot is placed as usual`,
      ],
    ]);
  });

  it('is neither missed once its deadline passed, nor placed to another number', () => {
    const since = { 'prod/t15': { since: '2026-12-01T09:05:30.000Z' } };
    const later = buildPlan({
      ...input(csvRows([row('t15', 'a1')]), placedAsCall, '2026-12-01T09:06:10Z'),
      lock: lock(placedAsCall, since),
    });
    expect(later.due.map((i) => i.key)).toEqual(['prod/t15/a1@2026-12-01T09:06:00Z']);
    expect(later.missedCount).toEqual({ count: 0 });
    const other = buildPlan(input(csvRows([row('t15', 'b1', BOB)]), placedAsCall));
    expect(other.due.map((i) => i.key)).toEqual([`prod/t15/b1@${SLOT}`]);
  });

  it('asks no row its number while every slot the lockfile holds is of a call or campaign defined as such', () => {
    let asked = 0;
    const numberOf = () => {
      asked += 1;
      return ANN;
    };
    const calls = [
      minutely('t15'),
      ...csvRows([row('reminders', 'a1'), row('reminders', 'b1', BOB)]),
    ];
    const entries = { ...placedAsCall, [`prod/reminders/a1@${SLOT}`]: entry({ number: DIGEST }) };
    const plan = buildPlan({ ...input(calls, entries), numberOf });
    expect(plan.due.map((i) => i.key)).toEqual([`prod/reminders/b1@${SLOT}`]);
    expect(asked).toBe(0);
  });
});

describe('an unscheduled call made a campaign of the same name, or a campaign a call', () => {
  /** Row `id` of campaign `campaign` without a schedule, dialling `number`. */
  const onceRow = (campaign: string, id: string, number = ANN): CallDefinition => {
    const { schedule: _, ...made } = row(campaign, id, number);
    return made;
  };

  it('leaves the row due, saying that its number was dialled by the call it was', () => {
    const plan = buildPlan(
      input(csvRows([onceRow('welcome', 'a1')]), {
        'prod/welcome': entry({ sid: 'sid-9', number: DIGEST }),
      }),
    );
    expect(plan.due.map((i) => [i.key, i.reason])).toEqual([
      [
        'prod/welcome/a1',
        `new by its name, but its number was dialled as prod/welcome (placed sid-9 at 2026-12-01T08:00:01.123Z), a call no longer defined, whose name is a campaign's now (made a campaign?): placed again`,
      ],
    ]);
  });

  it('says so of a row with calling hours too, once due', () => {
    const hours = (id: string): CallDefinition => ({
      ...onceRow('welcome', id),
      schedule: schedule({ window: '08:00-21:00' }),
    });
    const entries = { 'prod/welcome': entry({ sid: 'sid-9', number: DIGEST }) };
    const plan = buildPlan(input(csvRows([hours('a1')]), entries));
    expect(plan.due.map((i) => i.key)).toEqual(['prod/welcome/a1']);
    expect(plan.due[0]?.reason).toContain(
      "its number was dialled as prod/welcome (placed sid-9 at 2026-12-01T08:00:01.123Z), a call no longer defined, whose name is a campaign's now (made a campaign?): placed again",
    );
    // Before its hours open it waits, as any row does.
    const early = buildPlan(input(csvRows([hours('a1')]), entries, '2026-12-01T06:00:00Z'));
    expect(early.due).toEqual([]);
    expect(early.upcoming.map((i) => i.key)).toEqual(['prod/welcome/a1']);
  });

  it('leaves a renamed campaign’s row due, saying which row of the old name dialled its number', () => {
    const plan = buildPlan(
      input(csvRows([onceRow('welcome-v2', 'a1')]), {
        'prod/welcome/a1': entry({ sid: 'sid-7', number: DIGEST }),
      }),
    );
    expect(plan.due[0]?.reason).toBe(
      `new by its name, but its number was dialled as prod/welcome/a1 (placed sid-7 at 2026-12-01T08:00:01.123Z), a campaign no call has now (renamed?): placed again`,
    );
  });

  it('leaves the call due, saying that a row of the campaign it was dialled its number', () => {
    const plan = buildPlan(
      input([call('welcome')], { 'prod/welcome/a1': entry({ sid: 'sid-8', number: DIGEST }) }),
    );
    expect(plan.due.map((i) => [i.key, i.reason])).toEqual([
      [
        'prod/welcome',
        `new by its name, but its number was dialled as prod/welcome/a1 (placed sid-8 at 2026-12-01T08:00:01.123Z), a campaign no longer defined, whose name is a call's now (made a call?): placed again`,
      ],
    ]);
  });
});

describe('a slot earlier than one its call placed under a name no call has now', () => {
  // t15 (09:00 UTC) placed its 09:00 slot; at 09:10 it is renamed, or made a campaign, and
  // moved to Europe/Berlin: 09:00 Berlin is 08:00 UTC, within its deadline of 2 h.
  const PLACED = '2027-01-05T09:00:00Z';
  const EARLIER = '2027-01-05T08:00:00Z';
  const NOW = '2027-01-05T09:10:00Z';
  const berlin = schedule({ cron: '0 9 * * *', timezone: 'Europe/Berlin', deadlineMs: 7_200_000 });
  const asCall = { [`prod/t15@${PLACED}`]: entry({ sid: 'sid-c', number: DIGEST }) };

  it('is superseded under the new name, not placed: the person was called at the later slot', () => {
    const plan = buildPlan(input([call('t16', { schedule: berlin })], asCall, NOW));
    expect(plan.due).toEqual([]);
    expect(plan.missed.map((i) => [i.key, i.reason])).toEqual([
      [
        `prod/t16@${EARLIER}`,
        `superseded by ${PLACED}, already placed: its number was dialled as prod/t15@${PLACED} (placed sid-c at 2026-12-01T08:00:01.123Z), a name no call has now (renamed?): an earlier slot is never placed after a later one, whatever its call's name`,
      ],
    ]);
  });

  it('is superseded under the campaign the call was made, for the row that dials its number', () => {
    const rows = csvRows([
      { ...row('t15', 'r1'), schedule: berlin },
      { ...row('t15', 'r2', BOB), schedule: berlin },
    ]);
    const plan = buildPlan(input(rows, asCall, NOW));
    // Bob was not called: his row's slot is placed.
    expect(plan.due.map((i) => i.key)).toEqual([`prod/t15/r2@${EARLIER}`]);
    expect(plan.missed.map((i) => [i.key, i.reason])).toEqual([
      [
        `prod/t15/r1@${EARLIER}`,
        `superseded by ${PLACED}, already placed: its number was dialled as prod/t15@${PLACED} (placed sid-c at 2026-12-01T08:00:01.123Z), a call no longer defined, whose name is a campaign's now (made a campaign?): an earlier slot is never placed after a later one, whether a call or a campaign's row placed it`,
      ],
    ]);
  });

  it('is placed when the later slot failed, dialled another number, or is past its reach', () => {
    const due = (entries: Record<string, LockEntry>, now = NOW) =>
      buildPlan(input([call('t16', { schedule: berlin })], entries, now)).due.map((i) => i.key);
    expect(due({ [`prod/t15@${PLACED}`]: entry({ status: 'failed', number: DIGEST }) })).toEqual([
      `prod/t16@${EARLIER}`,
    ]);
    expect(due({ [`prod/t15@${PLACED}`]: entry({ number: numberDigest(BOB) }) })).toEqual([
      `prod/t16@${EARLIER}`,
    ]);
    // Placed before the slot's reach (yesterday's): today's 08:00 is due.
    expect(due({ 'prod/t15@2027-01-04T09:00:00Z': entry({ number: DIGEST }) })).toEqual([
      `prod/t16@${EARLIER}`,
    ]);
  });
});
