import { describe, expect, it } from 'vitest';
import { unrecordedOutcomes, worthRecordingAgain } from '../../src/engine/unrecorded.js';
import { keptOutcome, unrecordedOutcome } from '../../src/engine/unsettled-words.js';
import type { Outcome } from '../../src/execute/outcome.js';
import type { DefinitionMeta } from '../../src/state/record.js';
import { NotClaimed, OutcomeJournaled, type StateStore } from '../../src/state/store.js';

const SID = '0eab80db-5f0e-4c1a-9d7e-3b2a1c0d9e8f';

const placed = (key: string): Outcome & DefinitionMeta => ({
  key,
  status: 'placed',
  at: '2026-11-24T10:00:01.000Z',
  sid: SID,
  definition: 'sha256:def',
  file: 'calls/a.yaml',
});

const down = new Error(
  'the outcome of sim/c05 could not be recorded: the state database failed (connect ECONNREFUSED 127.0.0.1:5432)',
);

/** A store whose `record` answers as `answer` says, each call counted. */
const storeAnswering = (answer: (key: string, call: number) => Promise<void>) => {
  const calls = new Map<string, number>();
  const store = {
    backend: 'postgres',
    record: (o: Outcome) => {
      const n = (calls.get(o.key) ?? 0) + 1;
      calls.set(o.key, n);
      return answer(o.key, n);
    },
  } as unknown as StateStore;
  return { store, calls };
};

describe('outcomes a runner keeps until the state takes them', () => {
  it('lets go of those recorded and those refused for good; keeps those the state failed', async () => {
    const kept = unrecordedOutcomes();
    for (const key of ['a', 'b', 'c']) kept.keep(placed(key), down);
    const { store } = storeAnswering(async (key) => {
      if (key === 'b') throw new NotClaimed('b is not claimed by this runner');
      if (key === 'c') throw down;
    });
    const again = await kept.recordAgain(store);
    expect(again.recorded.map((o) => o.key)).toEqual(['a']);
    expect(again.refused.map((k) => k.entry.key)).toEqual(['b']);
    expect(again.error).toBe(down);
    expect(kept.left().map((k) => k.entry.key)).toEqual(['c']);
    expect(kept.size).toBe(1);
  });

  it('as a runner ends, tries again until the state answers, within its bound', async () => {
    const kept = unrecordedOutcomes();
    kept.keep(placed('a'), down);
    const { store, calls } = storeAnswering(async (_, n) => {
      if (n < 2) throw down;
    });
    const again = await kept.recordUntil(store, 5_000);
    expect(again.recorded.map((o) => o.key)).toEqual(['a']);
    expect(calls.get('a')).toBe(2);
    expect(kept.size).toBe(0);
  });

  it('gives up once its bound passed, an answer that never comes included', async () => {
    const kept = unrecordedOutcomes();
    kept.keep(placed('a'), down);
    const { store } = storeAnswering(() => new Promise<void>(() => undefined));
    const again = await kept.recordUntil(store, 300);
    expect(again.recorded).toEqual([]);
    expect(String(again.error)).toContain(
      'the outcome of a could not be recorded: the state database gave no answer within 1 s',
    );
    expect(kept.left().map((k) => k.entry.key)).toEqual(['a']);
  });
});

describe('which outcomes a runner that ends records again', () => {
  it('those the state failed; not those refused for good, nor those the journal holds already', () => {
    expect(worthRecordingAgain(new Error('connection terminated'))).toBe(true);
    expect(worthRecordingAgain(new NotClaimed('sim/a was not claimed by this run'))).toBe(false);
    const unreadable = new Error('callops.lock changed while callops was reading it');
    const journaled = new OutcomeJournaled('callops.lock', '.callops/journal.jsonl', unreadable);
    expect(worthRecordingAgain(journaled)).toBe(false);
  });
});

describe('the line of a call whose outcome is not recorded', () => {
  it('kept by run: what the gateway said, and that run records it; no command to run', () => {
    const o = keptOutcome(placed('sim/c05'), down);
    expect(o.status).toBe('unknown');
    expect(o.sid).toBe(SID);
    expect(o.message).toBe(
      `the gateway placed it (sid ${SID}), but the outcome of sim/c05 could not be recorded: the state database failed (connect ECONNREFUSED 127.0.0.1:5432); run records it once the state database answers again, before it places anything more`,
    );
  });

  it('left unrecorded: it stays unknown, with the command that settles it', () => {
    const o = unrecordedOutcome(placed('sim/c05'), down, 'postgres');
    expect(o.message).toBe(
      `the gateway placed it (sid ${SID}), but the outcome of sim/c05 could not be recorded: the state database failed (connect ECONNREFUSED 127.0.0.1:5432); it stays unknown; once the state database is back, settle it: callops resolve sim/c05 --placed ${SID}`,
    );
  });
});
