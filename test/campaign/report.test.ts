import { describe, expect, it } from 'vitest';
import { reportHeader, reportLine } from '../../src/campaign/report-csv.js';
import { countStates, rowState } from '../../src/campaign/row-state.js';

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
  });

  it('a row not reached is waiting, expired once the end passed, suppressed on a list', () => {
    expect(rowState({ kind: 'first' }, open)).toBe('waiting');
    expect(rowState({ kind: 'first' }, { ...open, ended: true })).toBe('expired');
    expect(rowState({ kind: 'first' }, { ...open, suppressed: true, ended: true })).toBe(
      'suppressed',
    );
    const redial = { kind: 'redial', n: 2, notBefore: new Date(0) } as const;
    expect(rowState(redial, { ...open, lastOutcome: 'no-answer' })).toBe('waiting');
    expect(rowState(redial, { ...open, ended: true, lastOutcome: 'no-answer' })).toBe('expired');
    expect(rowState(redial, { ...open, suppressed: true, lastOutcome: 'no-answer' })).toBe(
      'no-answer',
    );
    expect(rowState({ kind: 'retry', n: 1 }, { ...open, suppressed: true })).toBe('suppressed');
  });

  it('counts every state, zero included', () => {
    const counts = countStates(['answered', 'answered', 'busy']);
    expect(counts).toEqual({
      placed: 0,
      answered: 2,
      busy: 1,
      'no-answer': 0,
      failed: 0,
      unknown: 0,
      suppressed: 0,
      expired: 0,
      waiting: 0,
    });
  });
});

describe('report CSV', () => {
  it('quotes what needs quoting and never lets a cell run as a formula', () => {
    expect(reportHeader()).toBe('id,to,state,attempts,sid,sip_status,duration,last_attempt_at\r\n');
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
    ).toBe("'=cmd,+15550001111,answered,2,abc,200,31,2026-12-01T09:00:00Z\r\n");
    expect(reportLine({ id: 'a,"b"', to: 'sip:x@y', state: 'waiting', attempts: 0 })).toBe(
      '"a,""b""",sip:x@y,waiting,0,,,,\r\n',
    );
  });
});
