import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The temporary files callops writes in `.callops/` before it links or renames them into
 * place, named after the process that writes them: `run.lock.<pid>.<hex>.tmp`,
 * `.written.lock.<pid>.<hex>.tmp`, `lock-index.json.<pid>.tmp`, `.gitignore.<pid>.<hex>.tmp`.
 * Each is removed by its writer, also when the write fails; one stays only when that process
 * was killed while it wrote it.
 */
const TEMP_FILE = /^.+\.(\d+)(?:\.[0-9a-f]{12})?\.tmp$/;

/**
 * A temp file changed this recently is left alone whatever its pid: a process of another
 * host (or container) sharing the folder may be writing it, under a pid that means nothing
 * here. Its writer finishes in well under this; one left this long was abandoned.
 */
export const STALE_TEMP_MS = 60_000;

/**
 * Remove the temp files of writers that are gone: their pid names no process (`alive`),
 * and they have not changed for STALE_TEMP_MS. Called by a run that has just taken the run
 * lock. Never fails: what cannot be removed (or read) stays, as it did before.
 */
export const sweepStaleTemps = async (
  stateDir: string,
  alive: (pid: number) => boolean,
  nowMs: number = Date.now(),
): Promise<void> => {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMP_FILE.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) continue;
    const path = join(stateDir, name);
    try {
      const found = await lstat(path);
      if (!found.isFile() || nowMs - found.mtimeMs < STALE_TEMP_MS) continue;
      await unlink(path);
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }
};
