import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * The journal's two ways of changing its file: writing bytes in place, and cutting it back
 * to where a failed batch started. A test failpoint puts a full disk in between.
 */
export interface JournalIo {
  /** As fs.writeSync: how many bytes of `buffer` (from `offset`) it wrote at `position`. */
  write(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  /** Cuts the file to `size` bytes and makes that durable. */
  cut(handle: FileHandle, size: number): Promise<void>;
}

const plainIo: JournalIo = {
  write: (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  cut: async (handle, size) => {
    await handle.truncate(size);
    // The file's new size is metadata: a full fsync, not fdatasync, makes it durable.
    await handle.sync();
  },
};

/**
 * Test failpoint: `CALLOPS_FAILPOINT_JOURNAL_ROOM=<bytes>` gives the journal's file that much
 * room, as a disk that fills: a write past it writes what fits and the next fails with
 * ENOSPC. With `,cut-fails` after the number, cutting a failed batch off fails too (EIO).
 */
export const JOURNAL_ROOM_ENV = 'CALLOPS_FAILPOINT_JOURNAL_ROOM';

const systemError = (code: string, words: string, syscall: string): Error =>
  Object.assign(new Error(`${code}: ${words}, ${syscall}`), { code, syscall });

/** The journal's I/O, read once when it opens: plain unless the failpoint is set. */
export const journalIo = (env: NodeJS.ProcessEnv = process.env): JournalIo => {
  const match = /^(\d{1,12})(,cut-fails)?$/.exec(env[JOURNAL_ROOM_ENV] ?? '');
  if (match === null) return plainIo;
  const room = Number(match[1]);
  return {
    write: (fd, buffer, offset, length, position) => {
      const fits = Math.min(length, room - position);
      if (fits <= 0) throw systemError('ENOSPC', 'no space left on device', 'write');
      return writeSync(fd, buffer, offset, fits, position);
    },
    cut:
      match[2] === undefined
        ? plainIo.cut
        : async () => {
            throw systemError('EIO', 'i/o error', 'ftruncate');
          },
  };
};
