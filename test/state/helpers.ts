import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'callops-state-'));
  made.push(dir);
  return dir;
};

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

export const entry = (fields: Partial<LockEntry> = {}): LockEntry => ({
  status: 'failed',
  at: '2026-11-24T10:00:00.000Z',
  definition: 'sha256:abc',
  file: 'calls/welcome.yaml',
  ...fields,
});

export const lockOf = (calls: Record<string, LockEntry>): Lockfile => ({
  lockfileVersion: 1,
  calls,
});

/** The first slot of the per-minute calls the large lockfiles of these tests hold. */
export const SLOTS_START = Date.UTC(2026, 0, 1);

/** The `i`th per-minute slot from SLOTS_START, as keys write it. */
export const slotOf = (i: number): string =>
  new Date(SLOTS_START + i * 60_000).toISOString().replace('.000Z', 'Z');

/** `n` placed per-minute slots of `p/minutely`: a lockfile above INDEX_MIN_BYTES at 6,000. */
export const minutelyEntries = (n: number): Record<string, LockEntry> => {
  const calls: Record<string, LockEntry> = {};
  for (let i = 0; i < n; i++) {
    calls[`p/minutely@${slotOf(i)}`] = entry({
      status: 'placed',
      sid: `sid-${i}`,
      at: slotOf(i),
      file: 'calls/minutely.yaml',
    });
  }
  return calls;
};

/** A final outcome without an answer (SIP 487 after the ring timeout), ended at `endedAt`. */
export const noAnswerOutcome = (endedAt: string) =>
  ({
    status: 'no-answer',
    sip_status: 487,
    duration: 0,
    answered: false,
    ended_at: endedAt,
  }) as const;
