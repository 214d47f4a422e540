import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { recordEnd } from './csv.js';
import { firstInvalidUtf8, hex, illFormedLength } from './decode.js';
import { leavesProject } from './inside.js';
import { ioMessage } from './io-message.js';
import { formatMiB } from './limits.js';
import { pathTextProblem } from './path-text.js';
import { notRegularFile } from './regular-file.js';
import type { SourceFile } from './types.js';

/** Largest recipients CSV callops reads (bytes). */
export const MAX_RECIPIENTS_BYTES = 256 * 1024 * 1024;

/**
 * A recipients CSV as found: where it is and what it was when found (its bytes are read when
 * the campaign is validated, and a row's bytes again when the row is asked for: the text is
 * never kept), the text itself (a CSV given in memory), or why it cannot be read.
 */
export type RecipientsFile =
  | { readonly absolute: string; readonly size: number; readonly mtimeMs: number }
  | { readonly text: string }
  | { readonly problem: string };

/** The project-relative path of `recipients: value` written in the call file `file`. */
export const recipientsPath = (file: string, value: string): string => {
  const path = value.replaceAll('\\', '/');
  return posix.isAbsolute(path)
    ? posix.normalize(path)
    : posix.normalize(posix.join(posix.dirname(file), path));
};

/** Every `recipients:` string of the calls of a file (defaults do not take one). */
export const recipientsOf = (file: SourceFile): string[] =>
  file.documents.flatMap((doc) => {
    const calls = (doc.data as { calls?: unknown } | null | undefined)?.calls;
    if (!Array.isArray(calls)) return [];
    return calls.flatMap((call: unknown) => {
      const value = (call as { recipients?: unknown } | null)?.recipients;
      return typeof value === 'string' && value !== '' ? [recipientsPath(file.file, value)] : [];
    });
  });

/** Finds one recipients CSV: a regular file within the size limit (its bytes are read later). */
export const readRecipients = async (
  root: string,
  path: string,
  limit = MAX_RECIPIENTS_BYTES,
  leaves = leavesProject(root),
): Promise<RecipientsFile> => {
  // Before the file system is asked: a NUL fails its calls with Node's words.
  const text = pathTextProblem(path);
  if (text !== undefined) return { problem: `the path must be of visible characters: ${text}` };
  try {
    const absolute = resolve(root, path);
    // Never read from outside the project: a header or a row would be shown back.
    const away = leaves(absolute);
    if (away !== undefined) return { problem: away };
    const info = await stat(absolute);
    const kind = notRegularFile(info);
    if (kind !== undefined) return { problem: kind };
    if (info.size > limit)
      return {
        problem: `file is ${formatMiB(info.size)}; callops reads recipients files up to ${formatMiB(limit)} — split the campaign`,
      };
    return { absolute, size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    return { problem: ioMessage(error) };
  }
};

/** Finds the recipients CSVs at these project-relative paths (recipientsOf the call files). */
export const readAllRecipients = async (
  root: string,
  paths: Iterable<string>,
): Promise<ReadonlyMap<string, RecipientsFile>> => {
  const out = new Map<string, RecipientsFile>();
  const leaves = leavesProject(root);
  for (const path of paths) {
    if (!out.has(path)) out.set(path, await readRecipients(root, path, undefined, leaves));
  }
  return out;
};

/** Bytes read from a recipients CSV at a time. */
export const RECIPIENTS_CHUNK_BYTES = 64 * 1024;

/** A recipients CSV that could not be read to its end. */
export class RecipientsUnreadable extends Error {
  override readonly name = 'RecipientsUnreadable';
}

/** A recipients CSV that changed after callops read it: a row's bytes are no longer those read. */
export class RecipientsChanged extends Error {
  override readonly name = 'RecipientsChanged';
  constructor(
    /** The file, as the project names it. */
    readonly file: string,
    /** What no longer is as read (`its size`, `line 12 is no longer the row validated`…). */
    readonly what: string,
  ) {
    super(
      `${file} changed after callops read it (${what}): nothing is placed from rows that were not validated — run the command again`,
    );
  }
}

const changed = (file: string, what: string): RecipientsChanged =>
  new RecipientsChanged(file, what);

/**
 * A recipients CSV holding bytes that are not UTF-8: where the first one is (line and column
 * as other CSV problems are located, the column in UTF-16 code units of the line before it) and
 * what it is.
 */
export class RecipientsNotUtf8 extends Error {
  override readonly name = 'RecipientsNotUtf8';
  constructor(
    /** The file, as the project names it. */
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** The offset of the first byte that is not UTF-8 (0-based). */
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where text given in pieces ends: the 1-based line and column just past it, lines ending
 * at LF, CRLF or a lone CR as in the CSV reader (recordEnd). A CR that ends a piece is held
 * until the next, which may start with its LF.
 */
class TextEnd {
  line = 1;
  column = 1;
  #cr = false;

  add(text: string): void {
    let all = this.#cr ? `\r${text}` : text;
    this.#cr = all.endsWith('\r');
    if (this.#cr) all = all.slice(0, -1);
    const end = recordEnd(all, this.line);
    this.column = end.line === this.line ? this.column + end.column - 1 : end.column;
    this.line = end.line;
  }

  /** The position once the text has ended (a CR held is a line end). */
  close(): { line: number; column: number } {
    if (this.#cr) {
      this.#cr = false;
      this.line += 1;
      this.column = 1;
    }
    return { line: this.line, column: this.column };
  }
}

/** Whether `bytes` begin a UTF-8 character that more bytes could complete. */
const startsCharacter = (bytes: Uint8Array): boolean => {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true }) === '';
  } catch {
    return false;
  }
};

/**
 * What is wrong with the bytes at `offset`, the first that are not UTF-8 (`bytes` from there
 * to the end of the file, or its next few bytes): exactly the bytes a decoder replaces with
 * one U+FFFD (illFormedLength), never a valid byte after them.
 */
const notUtf8Message = (bytes: Uint8Array, atEnd: boolean, offset: number): string => {
  const n = Math.max(1, illFormedLength(bytes));
  const shown = [...bytes.subarray(0, n)].map(hex).join(' ');
  const lead = bytes[0] ?? 0;
  if (atEnd && n === bytes.length && lead >= 0xc2 && lead <= 0xf4) {
    const begin =
      n === 1
        ? `byte ${shown} (byte offset ${offset}) begins`
        : `bytes ${shown} (byte offset ${offset}) begin`;
    return `the file ends inside a character: ${begin} one and nothing completes it — save the file as UTF-8`;
  }
  if (n === 1) return `byte ${shown} (byte offset ${offset}) is not UTF-8: save the file as UTF-8`;
  return `bytes ${shown} (byte offset ${offset}) begin a character that the next byte ${hex(bytes[n] ?? 0)} does not complete: save the file as UTF-8`;
};

/** Where the first bytes that are not UTF-8 are in a CSV, and what is wrong with them. */
export interface NotUtf8 {
  readonly line: number;
  readonly column: number;
  /** The offset of the first byte that is not UTF-8 (0-based). */
  readonly offset: number;
  readonly message: string;
}

/**
 * The first bytes of a whole CSV held in memory that are not UTF-8, located as a recipients
 * CSV's are (lines ending at LF, CRLF or a lone CR, as the CSV reader counts them), or
 * undefined when every byte is UTF-8.
 */
export const notUtf8In = (bytes: Uint8Array): NotUtf8 | undefined => {
  const offset = firstInvalidUtf8(bytes);
  if (offset < 0) return undefined;
  const position = new TextEnd();
  position.add(new TextDecoder('utf-8').decode(bytes.subarray(0, offset)));
  const after = bytes.subarray(offset, offset + 4);
  const message = notUtf8Message(after, offset + after.length >= bytes.length, offset);
  return { ...position.close(), offset, message };
};

/**
 * Finds the first bytes of `fd` before `end` that are not UTF-8 (the decoder said there are;
 * `end` is the end of the piece it failed on, or of the file when it ends inside a character)
 * by reading the file again from its start: run only when the check failed.
 */
const locateNotUtf8 = (file: string, fd: number, end: number, fileSize: number): Error => {
  const buffer = Buffer.allocUnsafe(RECIPIENTS_CHUNK_BYTES + 4);
  const decoder = new TextDecoder('utf-8');
  const position = new TextEnd();
  // Bytes of a character the last piece ended inside, put before the next piece.
  let carried = 0;
  let at = 0;
  while (at < end) {
    const n = readSync(fd, buffer, carried, Math.min(RECIPIENTS_CHUNK_BYTES, end - at), at);
    if (n === 0) break;
    at += n;
    const piece = buffer.subarray(0, carried + n);
    const bad = firstInvalidUtf8(piece);
    const last = at >= end;
    if (bad < 0 || (!last && startsCharacter(piece.subarray(bad)))) {
      const good = bad < 0 ? piece.length : bad;
      position.add(decoder.decode(piece.subarray(0, good), { stream: true }));
      carried = piece.length - good;
      piece.copy(buffer, 0, good);
      continue;
    }
    position.add(decoder.decode(piece.subarray(0, bad), { stream: true }));
    const offset = at - piece.length + bad;
    const after = Buffer.alloc(Math.min(4, fileSize - offset));
    readSync(fd, after, 0, after.length, offset);
    const { line, column } = position.close();
    return new RecipientsNotUtf8(
      file,
      line,
      column,
      offset,
      notUtf8Message(after, offset + after.length >= fileSize, offset),
    );
  }
  // Read again, the bytes are UTF-8: the file was changed while it was read.
  return changed(file, 'its bytes');
};

/**
 * The bytes of a recipients CSV in pieces, checked to be UTF-8 as they go (a BOM is left for
 * the CSV reader). Throws RecipientsNotUtf8 at the first bytes that are not UTF-8 (located
 * only then, by reading the file again), RecipientsUnreadable when the file cannot be read,
 * and RecipientsChanged when its size or time is no longer what was found.
 */
export function* recipientsChunks(
  file: string,
  found: RecipientsFile,
  chunkBytes = RECIPIENTS_CHUNK_BYTES,
): Generator<Buffer> {
  if ('problem' in found) throw new RecipientsUnreadable(found.problem);
  if ('text' in found) {
    const bytes = Buffer.from(found.text);
    for (let at = 0; at < bytes.length; at += chunkBytes) {
      yield bytes.subarray(at, at + chunkBytes);
    }
    return;
  }
  let fd: number;
  try {
    fd = openSync(found.absolute, 'r');
  } catch (error) {
    throw new RecipientsUnreadable(ioMessage(error));
  }
  try {
    const info = fstatSync(fd);
    if (info.size !== found.size || info.mtimeMs !== found.mtimeMs) {
      throw changed(file, 'its size or modification time');
    }
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    // Two buffers, filled in turn: the reader is done with a piece once it asks for the next
    // but one (csv-parse may keep the end of the last piece until it has the next), so a file
    // of any size is read without a new buffer a piece.
    const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
    let at = 0;
    for (let turn = 0; ; turn += 1) {
      const chunk = buffers[turn % 2] as Buffer;
      const n = readSync(fd, chunk, 0, chunkBytes, at);
      if (n === 0) break;
      at += n;
      const piece = n === chunkBytes ? chunk : chunk.subarray(0, n);
      try {
        utf8.decode(piece, { stream: true });
      } catch {
        throw locateNotUtf8(file, fd, at, found.size);
      }
      yield piece;
    }
    try {
      utf8.decode();
    } catch {
      throw locateNotUtf8(file, fd, at, found.size);
    }
    if (at !== found.size) throw changed(file, 'its size');
  } finally {
    closeSync(fd);
  }
}

/** Reads byte ranges of a recipients CSV again. */
export interface RowBytes {
  /** The bytes from `start` to `end` (a view valid until the next call). */
  read(start: number, end: number): Buffer;
}

/** The byte ranges of a CSV given in memory. */
const textBytes = (text: string): RowBytes => {
  const bytes = Buffer.from(text);
  return { read: (start, end) => bytes.subarray(start, end) };
};

/**
 * The byte ranges of a recipients file, read where they are (positional reads of a block at a
 * time, so rows asked for in order cost one read a block). Each block read checks that the
 * file still has the size and time it had when it was read.
 */
class FileBytes implements RowBytes {
  #block = Buffer.alloc(0);
  #blockStart = 0;
  #blockEnd = 0;
  /** When the file was last looked at (ms), for #unchanged. */
  #checkedAt = 0;
  constructor(
    readonly file: string,
    readonly found: { readonly absolute: string; readonly size: number; readonly mtimeMs: number },
  ) {}

  read(start: number, end: number): Buffer {
    if (start < this.#blockStart || end > this.#blockEnd) this.#load(start, end);
    else this.#unchanged();
    return this.#block.subarray(start - this.#blockStart, end - this.#blockStart);
  }

  /**
   * A row read from the block in memory is checked against the file as it is now (a stat,
   * about 3 µs): the block says only what the file held when it was loaded, and a file of one
   * block is never loaded again, so an edit made while its rows are placed went unseen. At
   * most once a millisecond: `plan` reads 100,000 rows in about a second (a stat each cost it
   * 0.35 s), while `apply` builds a request every millisecond at most.
   */
  #unchanged(): void {
    const now = Date.now();
    if (now === this.#checkedAt) return;
    this.#checkedAt = now;
    let info: { readonly size: number; readonly mtimeMs: number };
    try {
      info = statSync(this.found.absolute);
    } catch (error) {
      throw changed(this.file, ioMessage(error));
    }
    if (info.size !== this.found.size || info.mtimeMs !== this.found.mtimeMs) {
      throw changed(this.file, 'its size or modification time');
    }
  }

  #load(start: number, end: number): void {
    const size = Math.min(Math.max(RECIPIENTS_CHUNK_BYTES, end - start), this.found.size - start);
    if (size < end - start) throw changed(this.file, 'a row lies past its end');
    if (this.#block.length < size) this.#block = Buffer.allocUnsafe(size);
    let fd: number;
    try {
      fd = openSync(this.found.absolute, 'r');
    } catch (error) {
      throw changed(this.file, ioMessage(error));
    }
    try {
      const info = fstatSync(fd);
      if (info.size !== this.found.size || info.mtimeMs !== this.found.mtimeMs) {
        throw changed(this.file, 'its size or modification time');
      }
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.#block, got, size - got, start + got);
        if (n === 0) throw changed(this.file, 'it is shorter');
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    this.#blockStart = start;
    this.#blockEnd = start + size;
  }
}

/** Where a campaign's rows are read again from. */
export const rowBytes = (file: string, found: RecipientsFile): RowBytes => {
  if ('problem' in found) throw new RecipientsUnreadable(found.problem);
  return 'text' in found ? textBytes(found.text) : new FileBytes(file, found);
};
