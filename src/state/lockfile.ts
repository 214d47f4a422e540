import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { decodeText, type SizeLimit } from '../config/decode.js';
import { fileProblem } from '../config/diagnostics.js';
import { brokenLink } from '../config/exists.js';
import { formatMiB } from '../config/limits.js';
import { readRegularFile } from '../config/regular-file.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { summaryOf } from './calls-summary.js';
import { isErrorCode, syncDir } from './dir.js';
import { mayHoldDuplicates, positionOf, scanJson } from './json-scan.js';
import { layersOf } from './layered.js';
import { checkLockfileShape, cleanEntry } from './lockfile-shape.js';
import {
  entryText,
  INDEX_LIKE,
  isPlainObject,
  nested,
  sortedCopy,
  sortedEntry,
} from './lockfile-text.js';
import { seesAny } from './spool.js';
import { tempBeside } from './stale-temps.js';
import type { LockEntry, Lockfile } from './types.js';

export { recordOutcome, settleUnknown, summarize } from './record.js';

export const emptyLockfile = (): Lockfile => ({ lockfileVersion: 1, calls: {} });

const FIX = 'fix it or restore it from git';

/**
 * Largest lockfile read (bytes): about 800,000 entries, far above what `state.keep` lets a
 * per-minute schedule grow to (43,200 entries in 30 days), well below V8's string limit.
 */
export const MAX_LOCKFILE_BYTES = 256 * 1024 * 1024;

const LOCKFILE_LIMIT: SizeLimit = {
  maxBytes: MAX_LOCKFILE_BYTES,
  message: (bytes) =>
    `file is ${formatMiB(bytes)}; callops reads lockfiles up to ${MAX_LOCKFILE_BYTES / 1024 / 1024} MiB — shorten state.keep, or move settled entries out`,
};
const CONFLICT_MARKER = /^(?:<{7}|={7}|>{7})(?: |\r?$)/m;

/**
 * What to do with a lockfile git left conflicting. "Restore it from git", or keeping one
 * side, drops the placements the other side recorded: this clone's `.callops/` never saw
 * them (nor those of its own side placed from another clone), so nothing refuses the
 * lockfile, and the next apply places those calls again. `state pull` writes the two sides
 * merged, as it merges two writers' lockfiles, with what `.callops/` recorded.
 */
const conflictWayOn = (file: string): string =>
  `${file} has unresolved git merge conflict markers — run \`callops state pull\`: it writes ${file} as its two sides merged (no placement of either side is lost) with the placements this clone recorded in .callops/; then \`git add ${file}\` and finish the merge or rebase. Keeping one side would drop the placements of the other, and the next apply would place those calls again`;

const diagnostic = (
  file: string,
  text: string,
  offset: number | undefined,
  path: string,
  message: string,
): Diagnostic => {
  const { line, column } = offset === undefined ? { line: 1, column: 1 } : positionOf(text, offset);
  return { file, line, column, path, message, severity: 'error' };
};

/**
 * Where the problem of a lockfile that JSON.parse, the shape check or the duplicate count
 * refused is: the whole text is scanned for positions (slow, but only when something is
 * wrong). Returns the lock when the scan finds nothing after all.
 */
const locateProblem = (body: string, file: string): { lock: Lockfile } | { error: Diagnostic } => {
  const scan = scanJson(body);
  if (!scan.ok) {
    const marker = CONFLICT_MARKER.exec(body);
    if (marker) {
      return { error: diagnostic(file, body, marker.index, '', conflictWayOn(file)) };
    }
    const message = scan.tooDeep
      ? `${file}: values ${scan.message} — ${FIX}`
      : `${file} is not valid JSON (${scan.message}) — ${FIX}`;
    return { error: diagnostic(file, body, scan.offset, '', message) };
  }
  const duplicate = scan.duplicates[0];
  if (duplicate) {
    const name = duplicate.pointer.slice(duplicate.pointer.lastIndexOf('/') + 1);
    const first = positionOf(body, scan.keys.get(duplicate.pointer) ?? 0);
    const what = duplicate.pointer.split('/').length === 3 ? 'entry' : 'field';
    const message = `${file}: ${what} ${JSON.stringify(name.replace(/~1/g, '/').replace(/~0/g, '~'))} appears twice (also at line ${first.line}) — keep one (the placed one, if any), or restore it from git`;
    return { error: diagnostic(file, body, duplicate.offset, duplicate.pointer, message) };
  }
  const shape = checkLockfileShape(JSON.parse(body));
  if ('lock' in shape) return shape;
  const { pointer, message, hint } = shape.problem;
  const offset = pointer === '' ? 0 : scan.keys.get(pointer);
  return {
    error: diagnostic(file, body, offset, pointer, `${file}: ${message} — ${hint ?? FIX}`),
  };
};

/**
 * Parse lockfile text. `file` is the name used in diagnostics (relative to the project).
 * Never throws for bad content: the problem comes back as a positioned Diagnostic.
 *
 * JSON.parse and the shape check read a good lockfile; a count of its members against the
 * text's (mayHoldDuplicates) proves it has no duplicate key. Only when one of them refuses
 * is the text scanned for the position of the problem, so a good lockfile costs little more
 * than JSON.parse.
 */
export const parseLockfile = (
  text: string,
  file: string,
): { lock: Lockfile } | { error: Diagnostic } => {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return locateProblem(body, file);
  }
  if (mayHoldDuplicates(body, data)) return locateProblem(body, file);
  const shape = checkLockfileShape(data);
  return 'lock' in shape ? shape : locateProblem(body, file);
};

/** The last lockfile read: the same bytes read again (the copy in `.callops/`) parse once. */
let lastRead: { readonly bytes: Buffer; readonly lock: Lockfile } | undefined;

/** Lets go of the last lockfile read (its bytes): a command that holds its lock keeps neither. */
export const forgetLastRead = (): void => {
  lastRead = undefined;
};

/** The bytes `lock` was parsed from, when it is the lock readLockfile returned last. */
export const bytesRead = (lock: Lockfile): Buffer | undefined =>
  lastRead?.lock === lock ? lastRead.bytes : undefined;

/** Bytes as text when they are plain UTF-8 (no NUL, no UTF-16 mark); else undefined. */
const plainText = (bytes: Buffer): string | undefined => {
  if (bytes.length > MAX_LOCKFILE_BYTES || bytes.indexOf(0) !== -1 || !isUtf8(bytes))
    return undefined;
  return bytes.toString('utf8');
};

/**
 * Read the lockfile at `path`. A missing file is an empty lockfile; a broken one is a
 * Diagnostic. `options.file` names it in diagnostics (default: its base name).
 *
 * The result is shared (it is never to be changed in place): reading the same bytes again,
 * as the copy in `.callops/` usually is, returns the lock read before without parsing.
 */
export const readLockfile = async (
  path: string,
  options: { readonly file?: string } = {},
): Promise<{ lock: Lockfile } | { error: Diagnostic }> => {
  const file = options.file ?? basename(path);
  let bytes: Buffer;
  try {
    // Its kind checked before a byte is read: a FIFO there would hold the command for ever.
    const read = await readRegularFile(path);
    if ('problem' in read) return { error: fileProblem(file, read.problem) };
    bytes = read.bytes;
  } catch (error) {
    // A link that cannot be followed is not "no lockfile": read as empty, every call in it
    // would be placed again.
    const broken = brokenLink(path);
    if (broken !== undefined) return { error: fileProblem(file, broken) };
    if (isErrorCode(error, 'ENOENT')) return { lock: emptyLockfile() };
    throw error;
  }
  if (lastRead !== undefined && bytes.equals(lastRead.bytes)) return { lock: lastRead.lock };
  const plain = plainText(bytes);
  if (plain !== undefined) {
    const parsed = parseLockfile(plain, file);
    if ('lock' in parsed) lastRead = { bytes, lock: parsed.lock };
    return parsed;
  }
  // Binary, UTF-16, not UTF-8 or too large: located as a YAML file's would be.
  const decoded = decodeText(file, bytes, LOCKFILE_LIMIT);
  const [problem] = decoded.diagnostics;
  if (decoded.text === undefined || problem) {
    const why = problem?.message ?? 'not readable as text';
    return {
      error: {
        ...(problem ?? { file, line: 1, column: 1, path: '', severity: 'error' }),
        message: `${why} — ${FIX}`,
      },
    };
  }
  return parseLockfile(decoded.text, file);
};

/** JSON with the keys of every object sorted (by UTF-16 code unit), 2-space indent. */
const emit = (value: unknown, indent: string): string => {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + emit(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    if (keys.length === 0) return '{}';
    const members = keys.map((key) => `${inner}${JSON.stringify(key)}: ${emit(value[key], inner)}`);
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
};

const schedulesOf = (lock: Lockfile): Lockfile['schedules'] =>
  lock.schedules && Object.keys(lock.schedules).length > 0 ? lock.schedules : undefined;

/** One entry as serializeLockfile writes it (compared by lockfileChanged). */
const emitEntry = (entry: LockEntry): string => emit(cleanEntry(entry), '    ');

/** Whether two entries are written alike in the lockfile (the same object, or the same text). */
export const sameEntry = (a: LockEntry, b: LockEntry): boolean =>
  a === b || emitEntry(a) === emitEntry(b);

/** The lockfile as committed: keys sorted at every level, 2-space indent, trailing newline. */
export const serializeLockfile = (lock: Lockfile): string => {
  const calls: Record<string, unknown> = Object.create(null);
  let native = true;
  for (const key of Object.keys(lock.calls).sort()) {
    if (INDEX_LIKE.test(key)) native = false;
    calls[key] = sortedEntry(lock.calls[key] as LockEntry);
  }
  const schedules = schedulesOf(lock);
  const sortedSchedules = schedules === undefined ? undefined : sortedCopy(schedules);
  if (native && (schedules === undefined || sortedSchedules !== undefined)) {
    const value = { calls, lockfileVersion: lock.lockfileVersion, schedules: sortedSchedules };
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  return `${emit({ lockfileVersion: lock.lockfileVersion, calls, schedules }, '')}\n`;
};

/**
 * serializeLockfile(lock) as pieces: its head, each entry's member (the line of its key and
 * the entry) and its tail. Undefined when a key looks like an array index or the schedules
 * cannot be sorted natively: serializeLockfile's slow path writes those.
 */
interface LockfileParts {
  readonly head: string;
  readonly count: number;
  /** Member `i`: what comes before its entry (`,` and the line of its key), and the entry. */
  prefix(i: number): string;
  entry(i: number): string;
  readonly tail: string;
}

const HEAD = '{\n  "calls": {';

const lockfileParts = (lock: Lockfile): LockfileParts | undefined => {
  const layers = layersOf(lock.calls);
  const merged = layers?.merged();
  const keys = merged?.keys ?? Object.keys(lock.calls).sort();
  const schedules = schedulesOf(lock);
  const sortedSchedules = schedules === undefined ? undefined : sortedCopy(schedules);
  if (
    keys.some((key) => INDEX_LIKE.test(key)) ||
    (schedules !== undefined && sortedSchedules === undefined)
  )
    return undefined;
  const version = JSON.stringify(lock.lockfileVersion);
  return {
    head: HEAD,
    count: keys.length,
    prefix: (i) => `${i === 0 ? '\n' : ',\n'}    ${JSON.stringify(keys[i] as string)}: `,
    entry: (i) => {
      // Of a lockfile read through its index and changed since: an entry not changed is
      // written as the bytes it was (written by callops, as entryText writes it); a spooled
      // entry as the text it was spooled as (entryText's).
      const text = layers?.textOf(i);
      return text ?? entryText(lock.calls[keys[i] as string] as LockEntry);
    },
    tail: `${keys.length === 0 ? '}' : '\n  }'}${version === undefined ? '' : `,\n  "lockfileVersion": ${version}`}${sortedSchedules === undefined ? '' : `,\n  "schedules": ${nested(sortedSchedules, '  ')}`}\n}\n`,
  };
};

/**
 * Where each entry of a written lockfile sits, in lockfile order (by key): the byte offset
 * of the line of its key (its leading newline), of its `{`, and its length up to its `}`.
 */
export interface EntryLayout {
  readonly heads: Uint32Array;
  readonly starts: Uint32Array;
  readonly lengths: Uint32Array;
}

/** How many bytes a streamed write gathers before it writes them. */
const PIECE = 256 * 1024;

/** Write all of `bytes` at the handle's position. */
export const writeAll = async (handle: FileHandle, bytes: Buffer): Promise<void> => {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
};

/**
 * Write serializeLockfile(lock) to `handle` in pieces of about PIECE characters, noting
 * where each entry goes as it is written: neither the text nor its bytes are ever held
 * whole (for 100,000 entries they were 38 MB at the end of a run, on top of everything the
 * run held). Each entry is serialised once. Returns the bytes instead when the lock takes
 * serializeLockfile's slow path (a key like an array index).
 */
const streamLockfile = async (
  handle: FileHandle,
  lock: Lockfile,
): Promise<{ readonly layout: EntryLayout } | { readonly bytes: Buffer }> => {
  const parts = lockfileParts(lock);
  if (parts === undefined) {
    const bytes = Buffer.from(serializeLockfile(lock), 'utf8');
    await writeAll(handle, bytes);
    return { bytes };
  }
  const { count } = parts;
  const heads = new Uint32Array(count);
  const starts = new Uint32Array(count);
  const lengths = new Uint32Array(count);
  // One buffer for every piece: a piece made anew each time (a Buffer, and the text gathered
  // for it) was garbage outside the heap that waited for a collection, some 20 MB of peak
  // memory at the end of a run of 100,000 calls.
  const piece = Buffer.allocUnsafe(PIECE);
  let used = 0;
  /** Into the piece (written first when it has no room left): text of `bytes` bytes. */
  const put = async (text: string, bytes: number): Promise<void> => {
    if (used + bytes > piece.length && used > 0) {
      await writeAll(handle, piece.subarray(0, used));
      used = 0;
    }
    if (bytes > piece.length) await writeAll(handle, Buffer.from(text, 'utf8'));
    else used += piece.write(text, used, 'utf8');
  };
  let at = Buffer.byteLength(parts.head);
  await put(parts.head, at);
  for (let i = 0; i < count; i += 1) {
    const prefix = parts.prefix(i);
    const entry = parts.entry(i);
    heads[i] = i === 0 ? at : at + 1;
    const prefixBytes = Buffer.byteLength(prefix);
    at += prefixBytes;
    starts[i] = at;
    const length = Buffer.byteLength(entry);
    lengths[i] = length;
    at += length;
    // Awaited only when the piece is written: most entries go into it as they are.
    if (used + prefixBytes + length <= piece.length) {
      used += piece.write(prefix, used, 'utf8');
      used += piece.write(entry, used, 'utf8');
    } else {
      await put(prefix, prefixBytes);
      await put(entry, length);
    }
  }
  await put(parts.tail, Buffer.byteLength(parts.tail));
  if (used > 0) await writeAll(handle, piece.subarray(0, used));
  return { layout: { heads, starts, lengths } };
};

/** Whether calls hold no entry: of layered calls or calls read through the index, their count. */
const isEmpty = (calls: object): boolean => {
  const counted = layersOf(calls)?.merged().keys.length ?? summaryOf(calls)?.count;
  if (counted !== undefined) return counted === 0;
  for (const _ in calls) return false;
  return true;
};

/**
 * Whether `serializeLockfile(after)` differs from `serializeLockfile(before)`, in time
 * proportional to what changed: entries are compared by identity first (recording replaces
 * an entry, never changes one in place), and only entries that are not the same object are
 * serialized. A writer skips writing when it is false.
 */
export const lockfileChanged = (before: Lockfile, after: Lockfile): boolean => {
  if (before === after) return false;
  if (before.lockfileVersion !== after.lockfileVersion) return true;
  const [was, is] = [schedulesOf(before), schedulesOf(after)];
  if (was !== is && (was === undefined || is === undefined || emit(was, '') !== emit(is, '')))
    return true;
  if (before.calls === after.calls) return false;
  // The same file read through its index (or the same calls) under both, changes layered
  // over it or not: only the keys either changed can differ. Spooled entries are never
  // changed: of one spool, a record one sees and the other does not is a key placed since.
  const [a, b] = [layersOf(before.calls), layersOf(after.calls)];
  const baseA = a?.base ?? before.calls;
  const baseB = b?.base ?? after.calls;
  if (baseA === baseB) {
    const [sa, sb] = [a?.spooled, b?.spooled];
    const sameSpool = sa?.spool === sb?.spool && sa?.from === sb?.from;
    if (sameSpool && sa?.count !== sb?.count) return true;
    // Calls over the base itself and calls with spooled entries: a spooled key is placed
    // where the base's entry was not (it would not have been spooled).
    if ((a === undefined && seesAny(sb)) || (b === undefined && seesAny(sa))) return true;
    const keys = sameSpool
      ? [...(a?.changes.keys() ?? []), ...(b?.changes.keys() ?? [])]
      : [...(a?.changed() ?? []), ...(b?.changed() ?? [])];
    for (const key of new Set(keys)) {
      const old = before.calls[key];
      const now = after.calls[key];
      if (old === now) continue;
      if (old === undefined || now === undefined || emitEntry(old) !== emitEntry(now)) return true;
    }
    return false;
  }
  // Nothing before (no lockfile yet): any entry after is a change, found without reading it.
  if (isEmpty(before.calls)) return !isEmpty(after.calls);
  let count = 0;
  for (const key in after.calls) {
    count++;
    const old = before.calls[key];
    const now = after.calls[key] as LockEntry;
    if (old !== now && (old === undefined || emitEntry(old) !== emitEntry(now))) return true;
  }
  return count !== Object.keys(before.calls).length;
};

/**
 * "sha256:<hex>" of the serialized placements: a plan file uses it to see the lock moved on.
 * The `schedules` memory is left out: it changes what is reported, and its `prunedThrough`
 * (what is never due again) moves only when entries are let go, which the digest sees.
 */
export const lockDigest = (lock: Lockfile): string =>
  `sha256:${createHash('sha256')
    .update(serializeLockfile({ lockfileVersion: lock.lockfileVersion, calls: lock.calls }))
    .digest('hex')}`;

/** Which file a path named when it was written: a rewrite (or a rename over it) changes it. */
export interface FileIdentity {
  readonly dev: string;
  readonly ino: string;
  readonly size: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

export const identityOf = (s: BigIntStats): FileIdentity => ({
  dev: String(s.dev),
  ino: String(s.ino),
  size: String(s.size),
  mtimeNs: String(s.mtimeNs),
  ctimeNs: String(s.ctimeNs),
});

/** Whether two identities are of the same file, unchanged (device, inode, size and times). */
export const sameFile = (a: FileIdentity, b: FileIdentity): boolean =>
  a.dev === b.dev &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeNs === b.mtimeNs &&
  a.ctimeNs === b.ctimeNs;

/** What writeLockfileAtomic wrote: the file, and its bytes or where its entries are. */
export interface LockfileWrite {
  /** The bytes, when they were held whole (read, given, or a lockfile of the slow path). */
  readonly bytes?: Buffer;
  readonly identity: FileIdentity;
  /** Where each entry is, when the bytes were written in pieces. */
  readonly layout?: EntryLayout;
  /** The write whose file this one copied: the same bytes. */
  readonly copyOf?: LockfileWrite;
}

/**
 * A file replaceAtomic could not write (a full disk, a read-only file system): the file it
 * was to replace, not its temporary file, and the system's code. Its message is the system's.
 */
export class FileWriteError extends Error {
  override readonly name = 'FileWriteError';
  /** The system error code, e.g. ENOSPC, when there is one. */
  readonly code: string | undefined;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * Replace the file at `path` atomically with what `fill` writes: a temporary file in the
 * same directory is written and fsynced, renamed over it, and the directory is fsynced so
 * the rename itself survives a crash. A reader sees the old file or the new one, never a mix.
 * A failure is a FileWriteError naming `path`. A file linked to the one replaced (a hard
 * link) keeps what it held: the rename gives the name to the new file.
 */
export const replaceAtomic = async <T>(
  path: string,
  fill: (handle: FileHandle) => Promise<T>,
): Promise<{ readonly filled: T; readonly identity: FileIdentity }> => {
  const dir = dirname(path);
  // Named so that a later run can tell it, once its writer is killed, from any other file.
  const temp = tempBeside(path, process.pid, randomBytes(6).toString('hex'));
  let mode = 0o666;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT')) throw error;
  }
  let filled: T;
  let identity: FileIdentity;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      filled = await fill(handle);
      await handle.sync();
      await rename(temp, path);
      // After the rename (which changes the file's ctime), of the file this handle wrote.
      identity = identityOf(await handle.stat({ bigint: true }));
    } finally {
      await handle.close();
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new FileWriteError(path, error);
  }
  await syncDir(dir);
  return { filled, identity };
};

/**
 * Replace the lockfile atomically (see replaceAtomic) with serializeLockfile(lock), written
 * in pieces. `serialized`, when given, is what serializeLockfile(lock) gave as UTF-8.
 */
export const writeLockfileAtomic = async (
  path: string,
  lock: Lockfile,
  serialized?: Buffer,
): Promise<LockfileWrite> => {
  if (serialized !== undefined) {
    const { identity } = await replaceAtomic(path, (handle) => writeAll(handle, serialized));
    return { bytes: serialized, identity };
  }
  const { filled, identity } = await replaceAtomic(path, (handle) => streamLockfile(handle, lock));
  return { ...filled, identity };
};

/** The bytes of the file at `path` while it is still the file `identity` names; else undefined. */
export const readIfUnchanged = async (
  path: string,
  identity: FileIdentity,
): Promise<Buffer | undefined> => {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    if (!sameFile(identityOf(await handle.stat({ bigint: true })), identity)) return undefined;
    const bytes = await handle.readFile();
    return bytes.length === Number(identity.size) ? bytes : undefined;
  } finally {
    await handle.close();
  }
};

/** How much of a file a copy reads at a time. */
const COPY_PIECE = 1024 * 1024;

/**
 * Replace the file at `path` atomically (see replaceAtomic) with a copy of the file
 * `written` wrote at `from`, read in pieces. Undefined, and nothing replaced, when the file
 * at `from` is no longer the one written (the caller then writes from the lock).
 */
export const copyLockfileAtomic = async (
  path: string,
  from: string,
  written: LockfileWrite,
): Promise<LockfileWrite | undefined> => {
  let source: FileHandle;
  try {
    source = await open(from, 'r');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    if (!sameFile(identityOf(await source.stat({ bigint: true })), written.identity))
      return undefined;
    const size = Number(written.identity.size);
    const { identity } = await replaceAtomic(path, async (handle) => {
      const piece = Buffer.allocUnsafe(Math.min(COPY_PIECE, Math.max(size, 1)));
      let at = 0;
      while (at < size) {
        const { bytesRead } = await source.read(piece, 0, Math.min(piece.length, size - at), at);
        if (bytesRead === 0)
          throw new Error(`${from} ended at ${at} bytes of ${size} while it was copied`);
        await writeAll(handle, piece.subarray(0, bytesRead));
        at += bytesRead;
      }
    });
    return { identity, copyOf: written };
  } finally {
    await source.close();
  }
};
