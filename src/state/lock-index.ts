import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keyLowerBound, keysUpTo, registerIndexed, summaryOrLayered } from './calls-summary.js';
import { isErrorCode } from './dir.js';
import { forgetRaw, registerRaw } from './layered.js';
import type { EntryLayout, FileIdentity, LockfileWrite } from './lockfile.js';
import { identityOf, sameFile } from './lockfile.js';
import { isGoodEntry } from './lockfile-shape.js';
import { recurringKey } from './retention.js';
import type { LockEntry, Lockfile, ScheduleMemory } from './types.js';

/**
 * `.callops/lock-index.json`: where each entry of a large lockfile sits, written when
 * callops writes the lockfile and its copy `.callops/written.lock` (the same bytes). While
 * both files are still the ones callops wrote (same device, inode, size, mtime and ctime),
 * a command reads the index instead of the lockfile: an entry is read from its byte range
 * when it is looked up, and the whole file is parsed only when every entry is needed. So a
 * command that changes nothing costs what the project's calls cost, not what the lockfile
 * holds. A lockfile changed by anything else (git, an editor) is read and checked in full.
 */
export const INDEX_FILE = 'lock-index.json';

/** Smaller lockfiles are read in full: parsing them costs less than the index would. */
export const INDEX_MIN_BYTES = 1024 * 1024;

interface LockIndex {
  readonly version: 1;
  /** The lockfile as callops wrote it. */
  readonly lockfile: FileIdentity;
  /** `.callops/written.lock` as callops wrote it, holding the same bytes. */
  readonly copy: FileIdentity;
  readonly schedules?: Record<string, ScheduleMemory>;
  /** How many entries the lockfile holds. */
  readonly count: number;
  /**
   * Of each entry, in lockfile order (sorted by key, by UTF-16 code unit), as base64 of
   * 32-bit unsigned integers: the byte offset of the line of its key, of its `{`, and its
   * length in bytes up to its `}`. A key is looked up by binary search of those lines.
   */
  readonly heads: string;
  readonly starts: string;
  readonly lengths: string;
  /** Keys of the `unknown` entries. */
  readonly unknown: readonly string[];
  /** Call name → earliest slot (ms) of its settled entries of recurring calls. */
  readonly earliest: Readonly<Record<string, number>>;
}

/** The offsets of an index, decoded. */
interface Located {
  readonly count: number;
  readonly heads: Uint32Array;
  readonly starts: Uint32Array;
  readonly lengths: Uint32Array;
}

const indexPath = (stateDir: string): string => join(stateDir, INDEX_FILE);

/**
 * Where each entry of `bytes` (serializeLockfile of `lock`) sits; undefined when the text
 * is not laid out as expected, so that it is read in full.
 */
const locate = (
  bytes: Buffer,
  keys: readonly string[],
): { heads: string; starts: string; lengths: string } | undefined => {
  const heads = new Uint32Array(keys.length);
  const starts = new Uint32Array(keys.length);
  const lengths = new Uint32Array(keys.length);
  const head = '{\n  "calls": {';
  if (bytes.toString('utf8', 0, head.length) !== head) return undefined;
  let at = head.length;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const line = Buffer.from(`\n    ${JSON.stringify(key)}: {`, 'utf8');
    if (bytes.compare(line, 0, line.length, at, at + line.length) !== 0) return undefined;
    const start = at + line.length - 1;
    const close = bytes.indexOf('\n    }', start);
    if (close === -1) return undefined;
    const end = close + 6;
    heads[i] = at;
    starts[i] = start;
    lengths[i] = end - start;
    at = bytes[end] === 0x2c ? end + 1 : end;
  }
  return encodeLayout({ heads, starts, lengths }, keys.length);
};

const base64 = (a: Uint32Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** Offsets as the index keeps them; undefined when they are not of `count` entries. */
const encodeLayout = (
  layout: EntryLayout,
  count: number,
): { heads: string; starts: string; lengths: string } | undefined =>
  layout.heads.length !== count
    ? undefined
    : {
        heads: base64(layout.heads),
        starts: base64(layout.starts),
        lengths: base64(layout.lengths),
      };

/** The index last read, with the locks read through it (one per file). */
let loaded:
  | {
      readonly path: string;
      readonly identity: FileIdentity;
      readonly index: LockIndex;
      readonly located: Located;
      readonly locks: Map<string, Lockfile>;
    }
  | undefined;

/** Forget the index: before callops replaces the lockfile or its copy. */
export const forgetIndex = async (stateDir: string): Promise<void> => {
  loaded = undefined;
  await unlink(indexPath(stateDir)).catch((error: unknown) => {
    if (!isErrorCode(error, 'ENOENT')) throw error;
  });
};

/**
 * Index the lockfile and its copy just written with the same bytes (`lockfile`, `copy`)
 * from `lock`. Small lockfiles are not indexed. The index is a cache: it is not fsynced
 * (a torn one is not used), and failing to write it fails nothing.
 */
export const writeIndex = async (
  stateDir: string,
  lock: Lockfile,
  lockfile: LockfileWrite,
  copy: LockfileWrite,
): Promise<void> => {
  if (Number(lockfile.identity.size) < INDEX_MIN_BYTES) return;
  const same =
    copy.copyOf === lockfile ||
    (lockfile.bytes !== undefined &&
      copy.bytes !== undefined &&
      (copy.bytes === lockfile.bytes || lockfile.bytes.equals(copy.bytes)));
  if (!same) return;
  // Of calls read through the index (or layered), changed or not: what their summary says,
  // no entry read, and no list of their keys made when the write noted where each went.
  const summary = summaryOrLayered(lock.calls);
  const listed = (): string[] => Object.keys(lock.calls).sort();
  const keys = summary === undefined || lockfile.layout === undefined ? listed() : undefined;
  const count = keys?.length ?? (summary as NonNullable<typeof summary>).count;
  const located =
    lockfile.layout !== undefined
      ? encodeLayout(lockfile.layout, count)
      : lockfile.bytes === undefined
        ? undefined
        : locate(lockfile.bytes, keys ?? listed());
  if (located === undefined) return;
  const unknown: string[] = summary === undefined ? [] : [...summary.unknown];
  const earliest: Record<string, number> = Object.assign(
    Object.create(null),
    summary?.earliest ?? {},
  );
  for (const key of summary === undefined ? (keys ?? []) : []) {
    if (lock.calls[key]?.status === 'unknown') {
      unknown.push(key);
      continue;
    }
    const slot = recurringKey(key);
    if (slot === undefined) continue;
    const was = earliest[slot.name];
    if (was === undefined || slot.slotMs < was) earliest[slot.name] = slot.slotMs;
  }
  const index: LockIndex = {
    version: 1,
    lockfile: lockfile.identity,
    copy: copy.identity,
    ...(lock.schedules === undefined ? {} : { schedules: { ...lock.schedules } }),
    count,
    ...located,
    unknown,
    earliest: { ...earliest },
  };
  const path = indexPath(stateDir);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(index));
    await rename(temp, path);
  } catch {
    await unlink(temp).catch(() => undefined);
  }
};

const isIdentity = (v: unknown): v is FileIdentity => {
  const o = v as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'].every((k) => typeof o[k] === 'string')
  );
};

const isIndex = (v: unknown): v is LockIndex => {
  const o = v as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || o.version !== 1) return false;
  const { count, heads, starts, lengths, unknown, earliest } = o;
  return (
    isIdentity(o.lockfile) &&
    isIdentity(o.copy) &&
    Number.isInteger(count) &&
    typeof heads === 'string' &&
    typeof starts === 'string' &&
    typeof lengths === 'string' &&
    Array.isArray(unknown) &&
    typeof earliest === 'object' &&
    earliest !== null
  );
};

const loadIndex = async (stateDir: string): Promise<typeof loaded> => {
  const path = indexPath(stateDir);
  let identity: FileIdentity;
  try {
    identity = identityOf(await stat(path, { bigint: true }));
  } catch {
    return undefined;
  }
  if (loaded?.path === path && sameFile(loaded.identity, identity)) return loaded;
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isIndex(index)) return undefined;
  const { count } = index;
  const heads = offsets(index.heads, count);
  const starts = offsets(index.starts, count);
  const lengths = offsets(index.lengths, count);
  if (heads === undefined || starts === undefined || lengths === undefined) return undefined;
  loaded = { path, identity, index, located: { count, heads, starts, lengths }, locks: new Map() };
  return loaded;
};

/** The identity of the file at `path`; undefined when there is none. */
export const identityAt = async (path: string): Promise<FileIdentity | undefined> => {
  try {
    return identityOf(await stat(path, { bigint: true }));
  } catch {
    return undefined;
  }
};

const fileIs = async (path: string, identity: FileIdentity): Promise<boolean> => {
  try {
    return sameFile(identityOf(await stat(path, { bigint: true })), identity);
  } catch {
    return false;
  }
};

/** Offsets as written by locate; undefined when they are not `count` of them. */
const offsets = (base64: string, count: number): Uint32Array | undefined => {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== count * 4) return undefined;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = bytes.readUInt32LE(i * 4);
  return out;
};

/** Reads of one file that is to be still `identity` (refused if it is not). */
const withFile = <T>(path: string, identity: FileIdentity, use: (fd: number) => T): T => {
  const fd = openSync(path, 'r');
  try {
    if (!sameFile(identityOf(fstatSync(fd, { bigint: true })), identity)) {
      throw new Error(`${path} changed while callops was reading it: run the command again`);
    }
    return use(fd);
  } finally {
    closeSync(fd);
  }
};

const readAt = (fd: number, start: number, length: number): Buffer => {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, start + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
};

/**
 * Lookups one by one cost a file opened and about log2(count) short reads each. Past this
 * many (a plan of a campaign whose rows are all in the lockfile looks up every one of them),
 * the file is kept open and its keys decoded once: later lookups are searches in memory and
 * one read of the entry found (100,000 lookups: 2 million system calls before, about 10 s).
 */
const MANY_LOOKUPS = 256;

/** What an entry read in a walk onward reads at once, and how far onward a walk may skip. */
const AHEAD_BYTES = 64 * 1024;
const AHEAD_ENTRIES = 16;

/** Bytes read at a time while the keys are decoded. */
const KEYS_CHUNK = 1024 * 1024;

/**
 * Lockfiles kept open for many lookups at most: the one opened longest ago is closed first.
 * A command reads two at most (the lockfile and its copy), a long-running `run` two a turn.
 */
export const KEPT_OPEN = 8;
const keptOpen: { readonly fd: number; readonly close: () => void }[] = [];

/**
 * What closes a kept file: made out here, so that it holds the lock's file only weakly and
 * nothing else of it (a lock no longer read is not kept alive by the list of open files).
 */
const closer =
  (fd: number, held: WeakRef<{ fd: number | undefined; pinned: boolean }>) => (): void => {
    const file = held.deref();
    if (file !== undefined) {
      // A pinned file stays open (RawCalls.pin): it is read after the lockfile is replaced.
      // One no longer its file's was closed already (found written over: see readableFd).
      if (file.pinned || file.fd !== fd) return;
      file.fd = undefined;
    }
    closeSync(fd);
  };

/**
 * Whether the open file `fd` still holds the bytes of the file `identity` names. Replaced
 * since by a rename over its name (as callops writes a lockfile) it does: the rename moves
 * its change time and leaves it no link, its bytes as they were. Written over in place
 * (`cp`, `cat >`, `rsync --inplace`) it does not: its modification time moves.
 */
const stillHolds = (fd: number, identity: FileIdentity): boolean => {
  const stats = fstatSync(fd, { bigint: true });
  const now = identityOf(stats);
  return (
    now.dev === identity.dev &&
    now.ino === identity.ino &&
    now.size === identity.size &&
    now.mtimeNs === identity.mtimeNs &&
    (now.ctimeNs === identity.ctimeNs || stats.nlink === 0n)
  );
};

/** A file and what it was when indexed. */
interface IndexedFile {
  readonly path: string;
  readonly identity: FileIdentity;
}

/** The file open, when it is still as indexed (unchanged); else undefined (none left open). */
const openIfSame = (file: IndexedFile): number | undefined => {
  let fd: number | undefined;
  try {
    fd = openSync(file.path, 'r');
    if (sameFile(identityOf(fstatSync(fd, { bigint: true })), file.identity)) {
      const open = fd;
      fd = undefined;
      return open;
    }
  } catch {
    // Gone, or not readable.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return undefined;
};

/**
 * Keeps a file open among the last KEPT_OPEN, closing the oldest: a long-running `run`
 * reads a lock at every turn, and a lock closed so is opened (and checked) again if read.
 */
const keepOpen = (fd: number, close: () => void): void => {
  keptOpen.push({ fd, close });
  if (keptOpen.length > KEPT_OPEN) keptOpen.shift()?.close();
};

/** Closes a kept file now, and takes it off the list (never closed twice). */
const closeKept = (fd: number): void => {
  const at = keptOpen.findIndex((kept) => kept.fd === fd);
  if (at >= 0) keptOpen.splice(at, 1);
  closeSync(fd);
};

/**
 * The calls of `path` (the bytes the index describes) as an object read on demand: a
 * looked-up entry is read from its byte range and checked; listing the keys (Object.keys,
 * for…in, a spread) gives the keys the index locates for a file of many entries (each entry
 * read when it is read) and parses a smaller file whole once. Never changed in place (as
 * every lock).
 */
const lazyCalls = (
  path: string,
  identity: FileIdentity,
  at: Located,
  twin?: IndexedFile,
): object => {
  const { count, heads, starts, lengths } = at;
  const broken = (what: string): Error =>
    new Error(`${path}: ${what} does not match .callops/${INDEX_FILE} — remove that file`);
  const read = new Map<string, LockEntry | undefined>();
  /** What the proxy stands on (empty: every answer comes from the file). */
  const target: Record<string, LockEntry> = Object.create(null);
  let all: Record<string, LockEntry> | undefined;
  /**
   * Once lookups are many: the file, kept open (a lockfile is replaced by a rename, never
   * written in place, so it reads as it was when opened), and its keys in order. Its bytes
   * are not held (38 MB for 100,000 entries): each entry is read when looked up.
   */
  let bulk: { readonly keys: readonly string[] } | undefined;
  /** The file while it is kept open (keepOpen may close it: it is then opened again). */
  const file: { fd: number | undefined; pinned: boolean } = { fd: undefined, pinned: false };
  /** The file the open descriptor reads: `path`, or `twin` once `path` was written over. */
  let reading: IndexedFile = { path, identity };
  let lookups = 0;
  const wholeBytes = (): Buffer =>
    file.fd !== undefined
      ? readAt(readableFd(), 0, Number(identity.size))
      : withFile(path, identity, (fd) => readAt(fd, 0, Number(identity.size)));
  const whole = (): Record<string, LockEntry> => {
    if (all === undefined) {
      const calls = (JSON.parse(wholeBytes().toString('utf8')) as Lockfile).calls;
      if (Object.keys(calls).length !== count) throw broken('its number of entries');
      all = calls as Record<string, LockEntry>;
    }
    return all;
  };
  /** The key of entry `i`, from its line `\n    "<key>": {`. */
  const keyOf = (line: string, i: number): string => {
    if (!line.startsWith('\n    "') || !line.endsWith('": {')) throw broken(`line ${i + 1}`);
    return JSON.parse(line.slice(5, -3)) as string;
  };
  const keyAt = (fd: number, i: number): string => {
    const head = heads[i] as number;
    return keyOf(readAt(fd, head, (starts[i] as number) + 1 - head).toString('utf8'), i);
  };
  /** The position of `key` among the keys (sorted as the lockfile is), -1 when absent. */
  const search = (keyAtIndex: (i: number) => string, key: string): number => {
    let low = 0;
    let high = count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const at = keyAtIndex(mid);
      if (at < key) low = mid + 1;
      else if (at > key) high = mid - 1;
      else return mid;
    }
    return -1;
  };
  const entryOf = (bytes: Buffer, key: string): LockEntry => {
    let value: unknown;
    try {
      value = JSON.parse(bytes.toString());
    } catch {
      value = undefined;
    }
    if (!isGoodEntry(value)) throw broken(`entry ${JSON.stringify(key)}`);
    return value;
  };
  const lookUp = (key: string): LockEntry | undefined =>
    withFile(path, identity, (fd) => {
      const i = search((j) => keyAt(fd, j), key);
      return i < 0
        ? undefined
        : entryOf(readAt(fd, starts[i] as number, lengths[i] as number), key);
    });
  /** The keys in order, from their lines (read a chunk at a time: the heads ascend). */
  const keysOf = (fd: number): string[] => {
    const keys = new Array<string>(count);
    let chunk: Buffer = Buffer.alloc(0);
    let from = 0;
    for (let i = 0; i < count; i++) {
      const head = heads[i] as number;
      const end = (starts[i] as number) + 1;
      if (head < from || end > from + chunk.length) {
        chunk = readAt(fd, head, Math.max(KEYS_CHUNK, end - head));
        from = head;
        if (end > from + chunk.length) throw broken(`line ${i + 1}`);
      }
      keys[i] = keyOf(chunk.toString('utf8', head - from, end - from), i);
    }
    return keys;
  };
  /** One buffer for the entries read in bulk: each is decoded before the next is read. */
  let scratch = Buffer.allocUnsafe(4096);
  /**
   * The bytes read ahead of a walk through the entries in order (the entries of calls no
   * longer defined, a campaign's rows, every entry a status lists): one read for the next
   * AHEAD_BYTES, not one for each entry (100,000 entries: 100,000 reads, 0.3 s).
   */
  let ahead: { readonly at: number; readonly bytes: Buffer } | undefined;
  let lastRead = -1;
  const readEntry = (i: number): Buffer => {
    const length = lengths[i] as number;
    const start = starts[i] as number;
    const onward = i > lastRead && i <= lastRead + AHEAD_ENTRIES;
    lastRead = i;
    if (
      ahead !== undefined &&
      start >= ahead.at &&
      start + length <= ahead.at + ahead.bytes.length
    ) {
      return ahead.bytes.subarray(start - ahead.at, start - ahead.at + length);
    }
    const fd = readableFd();
    if (onward && length <= AHEAD_BYTES) {
      ahead = { at: start, bytes: readAt(fd, start, AHEAD_BYTES) };
      if (ahead.bytes.length >= length) return ahead.bytes.subarray(0, length);
    }
    if (length > scratch.length) scratch = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, scratch, done, length - done, (starts[i] as number) + done);
      if (n === 0) break;
      done += n;
    }
    return scratch.subarray(0, done);
  };
  /** The file, open: opened (and checked to be the one indexed) when it is not. */
  const openFile = (): number => {
    if (file.fd !== undefined) return file.fd;
    let fd = openSync(reading.path, 'r');
    try {
      if (!sameFile(identityOf(fstatSync(fd, { bigint: true })), reading.identity)) {
        // Opened again (closed to keep few open) once it changed: its twin, if still as indexed.
        const other = twin !== undefined && reading.path !== twin.path ? twin : undefined;
        const again = other === undefined ? undefined : openIfSame(other);
        if (other === undefined || again === undefined) {
          throw new Error(`${path} changed while callops was reading it: run the command again`);
        }
        closeSync(fd);
        fd = again;
        reading = other;
      }
      bulk ??= { keys: keysOf(fd) };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    file.fd = fd;
    keepOpen(fd, closer(fd, new WeakRef(file)));
    return fd;
  };
  /**
   * The kept file, checked before each read from it (a read ahead serves many entries): one
   * written over in place since it was opened no longer holds the bytes the index locates.
   * The other file callops wrote with the same bytes (`twin`: the lockfile's copy in
   * `.callops/`, or the lockfile) is read instead while it is still as indexed; else the
   * read fails, and nothing is made of bytes that are not the entries.
   */
  const readableFd = (): number => {
    const fd = openFile();
    if (stillHolds(fd, reading.identity)) return fd;
    file.fd = undefined;
    closeKept(fd);
    const other = twin !== undefined && reading.path !== twin.path ? openIfSame(twin) : undefined;
    if (twin !== undefined && other !== undefined) {
      reading = twin;
      file.fd = other;
      keepOpen(other, closer(other, new WeakRef(file)));
      return other;
    }
    throw new Error(
      `${path} was written over in place while callops was reading it (callops replaces it, never writes into it): run the command again`,
    );
  };
  const inBulk = (): NonNullable<typeof bulk> => {
    if (bulk === undefined) openFile();
    return bulk as NonNullable<typeof bulk>;
  };
  /** The entry last read in bulk: a listing reads each key's descriptor, then its value. */
  let last: { readonly key: string; readonly entry: LockEntry | undefined } | undefined;
  const entry = (key: string): LockEntry | undefined => {
    if (all !== undefined) return all[key];
    if (read.has(key)) return read.get(key);
    if (bulk !== undefined || ++lookups > MANY_LOOKUPS) {
      if (last?.key === key) return last.entry;
      // Not kept: reading an entry again costs less than holding every one looked up.
      const { keys } = inBulk();
      const i = search((j) => keys[j] as string, key);
      const found = i < 0 ? undefined : entryOf(readEntry(i), key);
      last = { key, entry: found };
      return found;
    }
    const value = lookUp(key);
    read.set(key, value);
    return value;
  };
  /** Keys from `lo` to `hi`: a search of the file's keys, in memory once lookups are many. */
  const between = (lo: string, hi: string): string[] => {
    if (bulk !== undefined || ++lookups > MANY_LOOKUPS) {
      const { keys } = inBulk();
      const at = (i: number) => keys[i] as string;
      return keysUpTo(count, at, keyLowerBound(count, at, lo), hi);
    }
    const few = withFile(path, identity, (fd) => {
      const at = (i: number) => keyAt(fd, i);
      const from = keyLowerBound(count, at, lo);
      // A range of many keys (the entries of a call no longer defined, all of a campaign's)
      // is read as the keys in bulk are, a chunk at a time, not a read for each key.
      const wide = from + MANY_LOOKUPS < count && keyAt(fd, from + MANY_LOOKUPS) <= hi;
      return wide ? undefined : keysUpTo(count, at, from, hi);
    });
    if (few !== undefined) return few;
    lookups = MANY_LOOKUPS + 1;
    const { keys } = inBulk();
    const at = (i: number) => keys[i] as string;
    return keysUpTo(count, at, keyLowerBound(count, at, lo), hi);
  };
  const proxy = new Proxy(target, {
    get: (_, key) => (typeof key === 'string' ? entry(key) : undefined),
    has: (_, key) => typeof key === 'string' && entry(key) !== undefined,
    // Many entries are listed from the keys the index locates (in the lockfile's order, which
    // JSON.parse keeps: no key is an array index), each entry then read when asked for: the
    // whole file is never parsed into objects held at once (100,000 entries: ~100 MB).
    ownKeys: () =>
      all === undefined && count > MANY_LOOKUPS ? [...inBulk().keys] : Reflect.ownKeys(whole()),
    getOwnPropertyDescriptor: (_, key) => {
      // Listed from the index: whether the key is there is a search among its keys, and its
      // entry is read only when it is read (Object.keys asks this of every key it lists).
      if (all === undefined && bulk !== undefined) {
        if (typeof key !== 'string') return undefined;
        const { keys } = bulk;
        return search((j) => keys[j] as string, key) < 0
          ? undefined
          : { get: () => entry(key), enumerable: true, configurable: true };
      }
      const value = typeof key === 'string' ? entry(key) : undefined;
      return value === undefined
        ? undefined
        : { value, writable: true, enumerable: true, configurable: true };
    },
    // Changed in place, the calls no longer read as the file holds them: never layered.
    set: (_, key, value) => {
      forgetRaw(proxy);
      return Reflect.set(whole(), key, value);
    },
    defineProperty: (_, key, descriptor) => {
      forgetRaw(proxy);
      return Reflect.defineProperty(whole(), key, descriptor);
    },
    deleteProperty: (_, key) => {
      forgetRaw(proxy);
      return Reflect.deleteProperty(whole(), key);
    },
  });
  registerIndexed(proxy, { between, whole });
  registerRaw(proxy, {
    keys: () => inBulk().keys,
    text: (i) => {
      const bytes = readEntry(i);
      // The bytes the index locates: an entry's `{` to its `}` (each entry read is checked).
      if (bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) {
        throw broken(`entry ${JSON.stringify(inBulk().keys[i])}`);
      }
      return bytes.toString('utf8');
    },
    pin: () => {
      file.pinned = true;
      openFile();
    },
  });
  return proxy;
};

const lockThrough = (
  state: NonNullable<typeof loaded>,
  path: string,
  identity: FileIdentity,
  twin?: IndexedFile,
): Lockfile => {
  const known = state.locks.get(path);
  if (known !== undefined) return known;
  const { index } = state;
  const calls = lazyCalls(path, identity, state.located, twin);
  registerIndexed(calls, {
    summary: { count: index.count, unknown: index.unknown, earliest: index.earliest },
  });
  const lock: Lockfile = {
    lockfileVersion: 1,
    calls: calls as Lockfile['calls'],
    ...(index.schedules === undefined ? {} : { schedules: index.schedules }),
  };
  state.locks.set(path, lock);
  return lock;
};

/** The lockfile at `lockPath` through the index, when it is still the file callops wrote. */
export const indexedLockfile = async (
  stateDir: string,
  lockPath: string,
  copyPath?: string,
): Promise<Lockfile | undefined> => {
  const state = await loadIndex(stateDir);
  if (state === undefined || !(await fileIs(lockPath, state.index.lockfile))) return undefined;
  // Its copy holds the same bytes: read instead if the lockfile is written over meanwhile.
  const twin = copyPath === undefined ? undefined : { path: copyPath, identity: state.index.copy };
  return lockThrough(state, lockPath, state.index.lockfile, twin);
};

/**
 * The copy `.callops/written.lock` through the index, when it is still the file callops
 * wrote: the lock read from the lockfile itself when that is too (the same bytes).
 */
export const indexedCopy = async (
  stateDir: string,
  copyPath: string,
  lockPath: string,
): Promise<Lockfile | undefined> => {
  const state = await loadIndex(stateDir);
  if (state === undefined || !(await fileIs(copyPath, state.index.copy))) return undefined;
  const lockfile = state.locks.get(lockPath);
  if (lockfile !== undefined && (await fileIs(lockPath, state.index.lockfile))) return lockfile;
  return lockThrough(state, copyPath, state.index.copy, {
    path: lockPath,
    identity: state.index.lockfile,
  });
};
