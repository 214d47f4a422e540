import { describe, expect, it } from 'vitest';
import {
  addressOf,
  cdrOf,
  outcomeFromCdr,
  outcomeFromEvidence,
  outcomeFromRecord,
  recordOf,
  unansweredStatus,
} from '../../src/execute/evidence.js';

const SID = '98e4dd21-b178-4af1-83b6-3c1582893890';
const observed = new Date('2026-11-24T10:05:00.000Z');
const record = (call_status: string, sip_status: number, duration = 0) => ({
  call_sid: SID,
  call_status,
  sip_status,
  duration,
  from: '+15550001111',
  to: '+15550002222',
});
const cdr = (answered: boolean, sip_status: number, duration = 0) => ({
  call_sid: SID,
  answered,
  sip_status,
  duration,
  attempted_at: '2026-11-24T10:00:00.000Z',
  terminated_at: '2026-11-24T10:00:31.250Z',
  termination_reason: answered ? 'called party hungup' : 'failed',
  from: '+15550001111',
  to: '+15550002222',
});

describe('outcomes from a call detail record', () => {
  it.each([
    [486, 'busy'],
    [600, 'busy'],
    [603, 'busy'],
    [487, 'no-answer'],
    [408, 'no-answer'],
    [480, 'no-answer'],
    [503, 'failed'],
    [404, 'failed'],
    [500, 'failed'],
  ] as const)(
    'an unanswered call ending %i is %s, as the feature server decides',
    (sip, status) => {
      expect(unansweredStatus(sip)).toBe(status);
      expect(outcomeFromCdr(cdr(false, sip, 9))).toEqual({
        status,
        sip_status: sip,
        duration: 0,
        answered: false,
        ended_at: '2026-11-24T10:00:31.250Z',
      });
    },
  );

  it('an answered call is completed with its duration and end time', () => {
    expect(outcomeFromCdr(cdr(true, 200, 31))).toEqual({
      status: 'completed',
      sip_status: 200,
      duration: 31,
      answered: true,
      ended_at: '2026-11-24T10:00:31.250Z',
    });
  });

  it('an end time that is no time gives no outcome', () => {
    expect(outcomeFromCdr({ ...cdr(true, 200), terminated_at: 'soon' })).toBeUndefined();
  });
});

describe('outcomes from a live call record', () => {
  it.each([
    ['trying', 100, false],
    ['ringing', 180, false],
    ['early-media', 183, false],
    ['in-progress', 200, true],
  ] as const)('%s is in progress (answered: %s), with no end time', (status, sip, answered) => {
    expect(outcomeFromRecord(record(status, sip), observed)).toEqual({
      status: 'in-progress',
      sip_status: sip,
      duration: 0,
      answered,
    });
  });

  it.each([
    ['completed', 200, 12, true],
    ['busy', 486, 0, false],
    ['no-answer', 487, 0, false],
    ['failed', 503, 0, false],
  ] as const)(
    '%s is final, ended when it was seen (no CDR yet)',
    (status, sip, duration, answered) => {
      expect(outcomeFromRecord(record(status, sip, duration), observed)).toEqual({
        status,
        sip_status: sip,
        duration,
        answered,
        ended_at: observed.toISOString(),
      });
    },
  );

  it('a status callops does not know gives no outcome', () => {
    expect(outcomeFromRecord(record('queued', 100), observed)).toBeUndefined();
  });

  it('the CDR wins over the live record when both are there', () => {
    expect(
      outcomeFromEvidence(
        { record: record('completed', 200, 30), cdr: cdr(true, 200, 31) },
        observed,
      )?.ended_at,
    ).toBe('2026-11-24T10:00:31.250Z');
    expect(outcomeFromEvidence({ record: record('busy', 486) }, observed)?.status).toBe('busy');
    expect(outcomeFromEvidence({}, observed)).toBeUndefined();
  });
});

describe('reading the gateway JSON', () => {
  it('takes what matters and refuses records without it', () => {
    expect(recordOf({ ...record('ringing', 180), extra: { tag: 1 } })).toEqual(
      record('ringing', 180),
    );
    expect(recordOf({ call_sid: SID, call_status: 'ringing' })).toBeUndefined();
    expect(recordOf([])).toBeUndefined();
    expect(cdrOf({ ...cdr(true, 200, 3), trunk: 'x' })).toEqual(cdr(true, 200, 3));
    expect(cdrOf({ ...cdr(true, 200), answered: 1 })?.answered).toBe(true);
    expect(cdrOf({ ...cdr(true, 200), terminated_at: undefined })).toBeUndefined();
    expect(cdrOf(null)).toBeUndefined();
  });

  it('prints a create-call `to` as the gateway does', () => {
    expect(addressOf({ type: 'phone', number: '+15550002222' })).toBe('+15550002222');
    expect(addressOf({ type: 'sip', sipUri: 'sip:a@b' })).toBe('sip:a@b');
    expect(addressOf({ type: 'user', name: 'bob' })).toBe('bob');
    expect(addressOf('x')).toBe('');
  });
});
