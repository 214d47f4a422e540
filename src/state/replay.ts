import { readFile, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { brokenLink } from '../config/exists.js';
import { type EntryStatus, neverSent, type Outcome } from '../execute/outcome.js';
import { isErrorCode, JOURNAL_FILE, journalPath, syncDir } from './dir.js';
import { forgetIndex } from './lock-index.js';
import { type LockfileWrite, lockfileChanged, writeLockfileAtomic } from './lockfile.js';
import { draftLock } from './record.js';
import { IN_FLIGHT, nothingDone, type StateUse } from './store.js';
import type { Lockfile } from './types.js';
import { systemCode, whyNotWritten } from './write-failure.js';
import { writeCopy } from './written.js';

/**
 * An intent (a claim) with no outcome, left by a run that ended. The state cannot say why:
 * a kill, a crash, or a journal or database it could not write (a full disk: then that run's
 * own output said which of its calls it never sent, and which it placed). So it names no one
 * cause, and says what it means.
 */
export const INTERRUPTED =
  'the run ended before an answer was recorded (interrupted or crashed, or its state could not be written, as on a full disk): the request may have been sent';

export interface ReplayResult {
  readonly lock: Lockfile;
  /** Entries the journal changed, by the status they now have. */
  readonly folded: Readonly<Record<EntryStatus, number>>;
  /** Complete lines that were not journal records (left by a crash mid-write); skipped. */
  readonly ignoredLines: number;
  /** The journal ended in a partial line (a write cut short by a crash); skipped. */
  readonly tornTail: boolean;
  /**
   * The first line that is not a record and cannot be a write cut short (the run that
   * wrote it wrote more after it): the journal is damaged, and which call it recorded
   * cannot be known. Nothing may be sent until a person looks.
   */
  readonly damaged?: Damage;
  /** With `live`: the keys whose intent has no outcome yet (their run is still placing them). */
  readonly inFlight?: ReadonlySet<string>;
}

export interface Damage {
  /** 1-based. */
  readonly line: number;
  /** When the records around it were written, as far as they say. */
  readonly between: readonly [before: string | undefined, after: string | undefined];
}

const STATUSES = new Set<unknown>(['placed', 'failed', 'unknown']);

interface Line {
  readonly type: 'intent' | 'outcome';
  /** The run that wrote it. */
  readonly run?: string;
  readonly key: string;
  readonly at: string;
  readonly definition: string;
  readonly file: string;
  /** The placement is a deliberate replacement (`apply --replace`). */
  readonly replace?: boolean;
  /** The number digest the placement dials (per-number limits). */
  readonly number?: string;
  /** The gateway digest the placement goes to (recordedGateway). */
  readonly gateway?: string;
  readonly outcome?: Outcome;
}

const str = (value: unknown): value is string => typeof value === 'string';
const opt = (value: unknown, kind: 'string' | 'number'): boolean =>
  value === undefined || typeof value === kind;

const parseLine = (text: string): Line | undefined => {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { type, key, at, definition, file } = raw;
  if (!str(key) || !str(at) || !str(definition) || !str(file)) return undefined;
  const replace = {
    ...(typeof raw.run === 'string' && { run: raw.run }),
    ...(raw.replace === true && { replace: true }),
    ...(typeof raw.number === 'string' && { number: raw.number }),
    ...(typeof raw.gateway === 'string' && { gateway: raw.gateway }),
  };
  if (type === 'intent') return { type, key, at, definition, file, ...replace };
  if (type !== 'outcome' || !STATUSES.has(raw.status)) return undefined;
  const { sid, callId, httpStatus, message, attempts } = raw;
  if (!opt(sid, 'string') || !opt(callId, 'string') || !opt(message, 'string')) return undefined;
  if (!opt(httpStatus, 'number') || !opt(attempts, 'number')) return undefined;
  const outcome = { key, at, status: raw.status, sid, callId, httpStatus, message, attempts };
  return { type, key, at, definition, file, ...replace, outcome: outcome as Outcome };
};

/** The journal's text without the zeros of room it claimed ahead and did not use. */
const withoutRoom = (text: string): string => {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return end === text.length ? text : text.slice(0, end);
};

/** How a journal line begins when callops writes it: a line cut short begins so too. */
const RECORD_HEADS = ['{"type":"intent",', '{"type":"outcome",'];

/** Whether `text` can be a line cut short: the start of a record, and not a whole one. */
const mayBeTorn = (text: string): boolean => {
  const head = RECORD_HEADS.some((h) => h.startsWith(text) || text.startsWith(h));
  if (!head || text.includes('\0')) return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
};

/**
 * Fold journal text into a lockfile (pure). An outcome line is recorded; an intent with
 * no outcome after it becomes `unknown`, since its request may have reached the gateway.
 *
 * A partial last line is skipped. That is safe whichever record it was: the journal
 * resolves an intent only after its write+fdatasync completes, and the request leaves only
 * then, so a torn intent is a request that was never sent; a torn outcome leaves its intent
 * without an outcome, so the key becomes `unknown`, never retried without a decision. So is
 * a partial line that a later run wrote after (it starts on a fresh line): its run ended
 * there. Any other line that is not a record — garbage, zeros, a record of no known type,
 * or a partial line its own run wrote more after — is damage: the call it recorded cannot
 * be known, and the result says where (`damaged`).
 */
export const foldJournal = (
  text: string,
  lock: Lockfile,
  options: { readonly live?: boolean } = {},
): ReplayResult => {
  const lines = withoutRoom(text).split('\n');
  const tail = lines.pop() ?? '';
  const open = new Map<string, Line>();
  const folded = { placed: 0, failed: 0, unknown: 0 };
  let ignoredLines = 0;
  let damaged: Damage | undefined;
  /** An unreadable line waiting for the next record to say whether its run went on. */
  let pending: { readonly line: number; readonly torn: boolean } | undefined;
  let last: Line | undefined;
  const records: { outcome: Outcome; meta: Line }[] = [];
  const record = (outcome: Outcome, line: Line): void => {
    records.push({ outcome, meta: line });
  };
  for (const [index, text] of lines.entries()) {
    const line = text.trim() === '' ? undefined : parseLine(text);
    if (line === undefined) {
      if (text.trim() === '') continue;
      ignoredLines++;
      pending ??= { line: index + 1, torn: mayBeTorn(text) };
      continue;
    }
    if (pending !== undefined) {
      const sameRun = last !== undefined && last.run === line.run;
      if (!pending.torn || sameRun)
        damaged ??= { line: pending.line, between: [last?.at, line.at] };
      pending = undefined;
    }
    last = line;
    if (line.outcome === undefined) {
      open.set(line.key, line);
    } else {
      open.delete(line.key);
      // An attempt that never left closes its intent and leaves no entry: still due.
      if (!neverSent(line.outcome)) record(line.outcome, line);
    }
  }
  // Unreadable lines at the end, before a torn tail or none: a run cut short, unless
  // nothing in them could be the start of a record.
  if (pending !== undefined && !pending.torn)
    damaged ??= { line: pending.line, between: [last?.at, undefined] };
  // A run still going (it holds the run lock) is placing its open intents: in flight, not
  // left behind by a crash.
  const message = options.live === true ? IN_FLIGHT : INTERRUPTED;
  for (const line of open.values()) {
    record({ key: line.key, status: 'unknown', at: line.at, message }, line);
  }
  // The lock itself when nothing changes; else one copy of its calls for the whole journal.
  const draft = draftLock(lock);
  for (const { outcome, meta } of records) {
    if (outcome.status !== 'missed' && draft.record(outcome, meta)) folded[outcome.status]++;
  }
  return {
    lock: draft.lock,
    folded,
    ignoredLines,
    tornTail: tail !== '',
    ...(damaged === undefined ? {} : { damaged }),
    ...(options.live === true ? { inFlight: new Set(open.keys()) } : {}),
  };
};

/**
 * What a command refused for its journal did not do: ", so nothing was sent" (or recorded);
 * a command that only reads (plan, status) sends nothing anyway, so it says what does not.
 */
const refusedWords = (use: StateUse): string => {
  const notDone = nothingDone(use);
  return notDone === undefined ? ': apply and run send nothing until then' : `, so ${notDone}`;
};

/** The journal is damaged: a line that is not a record, where no crash could have left one. */
export class JournalDamagedError extends Error {
  constructor(
    readonly file: string,
    readonly damage: Damage,
    use: StateUse = 'send',
  ) {
    const [before, after] = damage.between;
    const when =
      before !== undefined && after !== undefined
        ? ` (the records around it were written at ${before} and ${after})`
        : before !== undefined
          ? ` (the record before it was written at ${before})`
          : '';
    super(
      `${file}:${damage.line}:1: error: not a journal record, and no crash leaves a line like it here: the journal is damaged, and the call this line recorded cannot be known${refusedWords(use)}. Compare the calls the gateway placed then${when} with the lockfile, record any it is missing, then delete the line`,
    );
  }
}

/** Fold `.callops/journal.jsonl` (if any) into `lock`. Reads only; writes nothing. */
export const replayJournal = async (
  stateDir: string,
  lock: Lockfile,
  /** `use`: what the command does, for what a refusal says it did not do (default `send`). */
  options: { readonly live?: boolean; readonly use?: StateUse } = {},
): Promise<ReplayResult> => {
  const use = options.use ?? 'send';
  let text: string;
  try {
    text = await readFile(journalPath(stateDir), 'utf8');
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT')) throw error;
    // A link to a journal that is gone is not "no journal": what it held is unknown.
    const broken = brokenLink(journalPath(stateDir));
    if (broken !== undefined) {
      throw new Error(
        `${join(basename(stateDir), JOURNAL_FILE)}: error: ${broken}: it may hold calls placed and not in the lockfile yet${refusedWords(use)}; restore what it points to`,
      );
    }
    text = '';
  }
  const result = foldJournal(text, lock, options);
  if (result.damaged !== undefined)
    throw new JournalDamagedError(join(basename(stateDir), JOURNAL_FILE), result.damaged, use);
  return result;
};

/**
 * Remove the journal, durably. Only once the lockfile holding its contents is durable: so a
 * journal that cannot be removed (`.callops/` read-only, an immutable flag) loses nothing,
 * and the error says so, naming `lockName`, the lockfile that holds every placement.
 */
export const clearJournal = async (stateDir: string, lockName: string): Promise<void> => {
  try {
    await unlink(journalPath(stateDir));
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return;
    throw journalNotCleared(stateDir, lockName, error);
  }
  await syncDir(stateDir);
};

/**
 * "cannot remove the journal .callops/journal.jsonl: permission denied (EACCES); callops.lock
 * holds every placement …": the lockfile was written first, so nothing is lost, and the
 * journal left behind is folded in again (changing nothing) by the next command.
 */
const journalNotCleared = (stateDir: string, lockName: string, error: unknown): Error =>
  new Error(
    `cannot remove the journal ${join(basename(stateDir), JOURNAL_FILE)}: ${whyNotWritten(systemCode(error), error)}; ${lockName} holds every placement (it is written first), and the journal holds nothing it lacks. Once .callops/ can be written again (its permissions, an immutable flag, room on the disk), the next apply, run, resolve or state pull folds it in, changing nothing, and removes it`,
    { cause: error },
  );

/**
 * Bring the lockfile up to date with a journal left by an earlier run. Call it holding the
 * run lock, before anything else reads or changes the lockfile.
 *
 * The order is what makes it crash-safe:
 *   1. fold the journal into the lock in memory (nothing on disk changes);
 *   2. replace the lockfile atomically (temp file, fsync, rename, fsync of the directory);
 *   3. only then remove the journal (unlink, fsync of the directory).
 * A crash before 2 completes leaves the old lockfile and the whole journal: the next run
 * folds it again. A crash between 2 and 3 leaves the new lockfile and the journal: folding
 * it again changes nothing, because folding is idempotent (`placed` is never replaced, and
 * every other entry ends as the last record for its key, the same each time). Removing the
 * journal first would instead lose intents, and a call that may have been placed would look
 * never attempted and be placed again. `written`: the lockfile written, when it was.
 */
export const recoverJournal = async (
  stateDir: string,
  lockfilePath: string,
  lock: Lockfile,
  use?: StateUse,
): Promise<ReplayResult & { readonly written?: LockfileWrite }> => {
  const result = await replayJournal(stateDir, lock, use === undefined ? {} : { use });
  const changed = lockfileChanged(lock, result.lock);
  if (changed) await forgetIndex(stateDir);
  const written = changed ? await writeLockfileAtomic(lockfilePath, result.lock) : undefined;
  await clearJournal(stateDir, basename(lockfilePath));
  if (changed) await writeCopy(stateDir, result.lock, written, lockfilePath);
  return written === undefined ? result : { ...result, written };
};
