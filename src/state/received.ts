import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureStateDir, isErrorCode, replaceWhole, syncDir } from './dir.js';
import { jsonString as str } from './json-text.js';
import { checkOutcome, cleanOutcome, withOutcomes } from './outcome.js';
import { ownStart } from './process-start.js';
import {
  ackOf,
  type ReceivedAck,
  readAck,
  removeAck,
  sameAck,
  sweepAcks,
  writeAck,
} from './received-ack.js';
import { holderIn, livenessOf, type RunLockHolder } from './runlock.js';
import { keysOfSids } from './sids.js';
import type { Observation } from './store.js';
import type { CallOutcome, Lockfile } from './types.js';

/**
 * What `callops receive` answered 204 for and has not recorded yet, kept on disk: each
 * receiver appends every status it accepts to a spool of its own,
 * `.callops/received.<pid>.<hex>.jsonl`, and answers 204 only once the fdatasync covering
 * that line has returned. A status leaves the spool only once it is recorded (or dropped as
 * a status of a call no entry holds): the receiver rewrites its spool with what it still
 * holds. So a receiver stopped, killed or crashed while it could not record (another run
 * held the lock, a database was down) loses nothing it answered 204 for: every command that
 * takes the run lock records what the spools hold, and removes those whose receiver is gone;
 * a receiver starting takes over those of receivers that are gone. Recording a status twice
 * changes nothing (withOutcome), so a spool read while its receiver records it is harmless.
 * A command that records the spool of a receiver still running tells it so once that record
 * is durable (./received-ack.ts): the receiver then stops counting those statuses as waiting
 * and leaves them out of its spool.
 *
 * The first line names the receiver (as the run lock names its holder), the others are
 * `{"sid":…,"at":…,"n":…,"outcome":{…}}`: a call sid (a UUID holding no secret: receive
 * refuses the others), when it came, the line's number (see ReceivedStatus), and the
 * outcome. A line that is not one (cut short by a crash before its fdatasync: never answered
 * 204) is skipped.
 */

/** A status a receiver accepted: the call's sid, when it came (ISO-8601), its outcome. */
export interface ReceivedStatus {
  readonly sid: string;
  readonly at: string;
  /**
   * Its number in its receiver's spool, from 1, never reused there: an acknowledgement
   * (./received-ack.ts) names the lines it covers by it. A spool rewritten keeps each call's
   * latest number. Absent in spools of older receivers.
   */
  readonly n?: number;
  /**
   * What the status names as its call's destination (addressKey: digests, never the
   * number): a status of a sid to another number than its entry dialled is not recorded on
   * it. Absent when it names none, and in spools of older receivers.
   */
  readonly number?: string;
  readonly outcome: CallOutcome;
}

const SPOOL_NAME = /^received\.\d+\.[0-9a-f]{12}\.jsonl$/;

/** A receiver's spool as read: whose it is, and the statuses it holds, in their order. */
export interface ReceivedSpoolFile {
  readonly path: string;
  /** The receiver that writes it, when its first line names one. */
  readonly owner?: RunLockHolder;
  /** Its receiver is certainly gone (its process, on this host, ended): the file may go. */
  readonly gone: boolean;
  readonly statuses: readonly ReceivedStatus[];
}

const statusLine = (s: ReceivedStatus): string =>
  `{"sid":${str(s.sid)},"at":${str(s.at)},${s.n === undefined ? '' : `"n":${s.n},`}${s.number === undefined ? '' : `"number":${str(s.number)},`}"outcome":${JSON.stringify(cleanOutcome(s.outcome))}}\n`;

const statusIn = (line: string): ReceivedStatus | undefined => {
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    const { sid, at, n, number, outcome } = raw;
    if (typeof sid !== 'string' || sid === '' || typeof at !== 'string') return undefined;
    if (checkOutcome(outcome, true) !== undefined) return undefined;
    const numbered = typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
    return {
      sid,
      at,
      ...(numbered && { n }),
      ...(typeof number === 'string' && { number }),
      outcome: outcome as CallOutcome,
    };
  } catch {
    return undefined;
  }
};

const isMine = (owner: RunLockHolder | undefined): boolean =>
  owner !== undefined && owner.pid === process.pid && owner.host === hostname();

/**
 * The spools in `stateDir` of other processes (a receiver never reads its own: it records
 * what it holds itself). A file that cannot be read is left out, and stays.
 */
export const readReceived = async (stateDir: string): Promise<ReceivedSpoolFile[]> => {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return [];
  }
  const spools: ReceivedSpoolFile[] = [];
  for (const name of names.filter((n) => SPOOL_NAME.test(n)).sort()) {
    const path = join(stateDir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const [first = '', ...rest] = text.split('\n');
    const owner = holderIn(first);
    if (isMine(owner)) continue;
    const statuses = rest.flatMap((line) => {
      const status = line === '' ? undefined : statusIn(line);
      return status === undefined ? [] : [status];
    });
    spools.push({
      path,
      ...(owner === undefined ? {} : { owner }),
      gone: owner !== undefined && livenessOf(owner) === 'gone',
      statuses,
    });
  }
  return spools;
};

/**
 * The observations the spools' statuses make of `lock`, in the order they came: each on the
 * placed entry holding its sid (none when no entry, or several, hold it: see keysOfSids).
 */
export const receivedObservations = (
  lock: Lockfile,
  spools: readonly ReceivedSpoolFile[],
): Observation[] => observationsOf(spools, keysOfSpools(lock, spools));

/** What the spools' statuses name as each call's destination (ReceivedStatus's `number`). */
const numbersOf = (spools: readonly ReceivedSpoolFile[]): ReadonlyMap<string, string> =>
  new Map(
    spools.flatMap((spool) =>
      spool.statuses.flatMap((s) => (s.number === undefined ? [] : [[s.sid, s.number] as const])),
    ),
  );

/** The placed entry of each sid the spools hold a status of (keysOfSids). */
const keysOfSpools = (
  lock: Lockfile,
  spools: readonly ReceivedSpoolFile[],
): ReadonlyMap<string, string> => {
  const sids = new Set(spools.flatMap((s) => s.statuses.map((status) => status.sid)));
  return sids.size === 0 ? new Map() : keysOfSids(lock, [...sids], numbersOf(spools)).keys;
};

const observationsOf = (
  spools: readonly ReceivedSpoolFile[],
  keys: ReadonlyMap<string, string>,
): Observation[] =>
  spools.flatMap((spool) =>
    spool.statuses.flatMap((s) => {
      const key = keys.get(s.sid);
      return key === undefined ? [] : [{ key, outcome: s.outcome }];
    }),
  );

/** `lock` with what the spools hold, in memory (a command that only reads the state). */
export const withReceived = (lock: Lockfile, spools: readonly ReceivedSpoolFile[]): Lockfile =>
  spools.length === 0 ? lock : withOutcomes(lock, receivedObservations(lock, spools)).lock;

/** Remove spools (of receivers that are gone), once what they held is recorded. */
export const removeReceived = async (
  stateDir: string,
  spools: readonly ReceivedSpoolFile[],
): Promise<void> => {
  if (spools.length === 0) return;
  for (const spool of spools) {
    await unlink(spool.path).catch((error: unknown) => {
      if (!isErrorCode(error, 'ENOENT')) throw error;
    });
    await removeAck(spool.path);
  }
  await syncDir(stateDir);
};

/**
 * Record what the spools of other receivers hold, through a store holding its run lock:
 * `observe` then `persist` (durable), and only then are the spools of receivers that are gone
 * removed, and those of receivers still running acknowledged (./received-ack.ts). Gives how
 * many entries changed.
 */
export const recordReceived = async (
  stateDir: string,
  store: {
    readonly view: () => Promise<Lockfile>;
    readonly observe: (updates: readonly Observation[]) => Promise<readonly string[]>;
    readonly persist: () => Promise<void>;
  },
): Promise<number> => {
  const spools = await readReceived(stateDir);
  if (spools.length === 0) {
    await sweepAcks(stateDir);
    return 0;
  }
  const keys = keysOfSpools(await store.view(), spools);
  const updates = observationsOf(spools, keys);
  const changed = updates.length === 0 ? [] : await store.observe(updates);
  const acks = await acksToWrite(spools, keys);
  // An entry the view held already may not be on disk yet: durable before it is claimed.
  if (changed.length > 0 || acks.length > 0) await store.persist();
  await removeReceived(
    stateDir,
    spools.filter((s) => s.gone),
  );
  // Telling a receiver is worth a try, no more: one not told counts those statuses as waiting,
  // and keeps them in its spool, as it would without acknowledgements.
  for (const { path, ack } of acks) await writeAck(path, ack).catch(() => undefined);
  await sweepAcks(stateDir);
  return changed.length;
};

/** The acknowledgements the spools of running receivers are owed (not those they have). */
const acksToWrite = async (
  spools: readonly ReceivedSpoolFile[],
  keys: ReadonlyMap<string, string>,
): Promise<{ readonly path: string; readonly ack: ReceivedAck }[]> => {
  const owed: { path: string; ack: ReceivedAck }[] = [];
  for (const spool of spools.filter((s) => !s.gone)) {
    const ack = ackOf(spool.statuses, (sid) => keys.has(sid));
    if (ack !== undefined && !sameAck(await readAck(spool.path), ack))
      owed.push({ path: spool.path, ack });
  }
  return owed;
};

/** A receiver's own spool (see the module's comment). */
export interface ReceivedSpool {
  readonly path: string;
  /**
   * Appends `status`; resolves once it is durable. `pending` gives every status not recorded
   * yet (this one among them): after a failed write the spool is written again whole from
   * it, since what reached the disk is then unknown.
   */
  append(status: ReceivedStatus, pending: () => readonly ReceivedStatus[]): Promise<void>;
  /**
   * Rewrites the spool with `pending()`, read when the rewrite starts, once the spool holds
   * nothing else worth keeping: nothing is pending, or the lines recorded already are many
   * more than those pending. `force`: in any case.
   */
  compact(pending: () => readonly ReceivedStatus[], force?: boolean): Promise<void>;
  /** What a command that recorded this spool acknowledged of it, if any (./received-ack.ts). */
  acked(): Promise<ReceivedAck | undefined>;
  /** Waits for pending writes and closes the file, which stays. */
  close(): Promise<void>;
  /** Closes and removes the file: everything it held is recorded. */
  remove(): Promise<void>;
}

/** Lines recorded already that a spool keeps before it is rewritten, beyond twice those pending. */
const COMPACT_SLACK = 64;

interface Op {
  /** A line to append; undefined: a rewrite. */
  readonly line?: string;
  readonly pending: () => readonly ReceivedStatus[];
  readonly force?: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const writeAll = async (handle: FileHandle, text: string): Promise<void> => {
  const buffer = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < buffer.length; ) {
    offset += (await handle.write(buffer, offset, buffer.length - offset)).bytesWritten;
  }
};

/**
 * Create this receiver's spool in `stateDir`. Appends are committed in groups (one write and
 * one fdatasync for the lines queued meanwhile), rewrites in turn with them: a temp file
 * written and fsynced, renamed over the spool.
 */
export const openReceivedSpool = async (
  stateDir: string,
  now: () => Date = () => new Date(),
): Promise<ReceivedSpool> => {
  await ensureStateDir(stateDir);
  const path = join(stateDir, `received.${process.pid}.${randomBytes(6).toString('hex')}.jsonl`);
  const owner: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    since: now().toISOString(),
    command: 'callops receive',
    ...ownStart(),
  };
  const header = `${JSON.stringify(owner)}\n`;
  let handle: FileHandle | undefined;
  /** Status lines in the file. */
  let lines = 0;
  /** A write failed: what the file holds is unknown until it is written again whole. */
  let broken = false;

  const rewrite = async (statuses: readonly ReceivedStatus[]): Promise<void> => {
    broken = true;
    await replaceWhole(path, header + statuses.map(statusLine).join(''));
    await syncDir(stateDir);
    const next = await open(path, 'a');
    await handle?.close().catch(() => undefined);
    handle = next;
    lines = statuses.length;
    broken = false;
  };

  const worth = (pending: readonly ReceivedStatus[]): boolean =>
    pending.length === 0 ? lines > 0 : lines >= 2 * pending.length + COMPACT_SLACK;

  let ops: Op[] = [];
  let running: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    while (ops.length > 0) {
      const first = ops[0] as Op;
      let count = 1;
      if (first.line !== undefined) {
        while (ops[count]?.line !== undefined) count++;
      }
      const batch = ops.slice(0, count);
      ops = ops.slice(count);
      try {
        if (first.line === undefined) {
          const pending = first.pending();
          if (pending.length === 0 && !broken && handle !== undefined && lines > 0) {
            // Everything recorded: cut back to the first line, one fdatasync.
            broken = true;
            await handle.truncate(Buffer.byteLength(header));
            await handle.datasync();
            lines = 0;
            broken = false;
          } else if (broken || first.force === true || worth(pending)) await rewrite(pending);
        } else if (broken || handle === undefined) {
          await rewrite((batch.at(-1) ?? first).pending());
        } else {
          await writeAll(handle, batch.map((op) => op.line).join(''));
          await handle.datasync();
          lines += batch.length;
        }
        for (const op of batch) op.resolve();
      } catch (error) {
        broken = true;
        for (const op of batch) op.reject(error);
      }
    }
    running = undefined;
  };
  const queue = (op: Omit<Op, 'resolve' | 'reject'>): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      ops.push({ ...op, resolve, reject });
      running ??= Promise.resolve().then(drain);
    });

  await rewrite([]);
  const close = async (): Promise<void> => {
    while (running) await running;
    await handle?.close().catch(() => undefined);
    handle = undefined;
  };
  return {
    path,
    append: (status, pending) => queue({ line: statusLine(status), pending }),
    compact: (pending, force) => queue({ pending, ...(force === true && { force }) }),
    acked: () => readAck(path),
    close,
    remove: async () => {
      await close();
      await removeReceived(stateDir, [{ path, gone: true, statuses: [] }]);
    },
  };
};
