import { describe, expect, it } from 'vitest';
import { keptClaimReason } from '../../src/engine/unsettled-words.js';

describe('a claim the state still holds of a call never sent', () => {
  it('says why it was not sent and gives the command that settles it', () => {
    const error = new Error(
      'the claim of vg/a could not be given up: the state database failed (connect ECONNREFUSED 127.0.0.1:5432)',
    );
    expect(
      keptClaimReason('vg/a', 'interrupted before the request was sent', error, 'postgres'),
    ).toBe(
      'interrupted before the request was sent; never sent, but the claim of vg/a could not be given up: the state database failed (connect ECONNREFUSED 127.0.0.1:5432); the state still holds its claim: once the state database is back, settle it: callops resolve vg/a --not-placed',
    );
  });

  it('names the cause of another store, and never a secret it holds', () => {
    const reason = keptClaimReason(
      'vg/b',
      'do-not-call: complaint (lists/dnc.csv:2)',
      new Error('cannot write the journal .callops/journal.jsonl: token s3cr3t-token refused'),
      'file',
      (t) => t.replaceAll('s3cr3t-token', '***'),
    );
    expect(reason).toBe(
      'do-not-call: complaint (lists/dnc.csv:2); never sent, but its claim could not be given up (cannot write the journal .callops/journal.jsonl: token *** refused); the state still holds its claim: once the state can be written again, settle it: callops resolve vg/b --not-placed',
    );
  });
});
