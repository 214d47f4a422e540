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
