// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is how a secret is shown
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { runReporter } from '../../src/cli/run-report.js';
import { shownSink } from '../../src/cli/run-shown.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { PlanItem } from '../../src/plan/types.js';
import type { ApplySummary } from '../../src/report/apply.js';
import { lockfileText } from '../../src/report/lockfile-shown.js';

const KEY = 'Zq8Xv3LeakKey9Kd7Wm2';
const URL = 'http://127.0.0.1:8080';
const SECRETS = [
  { name: 'VG_API_KEY', value: KEY, always: true },
  // The target's base URL is a value callops knows too: the target's note shows it all the same.
  { name: 'VG_BASE_URL', value: URL },
];

const stream = () => {
  const writes: string[] = [];
  // Text or bytes (JSON goes out in byte chunks, through writeChunks: it listens for drain).
  const s = {
    write: (chunk: string | Uint8Array) =>
      writes.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')) > 0,
    on: () => s,
    off: () => s,
  } as unknown as NodeJS.WriteStream;
  return { s, text: () => writes.join('') };
};

const item = (key: string, reason?: string): PlanItem => ({
  key,
  name: key.slice(3),
  target: 'gw',
  file: 'calls/a.yaml',
  line: 2,
  to: '+15555550101',
  definition: 'sha256:x',
  ...(reason !== undefined && { reason }),
});

const SUMMARY: ApplySummary = {
  outcomes: [
    {
      key: 'gw/t@2027-01-05T08:00:00Z',
      status: 'missed',
      at: '',
      message: `dialled as gw/old (placed ${KEY} at 09:00)`,
    },
    { key: 'gw/a', status: 'failed', at: '', httpStatus: 400, message: 'bad request' },
  ],
  notStarted: [],
  elapsedMs: 0,
  interrupted: false,
  unsettled: [
    {
      key: `gw/x-${KEY}`,
      at: '2026-12-03T10:00:00.000Z',
      file: 'calls/a.yaml',
      line: 1,
      message: `token ${encodeURIComponent(KEY)}`,
      hint: `settle: callops resolve gw/x-${KEY} --placed SID`,
    },
  ],
  changed: [item('gw/two', `changed since placed (already placed ${KEY} at 10:00)`)],
  suppressed: [{ key: 'gw/s', reason: `on a list as gw/old (placed ${KEY})` }],
  waiting: [],
  inFlight: [{ key: 'gw/f', reason: 'being placed by another runner right now' }],
};

/** What apply's reporter prints of `events`, each through shownSink of SECRETS. */
const printed = async (events: EngineEvent[], format: 'human' | 'json' | 'github' = 'human') => {
  const out = stream();
  const err = stream();
  const ctx = {
    format,
    color: false,
    env: {},
    root: process.cwd(),
    stdout: out.s,
    stderr: err.s,
  } as unknown as CommandContext;
  const sink = shownSink(runReporter(ctx, 'gw'), lockfileText(SECRETS));
  for (const event of events) await sink(event);
  return `${out.text()}${err.text()}`;
};

describe('what apply and run print of the lockfile', () => {
  it('shows the summary, the held calls and the missed slots with the known secrets hidden', async () => {
    for (const format of ['human', 'json', 'github'] as const) {
      const text = await printed(
        [
          {
            type: 'run:start',
            items: [item('gw/a')],
            targetNote: `target gw: ${URL}`,
            missedText: `missed  gw/t@2027-01-05T08:00:00Z  dialled as gw/old (placed ${KEY} at 09:00)\n`,
          },
          { type: 'run:finish', summary: SUMMARY, items: [item('gw/a')] },
          {
            type: 'run:nothing-due',
            note: `target gw: ${URL}`,
            missedText: `missed  gw/t  placed ${KEY}\n`,
            items: [],
            summary: SUMMARY,
          },
        ],
        format,
      );
      expect(text, format).not.toContain(KEY);
      expect(text, format).not.toContain(encodeURIComponent(KEY));
      expect(text, format).toContain('${VG_API_KEY}');
      expect(text, format).toContain('gw/x-${VG_API_KEY}');
      if (format !== 'json') {
        // The target's note is not the lockfile's: shown as it is.
        expect(text, format).toContain(`target gw: ${URL}`);
        expect(text, format).toContain(
          'missed  gw/t@2027-01-05T08:00:00Z  dialled as gw/old (placed ${VG_API_KEY} at 09:00)',
        );
        expect(text, format).toContain('already placed ${VG_API_KEY} at 10:00');
      }
    }
  });

  it('shows what run says of a slot as it finds it, and another runner’s replacement', async () => {
    const text = await printed([
      { type: 'scheduler:missed', item: item('gw/t@2027-01-05T08:00:00Z', `as gw/old-${KEY}`) },
      { type: 'scheduler:suppressed', item: item('gw/s', `listed; dialled as ${KEY}`) },
      { type: 'scheduler:waiting', item: item('gw/w', `limit; dialled as ${KEY}`) },
      {
        type: 'run:claimed-elsewhere',
        calls: [{ key: 'gw/two', reason: `not replaced: another runner replaced ${KEY} first` }],
      },
    ]);
    expect(text).not.toContain(KEY);
    expect(text).toContain('missed gw/t@2027-01-05T08:00:00Z — as gw/old-${VG_API_KEY}');
    expect(text).toContain('suppressed gw/s  listed; dialled as ${VG_API_KEY}');
    expect(text).toContain('waiting gw/w  limit; dialled as ${VG_API_KEY}');
    expect(text).toContain('another runner replaced ${VG_API_KEY} first');
  });

  it('leaves the events the engine made as they are, and the sink itself without a secret', async () => {
    const event: EngineEvent = { type: 'run:finish', summary: SUMMARY, items: [] };
    const seen: EngineEvent[] = [];
    await shownSink(async (e) => {
      seen.push(e);
    }, lockfileText(SECRETS))(event);
    expect(seen[0]).not.toBe(event);
    expect(SUMMARY.changed[0]?.reason).toContain(KEY);
    expect(SUMMARY.unsettled[0]?.key).toBe(`gw/x-${KEY}`);
    const sink = async () => {};
    expect(shownSink(sink, lockfileText([]))).toBe(sink);
  });
});
