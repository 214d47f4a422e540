import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import {
  type ApplySummary,
  applyJson,
  applyJsonBytes,
  applyMarkdown,
  createJsonReporter,
  createPlainReporter,
  isFailure,
  summaryLine,
} from '../../src/report/apply.js';
import { makeStyle } from '../../src/report/style.js';

const at = '2026-11-24T10:00:00.000Z';
const outcomes: Outcome[] = [
  { key: 'vg/a', status: 'placed', at, sid: 'S1', callId: 'C1' },
  { key: 'vg/b', status: 'failed', at, httpStatus: 400, message: 'bad from' },
  { key: 'vg/c@2026-11-24T09:59:00Z', status: 'missed', at, message: 'not sent: deadline' },
];
const summary: ApplySummary = {
  outcomes,
  notStarted: [],
  elapsedMs: 500,
  interrupted: false,
  unsettled: [],
  changed: [],
};
const style = makeStyle(false);

describe('apply report: a missed slot', () => {
  it('is neither a failure nor a placement', () => {
    expect(outcomes.map(isFailure)).toEqual([false, true, false]);
    expect(isFailure({ key: 'k', status: 'unknown', at })).toBe(true);
  });

  it('has its own line and count in plain output', () => {
    let text = '';
    const reporter = createPlainReporter((t) => {
      text += t;
    }, style);
    for (const outcome of outcomes) reporter.event({ type: 'call:done', outcome });
    return reporter.finish(summary).then(() => {
      expect(text).toMatch(/^missed +vg\/c@2026-11-24T09:59:00Z +not sent: deadline$/m);
      expect(text).toMatch(/^Done: 1 placed, 1 failed, 0 unknown, 1 missed in 0\.50s/m);
    });
  });

  it('is counted in the JSON object and the step summary', () => {
    const json = applyJson(summary, 'vg');
    expect(json).toMatchObject({ placed: 1, failed: 1, unknown: 0, missed: 1 });
    expect(json.results[2]).toEqual({
      key: 'vg/c@2026-11-24T09:59:00Z',
      status: 'missed',
      message: 'not sent: deadline',
    });
    expect(applyMarkdown(summary, 'vg')).toContain('1 placed · 1 failed · 0 unknown · 1 missed');
  });

  it('is left out of the summary line when there is none', () => {
    let text = '';
    const reporter = createPlainReporter((t) => {
      text += t;
    }, style);
    return reporter
      .finish({ ...summary, outcomes: outcomes.slice(0, 1) })
      .then(() => expect(text).toMatch(/^Done: 1 placed, 0 failed, 0 unknown in /m));
  });
});

describe('apply report: a summary that counts its placed calls without listing them', () => {
  it('says how many were placed, and at what rate, from its counts', () => {
    let text = '';
    const reporter = createPlainReporter((t) => {
      text += t;
    }, style);
    const counted: ApplySummary = {
      ...summary,
      outcomes: outcomes.filter((o) => o.status !== 'placed'),
      counts: { placed: 998, failed: 1, unknown: 0, missed: 1 },
    };
    return reporter.finish(counted).then(() => {
      expect(text).toMatch(
        // The missed slot sent nothing: 999 calls went to the gateway.
        /^Done: 998 placed, 1 failed, 0 unknown, 1 missed in 0\.50s \(1998\.0 calls\/s\)$/m,
      );
    });
  });
});

describe('apply report: the step summary of a large run', () => {
  const row = /^\| `[^`]+` \| (placed|failed|unknown|missed) \|/;

  it('stays under the 65,536 characters GitHub shows, failures listed before placed calls', () => {
    const many: Outcome[] = [
      ...Array.from(
        { length: 2900 },
        (_, i): Outcome => ({
          key: `vg/reminder-${i}-${'x'.repeat(30)}`,
          status: 'placed',
          at,
          sid: `8d3c2a1e-0000-4000-8000-${String(i).padStart(12, '0')}`,
          callId: `c-${i}`,
        }),
      ),
      ...Array.from(
        { length: 100 },
        (_, i): Outcome => ({
          key: `vg/late-${i}`,
          status: i % 2 === 0 ? 'failed' : 'unknown',
          at,
          httpStatus: 503,
          message: 'Service Unavailable',
        }),
      ),
    ];
    const unsettled = Array.from({ length: 4000 }, (_, i) => ({
      key: `vg/late-${i}`,
      at,
      hint: `callops resolve vg/late-${i} --placed SID | --not-placed`,
      file: 'calls/a.yaml',
      line: 3,
    }));
    const text = applyMarkdown({ ...summary, outcomes: many, unsettled }, 'vg');
    expect(text.length).toBeLessThanOrEqual(65_536);
    const rows = text.split('\n').filter((l) => row.test(l));
    // Every failure is there, in run order after the placed calls that fitted.
    expect(rows.filter((l) => !l.includes('| placed |'))).toHaveLength(100);
    expect(rows.at(-1)).toContain('`vg/late-99`');
    const placed = rows.filter((l) => l.includes('| placed |')).length;
    expect(placed).toBeGreaterThan(0);
    expect(text).toContain(
      `| … and ${3000 - rows.length} more, not listed here | | see \`callops status\` |`,
    );
    // The unknown entries' table gets what is left, and its heading counts them all.
    expect(text).toContain('#### Unknown — may have been placed; settle by hand (4000)');
    expect(text).toMatch(
      /^\| (… and \d+ more|4000 entries), not listed here \| \| see `callops status` \|$/m,
    );
  });

  it('lists every outcome when they fit', () => {
    const text = applyMarkdown(summary, 'vg');
    expect(text.split('\n').filter((l) => row.test(l))).toHaveLength(3);
    expect(text).not.toContain('not listed here');
  });
});

describe('apply report: a claim the state still holds of a call never sent', () => {
  const claimed: ApplySummary = {
    ...summary,
    stillClaimed: [{ key: 'vg/d', reason: 'why; settle it: callops resolve vg/d --not-placed' }],
  };

  it('has its own line and count in plain output', () => {
    let text = '';
    const reporter = createPlainReporter((t) => {
      text += t;
    }, style);
    return reporter.finish(claimed).then(() => {
      expect(text).toMatch(
        /^claimed vg\/d {2}why; settle it: callops resolve vg\/d --not-placed$/m,
      );
      expect(text).toMatch(
        /^Done: 1 placed, 1 failed, 0 unknown, 1 missed, 1 not sent, still claimed in /m,
      );
    });
  });

  it('is counted and listed in the JSON object, and counted in the step summary', () => {
    const json = applyJson(claimed, 'vg');
    expect(json.stillClaimed).toBe(1);
    expect(json.held).toEqual([
      {
        key: 'vg/d',
        reason: 'why; settle it: callops resolve vg/d --not-placed',
        status: 'claimed',
      },
    ]);
    expect(applyMarkdown(claimed, 'vg')).toContain('· 1 not sent, still claimed');
  });
});

describe('apply report: a call skipped at its claim for a reason of its own', () => {
  const reason =
    'not placed: this slot already dialled its number as vg/old@2026-11-24T10:00:00Z, a name no call has now (renamed?)';
  const skipped: ApplySummary = {
    ...summary,
    skipped: [{ key: 'vg/new@2026-11-24T10:00:00Z', reason }],
  };

  it('has its own line and count in plain output', () => {
    let text = '';
    const reporter = createPlainReporter((t) => {
      text += t;
    }, style);
    return reporter.finish(skipped).then(() => {
      expect(text).toContain(`skipped vg/new@2026-11-24T10:00:00Z  ${reason}`);
      expect(text).toMatch(/^Done: 1 placed, 1 failed, 0 unknown, 1 missed, 1 skipped in /m);
    });
  });

  it('is counted and listed in the JSON object, and counted in the step summary', () => {
    const json = applyJson(skipped, 'vg');
    expect(json.skipped).toBe(1);
    expect(json.held).toEqual([{ key: 'vg/new@2026-11-24T10:00:00Z', reason, status: 'skipped' }]);
    expect(applyMarkdown(skipped, 'vg')).toContain('· 1 skipped');
  });
});

describe('apply report: calls/s', () => {
  it('counts only the calls whose request went to the gateway, not missed slots nor calls never sent', () => {
    const line = summaryLine(
      {
        outcomes: [
          { key: 'vg/b', status: 'failed', at, httpStatus: 400, message: 'bad from', attempts: 1 },
          { key: 'vg/c', status: 'failed', at, message: 'not sent: target stopped', attempts: 0 },
          { key: 'vg/d', status: 'unknown', at, message: 'timed out', attempts: 2 },
          { key: 'vg/e@2026-11-24T09:59:00Z', status: 'missed', at, message: 'superseded' },
        ],
        // 3 placed (counted, not listed) and 3012 missed slots, 1 of them listed.
        counts: { placed: 3, failed: 2, unknown: 1, missed: 3012 },
        notStarted: [],
        elapsedMs: 2000,
        interrupted: false,
        unsettled: [],
        changed: [],
      },
      style,
    );
    // 3 placed + 1 failed after its request + 1 unknown, in 2 s.
    expect(line).toBe('Done: 3 placed, 2 failed, 1 unknown, 3012 missed in 2.00s (2.5 calls/s)');
  });
});

describe('apply report: the JSON object written a piece at a time', () => {
  const text = (chunks: Iterable<Buffer>): string => Buffer.concat([...chunks]).toString('utf8');
  const whole = (s: ApplySummary, warnings: readonly unknown[] = []): string =>
    `${JSON.stringify(applyJson(s, 'vg', warnings, ['vg', 'other']), null, 2)}\n`;

  it('is the text of the whole object, byte for byte, however many results it lists', () => {
    const many: Outcome[] = Array.from({ length: 3_000 }, (_, i) => ({
      key: `vg/call-${i}`,
      status: i % 3 === 0 ? 'failed' : 'placed',
      at,
      ...(i % 3 === 0
        ? { httpStatus: 400, message: `bad \u001b[2J "quoted" ünï ${'x'.repeat(i % 50)}` }
        : { sid: `S${i}`, callId: `C${i}` }),
    }));
    for (const s of [
      summary,
      { ...summary, outcomes: [] },
      { ...summary, outcomes: many, skipped: [{ key: 'vg/z', reason: 'why' }] },
    ]) {
      const chunks = [...applyJsonBytes(s, 'vg', [{ message: 'w' }], ['vg', 'other'])];
      expect(text(chunks)).toBe(whole(s, [{ message: 'w' }]));
      expect(chunks.every((c) => c.length <= 64 * 1024)).toBe(true);
    }
  });

  it('is what the JSON reporter writes', async () => {
    const written: Buffer[] = [];
    const reporter = createJsonReporter(
      async (chunks) => {
        for (const chunk of chunks) written.push(Buffer.from(chunk));
      },
      'vg',
      () => [],
      ['vg', 'other'],
    );
    await reporter.finish(summary);
    expect(text(written)).toBe(whole(summary));
  });
});
