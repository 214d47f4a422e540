import { describe, expect, it } from 'vitest';
import { campaignCounts, campaignLines } from '../../src/campaign/progress.js';
import { type ReportLine, reportHeader, reportLine } from '../../src/campaign/report-csv.js';
import { countStates, rowState } from '../../src/campaign/row-state.js';
import { renderCampaignCounts } from '../../src/report/campaign.js';
import { numberDigest } from '../../src/screen/number.js';
import { call, entry, lock } from '../plan/make.js';

describe('rowState', () => {
  const open = { suppressed: false, ended: false };
  it('answered, final outcomes, placed and unknown by the latest attempt', () => {
    expect(rowState({ kind: 'done', n: 2, result: 'answered' }, open)).toBe('answered');
    expect(
      rowState({ kind: 'done', n: 3, result: 'exhausted' }, { ...open, lastOutcome: 'busy' }),
    ).toBe('busy');
    expect(
      rowState({ kind: 'done', n: 1, result: 'declined' }, { ...open, lastOutcome: 'failed' }),
    ).toBe('failed');
    expect(rowState({ kind: 'pending', n: 1, why: 'awaiting-outcome' }, open)).toBe('placed');
    expect(rowState({ kind: 'pending', n: 1, why: 'unknown' }, open)).toBe('unknown');
    // Being placed by a run still going: no sid yet, and its request may still be refused.
    expect(rowState({ kind: 'pending', n: 1, why: 'in-flight' }, open)).toBe('in-flight');
  });

  it('a redial that would come at or after end is not waited for: the row stands at its outcome', () => {
    const end = Date.parse('2026-06-14T00:00:00Z');
    const context = { ...open, endAt: end, lastOutcome: 'no-answer' } as const;
    const at = (t: string) => ({ kind: 'redial', n: 2, notBefore: new Date(t) }) as const;
    expect(rowState(at('2026-07-10T12:00:00Z'), context)).toBe('no-answer');
    expect(rowState(at('2026-06-14T00:00:00Z'), context)).toBe('no-answer');
    expect(rowState(at('2026-06-12T12:00:00Z'), context)).toBe('waiting');
  });

  it('a row not reached is waiting, expired once the end passed, suppressed on a list', () => {
    expect(rowState({ kind: 'first' }, open)).toBe('waiting');
    expect(rowState({ kind: 'first' }, { ...open, ended: true })).toBe('expired');
    expect(rowState({ kind: 'first' }, { ...open, suppressed: true, ended: true })).toBe(
      'suppressed',
    );
    const redial = { kind: 'redial', n: 2, notBefore: new Date(0) } as const;
    expect(rowState(redial, { ...open, lastOutcome: 'no-answer' })).toBe('waiting');
    expect(rowState(redial, { ...open, suppressed: true, lastOutcome: 'no-answer' })).toBe(
      'no-answer',
    );
    expect(rowState({ kind: 'retry', n: 1 }, { ...open, suppressed: true })).toBe('suppressed');
    // The first attempt's request was refused and the end passed: never reached.
    expect(rowState({ kind: 'retry', n: 1 }, { ...open, ended: true })).toBe('expired');
  });

  it('a row reached before the end is never expired: it stands at its latest outcome', () => {
    const ended = { ...open, ended: true };
    const redial = { kind: 'redial', n: 2, notBefore: new Date(0) } as const;
    expect(rowState(redial, { ...ended, lastOutcome: 'no-answer' })).toBe('no-answer');
    expect(rowState(redial, { ...ended, lastOutcome: 'busy' })).toBe('busy');
    // Attempt 2's request was refused: attempt 1 reached the row.
    expect(rowState({ kind: 'retry', n: 2 }, { ...ended, lastOutcome: 'busy' })).toBe('busy');
    expect(rowState({ kind: 'done', n: 1, result: 'answered' }, ended)).toBe('answered');
    expect(
      rowState({ kind: 'done', n: 1, result: 'final' }, { ...ended, lastOutcome: 'busy' }),
    ).toBe('busy');
    expect(rowState({ kind: 'pending', n: 1, why: 'awaiting-outcome' }, ended)).toBe('placed');
    expect(rowState({ kind: 'pending', n: 1, why: 'unknown' }, ended)).toBe('unknown');
  });

  it('a row whose number its campaign dialled under another row is held, before and after the end', () => {
    const held = { ...open, held: true };
    expect(rowState({ kind: 'first' }, held)).toBe('held');
    // Never "expired, never placed": its person was called under another key.
    expect(rowState({ kind: 'first' }, { ...held, ended: true })).toBe('held');
    expect(rowState({ kind: 'first' }, { ...held, suppressed: true })).toBe('held');
    expect(rowState({ kind: 'retry', n: 1 }, { ...held, ended: true })).toBe('held');
    // A row its own attempt reached stands at that attempt's outcome.
    expect(rowState({ kind: 'retry', n: 2 }, { ...held, lastOutcome: 'busy' })).toBe('busy');
    const redial = { kind: 'redial', n: 2, notBefore: new Date(0) } as const;
    expect(rowState(redial, { ...held, lastOutcome: 'no-answer' })).toBe('no-answer');
    expect(rowState({ kind: 'done', n: 1, result: 'answered' }, held)).toBe('answered');
  });

  it('counts every state, zero included', () => {
    const counts = countStates(['answered', 'answered', 'busy']);
    expect(counts).toEqual({
      placed: 0,
      'in-flight': 0,
      answered: 2,
      busy: 1,
      'no-answer': 0,
      failed: 0,
      unknown: 0,
      suppressed: 0,
      held: 0,
      expired: 0,
      waiting: 0,
    });
  });
});

describe('report CSV', () => {
  it('quotes what needs quoting and never lets a cell run as a formula', () => {
    expect(reportHeader()).toBe(
      'id,to,state,attempts,sid,sip_status,duration,last_attempt_at,to_changed\r\n',
    );
    expect(
      reportLine({
        id: '=cmd',
        to: '+15550001111',
        state: 'answered',
        attempts: 2,
        sid: 'abc',
        sipStatus: 200,
        duration: 31,
        lastAttemptAt: '2026-12-01T09:00:00Z',
      }),
    ).toBe("'=cmd,+15550001111,answered,2,abc,200,31,2026-12-01T09:00:00Z,\r\n");
    expect(reportLine({ id: 'a,"b"', to: 'sip:x@y', state: 'waiting', attempts: 0 })).toBe(
      '"a,""b""",sip:x@y,waiting,0,,,,,\r\n',
    );
    // Control characters are escaped as human output shows them (JSON keeps them exact);
    // an escaped tab or CR cannot start a formula any more.
    expect(
      reportLine({
        id: 'r1\u001b[2J\u001b]0;pwn\u0007',
        to: '\tcmd',
        state: 'waiting',
        attempts: 0,
      }),
    ).toBe('r1\\u001b[2J\\u001b]0;pwn\\u0007,\\tcmd,waiting,0,,,,,\r\n');
    expect(reportLine({ id: 'a\nb', to: '=1+1', state: 'waiting', attempts: 0 })).toBe(
      "a\\nb,'=1+1,waiting,0,,,,,\r\n",
    );
  });
});

describe('report lines of edited rows', () => {
  const POLICY = { on: ['no-answer'] as const, afterMs: 0, backoff: 1, maxAttempts: 3 };
  const row = (id: string, number: string, definition: string) =>
    call(`camp/${id}`, {
      campaign: { name: 'camp', id, recipients: 'lists/r.csv' },
      redial: POLICY,
      definition,
      options: { application_sid: 'x', from: '+15550001111', to: { type: 'phone', number } },
    });
  const noAnswer = (sid: string, number: string, definition: string) =>
    entry({
      sid,
      number: numberDigest(number),
      definition,
      outcome: {
        status: 'no-answer',
        sip_status: 487,
        duration: 0,
        answered: false,
        ended_at: '2026-12-01T09:00:00Z',
      },
    });
  const planned = (id: string) => ({
    key: `prod/camp/${id}`,
    name: `camp/${id}`,
    target: 'prod',
    file: 'lists/r.csv',
    line: 2,
    definition: 'sha256:x',
  });
  const lines = campaignLines(
    'camp',
    [
      row('same', '+15550000001', 'sha256:a'),
      row('moved', '+15550000999', 'sha256:b2'),
      row('typo', '+15550000003', 'sha256:c2'),
    ],
    lock({
      'prod/camp/same': noAnswer('S1', '+15550000001', 'sha256:a'),
      'prod/camp/moved': noAnswer('S2', '+15550000002', 'sha256:b1'),
      'prod/camp/typo': noAnswer('S3', '+15550000003', 'sha256:c1'),
    }),
    {
      target: 'prod',
      now: '2026-12-01T10:00:00Z',
      due: [],
      upcoming: [],
      missed: [],
      // Whom each row dials now, as the plan shows it.
      skipped: [
        { ...planned('same'), to: '+15550000001' },
        { ...planned('moved'), to: '+15550000999' },
        { ...planned('typo'), to: '+15550000003' },
      ],
    },
  );

  it('never pairs a sid with a number it did not dial: the number is left out, the row marked', () => {
    expect(lines.map((l) => [l.id, l.toChanged ?? false, l.sid])).toEqual([
      ['same', false, 'S1'],
      ['moved', true, 'S2'],
      ['typo', false, 'S3'],
    ]);
    expect(lines.map((l) => l.to)).toEqual(['+15550000001', '', '+15550000003']);
    expect(reportLine(lines[1] as (typeof lines)[number])).toBe(
      `moved,,no-answer,1,S2,487,0,${entry({}).at},yes\r\n`,
    );
  });

  it('an edited row of a redial campaign that dials another number stands at its latest outcome: it is not redialled', () => {
    expect(lines.map((l) => l.state)).toEqual(['waiting', 'no-answer', 'waiting']);
  });

  it('an edited row that dials the number it dialled is waiting: it is redialled as it is now', () => {
    expect(lines.find((l) => l.id === 'typo')?.state).toBe('waiting');
  });
});

describe('status --campaign text', () => {
  it('says one row and one attempt in the singular, and what waiting counts', () => {
    const text = renderCampaignCounts(
      campaignCounts('camp', [{ id: 'r1', to: '+15550000001', state: 'waiting', attempts: 1 }]),
    );
    expect(text.split('\n')[0]).toBe(
      'campaign camp: 1 row, 1 attempt recorded (each row counted once, where it stands now)',
    );
    expect(text).toContain('  waiting     1\n');
    expect(text).toContain(
      '\nwaiting: a first call, a retry or a redial is still to come (a row whose latest attempt ended no-answer, busy or failed and will be redialled counts here)\n',
    );
    const two = renderCampaignCounts(
      campaignCounts('camp', [
        { id: 'r1', to: '', state: 'answered', attempts: 2 },
        { id: 'r2', to: '', state: 'busy', attempts: 1 },
      ]),
    );
    expect(two).toMatch(/^campaign camp: 2 rows, 3 attempts recorded/);
  });
});

describe('report line of a row whose latest request was refused', () => {
  const POLICY = { on: ['no-answer'] as const, afterMs: 0, backoff: 1, maxAttempts: 3 };
  const NUMBER = '+15550000401';
  const row = call('camp/r1', {
    campaign: { name: 'camp', id: 'r1', recipients: 'lists/r.csv' },
    redial: POLICY,
    definition: 'sha256:a',
    options: { application_sid: 'x', from: '+15550001111', to: { type: 'phone', number: NUMBER } },
  });
  // Attempt 1 rang unanswered; attempt 2's request was refused (or settled --not-placed).
  const attempts = lock({
    'prod/camp/r1': entry({
      sid: 'S1',
      at: '2026-12-01T09:00:00.000Z',
      number: numberDigest(NUMBER),
      definition: 'sha256:a',
      outcome: {
        status: 'no-answer',
        sip_status: 487,
        duration: 0,
        answered: false,
        ended_at: '2026-12-01T09:00:30Z',
      },
    }),
    'prod/camp/r1#2': entry({
      status: 'failed',
      at: '2026-12-01T09:05:00.000Z',
      httpStatus: 400,
      message: 'refused',
      number: numberDigest(NUMBER),
      definition: 'sha256:a',
    }),
  });
  const item = {
    key: 'prod/camp/r1#2',
    name: 'camp/r1',
    target: 'prod',
    file: 'lists/r.csv',
    line: 2,
    to: NUMBER,
    definition: 'sha256:a',
  };
  const base = { target: 'prod', now: '2026-12-01T10:00:00Z', due: [], upcoming: [], missed: [] };
  const lineOf = (plan: Parameters<typeof campaignLines>[3]) =>
    reportLine(campaignLines('camp', [row], attempts, plan)[0] as ReportLine);

  it('on a do-not-call list now: every column speaks of attempt 1, whose outcome is its state', () => {
    const suppressed = { ...base, skipped: [], suppressed: [{ ...item, reason: 'do-not-call' }] };
    expect(lineOf(suppressed)).toBe(
      `r1,${NUMBER},no-answer,2,S1,487,0,2026-12-01T09:00:00.000Z,\r\n`,
    );
  });

  it('retried later: waiting, with the call that reached the row, as a redial to come shows it', () => {
    expect(lineOf({ ...base, skipped: [], due: [item] })).toBe(
      `r1,${NUMBER},waiting,2,S1,487,0,2026-12-01T09:00:00.000Z,\r\n`,
    );
  });
});
