import { access, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrorCode, replaceWhole, syncDir } from './dir.js';

/**
 * How a receiver learns that another command recorded what its spool holds (./received.ts).
 * On the file store a `run` holds the run lock for its whole life, so a `receive` beside it
 * cannot record: `run` records the spool at each wake. It then writes, beside the spool
 * `received.<pid>.<hex>.jsonl`, an acknowledgement `received.<pid>.<hex>.ack`:
 * `{"upTo":N,"except":[sid…]}`: every status line numbered N or less in the spool as it read
 * it is recorded, but those of the sids listed (no placed entry held them). The receiver,
 * which numbers its lines, drops each call whose latest status is so acknowledged from what
 * waits, and its spool then leaves it out when it is next rewritten.
 *
 * The invariant: an acknowledgement claims only what is durable. It is written once the
 * recorder's record is (persist has returned), to a temp file fsynced and renamed over the
 * last one, so a crash leaves the older acknowledgement or the newer, each whole. Each says
 * only what its writer recorded: one written late over a newer one (two recorders on
 * PostgreSQL) claims less, never more, and what no acknowledgement claims stays waiting and
 * in the spool, recorded again later (which changes nothing when it was recorded already).
 */

export interface ReceivedAck {
  /** The highest line number read: every line numbered up to it is recorded… */
  readonly upTo: number;
  /** …but for the statuses of these calls (no placed entry held their sid). */
  readonly except: readonly string[];
}

const ACK_NAME = /^received\.\d+\.[0-9a-f]{12}\.ack$/;

/** The acknowledgement beside a spool. */
export const ackPath = (spoolPath: string): string => spoolPath.replace(/\.jsonl$/, '.ack');

const spoolOf = (ack: string): string => ack.replace(/\.ack$/, '.jsonl');

/**
 * What a recorder can acknowledge of `statuses` (a spool, as it read it), `recorded` telling
 * the sids it recorded; undefined when no line is numbered (a spool of an older receiver).
 */
export const ackOf = (
  statuses: readonly { readonly sid: string; readonly n?: number }[],
  recorded: (sid: string) => boolean,
): ReceivedAck | undefined => {
  let upTo = 0;
  const except = new Set<string>();
  for (const { sid, n } of statuses) {
    if (n === undefined) continue;
    upTo = Math.max(upTo, n);
    if (!recorded(sid)) except.add(sid);
  }
  return upTo === 0 ? undefined : { upTo, except: [...except].sort() };
};

const isLineNumber = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n > 0;

/** The acknowledgement of the spool at `spoolPath`; undefined when there is none (or unreadable). */
export const readAck = async (spoolPath: string): Promise<ReceivedAck | undefined> => {
  try {
    const raw = JSON.parse(await readFile(ackPath(spoolPath), 'utf8')) as Record<string, unknown>;
    const { upTo, except } = raw;
    if (!isLineNumber(upTo) || !Array.isArray(except)) return undefined;
    if (!except.every((sid) => typeof sid === 'string')) return undefined;
    return { upTo, except: except as string[] };
  } catch {
    return undefined;
  }
};

export const sameAck = (a: ReceivedAck | undefined, b: ReceivedAck): boolean =>
  a !== undefined &&
  a.upTo === b.upTo &&
  a.except.length === b.except.length &&
  a.except.every((sid, i) => sid === b.except[i]);

/**
 * Writes the acknowledgement of the spool at `spoolPath` whole: a temp file, fsynced, renamed
 * over the last one, the folder fsynced. Call it only once what it claims is durable.
 */
export const writeAck = async (spoolPath: string, ack: ReceivedAck): Promise<void> => {
  const path = ackPath(spoolPath);
  await replaceWhole(path, `${JSON.stringify({ upTo: ack.upTo, except: ack.except })}\n`);
  await syncDir(dirname(path));
};

const unlinkIfThere = (path: string): Promise<void> =>
  unlink(path).catch((error: unknown) => {
    if (!isErrorCode(error, 'ENOENT')) throw error;
  });

/** Removes the acknowledgement of a spool that is removed (or about to be). */
export const removeAck = (spoolPath: string): Promise<void> => unlinkIfThere(ackPath(spoolPath));

/**
 * Removes acknowledgements whose spool is gone: written by a recorder just after the receiver
 * removed its spool on stopping. A spool never comes back once removed, so this is safe
 * beside a recorder writing one. Never fails: what cannot be removed stays.
 */
export const sweepAcks = async (stateDir: string): Promise<void> => {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => ACK_NAME.test(n))) {
    const path = join(stateDir, name);
    const spool = await access(spoolOf(path)).then(
      () => true,
      (error: unknown) => !isErrorCode(error, 'ENOENT'),
    );
    if (!spool) await unlinkIfThere(path).catch(() => undefined);
  }
};
