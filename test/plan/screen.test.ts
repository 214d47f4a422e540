import { describe, expect, it } from 'vitest';
import { type PlanScreen, screenDue, screenUpcoming } from '../../src/plan/screen.js';
import type { PlanItem } from '../../src/plan/types.js';
import { numberDigest } from '../../src/screen/number.js';
import type { Lockfile } from '../../src/state/types.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const item = (key: string, to: string): PlanItem => ({
  key,
  name: key,
  target: 'sim',
  file: 'calls/a.yaml',
  line: 1,
  to,
  definition: 'sha256:d',
});
const screen = (over: Partial<PlanScreen> = {}): PlanScreen => ({
  numberOf: (i) => (i.to.startsWith('+') ? i.to : undefined),
  listed: () => undefined,
  ...over,
});
const lock = (
  entries: Record<string, { status: 'placed' | 'failed' | 'unknown'; at: string; number?: string }>,
): Lockfile => ({
  lockfileVersion: 1,
  calls: Object.fromEntries(
    Object.entries(entries).map(([k, e]) => [k, { ...e, definition: 'sha256:d', file: 'f' }]),
  ),
});

describe('screenDue', () => {
  it('suppresses a listed number with the list reason and file:line; others stay due', () => {
    const out = screenDue(
      [item('a', '+1'), item('b', '+2'), item('c', 'sip:x')],
      screen({
        listed: (n) => (n === '+2' ? { file: 'dnc.csv', line: 7, reason: 'asked' } : undefined),
      }),
      lock({}),
      NOW,
    );
    expect(out.due.map((i) => i.key)).toEqual(['a', 'c']);
    expect(out.suppressed).toHaveLength(1);
    expect(out.suppressed[0]).toMatchObject({ key: 'b', reason: 'do-not-call: asked (dnc.csv:7)' });
    expect(out.waiting).toEqual([]);
  });

  it('holds back placements beyond the limit, counting entries within the window that may have rung', () => {
    const d = numberDigest('+1');
    const out = screenDue(
      [item('x', '+1'), item('y', '+1'), item('z', '+2')],
      screen({ perNumber: { count: 2, windowMs: 3_600_000, text: '2/1h' } }),
      lock({
        recent: { status: 'placed', at: '2026-11-24T11:30:00.000Z', number: d },
        old: { status: 'placed', at: '2026-11-24T10:30:00.000Z', number: d },
        refused: { status: 'failed', at: '2026-11-24T11:50:00.000Z', number: d },
      }),
      NOW,
    );
    expect(out.due.map((i) => i.key)).toEqual(['x', 'z']);
    expect(out.waiting.map((i) => [i.key, i.reason])).toEqual([
      [
        'y',
        'per-number limit 2/1h reached: waits until an earlier call to this number leaves the window',
      ],
    ]);
  });

  it('an unknown entry counts; a due key does not count against itself', () => {
    const d = numberDigest('+1');
    const out = screenDue(
      [item('retry', '+1')],
      screen({ perNumber: { count: 1, windowMs: 3_600_000, text: '1/1h' } }),
      lock({ retry: { status: 'unknown', at: '2026-11-24T11:59:00.000Z', number: d } }),
      NOW,
    );
    expect(out.due.map((i) => i.key)).toEqual(['retry']);
    const held = screenDue(
      [item('next', '+1')],
      screen({ perNumber: { count: 1, windowMs: 3_600_000, text: '1/1h' } }),
      lock({ other: { status: 'unknown', at: '2026-11-24T11:59:00.000Z', number: d } }),
      NOW,
    );
    expect(held.waiting.map((i) => i.key)).toEqual(['next']);
  });

  it('a call a --replace placed again (in its entry history) counts for its number, in the window', () => {
    const limit = screen({ perNumber: { count: 1, windowMs: 3_600_000, text: '1/1h' } });
    const replaced = (at: string): Lockfile => ({
      lockfileVersion: 1,
      calls: {
        a: {
          status: 'placed',
          at: '2026-11-24T11:59:00.000Z',
          definition: 'sha256:d',
          file: 'f',
          number: numberDigest('+2'),
          history: [{ sid: 'S-1', at, number: numberDigest('+1') }],
        },
      },
    });
    const inWindow = screenDue([item('b', '+1')], limit, replaced('2026-11-24T11:30:00.000Z'), NOW);
    expect(inWindow.waiting.map((i) => i.key)).toEqual(['b']);
    const older = screenDue([item('b', '+1')], limit, replaced('2026-11-24T10:30:00.000Z'), NOW);
    expect(older.due.map((i) => i.key)).toEqual(['b']);
  });

  it('a replacement is another call: its key placed call to the number counts', () => {
    const limit = screen({ perNumber: { count: 1, windowMs: 3_600_000, text: '1/1h' } });
    const placed = lock({
      a: { status: 'placed', at: '2026-11-24T11:30:00.000Z', number: numberDigest('+1') },
    });
    const replacement = {
      ...item('a', '+1'),
      replaces: { sid: 'S-1', at: '2026-11-24T11:30:00.000Z' },
    };
    expect(screenDue([replacement], limit, placed, NOW).waiting.map((i) => i.key)).toEqual(['a']);
    // A retry of the key itself (no replacement) is the same placement: due.
    expect(screenDue([item('a', '+1')], limit, placed, NOW).due.map((i) => i.key)).toEqual(['a']);
  });
});

describe('screenUpcoming', () => {
  it('lists a listed number as suppressed before it falls due; the limit waits until then', () => {
    const out = screenUpcoming(
      [item('a', '+1'), item('b', '+2'), item('c', 'sip:x')],
      screen({
        listed: (n) => (n === '+2' ? { file: 'dnc.csv', line: 7, reason: 'asked' } : undefined),
        perNumber: { count: 0, windowMs: 60_000, text: '0/1m' },
      }),
    );
    expect(out.upcoming.map((i) => i.key)).toEqual(['a', 'c']);
    expect(out.suppressed).toHaveLength(1);
    expect(out.suppressed[0]).toMatchObject({ key: 'b', reason: 'do-not-call: asked (dnc.csv:7)' });
  });
});

describe('screenDue: the calls state.keep let go', () => {
  const d = numberDigest('+1');
  const day = { count: 1, windowMs: 86_400_000, text: '1/24h' };
  const remembering = (rang: NonNullable<Lockfile['schedules']>[string]['rang']): Lockfile => ({
    lockfileVersion: 1,
    calls: {},
    schedules: { 'sim/daily': { since: '2026-11-01T00:00:00.000Z', rang } },
  });

  it('counts the times the memory keeps, as entries', () => {
    const out = screenDue(
      [item('x', '+1'), item('y', '+2')],
      screen({ perNumber: day }),
      remembering({ numbers: { [d]: ['2026-11-24T09:00:00.000Z'] } }),
      NOW,
    );
    expect(out.due.map((i) => i.key)).toEqual(['y']);
    expect(out.waiting.map((i) => i.key)).toEqual(['x']);
    expect(out.frees).toBe(Date.parse('2026-11-25T09:00:00.000Z'));
  });

  it('holds every number while the window reaches back before what is forgotten', () => {
    const out = screenDue(
      [item('x', '+1'), item('y', '+2')],
      screen({ perNumber: day }),
      remembering({ numbers: {}, forgotten: '2026-11-24T08:00:00.000Z' }),
      NOW,
    );
    expect(out.due).toEqual([]);
    expect(out.waiting[0]?.reason).toBe(
      'per-number limit 1/24h: its window reaches back before 2026-11-24T08:00:00.000Z, and calls made until then whose entries state.keep let go are no longer remembered: waits until 2026-11-24T08:00:00.000Z leaves the window',
    );
    expect(out.frees).toBe(Date.parse('2026-11-25T08:00:00.000Z'));
    // A window that does not reach back so far counts what it holds.
    const short = screenDue(
      [item('x', '+1')],
      screen({ perNumber: { count: 1, windowMs: 3_600_000, text: '1/1h' } }),
      remembering({ numbers: {}, forgotten: '2026-11-24T08:00:00.000Z' }),
      NOW,
    );
    expect(short.due.map((i) => i.key)).toEqual(['x']);
  });

  it('holds a number whose memory was cut within the window when the limit counts more than it kept', () => {
    const rang = {
      numbers: { [d]: ['2026-11-24T09:00:00.000Z'] },
      cut: { [d]: '2026-11-24T08:00:00.000Z' },
    };
    // 1/24h: the one kept fills it, as before the cut.
    const one = screenDue([item('x', '+1')], screen({ perNumber: day }), remembering(rang), NOW);
    expect(one.waiting[0]?.reason).toMatch(/reached/);
    // 2/24h, raised since: the calls cut may have been more than one.
    const two = screenDue(
      [item('x', '+1'), item('y', '+2')],
      screen({ perNumber: { count: 2, windowMs: 86_400_000, text: '2/24h' } }),
      remembering(rang),
      NOW,
    );
    expect(two.due.map((i) => i.key)).toEqual(['y']);
    expect(two.waiting[0]?.reason).toMatch(/reaches back before 2026-11-24T08:00:00.000Z/);
  });
});
