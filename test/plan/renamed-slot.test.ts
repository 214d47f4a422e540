import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { numberDigest } from '../../src/screen/number.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { LockEntry } from '../../src/state/types.js';
import { call, entry, lock, schedule } from './make.js';

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
      `; \`callops resolve ${OLD} --not-placed\` lets it be placed within its deadline`,
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
        [OLD]: entry({ number: DIGEST }),
      }),
    );
    expect(plan.due).toEqual([]);
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
