import { stat } from 'node:fs/promises';
import { ioMessage } from './io-message.js';

/**
 * The files the definitions are read from (callops.yaml, the call files, the env files), as
 * they were just before they were read: an edit made while a batch places its calls is seen
 * before the batch's next request, not only once the batch ends. The recipients CSVs and the
 * do-not-call lists are looked at on their own (a row as it is read again, a list before
 * each request).
 */

/** What a file was when looked at: undefined when it was not there. */
export interface FileSeen {
  /** As the project names it (`calls/a.yaml`, `.env`). */
  readonly file: string;
  readonly absolute: string;
  readonly seen:
    | { readonly size: number; readonly mtimeMs: number; readonly ino: number }
    | undefined;
  /** Read for every call (callops.yaml, an env file), not for the calls it defines alone. */
  readonly everyCall?: true;
}

/** Looks at one file: one `stat`, never an error (a file that cannot be looked at is not there). */
export const seeFile = async (
  file: string,
  absolute: string,
  everyCall = false,
): Promise<FileSeen> => {
  const info = await stat(absolute).catch(() => undefined);
  return {
    file,
    absolute,
    seen:
      info === undefined ? undefined : { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino },
    ...(everyCall && { everyCall: true as const }),
  };
};

/**
 * Of `files`, those a batch's calls are read from (`used`: their call files, as the project
 * names them): callops.yaml, the env files and those call files. An edit of another call file
 * changes no call of the batch; `run` reads it at its next wake.
 */
export const filesOf = (files: readonly FileSeen[], used: ReadonlySet<string>): FileSeen[] =>
  files.filter((f) => f.everyCall === true || used.has(f.file));

/** A file of the definitions changed after callops read it: what is placed no longer follows it. */
export class DefinitionsChanged extends Error {
  override readonly name = 'DefinitionsChanged';
  constructor(
    /** The file, as the project names it. */
    readonly file: string,
    /** What no longer is as read (`its size or modification time`, `it was replaced`…). */
    readonly what: string,
  ) {
    super(`${file} changed after callops read it (${what})`);
  }
}

/** How often, at most, a batch looks at the files of its definitions (ms). */
export const DEFINITIONS_LOOK_MS = 250;

/** The files of a batch's definitions, looked at again before its requests. */
export interface DefinitionsWatch {
  /**
   * Rejects with DefinitionsChanged once a file is no longer as it was seen (and from then
   * on). Looks at the files at most once every `everyMs`: a call made sooner resolves with
   * the last look's answer, and one made while a look is under way waits for that look.
   */
  check(): Promise<void>;
}

/** What changed of a file since `before`, in words; undefined when nothing did. */
const changeOf = async (before: FileSeen): Promise<string | undefined> => {
  let info: { readonly size: number; readonly mtimeMs: number; readonly ino: number };
  try {
    info = await stat(before.absolute);
  } catch (error) {
    return before.seen === undefined ? undefined : ioMessage(error);
  }
  const was = before.seen;
  if (was === undefined) return 'it was created';
  // A file written anew (an editor's save, `sed -i`, a checkout) is another inode.
  if (info.ino !== was.ino) return 'it was replaced';
  if (info.size !== was.size || info.mtimeMs !== was.mtimeMs)
    return 'its size or modification time';
  return undefined;
};

/**
 * Watches `files` as they were seen. Each look is one `stat` a file, all at once, so a
 * project of 2,000 call files costs 2,000 stats per look, at most once every `everyMs`
 * (`now`: the clock, for tests), whatever the rate of requests.
 */
export const watchDefinitions = (
  files: readonly FileSeen[],
  everyMs = DEFINITIONS_LOOK_MS,
  now: () => number = Date.now,
): DefinitionsWatch => {
  let lookedAt = Number.NEGATIVE_INFINITY;
  let looking: Promise<void> | undefined;
  let changed: DefinitionsChanged | undefined;
  const look = async (): Promise<void> => {
    const found = await Promise.all(files.map(changeOf));
    // The first file (in the order given) that changed is the one named.
    const at = found.findIndex((what) => what !== undefined);
    if (at >= 0) changed ??= new DefinitionsChanged((files[at] as FileSeen).file, found[at] ?? '');
  };
  return {
    check: async () => {
      if (looking === undefined && changed === undefined && now() - lookedAt >= everyMs) {
        lookedAt = now();
        looking = look().finally(() => {
          looking = undefined;
        });
      }
      if (looking !== undefined) await looking;
      if (changed !== undefined) throw changed;
    },
  };
};
