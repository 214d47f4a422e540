import { summaryOf } from './lock-index.js';
import type { LockEntry, Lockfile } from './types.js';

/** What pruneExpired needs of a call definition: its name and, when recurring, its deadline. */
export interface RetainedCall {
  readonly name: string;
  readonly schedule?: { readonly deadlineMs: number };
}

export interface RetentionInput {
  /** The project's calls (a call no longer defined has no deadline: its slot is used). */
  readonly calls: readonly RetainedCall[];
  readonly now: Date;
  /** `state.keep` in milliseconds (default 30 days). */
  readonly keepMs: number;
}

/** `<target>/<name>@<slot>` → its name and slot; undefined for an unscheduled call's key. */
export const recurringKey = (key: string): { name: string; slotMs: number } | undefined => {
  const at = key.lastIndexOf('@');
  const slash = key.indexOf('/');
  if (at === -1 || slash === -1 || at < slash) return undefined;
  const slotMs = Date.parse(key.slice(at + 1));
  return Number.isNaN(slotMs) ? undefined : { name: key.slice(slash + 1, at), slotMs };
};

/**
 * The lockfile view without the entries of recurring calls whose slot's deadline passed
 * more than `keepMs` ago: such a slot can never be placed again (never late), so its entry
 * only grows the lockfile. Kept always: every `unknown` entry (only a person can settle it)
 * and every unscheduled call's entry (its key has no `@<slot>`; it is what stops the call
 * from being placed twice). Pure; returns `lock` itself when nothing is dropped.
 */
export const pruneExpired = (lock: Lockfile, input: RetentionInput): Lockfile => {
  const deadlines = new Map(input.calls.map((c) => [c.name, c.schedule?.deadlineMs ?? 0]));
  const cutoff = input.now.getTime() - input.keepMs;
  // Read through the index: its earliest slot of each call says whether any entry expired.
  const summary = summaryOf(lock.calls);
  if (summary !== undefined) {
    const names = Object.keys(summary.earliest);
    const expires = (name: string): boolean =>
      (summary.earliest[name] as number) + (deadlines.get(name) ?? 0) < cutoff;
    if (!names.some(expires)) return lock;
  }
  let kept: Record<string, LockEntry> | undefined;
  let index = 0;
  const keys = Object.keys(lock.calls);
  for (const key of keys) {
    const entry = lock.calls[key] as LockEntry;
    const slot = entry.status === 'unknown' ? undefined : recurringKey(key);
    const expired = slot !== undefined && slot.slotMs + (deadlines.get(slot.name) ?? 0) < cutoff;
    if (expired && kept === undefined) {
      // The first dropped entry: copy the ones kept before it, once.
      kept = Object.create(null) as Record<string, LockEntry>;
      for (const before of keys.slice(0, index)) kept[before] = lock.calls[before] as LockEntry;
    }
    if (!expired && kept !== undefined) kept[key] = entry;
    index++;
  }
  return kept === undefined ? lock : { ...lock, calls: kept };
};
