import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../validate/diagnostic.js';
import { summaryOf } from './calls-summary.js';
import { escapePointer, positionOf, scanJson } from './json-scan.js';
import { sharedSids } from './sids.js';
import type { LockEntry, Lockfile } from './types.js';

/** Two entries of the lockfile that hold one sid, in the lockfile's order. */
export interface SharedSid {
  readonly sid: string;
  readonly first: string;
  readonly second: string;
}

/** The first sid two entries of `lock` hold (sids compare without regard to case). */
export const firstSharedSid = (lock: Lockfile): SharedSid | undefined => {
  const entries = Object.entries(lock.calls) as [string, LockEntry][];
  const shared = sharedSids(entries);
  if (shared.size === 0) return undefined;
  const seen = new Map<string, string>();
  for (const [key, entry] of entries) {
    const sid = entry.sid?.toLowerCase();
    if (sid === undefined || !shared.has(sid)) continue;
    const first = seen.get(sid);
    if (first !== undefined) return { sid: entry.sid as string, first, second: key };
    seen.set(sid, key);
  }
  return undefined;
};

/**
 * One call has one sid, and callops keeps it so (a 201 whose sid another key holds is
 * recorded unknown): two entries holding one sid were edited by hand or merged in wrongly,
 * or written before callops refused a sid twice. Which call the sid is of cannot be told:
 * neither takes an outcome (see execute/observe.ts), and the real sid of one may be lost.
 * A warning, located at the second entry's sid and naming both keys; undefined when every
 * sid is an entry's own. Not an error: such older lockfiles stay readable, as they were.
 * (With `.callops/` at hand, an entry whose sid differs from the one recorded there is
 * refused before this is asked: see written.ts.)
 *
 * A lockfile read through the index (still as callops wrote it) is not looked at: reading
 * every entry would undo what the index saves.
 */
export const sharedSidWarning = async (
  lock: Lockfile,
  lockPath: string,
  lockName: string,
): Promise<Diagnostic | undefined> => {
  if (summaryOf(lock.calls) !== undefined) return undefined;
  const shared = firstSharedSid(lock);
  if (shared === undefined) return undefined;
  // Only now is the text scanned, for where the two entries are.
  const pointer = `/calls/${escapePointer(shared.second)}/sid`;
  let line = 0;
  let column = 0;
  let firstLine = '';
  try {
    const text = (await readFile(lockPath, 'utf8')).replace(/^\uFEFF/, '');
    const scan = scanJson(text);
    if (scan.ok) {
      const second = scan.keys.get(pointer);
      const first = scan.keys.get(`/calls/${escapePointer(shared.first)}/sid`);
      if (second !== undefined) ({ line, column } = positionOf(text, second));
      if (first !== undefined) firstLine = ` (line ${positionOf(text, first).line})`;
    }
  } catch {
    // Unreadable now: named without a place.
  }
  return {
    file: lockName,
    line,
    column,
    path: pointer,
    severity: 'warning',
    message: `${JSON.stringify(shared.second)} holds the sid ${shared.sid}, which ${JSON.stringify(shared.first)}${firstLine} holds too — one call has one sid, so neither takes an outcome (status --refresh, apply --wait, run, receive). If one of them was edited by hand or merged in wrongly, restore its sid from git (\`git log -p ${lockName}\`) or from the gateway's records; a lockfile written before callops refused a sid twice may hold two such entries as the gateway answered them`,
  };
};
