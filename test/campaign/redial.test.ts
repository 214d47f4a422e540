import { describe, expect, it } from 'vitest';
import {
  attemptKey,
  NO_REDIAL,
  type RedialPolicy,
  redialAt,
  redialPolicyOf,
  rowProgress,
  splitAttemptKey,
} from '../../src/campaign/redial.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { CallOutcome, LockEntry } from '../../src/state/types.js';

const POLICY: RedialPolicy = {
  on: ['no-answer', 'busy', 'failed'],
  afterMs: 30 * 60_000,
  backoff: 2,
  maxAttempts: 3,
};

const placed = (outcome?: Partial<CallOutcome>, at = '2026-12-01T09:00:00Z'): LockEntry => ({
  status: 'placed',
  sid: 'sid',
  at,
  definition: 'sha256:x',
  file: 'calls/a.yaml',
  ...(outcome === undefined
    ? {}
    : {
        outcome: {
          status: 'no-answer',
          sip_status: 487,
          duration: 0,
          answered: false,
          ended_at: '2026-12-01T09:01:00Z',
          ...outcome,
        },
      }),
});

describe('attempt keys', () => {
  it('the first attempt is the row key, later ones carry #n, and split back', () => {
    expect(attemptKey('sim/rem/17', 1)).toBe('sim/rem/17');
    expect(attemptKey('sim/rem/17', 3)).toBe('sim/rem/17#3');
    expect(splitAttemptKey('sim/rem/17#3')).toEqual({ rowKey: 'sim/rem/17', n: 3 });
    expect(splitAttemptKey('sim/rem/17')).toEqual({ rowKey: 'sim/rem/17', n: 1 });
    expect(splitAttemptKey('sim/rem/a#0')).toEqual({ rowKey: 'sim/rem/a#0', n: 1 });
  });
});

describe('rowProgress', () => {
  it('a row never attempted is first', () => {
    expect(rowProgress([], POLICY)).toEqual({ kind: 'first' });
  });

  it('redials after the wait, growing by the backoff', () => {
    const one = rowProgress([{ entry: placed({}) }], POLICY);
    expect(one).toEqual({ kind: 'redial', n: 2, notBefore: new Date('2026-12-01T09:31:00Z') });
    const two = rowProgress(
      [
        { entry: placed({}) },
        { entry: placed({ status: 'busy', sip_status: 486, ended_at: '2026-12-01T10:00:00Z' }) },
      ],
      POLICY,
    );
    expect(two).toEqual({ kind: 'redial', n: 3, notBefore: new Date('2026-12-01T11:00:00Z') });
  });

  it('never beyond max_attempts', () => {
    const three = [{ entry: placed({}) }, { entry: placed({}) }, { entry: placed({}) }];
    expect(rowProgress(three, POLICY)).toEqual({ kind: 'done', n: 3, result: 'exhausted' });
    expect(rowProgress([{ entry: placed({}) }], NO_REDIAL)).toEqual({
      kind: 'done',
      n: 1,
      result: 'final',
    });
  });

  it('never when the wait ends past the last instant a date holds (never due at once)', () => {
    const huge: RedialPolicy = { ...POLICY, afterMs: 1000, backoff: 1e300 };
    const two = [{ entry: placed({}) }, { entry: placed({}) }];
    expect(rowProgress(two, huge)).toEqual({ kind: 'done', n: 2, result: 'beyond' });
    const ended = Date.parse('2026-12-01T09:01:00Z');
    expect(redialAt(huge, ended, 3)).toBeUndefined();
    expect(redialAt({ ...POLICY, afterMs: 8.64e18, backoff: 1 }, ended, 2)).toBeUndefined();
    expect(
      redialAt({ ...POLICY, afterMs: 1000, backoff: Number.POSITIVE_INFINITY }, ended, 3),
    ).toBe(undefined);
    // A year's wait is a date like any other.
    expect(redialAt({ ...POLICY, afterMs: 366 * 86_400_000, backoff: 1 }, ended, 2)).toEqual(
      new Date('2027-12-02T09:01:00Z'),
    );
  });

  it('an `after` longer than 366d is no policy (validate says so at its place)', () => {
    const policy = (after: string) => redialPolicyOf({ on: ['busy'], after, max_attempts: 2 });
    expect(policy('366d')?.afterMs).toBe(366 * 86_400_000);
    expect(policy('367d')).toBeUndefined();
    expect(policy('100000000d')).toBeUndefined();
  });

  it('never after an answer or a decline', () => {
    expect(
      rowProgress(
        [{ entry: placed({ status: 'completed', answered: true, sip_status: 200 }) }],
        POLICY,
      ),
    ).toEqual({ kind: 'done', n: 1, result: 'answered' });
    // Evidence of an answer whatever the status says: answered, or SIP 200 with time talked.
    for (const evidence of [{ answered: true }, { sip_status: 200, duration: 45 }]) {
      expect(rowProgress([{ entry: placed(evidence) }], POLICY)).toEqual({
        kind: 'done',
        n: 1,
        result: 'answered',
      });
    }
    expect(rowProgress([{ entry: placed({ status: 'failed', sip_status: 603 }) }], POLICY)).toEqual(
      { kind: 'done', n: 1, result: 'declined' },
    );
  });

  it('never after any attempt was answered or declined, though its status came after a later attempt', () => {
    const answered = placed({ status: 'completed', answered: true, sip_status: 200, duration: 42 });
    const declined = placed({ status: 'busy', sip_status: 603 });
    const noAnswer = placed({});
    const refused: LockEntry = { ...placed(), status: 'failed' };
    expect(rowProgress([{ entry: answered }, { entry: noAnswer }], POLICY)).toEqual({
      kind: 'done',
      n: 2,
      result: 'answered',
      by: 1,
    });
    // No retry of a refused request either, and an answer outranks a decline.
    expect(rowProgress([{ entry: answered }, { entry: refused }], POLICY)).toMatchObject({
      kind: 'done',
      result: 'answered',
      by: 1,
    });
    expect(rowProgress([{ entry: declined }, { entry: placed() }], POLICY)).toMatchObject({
      kind: 'done',
      result: 'declined',
      by: 1,
    });
    expect(rowProgress([{ entry: declined }, { entry: answered }], POLICY)).toEqual({
      kind: 'done',
      n: 2,
      result: 'answered',
    });
    // A later attempt still being placed is still pending: its runner records it.
    expect(rowProgress([{ entry: answered }, { inFlight: true }], POLICY)).toMatchObject({
      kind: 'pending',
      why: 'in-flight',
    });
    const claimed: LockEntry = {
      status: 'unknown',
      at: '2026-12-01T10:00:00Z',
      definition: 'sha256:x',
      file: 'calls/a.yaml',
      message: IN_FLIGHT,
    };
    expect(rowProgress([{ entry: answered }, { entry: claimed }], POLICY)).toMatchObject({
      kind: 'pending',
      why: 'in-flight',
    });
    // A later attempt left unknown is never placed again (`--retry-unknown` included): the
    // row is done by the attempt that reached the person.
    const unknown: LockEntry = { ...claimed, message: 'the request timeout of 1 s passed' };
    expect(rowProgress([{ entry: answered }, { entry: unknown }], POLICY)).toEqual({
      kind: 'done',
      n: 2,
      result: 'answered',
      by: 1,
    });
    expect(
      rowProgress([{ entry: declined }, { entry: noAnswer }, { entry: unknown }], POLICY),
    ).toEqual({
      kind: 'done',
      n: 3,
      result: 'declined',
      by: 1,
    });
    // Without an answer or a decline before it, an unknown attempt waits to be settled.
    expect(rowProgress([{ entry: noAnswer }, { entry: unknown }], POLICY)).toEqual({
      kind: 'pending',
      n: 2,
      why: 'unknown',
    });
  });

  it('only on the outcomes the policy names', () => {
    const busyOnly: RedialPolicy = { ...POLICY, on: ['busy'] };
    expect(rowProgress([{ entry: placed({}) }], busyOnly)).toEqual({
      kind: 'done',
      n: 1,
      result: 'final',
    });
  });

  it('never while the latest outcome is not known', () => {
    expect(rowProgress([{ entry: placed() }], POLICY)).toEqual({
      kind: 'pending',
      n: 1,
      why: 'awaiting-outcome',
    });
    expect(rowProgress([{ entry: placed({ status: 'in-progress' }) }], POLICY)).toMatchObject({
      kind: 'pending',
      why: 'in-progress',
    });
    expect(rowProgress([{ entry: { ...placed({}), status: 'unknown' } }], POLICY)).toMatchObject({
      kind: 'pending',
      why: 'unknown',
    });
    expect(rowProgress([{ entry: placed({}) }, { inFlight: true }], POLICY)).toMatchObject({
      kind: 'pending',
      n: 2,
      why: 'in-flight',
    });
  });

  it('a request that failed is tried again under the same key', () => {
    expect(
      rowProgress([{ entry: placed({}) }, { entry: { ...placed(), status: 'failed' } }], POLICY),
    ).toEqual({
      kind: 'retry',
      n: 2,
    });
  });

  it('waits from when the attempt was placed when the gateway says it ended before that (its clock behind ours)', () => {
    // Placed at 09:00 on callops's clock; ended at 08:58 on the gateway's.
    const entry = placed({ ended_at: '2026-12-01T08:58:00Z' });
    expect(rowProgress([{ entry }], POLICY)).toEqual({
      kind: 'redial',
      n: 2,
      notBefore: new Date('2026-12-01T09:30:00Z'),
    });
    // An end after the placement is where the wait starts, as it always was.
    expect(rowProgress([{ entry: placed({ ended_at: '2026-12-01T09:05:00Z' }) }], POLICY)).toEqual({
      kind: 'redial',
      n: 2,
      notBefore: new Date('2026-12-01T09:35:00Z'),
    });
    // A placement time that cannot be read leaves the end alone.
    const unread = { ...placed({ ended_at: '2026-12-01T08:58:00Z' }), at: 'not a time' };
    expect(rowProgress([{ entry: unread }], POLICY)).toEqual({
      kind: 'redial',
      n: 2,
      notBefore: new Date('2026-12-01T09:28:00Z'),
    });
  });

  it('waits from when the attempt was placed when the gateway gave no end time', () => {
    const { ended_at: _, ...noEnd } = placed({}).outcome as CallOutcome;
    const entry: LockEntry = { ...placed(), outcome: noEnd };
    expect(rowProgress([{ entry }], POLICY)).toEqual({
      kind: 'redial',
      n: 2,
      notBefore: new Date('2026-12-01T09:30:00Z'),
    });
  });
});
