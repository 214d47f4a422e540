import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { runReporter } from '../../src/cli/run-report.js';
import type { PlanItem } from '../../src/plan/types.js';
import type { ApplySummary } from '../../src/report/apply.js';

const stream = () => {
  const writes: string[] = [];
  const s = { write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { s, text: () => writes.join('') };
};

const EMPTY: ApplySummary = {
  outcomes: [],
  notStarted: [],
  elapsedMs: 0,
  interrupted: false,
  unsettled: [],
  changed: [],
  suppressed: [],
  waiting: [],
};

/** What apply prints when nothing is due, for a summary as the engine makes it. */
const nothingDue = async (summary: ApplySummary, format: 'human' | 'json' = 'human') => {
  const out = stream();
  const err = stream();
  const ctx = {
    format,
    color: false,
    env: {},
    stdout: out.s,
    stderr: err.s,
  } as unknown as CommandContext;
  await runReporter(
    ctx,
    'sim',
  )({
    type: 'run:nothing-due',
    note: 'target sim',
    missedText: '',
    items: [],
    summary,
  });
  return out.text();
};

const item = (key: string, extra: Partial<PlanItem> = {}): PlanItem => ({
  key,
  name: key.slice(4),
  target: 'sim',
  file: 'calls/a.yaml',
  line: 2,
  to: '+15555550101',
  definition: 'sha256:x',
  ...extra,
});

describe('apply with nothing due says why the calls it would place are skipped', () => {
  it('a call another runner is placing: its key and plan\'s words, not "every call is placed"', async () => {
    const text = await nothingDue({
      ...EMPTY,
      inFlight: [{ key: 'sim/a1', reason: 'being placed by another runner right now' }],
    });
    expect(text).toContain('skipped sim/a1  being placed by another runner right now');
    expect(text).toContain('Nothing is due now (see `callops plan`).');
    expect(text).not.toContain('every call is placed');
  });

  it('in JSON: counted and listed among the held ones', async () => {
    const json = JSON.parse(
      await nothingDue(
        {
          ...EMPTY,
          inFlight: [{ key: 'sim/a1', reason: 'being placed by another runner right now' }],
        },
        'json',
      ),
    );
    expect(json).toMatchObject({
      inFlight: 1,
      held: [
        { key: 'sim/a1', reason: 'being placed by another runner right now', status: 'in-flight' },
      ],
    });
  });

  it('unknown, do-not-call, per-number limit and changed since placed are each named with why', async () => {
    const text = await nothingDue({
      ...EMPTY,
      unsettled: [
        {
          key: 'sim/u1',
          at: '2026-01-01T00:00:00.000Z',
          file: 'calls/a.yaml',
          line: 2,
          hint: 'callops resolve sim/u1 --placed SID',
        },
      ],
      suppressed: [{ key: 'sim/d1', reason: 'on the do-not-call list lists/dnc.csv' }],
      waiting: [{ key: 'sim/w1', reason: 'per-number limit: +15555550101 dialled 1 time today' }],
      changed: [item('sim/c1', { changed: true, reason: 'changed since placed' })],
    });
    expect(text).toContain('sim/u1');
    expect(text).toContain('callops resolve sim/u1');
    expect(text).toContain('suppressed sim/d1  on the do-not-call list lists/dnc.csv');
    expect(text).toContain('waiting sim/w1  per-number limit');
    expect(text).toMatch(/Changed since placed[^\n]*\n[^\n]*sim\/c1/);
    expect(text).toContain('Nothing is due now (see `callops plan`).');
    expect(text).not.toContain('every call is placed');
  });

  it('with nothing skipped for such a reason: every call is placed, scheduled later, or skipped', async () => {
    const text = await nothingDue(EMPTY);
    expect(text).toContain(
      'Nothing is due: every call is placed, scheduled later, or skipped (see `callops plan`).',
    );
  });
});
