import { lstat, readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The pid a temp file's name holds, when it is one of the temp files looked for. */
type TempName = (name: string) => number | undefined;

const pidIn = (digits: string | undefined): number | undefined => {
  const pid = Number(digits ?? Number.NaN);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * The temporary files callops writes in `.callops/` before it links or renames them into
 * place, named after the process that writes them: `run.lock.<pid>.<hex>.tmp`,
 * `.written.lock.<pid>.<hex>.tmp`, `lock-index.json.<pid>.tmp`, `.gitignore.<pid>.<hex>.tmp`.
 * Each is removed by its writer, also when the write fails; one stays only when that process
 * was killed while it wrote it.
 */
const STATE_TEMP = /^.+\.(\d+)(?:\.[0-9a-f]{12})?\.tmp$/;
const stateTemp: TempName = (name) => pidIn(STATE_TEMP.exec(name)?.[1]);

/**
 * The temp file replaceAtomic writes beside `path` before renaming it into place:
 * `.<name>.<pid>.<12 hex>.tmp`, in the same directory.
 */
export const tempBeside = (path: string, pid: number, hex: string): string =>
  join(dirname(path), `.${basename(path)}.${pid}.${hex}.tmp`);

const BESIDE_TAIL = /^(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Exactly the names tempBeside gives for a file named `name`, and no other. */
const tempOf =
  (name: string): TempName =>
  (found) => {
    const head = `.${name}.`;
    return found.startsWith(head)
      ? pidIn(BESIDE_TAIL.exec(found.slice(head.length))?.[1])
      : undefined;
  };

/**
 * A temp file changed this recently is left alone whatever its pid: a process of another
 * host (or container) sharing the folder may be writing it, under a pid that means nothing
 * here. Its writer finishes in well under this; one left this long was abandoned.
 */
export const STALE_TEMP_MS = 60_000;

/**
 * Remove, from `dir`, the temp files (`temps`) of writers that are gone: their pid names no
 * process (`alive`), and they have not changed for STALE_TEMP_MS. Never fails: what cannot
 * be removed (or read) stays, as it did before.
 */
const sweep = async (
  dir: string,
  temps: TempName,
  alive: (pid: number) => boolean,
  nowMs: number,
): Promise<void> => {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = temps(name);
    if (pid === undefined || alive(pid)) continue;
    const path = join(dir, name);
    try {
      const found = await lstat(path);
      if (!found.isFile() || nowMs - found.mtimeMs < STALE_TEMP_MS) continue;
      await unlink(path);
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }
};

/**
 * Remove the temp files that writers now gone left in the state directory and, given the
 * lockfile's path, those of the lockfile beside it (in the project root, or wherever
 * `lockfile:` points): only the names replaceAtomic gives that file, nothing else there.
 * Called by a run that has just taken the run lock.
 */
export const sweepStaleTemps = async (
  stateDir: string,
  alive: (pid: number) => boolean,
  options: { readonly lockPath?: string; readonly nowMs?: number } = {},
): Promise<void> => {
  const nowMs = options.nowMs ?? Date.now();
  await sweep(stateDir, stateTemp, alive, nowMs);
  const { lockPath } = options;
  if (lockPath !== undefined)
    await sweep(dirname(lockPath), tempOf(basename(lockPath)), alive, nowMs);
};
