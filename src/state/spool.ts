import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LockEntry } from './types.js';

/**
 * The placed entries of a large run, each as the text the lockfile will hold, kept in a file
 * of `.callops/` instead of the heap until the lockfile is written (a campaign of 100,000
 * rows held some 400 bytes of peak memory a row for them). Only where each record starts, the
 * 32-bit hash of its key and a slot of a hash table stay in memory (13 to 21 bytes a row, in
 * typed arrays): enough to find an entry when the run looks a key up, which reads it back
 * from the file.
 *
 * The file is a cache, never a record: the journal holds every intent and outcome until the
 * lockfile is written, and a command that finds the journal folds it in (a run killed at any
 * point loses nothing kept here). It is removed as soon as it is opened (where the system
 * allows: a run killed leaves nothing), else when its descriptor is closed, else by the next
 * run's sweep of temp files (`spool.<pid>.<hex>.tmp`). The descriptor is closed once no lock
 * reads the spool any more (a lock given out may be read after the run lock is released). Records are written a piece at a time, never
 * synced; a piece that cannot be written (a full disk) is kept in memory, as is every later
 * one, and nothing is lost.
 *
 * Append only, and a key is added at most once: the calls of a lock see the records from one
 * number up to another (SpoolView), so a lock given out never changes as more are added.
 */
export interface Spool {
  /** How many records it holds. */
  readonly size: number;
  /** Adds `key`'s entry as `text` (its lockfile text); its record number, -1 when it is full. */
  add(key: string, text: string): number;
  /** The record of `key`, or -1. */
  find(key: string): number;
  /**
   * Of the recurring calls' keys added: call name → earliest slot (ms), kept by whoever adds
   * (calls-summary.ts's takeSlot), for the summary of the calls that see the records.
   */
  readonly earliest: Record<string, number>;
  key(record: number): string;
  text(record: number): string;
  /** Closes the file now: nothing is read from it after. */
  close(): void;
}

/** The records the calls of one lock see: `from` up to `count` (set while they are drafted). */
export interface SpoolView {
  readonly spool: Spool;
  readonly from: number;
  count: number;
}

/** The record of `key` in `view`, or -1. */
export const findIn = (view: SpoolView, key: string): number => {
  const r = view.spool.find(key);
  return r >= view.from && r < view.count ? r : -1;
};

/** The entry of a record (parsed from its text: the lockfile's order of fields). */
export const spooledEntry = (view: SpoolView, record: number): LockEntry =>
  JSON.parse(view.spool.text(record)) as LockEntry;

/** The keys of the records `view` sees, in the order they were added (record `from` first). */
export const spooledKeys = (view: SpoolView): string[] => {
  const keys = new Array<string>(Math.max(0, view.count - view.from));
  for (let r = view.from; r < view.count; r++) keys[r - view.from] = view.spool.key(r);
  return keys;
};

/** Whether `view` sees any record. */
export const seesAny = (view: SpoolView | undefined): boolean =>
  view !== undefined && view.count > view.from;

/** Bytes gathered before they are written; also what a read of records reads at once. */
const PIECE = 64 * 1024;

/** Pieces of the file kept as read (bytesOf). */
const WINDOWS = 8;

/** FNV-1a of the key's UTF-16 code units. */
const hashOf = (key: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
};

/** What closes a spool's file (and removes it, if it could not be removed while open). */
interface SpoolFile {
  fd: number | undefined;
  readonly path: string;
  linked: boolean;
}

const closeFile = (file: SpoolFile): void => {
  if (file.fd === undefined) return;
  closeSync(file.fd);
  file.fd = undefined;
  if (!file.linked) return;
  try {
    unlinkSync(file.path);
  } catch {
    // Left to the next run's sweep of temp files.
  }
};

/** Spools no longer read: their files closed. */
const unread = new FinalizationRegistry<SpoolFile>(closeFile);

/**
 * A spool in a new file of `stateDir`; undefined when it cannot be made (the run then keeps
 * its entries in memory, as a small run does).
 */
export const openSpool = (stateDir: string): Spool | undefined => {
  const path = join(stateDir, `spool.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let file: SpoolFile;
  try {
    file = { fd: openSync(path, 'wx+', 0o600), path, linked: true };
  } catch {
    return undefined;
  }
  try {
    unlinkSync(path);
    file.linked = false;
  } catch {
    // Removed when it is closed instead.
  }
  /** Where each record starts, and the hash of its key (record `size` ends where the next would start). */
  let starts = new Uint32Array(1024);
  let hashes = new Int32Array(1024);
  let size = 0;
  /** Bytes on disk: [0, onDisk). Pieces that could not be written: kept, in order. */
  let onDisk = 0;
  const kept: { readonly at: number; readonly bytes: Buffer }[] = [];
  /** The piece being gathered, from `tailAt`. */
  let tail: Buffer = Buffer.allocUnsafe(PIECE);
  let tailAt = 0;
  let tailUsed = 0;
  /** Open addressing, at most LOAD full: record + 1 (0: empty). */
  let slots = new Int32Array(4096);

  const flush = (): void => {
    if (tailUsed === 0) return;
    const bytes = tail.subarray(0, tailUsed);
    let written = false;
    if (file.fd !== undefined && kept.length === 0) {
      try {
        let done = 0;
        while (done < bytes.length)
          done += writeSync(file.fd, bytes, done, bytes.length - done, onDisk + done);
        onDisk += bytes.length;
        written = true;
      } catch {
        // Kept in memory from here on.
      }
    }
    if (!written) {
      kept.push({ at: tailAt, bytes });
      tail = Buffer.allocUnsafe(PIECE);
    }
    tailAt += tailUsed;
    tailUsed = 0;
  };

  /**
   * Pieces of the file read last, the latest first: a walk through the records in order reads
   * one piece for many records, and so does the lockfile's writer, which reads them in the
   * order of their keys (a campaign's rows `r1`, `r10`, `r100`, `r1000`, `r10000`, `r10001`,
   * …: a few runs of records in the order they were added, taken in turn).
   */
  const windows: { at: number; valid: number; bytes: Buffer }[] = [];
  let scratch: Buffer = Buffer.allocUnsafe(4096);
  const readInto = (into: Buffer, start: number, length: number): void => {
    let done = 0;
    while (done < length) {
      if (file.fd === undefined) throw new Error('the spool of placed entries was closed');
      const n = readSync(file.fd, into, done, length - done, start + done);
      if (n === 0) throw new Error('the spool of placed entries ended early');
      done += n;
    }
  };
  /** The bytes of record `r`: valid until the next read. */
  const bytesOf = (r: number): Buffer => {
    const start = starts[r] as number;
    const end = r + 1 < size ? (starts[r + 1] as number) : tailAt + tailUsed;
    if (start >= tailAt) return tail.subarray(start - tailAt, end - tailAt);
    if (start >= onDisk) {
      const piece = kept.find((k) => start >= k.at && start < k.at + k.bytes.length);
      if (piece === undefined) throw new Error('a spooled entry is missing');
      return piece.bytes.subarray(start - piece.at, end - piece.at);
    }
    const hit = windows.findIndex((w) => start >= w.at && end <= w.at + w.valid);
    if (hit >= 0) {
      const w = windows[hit] as (typeof windows)[number];
      if (hit > 0) windows.unshift(...windows.splice(hit, 1));
      return w.bytes.subarray(start - w.at, end - w.at);
    }
    if (end - start > PIECE) {
      if (scratch.length < end - start) scratch = Buffer.allocUnsafe(end - start);
      readInto(scratch, start, end - start);
      return scratch.subarray(0, end - start);
    }
    const w =
      windows.length < WINDOWS
        ? { at: 0, valid: 0, bytes: Buffer.allocUnsafe(PIECE) }
        : (windows.pop() as (typeof windows)[number]);
    windows.unshift(w);
    // What it held is read over: none of it is valid until the read ends.
    w.valid = 0;
    const length = Math.min(PIECE, onDisk - start);
    readInto(w.bytes, start, length);
    w.at = start;
    w.valid = length;
    return w.bytes.subarray(0, end - start);
  };
  /** The key of record `r`. */
  const keyAt = (r: number): string => {
    const bytes = bytesOf(r);
    return bytes.toString('utf8', 8, 8 + bytes.readUInt32LE(0));
  };
  /** The text of record `r`. */
  const textAt = (r: number): string => {
    const bytes = bytesOf(r);
    return bytes.toString('utf8', 8 + bytes.readUInt32LE(0));
  };

  const place = (record: number): void => {
    const mask = slots.length - 1;
    for (let i = (hashes[record] as number) & mask; ; i = (i + 1) & mask) {
      if (slots[i] === 0) {
        slots[i] = record + 1;
        return;
      }
    }
  };

  const find = (key: string): number => {
    const hash = hashOf(key);
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = slots[i] as number;
      if (slot === 0) return -1;
      if (hashes[slot - 1] === hash && keyAt(slot - 1) === key) return slot - 1;
    }
  };

  /** Room for record `size`: its start and hash, and a slot. */
  const makeRoom = (): void => {
    if (size === starts.length) {
      const [moreStarts, moreHashes] = [new Uint32Array(size * 2), new Int32Array(size * 2)];
      moreStarts.set(starts);
      moreHashes.set(hashes);
      [starts, hashes] = [moreStarts, moreHashes];
    }
    if ((size + 1) * 5 > slots.length * 4) {
      slots = new Int32Array(slots.length * 2);
      for (let r = 0; r < size; r++) place(r);
    }
  };

  const spool: Spool = {
    get size() {
      return size;
    },
    add(key, text) {
      if (find(key) !== -1) throw new Error(`${key} is spooled already`);
      const keyBytes = Buffer.byteLength(key);
      const length = 8 + keyBytes + Buffer.byteLength(text);
      // Offsets are 32-bit: a spool of 4 GiB takes no more (the lockfile is smaller by far).
      if (tailAt + tailUsed + length > 0xffffffff) return -1;
      if (tailUsed + length > tail.length) {
        flush();
        if (length > tail.length) tail = Buffer.allocUnsafe(length);
      }
      tail.writeUInt32LE(keyBytes, tailUsed);
      tail.writeUInt32LE(length - 8 - keyBytes, tailUsed + 4);
      tail.write(key, tailUsed + 8);
      tail.write(text, tailUsed + 8 + keyBytes);
      makeRoom();
      starts[size] = tailAt + tailUsed;
      hashes[size] = hashOf(key);
      tailUsed += length;
      place(size);
      size += 1;
      return size - 1;
    },
    find,
    earliest: Object.create(null) as Record<string, number>,
    key: keyAt,
    text: textAt,
    close: () => closeFile(file),
  };
  unread.register(spool, file);
  return spool;
};
