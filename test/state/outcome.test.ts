import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLockfile, serializeLockfile } from '../../src/state/lockfile.js';
import { checkOutcome, withOutcome, withOutcomes } from '../../src/state/outcome.js';
import type { CallOutcome } from '../../src/state/types.js';
import { entry, lockOf } from './helpers.js';

const SID = '98e4dd21-b178-4af1-83b6-3c1582893890';
const completed: CallOutcome = {
  status: 'completed',
  sip_status: 200,
  duration: 42,
  answered: true,
  ended_at: '2026-11-24T10:01:00.000Z',
};
const ringing: CallOutcome = {
  status: 'in-progress',
  sip_status: 180,
  duration: 0,
  answered: false,
};
const busy: CallOutcome = {
  status: 'busy',
  sip_status: 486,
  duration: 0,
  answered: false,
  ended_at: '2026-11-24T10:00:05.000Z',
};

const placedLock = () =>
  lockOf({
    'p/a': entry({ status: 'placed', sid: SID }),
    'p/b': entry({ status: 'unknown' }),
    'p/c': entry({ status: 'failed', httpStatus: 400 }),
  });

describe('withOutcome', () => {
  it('records the outcome beside a placed entry', () => {
    const lock = withOutcome(placedLock(), 'p/a', completed);
    expect(lock.calls['p/a']?.outcome).toEqual(completed);
    expect(lock.calls['p/a']?.sid).toBe(SID);
  });

  it('never touches an entry that is not placed, nor a missing one', () => {
    const before = placedLock();
    for (const key of ['p/b', 'p/c', 'p/none']) {
      expect(withOutcome(before, key, completed)).toBe(before);
    }
  });

  it('never moves a call that ended back to in-progress', () => {
    const ended = withOutcome(placedLock(), 'p/a', busy);
    expect(withOutcome(ended, 'p/a', ringing)).toBe(ended);
    expect(ended.calls['p/a']?.outcome?.status).toBe('busy');
  });

  it('keeps the first final outcome: how a call ended is settled once', () => {
    const ended = withOutcome(placedLock(), 'p/a', busy);
    const noAnswer = { ...busy, status: 'no-answer', sip_status: 487 } as const;
    expect(withOutcome(ended, 'p/a', noAnswer)).toBe(ended);
    const answered = withOutcome(placedLock(), 'p/a', completed);
    for (const later of [busy, noAnswer, { ...completed, duration: 7 }])
      expect(withOutcome(answered, 'p/a', later)).toBe(answered);
  });

  it('never loses an answer that arrives after a final status that shows none: the call ended answered, at the end time recorded', () => {
    const noAnswer = { ...busy, status: 'no-answer', sip_status: 487 } as const;
    const ended = withOutcome(placedLock(), 'p/a', noAnswer);
    // The gateway's in-progress (answered) sent before the no-answer, arriving after it.
    const answered: CallOutcome = {
      status: 'in-progress',
      sip_status: 200,
      duration: 0,
      answered: true,
    };
    const late = withOutcome(ended, 'p/a', answered);
    expect(late.calls['p/a']?.outcome).toEqual({
      status: 'completed',
      sip_status: 200,
      duration: 0,
      answered: true,
      ended_at: busy.ended_at,
    });
    // The same, whichever order: after the answer, the no-answer ends it the same way.
    const reverse = withOutcome(withOutcome(placedLock(), 'p/a', answered), 'p/a', noAnswer);
    expect(reverse.calls['p/a']?.outcome).toEqual(late.calls['p/a']?.outcome);
    // A call detail record that says it was answered, after a busy: the answer's SIP status
    // and time talked, the end time first recorded.
    expect(
      withOutcome(withOutcome(placedLock(), 'p/a', busy), 'p/a', completed).calls['p/a']?.outcome,
    ).toEqual({
      ...completed,
      ended_at: busy.ended_at,
    });
    // Settled: nothing changes it any more.
    for (const again of [answered, noAnswer, busy, completed, ringing])
      expect(withOutcome(late, 'p/a', again)).toBe(late);
  });

  it('moves in-progress on to a final status', () => {
    const live = withOutcome(placedLock(), 'p/a', ringing);
    expect(live.calls['p/a']?.outcome).toEqual(ringing);
    expect(withOutcome(live, 'p/a', completed).calls['p/a']?.outcome).toEqual(completed);
  });

  it('drops fields an outcome does not have, and ended_at of an in-progress call', () => {
    const odd = { ...ringing, ended_at: 'x', secret: 'k' } as unknown as CallOutcome;
    expect(withOutcome(placedLock(), 'p/a', odd).calls['p/a']?.outcome).toEqual(ringing);
  });

  it('is idempotent, whatever sequence of outcomes came before', () => {
    const outcomeArb = fc.constantFrom(completed, ringing, busy);
    fc.assert(
      fc.property(fc.array(outcomeArb, { maxLength: 6 }), outcomeArb, (before, last) => {
        let lock = placedLock();
        for (const o of before) lock = withOutcome(lock, 'p/a', o);
        const once = withOutcome(lock, 'p/a', last);
        expect(withOutcome(once, 'p/a', last)).toBe(once);
        // once ended, the call stays ended
        if (before.some((o) => o.status !== 'in-progress')) {
          expect(once.calls['p/a']?.outcome?.status).not.toBe('in-progress');
        }
        // once any status showed an answer, the call shows it
        if ([...before, last].some((o) => o.answered)) {
          expect(once.calls['p/a']?.outcome?.answered).toBe(true);
        }
      }),
    );
  });

  it('never records an outcome the lockfile reader would refuse, and the reader takes SIP 100 to 699', () => {
    const before = placedLock();
    for (const sip_status of [486.5, -486, 0, 99, 700, 99999, 1e21])
      expect(withOutcome(before, 'p/a', { ...busy, sip_status })).toBe(before);
    expect(withOutcome(before, 'p/a', { ...completed, duration: 1e21 })).toBe(before);
    for (const sip_status of [100, 699]) {
      const lock = withOutcome(before, 'p/a', { ...busy, sip_status });
      const read = parseLockfile(serializeLockfile(lock), 'callops.lock');
      expect('lock' in read && read.lock.calls['p/a']?.outcome?.sip_status).toBe(sip_status);
    }
  });

  it('never loses evidence of an answer: a later status that shows none ends it completed, or changes nothing', () => {
    const answered: CallOutcome = {
      status: 'in-progress',
      sip_status: 200,
      duration: 0,
      answered: true,
    };
    const live = withOutcome(placedLock(), 'p/a', answered);
    expect(withOutcome(live, 'p/a', ringing)).toBe(live);
    const noAnswer = { ...busy, status: 'no-answer', sip_status: 487 } as const;
    expect(withOutcome(live, 'p/a', noAnswer).calls['p/a']?.outcome).toEqual({
      status: 'completed',
      sip_status: 200,
      duration: 0,
      answered: true,
      ended_at: busy.ended_at,
    });
    // SIP 200 with time talked was answered, whatever the status says.
    const talked = { ...noAnswer, sip_status: 200, duration: 45 };
    expect(withOutcome(placedLock(), 'p/a', talked).calls['p/a']?.outcome).toEqual({
      ...talked,
      status: 'completed',
      answered: true,
    });
  });

  it('withOutcomes applies many updates and names the keys it changed', () => {
    const { lock, changed } = withOutcomes(placedLock(), [
      { key: 'p/a', outcome: busy },
      { key: 'p/b', outcome: busy },
      { key: 'p/a', outcome: busy },
    ]);
    expect(changed).toEqual(['p/a']);
    expect(lock.calls['p/a']?.outcome).toEqual(busy);
    // Only the placed entry takes an outcome: the unknown and the failed one keep none.
    expect(lock.calls['p/b']?.outcome).toBeUndefined();
    expect(lock.calls['p/c']?.outcome).toBeUndefined();
  });
});

describe('the lockfile outcome field', () => {
  it('survives a write and a read, keys sorted', () => {
    const lock = withOutcome(placedLock(), 'p/a', completed);
    const text = serializeLockfile(lock);
    expect(text).toContain(
      '"outcome": {\n        "answered": true,\n        "duration": 42,\n        "ended_at": "2026-11-24T10:01:00.000Z",\n        "sip_status": 200,\n        "status": "completed"\n      }',
    );
    const read = parseLockfile(text, 'callops.lock');
    expect('lock' in read && read.lock).toEqual(lock);
  });

  it.each([
    [{ ...completed, status: 'answered' }, 'outcome status must be one of completed'],
    [{ ...completed, sip_status: '200' }, 'outcome sip_status must be an integer'],
    [{ ...completed, sip_status: 486.5 }, 'outcome sip_status must be an integer'],
    [{ ...completed, duration: -1 }, 'outcome duration must be a whole number of seconds'],
    [{ ...completed, duration: 1.5 }, 'outcome duration must be a whole number of seconds'],
    [{ ...completed, answered: 'yes' }, 'outcome answered must be true or false'],
    [{ ...completed, ended_at: undefined }, 'outcome ended_at must be an ISO-8601 time'],
    [
      { ...ringing, ended_at: completed.ended_at },
      'outcome ended_at is only for a call that ended',
    ],
    [{ ...completed, extra: 1 }, 'outcome has an unknown field "extra"'],
    ['completed', 'outcome must be an object'],
  ])('refuses a malformed outcome at its line: %j', (outcome, message) => {
    const text = JSON.stringify(
      {
        lockfileVersion: 1,
        calls: { 'p/a': { ...entry({ status: 'placed', sid: SID }), outcome } },
      },
      null,
      2,
    );
    const read = parseLockfile(text, 'callops.lock');
    expect('error' in read && read.error.message).toContain(message);
    expect('error' in read && read.error.line).toBe(10);
  });

  it.each([
    { ...completed, sip_status: 99 },
    { ...completed, sip_status: 700 },
    { ...completed, sip_status: 1e21 },
    { ...completed, duration: 2 ** 53 },
  ])('reads an outcome callops no longer records but once may have: %j', (outcome) => {
    // Whole numbers out of range: refused when recorded (checkOutcome, strict), still read,
    // so that a lockfile an earlier release wrote stays readable.
    const text = JSON.stringify({
      lockfileVersion: 1,
      calls: { 'p/a': { ...entry({ status: 'placed', sid: SID }), outcome } },
    });
    const read = parseLockfile(text, 'callops.lock');
    expect('lock' in read && read.lock.calls['p/a']?.outcome).toEqual(outcome);
    expect(checkOutcome(outcome, true)).toMatch(/must be a (SIP status|whole number)/);
    expect(withOutcome(placedLock(), 'p/a', outcome)).toEqual(placedLock());
  });

  it('refuses an outcome on an entry that is not placed', () => {
    const text = JSON.stringify({
      lockfileVersion: 1,
      calls: { 'p/a': { ...entry({ status: 'unknown' }), outcome: completed } },
    });
    const read = parseLockfile(text, 'callops.lock');
    expect('error' in read && read.error.message).toContain('only a placed entry has an outcome');
  });
});
