import { describe, expect, it } from 'vitest';
import { campaignLines } from '../../src/campaign/progress.js';
import type { RedialPolicy } from '../../src/campaign/redial.js';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { rowAttempts } from '../../src/plan/twin-attempts.js';
import { targetTwins } from '../../src/plan/twins.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { CallOutcome, LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { entry as anyEntry, call, lock } from './make.js';

/**
 * A campaign with a redial policy whose target was renamed between two attempts (`gw:` →
 * `production:`, the same gateway): the attempts placed under the old name are the row's own,
 * so the redial goes on under the new name, and never beyond max_attempts nor twice for one
 * attempt; status and report count them.
 */

const NOW = new Date('2026-12-01T12:00:00Z');
const POLICY: RedialPolicy = { on: ['no-answer'], afterMs: 60_000, backoff: 1, maxAttempts: 2 };

/** The gateways of a project whose only target is `production` (and the simulator). */
const ONLY_PRODUCTION = new Map([
  ['production', 'gateway-1'],
  ['simulator', 'simulator'],
]);

const row = (extra: Partial<CallDefinition> = {}): CallDefinition =>
  call('camp/r1', {
    campaign: { name: 'camp', id: 'r1', recipients: 'calls/people.csv' },
    redial: POLICY,
    ...extra,
  });

const noAnswer: CallOutcome = {
  status: 'no-answer',
  sip_status: 487,
  duration: 0,
  answered: false,
  ended_at: '2026-12-01T11:50:00Z',
};

/** An attempt of row r1 as it is defined now. */
const entry = (e: Partial<LockEntry>): LockEntry =>
  anyEntry({ definition: row().definition, ...e });

const input = (
  entries: Record<string, LockEntry>,
  extra: Partial<PlanInput> = {},
  calls: readonly CallDefinition[] = [row()],
): PlanInput => ({
  calls,
  lock: lock(entries),
  now: NOW,
  runTarget: 'production',
  explicitTarget: false,
  gateways: ONLY_PRODUCTION,
  ...extra,
});

const OLD = 'gw/camp/r1';
const NEW = 'production/camp/r1';

describe('the attempts of a row read across its target’s twins', () => {
  const attemptsOf = (entries: Record<string, LockEntry>, gateways = ONLY_PRODUCTION) => {
    const state = lock(entries);
    return rowAttempts(state.calls, NEW, 'production', targetTwins(state, gateways)).map(
      (a) => [a.key, a.entry.status, a.twin?.target ?? ''] as const,
    );
  };

  it('attempt 1 under the old name, attempt 2 under the new: one row of two attempts', () => {
    expect(
      attemptsOf({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        [`${NEW}#2`]: entry({ sid: 's2' }),
      }),
    ).toEqual([
      [OLD, 'placed', 'gw'],
      [`${NEW}#2`, 'placed', ''],
    ]);
  });

  it('a call that may have rung wins over a refused request, whichever target holds it', () => {
    expect(
      attemptsOf({
        [NEW]: entry({ status: 'failed', sid: undefined }),
        [OLD]: entry({ sid: 's1' }),
      }),
    ).toEqual([[OLD, 'placed', 'gw']]);
    // A refused request under the old name only: attempt 1 is tried again (nobody was called).
    expect(attemptsOf({ [OLD]: entry({ status: 'failed', sid: undefined }) })).toEqual([
      [OLD, 'failed', 'gw'],
    ]);
  });

  it('a target defined on another gateway is no twin: its attempts are its own', () => {
    const gateways = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-2']]);
    expect(attemptsOf({ [OLD]: entry({ sid: 's1' }) }, gateways)).toEqual([]);
    const beside = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-1']]);
    expect(attemptsOf({ [OLD]: entry({ sid: 's1' }) }, beside)).toEqual([[OLD, 'placed', 'gw']]);
  });
});

describe('a redial whose target was renamed since the attempt before it', () => {
  it('is placed as attempt 2 under the new name when due, saying where attempt 1 was placed', () => {
    const plan = buildPlan(input({ [OLD]: entry({ sid: 's1', outcome: noAnswer }) }));
    expect(plan.due.map((i) => i.key)).toEqual([`${NEW}#2`]);
    expect(plan.due[0]?.reason).toBe(
      "redial 2 of 2: attempt 1 no-answer (s1, placed as gw/camp/r1 under target gw, which this checkout's callops.yaml does not define)",
    );
    expect(plan.skipped).toEqual([]);
    // Before its wait is over: waiting, as under its own key.
    const early = buildPlan(
      input(
        { [OLD]: entry({ sid: 's1', outcome: noAnswer }) },
        { now: new Date(Date.parse(noAnswer.ended_at ?? '') + 30_000) },
      ),
    );
    expect(early.due).toEqual([]);
    expect(early.upcoming.map((i) => [i.key, i.opens])).toEqual([
      [`${NEW}#2`, '2026-12-01T11:51:00.000Z'],
    ]);
  });

  it('never goes beyond max_attempts, whichever target placed each attempt', () => {
    const both = buildPlan(
      input({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        'gw/camp/r1#2': entry({ sid: 's2', outcome: noAnswer }),
      }),
    );
    expect(both.due).toEqual([]);
    expect(both.skipped.map((i) => [i.key, i.reason])).toEqual([
      [
        `${NEW}#2`,
        "done after attempt 2 (no-answer s2, placed as gw/camp/r1#2 under target gw, which this checkout's callops.yaml does not define): max_attempts reached",
      ],
    ]);
    const split = buildPlan(
      input({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        [`${NEW}#2`]: entry({ sid: 's2', outcome: noAnswer }),
      }),
    );
    expect(split.due).toEqual([]);
    expect(split.skipped[0]?.reason).toBe(
      'done after attempt 2 (no-answer s2): max_attempts reached',
    );
  });

  it('an attempt whose outcome is not known is never redialled; one that may have rung is settled first', () => {
    const waiting = buildPlan(input({ [OLD]: entry({ sid: 's1' }) }));
    expect(waiting.due).toEqual([]);
    expect(waiting.skipped[0]?.reason).toBe(
      "attempt 1 of 2 placed s1 at 2026-12-01T08:00:01.123Z, placed as gw/camp/r1 under target gw, which this checkout's callops.yaml does not define; its outcome is not known yet (`callops receive` records it, or `status --refresh` asks once target gw is defined again): no redial before it is",
    );
    const unknown = buildPlan(
      input({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        'gw/camp/r1#2': entry({ status: 'unknown', sid: undefined }),
      }),
    );
    expect(unknown.due).toEqual([]);
    expect(unknown.skipped.map((i) => i.key)).toEqual([`${NEW}#2`]);
    expect(unknown.skipped[0]?.reason).toMatch(
      /^not placed: may have been placed as gw\/camp\/r1#2 .*`callops resolve gw\/camp\/r1#2 --not-placed` lets it be placed on target production$/,
    );
    const inFlight = buildPlan(
      input({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        'gw/camp/r1#2': entry({ status: 'unknown', sid: undefined, message: IN_FLIGHT }),
      }),
    );
    expect(inFlight.due).toEqual([]);
  });

  it('a refused request under the old name called no one: that attempt is due under the new one', () => {
    const plan = buildPlan(
      input({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        'gw/camp/r1#2': entry({ status: 'failed', sid: undefined }),
      }),
    );
    expect(plan.due.map((i) => i.key)).toEqual([`${NEW}#2`]);
  });

  it('a row whose pinned `target:` was edited with the rename is an edited row: not redialled', () => {
    // The definition's digest holds a pinned target (validate/definition.ts).
    const pinned = row({ target: 'production', definition: 'sha256:pinned-production' });
    const plan = buildPlan(
      input(
        { [OLD]: entry({ sid: 's1', outcome: noAnswer, definition: 'sha256:pinned-gw' }) },
        {},
        [pinned],
      ),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => [i.key, i.changed])).toEqual([[NEW, true]]);
    expect(plan.skipped[0]?.reason).toMatch(
      /^changed since placed \(attempt 1 no-answer s1 .*not redialled/,
    );
  });

  it('a row without a redial policy is still held: placed once', () => {
    const once = row({ redial: undefined });
    const plan = buildPlan(
      input(
        { [OLD]: anyEntry({ sid: 's1', outcome: noAnswer, definition: once.definition }) },
        {},
        [once],
      ),
    );
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(
      /^not placed: already placed as gw\/camp\/r1 .*a campaign's row is placed once, whatever its target's name/,
    );
  });
});

describe('status --campaign and report of a row whose target was renamed', () => {
  const lines = (
    entries: Record<string, LockEntry>,
    calls: readonly CallDefinition[] = [row()],
  ) => {
    const state = lock(entries);
    const plan = buildPlan(input(entries, {}, calls));
    return campaignLines('camp', calls, state, plan, undefined, undefined, ONLY_PRODUCTION).map(
      (l) => [l.state, l.attempts, l.sid ?? '', l.sipStatus ?? ''],
    );
  };

  it('count its attempts under the old name as its own: the redial to come, attempt 1’s call', () => {
    expect(lines({ [OLD]: entry({ sid: 's1', outcome: noAnswer }) })).toEqual([
      ['waiting', 1, 's1', 487],
    ]);
    expect(
      lines({
        [OLD]: entry({ sid: 's1', outcome: noAnswer }),
        [`${NEW}#2`]: entry({ sid: 's2', outcome: noAnswer }),
      }),
    ).toEqual([['no-answer', 2, 's2', 487]]);
    // A row placed once stands at its call under the old name, not `held` with none.
    const once = row({ redial: undefined });
    expect(
      lines({ [OLD]: anyEntry({ sid: 's1', outcome: noAnswer, definition: once.definition }) }, [
        once,
      ]),
    ).toEqual([['no-answer', 1, 's1', 487]]);
  });
});
