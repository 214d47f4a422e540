import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Outcome } from '../execute/outcome.js';
import { ensureStateDir, journalPath, syncDir } from './dir.js';
import { type CommitHold, commitHold } from './failpoint.js';
import { type JournalIo, journalIo } from './journal-io.js';
import { jsonString as str } from './json-text.js';
import type { DefinitionMeta } from './record.js';

export { clearJournal, INTERRUPTED, recoverJournal, replayJournal } from './replay.js';

/** Written before a request leaves: "this placement is about to be attempted". */
export interface IntentRecord extends DefinitionMeta {
  readonly key: string;
  readonly target: string;
  /** 1 for the first HTTP attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** ISO-8601 UTC; the journal's clock when omitted. */
  readonly at?: string;
}

export interface Journal {
  readonly runId: string;
  readonly path: string;
  /** Resolves once the intent is durably on disk: only then may the request be sent. */
  intent(record: IntentRecord): Promise<void>;
  /** Resolves once the outcome is durably on disk. */
  outcome(outcome: Outcome & DefinitionMeta): Promise<void>;
  /** Waits for pending lines, then closes the file. */
  close(): Promise<void>;
}

export interface JournalOptions {
  readonly runId?: string;
  readonly clock?: () => Date;
  /**
   * Makes appended bytes durable (default: fdatasync). Every call of it commits one batch,
   * so wrapping it shows how lines are grouped.
   */
  readonly datasync?: (handle: FileHandle) => Promise<void>;
  /**
   * Test failpoint (default: read from CALLOPS_FAILPOINT_HOLD_SYNC once, here; see
   * ./failpoint.ts): awaited after a batch holding an intent is written and before its
   * fdatasync. Unset, it costs nothing per line or batch.
   */
  readonly holdSync?: CommitHold;
  /**
   * Writes and cuts the file (default: read from CALLOPS_FAILPOINT_JOURNAL_ROOM once, here;
   * see ./journal-io.ts).
   */
  readonly io?: JournalIo;
  /** Aborts a held fdatasync (the batch then fails, and its requests are never sent). */
  readonly signal?: AbortSignal;
  /**
   * Asked after each commit that holds intents, once they are durable and before they
   * resolve: an error it returns rejects those intents (their requests never leave), while
   * the lines stay written and the journal goes on. The file store asks here whether its run
   * lock is still its own, so that no claim is released once another run may have taken it.
   */
  readonly beforeRelease?: () => Error | undefined;
}

/** A write or fsync of the journal failed (a full disk, say): nothing more can be sent. */
export class JournalWriteError extends Error {
  override readonly name = 'JournalWriteError';
  constructor(
    readonly path: string,
    /** The system error code, e.g. ENOSPC, when there is one. */
    readonly code: string | undefined,
    cause: unknown,
    /**
     * Why the failed batch could not be cut off the file, if it could not: some of its lines
     * may be there then (an intent claims its call, an outcome records it), though their
     * promises were rejected. Only the batch's own promises get it.
     */
    readonly uncut?: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`the journal ${path} could not be written (${why})`, { cause });
  }
}

interface Pending {
  readonly line: string;
  readonly intent: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** Room the journal claims ahead of its lines: at least this much … */
const AHEAD_MIN = 64 * 1024;
/** … and at most this much at a time (doubling with the journal's size in between). */
const AHEAD_MAX = 1024 * 1024;

/** Writes all of `buffer` at `position` (a short write goes on where it stopped). */
const writeAt = (io: JournalIo, fd: number, buffer: Buffer, position: number): void => {
  for (let offset = 0; offset < buffer.length; ) {
    offset += io.write(fd, buffer, offset, buffer.length - offset, position + offset);
  }
};

/**
 * Writes `zeros` at `position`; returns how many bytes of room that claimed (none when the
 * disk refused them). Claiming room is only a saving: on a full disk the lines go out as they
 * would without it (and fail there, or fit in the zeros already written).
 */
const claim = (io: JournalIo, fd: number, zeros: Buffer, position: number): number => {
  try {
    writeAt(io, fd, zeros, position);
    return zeros.length;
  } catch {
    // ENOSPC, EFBIG, EDQUOT …: the batch's own write says what is wrong, if anything is. Zeros
    // written before the failure and not counted are no record either (replay skips them).
    return 0;
  }
};

/**
 * Where the journal's lines end: the file's size less the zeros of room claimed ahead and
 * not yet written (a run that crashed leaves them).
 */
const contentEnd = async (handle: FileHandle, size: number): Promise<number> => {
  const block = Buffer.alloc(Math.min(size, AHEAD_MAX));
  let end = size;
  while (end > 0) {
    const from = Math.max(0, end - block.length);
    const { bytesRead } = await handle.read(block, 0, end - from, from);
    let i = bytesRead;
    while (i > 0 && block[i - 1] === 0) i--;
    if (i > 0) return from + i;
    end = from;
  }
  return 0;
};

/**
 * The journal's file: lines written in place over zeros the file already holds. An
 * fdatasync after appending to a file must also commit the file's new size (a journal
 * commit of the file system); after writing over bytes the file already has, only the data.
 * So the file claims room ahead, AHEAD_MIN to AHEAD_MAX bytes of zeros written with the
 * batch that needs them (its one fdatasync covers both), and its lines go over them: most
 * batches then change no size. Zeros after the last line are no record (replay skips
 * them), and close cuts them off.
 *
 * A batch is written at once, on this thread: a write into the page cache takes
 * microseconds, less than a round trip through the thread pool. Only the fdatasync that
 * follows waits for the disk, off the thread.
 */
const journalFile = (io: JournalIo, handle: FileHandle, size: number, end: number) => {
  let room = size;
  return {
    /** Where the next line goes. */
    end: (): number => end,
    write(text: string): void {
      const buffer = Buffer.from(text, 'utf8');
      if (end + buffer.length > room) {
        const ahead = Math.min(AHEAD_MAX, Math.max(AHEAD_MIN, end));
        const zeros = Buffer.alloc(end + buffer.length - room + ahead);
        room += claim(io, handle.fd, zeros, room);
      }
      writeAt(io, handle.fd, buffer, end);
      end += buffer.length;
      room = Math.max(room, end);
    },
    /**
     * Cuts the file back to `at`, durably: the lines of a batch that failed are gone then, as
     * the run reports them. Cutting frees room, so it works on a full disk too.
     */
    cutTo: async (at: number): Promise<void> => {
      await io.cut(handle, at);
      end = at;
      room = at;
    },
    /** Cuts off the room claimed and not used (zeros left there are harmless: no record). */
    trim: async (): Promise<void> => {
      if (room > end) await handle.truncate(end).catch(() => undefined);
    },
  };
};

/** `,"name":value` for a field JSON.stringify writes (left out when undefined). */
const optStr = (name: string, value: string | undefined): string =>
  value === undefined ? '' : `,"${name}":${str(value)}`;
const optNum = (name: string, value: number | undefined): string =>
  value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`;

/**
 * The journal's lines, built field by field: the text JSON.stringify gives for the same
 * record (same fields, same order), without walking a fresh object per line.
 */
export const intentLine = (run: string, at: string, r: IntentRecord): string =>
  `{"type":"intent","run":${run},"at":${str(at)},"key":${str(r.key)},"target":${str(r.target)},"attempt":${JSON.stringify(r.attempt)},"definition":${str(r.definition)},"file":${str(r.file)}${optStr('number', r.number)}${optStr('gateway', r.gateway)}${r.replace === true ? ',"replace":true' : ''}}\n`;

export const outcomeLine = (run: string, o: Outcome & DefinitionMeta): string =>
  `{"type":"outcome","run":${run},"at":${str(o.at)},"key":${str(o.key)},"status":${str(o.status)}${optStr('sid', o.sid)}${optStr('callId', o.callId)}${optNum('httpStatus', o.httpStatus)}${optStr('message', o.message)}${optNum('attempts', o.attempts)},"definition":${str(o.definition)},"file":${str(o.file)}${optStr('number', o.number)}${optStr('gateway', o.gateway)}${o.replace === true ? ',"replace":true' : ''}}\n`;

/**
 * Open (or create) `.callops/journal.jsonl` for appending. Lines carry only keys,
 * definition hashes, file names, targets and outcome fields: never request bodies or
 * resolved values, so no secret can reach the journal.
 *
 * Group commit: the first line queued while the journal is idle is written at the end
 * of the current microtask turn; lines queued while a write+fdatasync is in progress wait
 * and go out together in the next single write+fdatasync. Each promise resolves only after
 * the fdatasync that covers its line has returned (and, for an intent, after
 * `beforeRelease` let it go). After a failed write or sync the journal refuses every later
 * line, because what reached the disk is then unknown.
 *
 * Test failpoint: with CALLOPS_FAILPOINT_HOLD_SYNC=<path> set when the journal opens, each
 * batch holding an intent is written, then waits until `<path>` exists before its fdatasync
 * (`<path>.reached` gets a line when it starts waiting). Unset, it does nothing: the variable
 * is read once, here, never per line.
 */
export const openJournal = async (
  stateDir: string,
  options: JournalOptions = {},
): Promise<Journal> => {
  await ensureStateDir(stateDir);
  const path = journalPath(stateDir);
  const datasync = options.datasync ?? ((h: FileHandle) => h.datasync());
  const clock = options.clock ?? (() => new Date());
  const runId = options.runId ?? randomUUID();
  const holdSync = options.holdSync ?? commitHold();
  const io = options.io ?? journalIo();
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT);
  let file: ReturnType<typeof journalFile>;
  try {
    // A journal left by a crash may end in a torn line; start ours on a fresh line so the
    // torn bytes never merge with a complete intent.
    const { size } = await handle.stat();
    const end = await contentEnd(handle, size);
    file = journalFile(io, handle, size, end);
    if (end > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, end - 1);
      if (last[0] !== 0x0a) {
        file.write('\n');
        await datasync(handle);
      }
    }
    await syncDir(stateDir);
  } catch (error) {
    await handle.close();
    throw error;
  }

  let queue: Pending[] = [];
  let running: Promise<void> | undefined;
  let broken: Error | undefined;
  let closed = false;

  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const start = file.end();
      try {
        file.write(batch.map((p) => p.line).join(''));
        const intents = batch.some((p) => p.intent);
        if (holdSync && intents) await holdSync(options.signal);
        await datasync(handle);
        // After the commit: a run that takes the lock from now on reads these intents.
        const refused = intents ? options.beforeRelease?.() : undefined;
        for (const pending of batch) {
          if (refused !== undefined && pending.intent) pending.reject(refused);
          else pending.resolve();
        }
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        // A write stopped by a full disk leaves some of the batch's lines whole in the file,
        // which the next command would read as recorded, while every promise of the batch is
        // rejected here: cut back to where the batch started, the file holds what the run
        // reports. When even that fails, the batch's lines may be there or not.
        const uncut = await file.cutTo(start).then(
          () => undefined,
          (cutError: unknown) => cutError ?? new Error('the journal could not be cut'),
        );
        const system = typeof code === 'string' ? code : undefined;
        broken = new JournalWriteError(path, system, error);
        const failed =
          uncut === undefined ? broken : new JournalWriteError(path, system, error, uncut);
        for (const pending of batch) pending.reject(failed);
        for (const pending of queue) pending.reject(broken);
        queue = [];
      }
    }
    running = undefined;
  };

  const append = (line: string, intent: boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (broken) return reject(broken);
      if (closed) return reject(new Error(`the journal ${path} is closed`));
      queue.push({ line, intent, resolve, reject });
      running ??= Promise.resolve().then(drain);
    });
  const run = str(runId);

  return {
    runId,
    path,
    intent: (r) => append(intentLine(run, r.at ?? clock().toISOString(), r), true),
    outcome: (o) => append(outcomeLine(run, o), false),
    close: async () => {
      if (closed) return;
      closed = true;
      while (running) await running;
      if (broken === undefined) await file.trim();
      await handle.close();
    },
  };
};
