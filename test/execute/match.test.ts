import { describe, expect, it } from 'vitest';
import { candidatesFor, decide, type Intent } from '../../src/execute/match.js';

const AT = Date.parse('2026-11-24T10:00:00.000Z');
const intent: Intent = {
  key: 'p/a',
  to: '+15550002222',
  from: '+15550001111',
  atMs: AT,
  windowMs: 75_000,
};
const cdr = (sid: string, offsetMs: number, fields: Record<string, unknown> = {}) => ({
  call_sid: sid,
  answered: true,
  sip_status: 200,
  duration: 3,
  attempted_at: new Date(AT + offsetMs).toISOString(),
  terminated_at: new Date(AT + offsetMs + 3000).toISOString(),
  from: '+15550001111',
  to: '+15550002222',
  ...fields,
});
const record = (sid: string, fields: Record<string, unknown> = {}) => ({
  call_sid: sid,
  call_status: 'ringing',
  sip_status: 180,
  duration: 0,
  from: '+15550001111',
  to: '+15550002222',
  ...fields,
});
const none = new Set<string>();

describe('resolve --check matching', () => {
  it('one call to the same number from the same caller within the window settles it', () => {
    const found = candidatesFor(intent, { records: [], cdrs: [cdr('s1', 2_000)] }, none);
    expect(found).toHaveLength(1);
    expect(decide(found)).toEqual({ kind: 'settle', candidate: found[0] });
  });

  it('leaves out other numbers, other callers, other times and sids the lockfile holds', () => {
    const cdrs = [
      cdr('s1', 0, { to: '+15550009999' }),
      cdr('s2', 0, { from: '+15550008888' }),
      cdr('s3', 76_000),
      cdr('s4', -76_000),
      cdr('s5', 0),
    ];
    expect(candidatesFor(intent, { records: [], cdrs }, new Set(['s5']))).toEqual([]);
    expect(decide([])).toEqual({ kind: 'none' });
  });

  it('two calls that could be it are for a person to decide', () => {
    const found = candidatesFor(
      intent,
      { records: [], cdrs: [cdr('s1', 0), cdr('s2', 30_000)] },
      none,
    );
    expect(decide(found)).toEqual({ kind: 'undecided', candidates: found });
  });

  it('a live record without a CDR has no time: a candidate that settles nothing alone', () => {
    const found = candidatesFor(intent, { records: [record('s1')], cdrs: [] }, none);
    expect(found).toEqual([
      { sid: 's1', to: '+15550002222', from: '+15550001111', status: 'ringing' },
    ]);
    expect(decide(found).kind).toBe('undecided');
    // with its CDR out of the window, the record is out too
    expect(
      candidatesFor(intent, { records: [record('s1')], cdrs: [cdr('s1', 600_000)] }, none),
    ).toEqual([]);
  });
});
