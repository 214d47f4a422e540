import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { batchedWriter, runReporter } from '../../src/cli/run-report.js';
import { unknownsSaid } from '../../src/cli/unsettled.js';
import type { ApplySummary } from '../../src/report/apply.js';

/** A stream that records each write as it is made, and says when the next one comes. */
const capture = () => {
  const writes: string[] = [];
  let wake: (() => void) | undefined;
  const stream = {
    write: (text: string) => {
      writes.push(text);
      wake?.();
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const nextWrite = () => new Promise<void>((resolve) => (wake = resolve));
  return { stream, writes, nextWrite };
};

describe('batchedWriter', () => {
  it('holds the lines of a short while and writes them in one write, in order', async () => {
    const { stream, writes, nextWrite } = capture();
    const out = batchedWriter(stream);
    const lines = Array.from({ length: 100 }, (_, i) => `placed p/c${i}\n`);
    const written = nextWrite();
    for (const line of lines) out.write(line);
    expect(writes).toEqual([]);
    await written;
    expect(writes).toEqual([lines.join('')]);
  });

  it('writes at once past 32 KiB, the rest on flush, and never a line twice', () => {
    const { stream, writes } = capture();
    const out = batchedWriter(stream);
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `placed p/${String(i).padStart(40, '0')}\n`,
    );
    for (const line of lines) out.write(line);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.length >= 32 * 1024)).toBe(true);
    out.flush();
    out.flush();
    expect(writes.join('')).toBe(lines.join(''));
  });
});

const SUMMARY: ApplySummary = {
  outcomes: [],
  notStarted: [],
  elapsedMs: 0,
  interrupted: false,
  unsettled: [],
  changed: [],
};

const UNKNOWN = {
  key: 'sim/u1',
  at: '2026-01-01T00:00:00.000Z',
  file: 'calls/a.yaml',
  line: 2,
  hint: 'callops resolve sim/u1 --placed SID, or callops resolve sim/u1 --not-placed',
};

/**
 * What run prints after each batch's summary of the unknown entries, `sim/u1` said as it
 * started: the line that starts with `Unknown: ` after each summary, or '' for none.
 */
const afterBatches = async (summaries: readonly ApplySummary[]): Promise<string[]> => {
  let text = '';
  const stdout = {
    write: (t: string) => {
      text += t;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const ctx = {
    format: 'human',
    color: false,
    env: {},
    stdout,
    stderr: stdout,
    signal: new AbortController().signal,
  } as unknown as CommandContext;
  const unknowns = unknownsSaid();
  unknowns.changed([UNKNOWN]);
  const sink = runReporter(ctx, 'sim', unknowns);
  const said: string[] = [];
  for (const summary of summaries) {
    text = '';
    await sink({ type: 'run:start', items: [], targetNote: 'target sim', missedText: '' });
    await sink({ type: 'run:finish', summary, items: [] });
    said.push(text.split('\n').find((l) => l.startsWith('Unknown: ')) ?? '');
  }
  return said;
};

describe('run: "Unknown: none left" after a batch', () => {
  it('only once the state, as read, holds no unknown entry and the batch left none', async () => {
    const counts = { placed: 0, failed: 0, unknown: 1, missed: 0 };
    expect(
      await afterBatches([
        // The state could not be read: that is said, not that none is left.
        { ...SUMMARY, unsettledUnread: 'the state database failed (connect ECONNREFUSED)' },
        // The batch's own call ended unknown, not in the state's list yet.
        { ...SUMMARY, counts, outcomes: [{ key: 'sim/c1', status: 'unknown', at: UNKNOWN.at }] },
        // A claim the batch could not give up.
        { ...SUMMARY, stillClaimed: [{ key: 'sim/c2', reason: 'not sent; resolve it' }] },
        // Read, and none is unknown: now it is true.
        SUMMARY,
        SUMMARY,
      ]),
    ).toEqual([
      'Unknown: not known — the state could not be read after this batch (the state database failed (connect ECONNREFUSED)); `callops status` lists the unknown entries once it answers.',
      '',
      '',
      'Unknown: none left — every entry is settled.',
      '',
    ]);
  });
});
