import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeSync,
} from 'node:fs';
import { link, lstat, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureStateDir, isErrorCode, RUN_LOCK_FILE, RUN_LOCK_NAME, runLockPath } from './dir.js';
import {
  currentBootId,
  ownPidNamespace,
  ownStart,
  processStateOf,
  startTimeOf,
} from './process-start.js';
import { sweepStaleTemps } from './stale-temps.js';

/** Who holds `.callops/run.lock`. */
export interface RunLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO-8601 UTC. */
  readonly since: string;
  /** The command line that took it, e.g. "callops apply". */
  readonly command: string;
  /**
   * When the holder's process started (Linux: /proc/PID/stat field 22) and the boot it
   * counts from: tells it from a later process given the same pid. Absent where the OS does
   * not say, and in locks written by older callops.
   */
  readonly startTime?: number;
  readonly bootId?: string;
  /**
   * The PID namespace its pid is of (Linux: `readlink /proc/self/ns/pid`, e.g.
   * `pid:[4026531836]`). A holder of another namespace (another container of the same host
   * name: `--network host`, `hostNetwork`) cannot be looked up by its pid here. Absent where
   * the OS does not say, and in locks written by older callops.
   */
  readonly pidNs?: string;
  /** The file exists but could not be read as a holder; pid/host/command are then blank. */
  readonly unreadable?: true;
  /**
   * A database store's holder: when its lease runs out unless renewed (ISO-8601 UTC). Its
   * process renews it while it runs; once that process is gone, the database frees the lock
   * then, and nothing needs clearing.
   */
  readonly leaseUntil?: string;
  /**
   * A database store's holder: the database's clock as it was read (ISO-8601 UTC). Its `since`
   * and `leaseUntil` are on that clock, which every runner shares, so their age and what is
   * left of the lease are told from it, never from this runner's clock, which may be wrong.
   */
  readonly clockAt?: string;
}

export type RunLockResult =
  | {
      readonly ok: true;
      readonly holder: RunLockHolder;
      release(): Promise<void>;
      /**
       * Set once `run.lock` is no longer the file this lock wrote: removed (`git clean -X`,
       * a cleanup job), with no holder, or replaced, naming who holds it now. One lstat.
       */
      lost(): { readonly holder?: RunLockHolder; readonly moved?: FolderMoved } | undefined;
      /** The earlier holder whose process had died, when the lock was taken over. */
      readonly tookOver?: RunLockHolder;
    }
  | {
      readonly ok: false;
      readonly holder: RunLockHolder;
      /** How long this run waited for a `callops receive` holding the lock, in vain. */
      readonly waitedMs?: number;
    };

const takeoverPath = (stateDir: string): string => `${runLockPath(stateDir)}.takeover`;

/**
 * Create `path` holding `holder`, only if it does not exist. The content is written and
 * fsynced in a private temp file first, then hard-linked into place: link() fails with
 * EEXIST exactly like O_EXCL, and nobody ever reads a lock file that is still empty.
 * Where hard links are not supported, the file is created with O_EXCL ('wx') directly.
 *
 * Returns a descriptor of the file created (undefined when `path` exists), kept open while
 * the lock is held: its inode cannot be given to another file meanwhile, so a lock file
 * with that inode is certainly this one.
 */
const createExclusive = async (
  path: string,
  holder: RunLockHolder,
): Promise<number | undefined> => {
  const content = `${JSON.stringify(holder)}\n`;
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let kept: number | undefined;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
      kept = openSync(temp, 'r');
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      if (isErrorCode(error, 'EEXIST')) return undefined;
      if (!isErrorCode(error, 'EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP')) throw error;
      closeSync(kept);
      kept = undefined;
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (fallbackError) {
        if (isErrorCode(fallbackError, 'EEXIST')) return undefined;
        throw fallbackError;
      }
      try {
        writeSync(fd, content);
        return fd;
      } catch (writeError) {
        // An empty lock would read as one that cannot be identified, refusing every run.
        closeSync(fd);
        await unlink(path).catch(() => undefined);
        throw writeError;
      }
    }
    const fd = kept;
    kept = undefined;
    return fd;
  } finally {
    if (kept !== undefined) closeSync(kept);
    // Also when it was never filled (a full disk): an empty temp file must not stay behind.
    await unlink(temp).catch(() => undefined);
  }
};

/** createExclusive for a guard file, held only while it is there: nothing keeps it open. */
const createGuard = async (path: string, holder: RunLockHolder): Promise<boolean> => {
  const fd = await createExclusive(path, holder);
  if (fd === undefined) return false;
  closeSync(fd);
  return true;
};

/** A lock whose holder cannot be known; `since` is when the file (or link) was last changed. */
const unreadableHolder = (mtime: Date): RunLockHolder => ({
  pid: 0,
  host: '',
  since: mtime.toISOString(),
  command: '',
  unreadable: true,
});

/**
 * Who holds the lock at `path`, undefined when nothing is there. A symbolic link that
 * cannot be followed (to a missing file, or in a loop) is there: it reads as a lock that
 * cannot be read, never as no lock, so that runs are refused and `unlock --force` removes
 * the link itself.
 */
const readHolder = async (path: string, tries = 3): Promise<RunLockHolder | undefined> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // A folder (or a link to one) there is a lock that cannot be read as well.
    if (!isErrorCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP', 'EISDIR')) throw error;
    let there: Awaited<ReturnType<typeof lstat>>;
    try {
      there = await lstat(path);
    } catch (lstatError) {
      if (isErrorCode(lstatError, 'ENOENT')) return undefined;
      throw lstatError;
    }
    // Gone when read, a file there again now: a takeover removed the stale lock and made
    // its own in between. That one is read, not named a lock that cannot be read.
    if (isErrorCode(error, 'ENOENT') && there.isFile() && tries > 1) {
      return readHolder(path, tries - 1);
    }
    return unreadableHolder(there.mtime);
  }
  return (
    holderIn(text) ??
    unreadableHolder(
      await stat(path).then(
        (s) => s.mtime,
        () => new Date(0),
      ),
    )
  );
};

/** The holder a lock file's text names, undefined when it names none callops wrote. */
export const holderIn = (text: string): RunLockHolder | undefined => {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const { pid, host, since, command, startTime, bootId, pidNs } = raw;
    if (Number.isInteger(pid) && (pid as number) > 0 && typeof host === 'string') {
      if (typeof since === 'string' && typeof command === 'string') {
        return {
          pid: pid as number,
          host,
          since,
          command,
          // A start identity that is not whole is ignored: the pid alone is checked then.
          ...(Number.isSafeInteger(startTime) &&
            typeof bootId === 'string' &&
            bootId !== '' && { startTime: startTime as number, bootId }),
          ...(typeof pidNs === 'string' && pidNs !== '' && { pidNs }),
        };
      }
    }
  } catch {
    // falls through: unreadable
  }
  return undefined;
};

/** The device and inode of a lock file: what tells it from a file put there later. */
interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** What there is at `path` now, without following a link (undefined: nothing). */
const lstatNow = (path: string) => {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    // `.callops` itself replaced by a file: no lock there either.
    if (isErrorCode(error, 'ENOTDIR')) return undefined;
    throw error;
  }
};

/** The project folder was moved or renamed while a run held its lock. */
export interface FolderMoved {
  /** The path the run was started with. */
  readonly from: string;
  /** Where it is now, when this process can tell (its working directory is that folder). */
  readonly to?: string;
}

/** The identity of the folder at `path` (followed, as the run follows it), or undefined. */
const folderAt = (path: string): FileIdentity | undefined => {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info === undefined ? undefined : { dev: info.dev, ino: info.ino };
  } catch {
    return undefined;
  }
};

/**
 * Whether the project folder `root` moved since it was `was`: nothing there, or another
 * folder. Where it went is known when the process runs inside it (Linux: /proc/self/cwd
 * follows the folder; Node's own cwd is the path it started with).
 */
const folderMoved = (root: string, was: FileIdentity): FolderMoved | undefined => {
  const now = folderAt(root);
  if (now !== undefined && now.dev === was.dev && now.ino === was.ino) return undefined;
  let to: string | undefined;
  try {
    const cwd = readlinkSync('/proc/self/cwd');
    const at = folderAt(cwd);
    if (at !== undefined && at.dev === was.dev && at.ino === was.ino) to = cwd;
  } catch {
    // Not Linux, or no /proc: where it went is not said.
  }
  return { from: root, ...(to !== undefined && { to }) };
};

/**
 * Undefined while the file at `path` is still `mine` (one lstat), else who holds it now:
 * no holder when there is no file there, one that cannot be identified when it cannot be
 * read; or, when the project folder itself (`root`, as it was) is no longer at its path,
 * that it moved. Synchronous: asked before each batch of calls, between two awaits.
 */
const lockNow = (
  path: string,
  mine: FileIdentity,
  root?: { readonly path: string; readonly was: FileIdentity },
): { readonly holder?: RunLockHolder; readonly moved?: FolderMoved } | undefined => {
  const there = lstatNow(path);
  if (there !== undefined && there.dev === mine.dev && there.ino === mine.ino) return undefined;
  // A folder moved away takes the lock with it: its lock is not removed, the path is another.
  const moved = root === undefined ? undefined : folderMoved(root.path, root.was);
  if (moved !== undefined) return { moved };
  if (there === undefined) return {};
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // A folder or a link there: a lock that cannot be read.
  }
  return {
    holder: (text === undefined ? undefined : holderIn(text)) ?? unreadableHolder(there.mtime),
  };
};

const sameHolder = (a: RunLockHolder, b: RunLockHolder): boolean =>
  a.pid === b.pid && a.host === b.host && a.since === b.since && a.command === b.command;

/**
 * The states of /proc/PID/stat of a process that has ended while its pid still exists: a
 * zombie (killed or exited, not reaped yet by its parent: under a container's PID 1 that
 * reaps nothing, until the container stops) and one being removed. kill(pid, 0) succeeds
 * for them.
 */
const ENDED = new Set(['Z', 'X', 'x']);

/**
 * True unless the process is certainly gone: no such pid (ESRCH), or /proc says it has ended
 * (a zombie, also of another user). EPERM means it exists as another user.
 */
const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (isErrorCode(error, 'ESRCH')) return false;
  }
  const state = processStateOf(pid);
  return state === undefined || !ENDED.has(state);
};

/**
 * Whether the holder's pid is of another PID namespace than this process's: it names
 * another process here (if any), so it tells nothing of whether the holder runs. Locks
 * written by older callops, and systems without /proc, are taken as of this one.
 */
const inOtherNamespace = (holder: RunLockHolder): boolean => {
  if (holder.pidNs === undefined) return false;
  const ours = ownPidNamespace();
  return ours !== undefined && ours !== holder.pidNs;
};

/**
 * Whether the holder's process still runs on this host. Its pid must exist, and when the
 * lock says when that process started, the process with that pid now must have started
 * then, in this boot: after a crash or a reboot the pid may name an unrelated process.
 * Where /proc cannot tell (another OS, a lock from older callops), the pid alone decides.
 */
const holderAlive = (holder: RunLockHolder): boolean => {
  if (!pidAlive(holder.pid)) return false;
  if (holder.startTime === undefined || holder.bootId === undefined) return true;
  const bootId = currentBootId();
  if (bootId === undefined) return true;
  if (bootId !== holder.bootId) return false;
  // Unreadable (hidden by the mount, or exited just now): cannot tell, so it counts as alive.
  const startTime = startTimeOf(holder.pid);
  return startTime === undefined || startTime === holder.startTime;
};

/**
 * Why a stale holder on this host counts as gone, in words: its process ended, or its pid
 * now names a process that started later (after a crash or a reboot).
 */
export const goneWords = (holder: RunLockHolder): string => {
  if (pidAlive(holder.pid))
    return `pid ${holder.pid} now belongs to another process, started after it`;
  return processStateOf(holder.pid) === 'Z'
    ? 'that process has ended: killed or exited, it is a zombie its parent has not reaped'
    : 'that process is gone';
};

/**
 * Stale: written on this host, in this PID namespace, by a process that no longer exists.
 * Other hosts and namespaces never are.
 */
const isStale = (holder: RunLockHolder): boolean => livenessOf(holder) === 'gone';

/** How long a command waits for a `callops receive` holding the run lock, at most. */
export const RECEIVER_WAIT_MS = 30_000;
/** A command that has waited this long for a receiver says so (`waiting`), once. */
const RECEIVER_NOTE_MS = 1_000;
const RECEIVER_POLL_MS = 10;

/**
 * A lock `callops receive` took: a long-lived receiver holds the run lock only while it
 * records a batch of statuses, and lets go of it by itself.
 */
export const isReceiver = (holder: RunLockHolder): boolean =>
  !holder.unreadable && holder.command === 'callops receive';

/**
 * Polls the lock at `path` until it no longer names `holder` (true: look again), or until
 * `deadline` (false). `note` is called once, when the wait has lasted RECEIVER_NOTE_MS.
 */
const receiverLetGo = async (
  path: string,
  holder: RunLockHolder,
  deadline: number,
  note: () => void,
): Promise<boolean> => {
  for (;;) {
    const now = await readHolder(path);
    if (now === undefined || !sameHolder(now, holder)) return true;
    if (Date.now() >= deadline) return false;
    note();
    await sleep(Math.min(RECEIVER_POLL_MS, Math.max(0, deadline - Date.now())));
  }
};

/**
 * Take `.callops/run.lock`, so that one run at a time uses the lockfile. A lock left by a
 * dead process on this host is taken over (and reported); any other is refused.
 *
 * Two runs may find the same stale lock at once. Taking it over is therefore guarded by a
 * second exclusive file (`run.lock.takeover`): only its holder re-reads the lock, checks it
 * is still the same stale holder, removes it and creates its own. A run that loses any of
 * these races is refused, naming whoever holds the lock then: one that finds the guard taken
 * waits for that takeover to end (takingOver), so that it never names the holder that is gone.
 * Once taken, temp files that writers now gone left in the state directory, and beside the
 * lockfile (`lockPath`), are removed.
 *
 * A lock held by `callops receive` is waited for (polling every 10 ms, up to RECEIVER_WAIT_MS
 * in all): a receiver is a service that holds the lock only while it records a batch of
 * statuses, so that a command beside it is never refused for that moment. `waiting` is told
 * once the wait has lasted a second; a receiver still holding it at the end is refused, with
 * how long this run waited.
 */
export const acquireRunLock = async (
  stateDir: string,
  options: {
    readonly command: string;
    readonly now: Date;
    readonly waiting?: (holder: RunLockHolder) => void;
    /** RECEIVER_WAIT_MS unless given. */
    readonly receiverWaitMs?: number;
  },
  /** The lockfile this lock guards: the temp files killed writers left beside it go too. */
  lockPath?: string,
): Promise<RunLockResult> => {
  await ensureStateDir(stateDir);
  const path = runLockPath(stateDir);
  const me: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    since: options.now.toISOString(),
    command: options.command,
    ...ownStart(),
  };
  let released = false;
  const granted = async (fd: number, tookOver?: RunLockHolder): Promise<RunLockResult> => {
    const { dev, ino } = fstatSync(fd);
    const rootPath = dirname(stateDir);
    const rootWas = folderAt(rootPath);
    const root = rootWas === undefined ? undefined : { path: rootPath, was: rootWas };
    // Held now: no run of this host writes here (nor the lockfile) meanwhile, so what dead
    // ones left can go.
    await sweepStaleTemps(stateDir, (pid) => pid === process.pid || pidAlive(pid), { lockPath });
    // The first loss is kept: a lock replaced, then removed, was still taken by another.
    let lost: { readonly holder?: RunLockHolder; readonly moved?: FolderMoved } | undefined;
    return {
      ok: true,
      holder: me,
      ...(tookOver ? { tookOver } : {}),
      lost: () => {
        if (!released) lost ??= lockNow(path, { dev, ino }, root);
        return lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        try {
          // After `callops unlock` another run may hold it: only our own lock is removed.
          if (lockNow(path, { dev, ino }) === undefined) await unlink(path).catch(() => undefined);
        } finally {
          closeSync(fd);
        }
      },
    };
  };

  let waitStart: number | undefined;
  let noted = false;
  for (let round = 0; round < 5; round++) {
    const created = await createExclusive(path, me);
    if (created !== undefined) return granted(created);
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile: try again
    if (!isStale(holder)) {
      if (!isReceiver(holder)) return { ok: false, holder };
      const start = waitStart ?? Date.now();
      waitStart = start;
      const note = () => {
        if (noted || Date.now() - start < RECEIVER_NOTE_MS) return;
        noted = true;
        options.waiting?.(holder);
      };
      const deadline = start + (options.receiverWaitMs ?? RECEIVER_WAIT_MS);
      if (!(await receiverLetGo(path, holder, deadline, note))) {
        return { ok: false, holder, waitedMs: Date.now() - start };
      }
      // Not a race lost: the wait's deadline bounds these rounds, not the count.
      round -= 1;
      continue;
    }
    if (!(await createGuard(takeoverPath(stateDir), me))) {
      // Another run is taking it over: refused in the name of the run that takes it, never
      // of the holder that is gone.
      const taker = await takingOver(stateDir, holder);
      if (taker === undefined) continue;
      return { ok: false, holder: taker };
    }
    try {
      const again = await readHolder(path);
      if (again && !sameHolder(again, holder)) return { ok: false, holder: again };
      await unlink(path).catch((error) => {
        if (!isErrorCode(error, 'ENOENT')) throw error;
      });
      const taken = await createExclusive(path, me);
      if (taken !== undefined) return granted(taken, holder);
      // Another run took it in between: named; if it let go already, looked at again (never
      // named as the holder that is gone).
      const taker = await readHolder(path);
      if (taker !== undefined) return { ok: false, holder: taker };
    } finally {
      await unlink(takeoverPath(stateDir)).catch(() => undefined);
    }
  }
  // The lock kept appearing and vanishing under us: refuse rather than loop.
  const holder = await readHolder(path);
  return {
    ok: false,
    holder: holder ?? { pid: 0, host: '', since: me.since, command: '', unreadable: true },
  };
};

/** How long a run refused the takeover guard waits for that takeover to end, at most. */
const TAKEOVER_WAIT_MS = 2_000;

/**
 * Refused the takeover guard while taking over `stale`: another run is taking the lock over.
 * Waits (polling every 5 ms) until the lock is no longer the stale one or the guard is gone,
 * then gives undefined: look again, and the next look names whoever took the lock, or takes
 * it. The run holding the guard may lose the lock to another, so it is named only when its
 * takeover does not end in TAKEOVER_WAIT_MS. A guard whose run is gone too stays until
 * `callops unlock` clears it with the lock, and the stale holder is named.
 */
const takingOver = async (
  stateDir: string,
  stale: RunLockHolder,
): Promise<RunLockHolder | undefined> => {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    const now = await readHolder(runLockPath(stateDir));
    if (now === undefined || !sameHolder(now, stale)) return undefined;
    const taker = await readHolder(takeoverPath(stateDir));
    if (taker === undefined) return undefined;
    if (livenessOf(taker) !== 'alive') return stale;
    if (Date.now() >= deadline) return taker;
    await sleep(5);
  }
};

/** Remove the run lock and a takeover left half-way, whoever holds them (no checks). */
export const forceUnlock = async (
  stateDir: string,
): Promise<{ readonly removed: RunLockHolder | undefined }> => {
  const path = runLockPath(stateDir);
  const removed = await readHolder(path);
  for (const file of [path, takeoverPath(stateDir)]) await removeFile(file);
  return { removed };
};

/** Remove `file`: a link itself, not what it points to; a folder made there, with its content. */
const removeFile = (file: string): Promise<void> =>
  unlink(file).catch((error) => {
    if (isErrorCode(error, 'EISDIR', 'EPERM')) return rm(file, { recursive: true, force: true });
    if (!isErrorCode(error, 'ENOENT')) throw error;
  });

/**
 * What can be known of a holder from here: alive on this host (EPERM from kill(pid, 0) is
 * a live process of another user), gone from this host (also when its pid now names a
 * process that started later, or names a zombie), or on another host, in another PID
 * namespace of this host (another container), or unreadable, where liveness cannot be
 * checked.
 */
export type HolderLiveness = 'alive' | 'gone' | 'elsewhere' | 'other-namespace' | 'unreadable';

/**
 * Whether a run may be going on now: the run lock has a holder that is alive on this host,
 * or one on another host (whose liveness cannot be checked from here).
 */
export const runGoingOn = async (stateDir: string): Promise<boolean> => {
  const holder = await readHolder(runLockPath(stateDir));
  if (holder === undefined) return false;
  // An unreadable lock is refused by runners as a holder that may be alive: so here too.
  return livenessOf(holder) !== 'gone';
};

export const livenessOf = (holder: RunLockHolder): HolderLiveness => {
  if (holder.unreadable) return 'unreadable';
  if (holder.host !== hostname()) return 'elsewhere';
  if (inOtherNamespace(holder)) return 'other-namespace';
  return holderAlive(holder) ? 'alive' : 'gone';
};

export type UnlockResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'removed'; readonly holder: RunLockHolder; readonly liveness: HolderLiveness }
  | { readonly kind: 'refused'; readonly holder: RunLockHolder; readonly liveness: HolderLiveness };

/**
 * `callops unlock`: remove the run lock only when its holder cannot be running. A holder
 * alive on this host is always refused; one on another host (or an unreadable lock) only
 * with `force`. The removal is guarded like a takeover (`run.lock.takeover`), so a run that
 * takes the lock meanwhile is never unlocked by mistake.
 */
export const unlockRunLock = async (
  stateDir: string,
  options: { readonly force: boolean; readonly now: Date },
): Promise<UnlockResult> => {
  const path = runLockPath(stateDir);
  const guard = takeoverPath(stateDir);
  const me: RunLockHolder = {
    pid: process.pid,
    host: hostname(),
    since: options.now.toISOString(),
    command: 'callops unlock',
    ...ownStart(),
  };
  // A takeover left half-way by a run that died would block every later run.
  const taking = await readHolder(guard);
  if (taking !== undefined && livenessOf(taking) !== 'alive') await removeFile(guard);
  const holder = await readHolder(path);
  if (holder === undefined) return { kind: 'none' };
  const liveness = livenessOf(holder);
  if (liveness === 'alive' || (liveness !== 'gone' && !options.force)) {
    return { kind: 'refused', holder, liveness };
  }
  if (!(await createGuard(guard, me))) return { kind: 'refused', holder, liveness: 'alive' };
  try {
    const again = await readHolder(path);
    if (again === undefined) return { kind: 'none' };
    if (!sameHolder(again, holder))
      return { kind: 'refused', holder: again, liveness: livenessOf(again) };
    await removeFile(path);
    return { kind: 'removed', holder, liveness };
  } finally {
    await unlink(guard).catch(() => undefined);
  }
};

/**
 * The run lock a run took is no longer its file: removed while it ran (`git clean -X`, a
 * cleanup job, `callops unlock --force`), or replaced by another run's. Another run may be
 * placing calls from the same lockfile now, so this one places nothing more.
 */
export class RunLockLost extends Error {
  override readonly name = 'RunLockLost';
  constructor(
    /** The lock file as the user knows it, e.g. `.callops/run.lock`. */
    file: string,
    readonly holder: RunLockHolder | undefined,
    now: Date,
    /** The project folder itself moved: the lock went with it, nothing was removed. */
    readonly moved?: FolderMoved,
  ) {
    super(
      moved !== undefined
        ? `the project folder ${moved.from} was moved or renamed while this run held its run lock ${file}${moved.to === undefined ? '' : ` (it is at ${moved.to} now)`}: this run no longer works in the folder it started in`
        : holder === undefined
          ? `the run lock ${file} was removed while this run held it (a cleanup such as \`git clean -X\`, or \`callops unlock --force\`): another run may have taken the lock since and be placing the same calls`
          : `the run lock ${file} was replaced while this run held it: it is now ${describeHolder(holder, now)}, which may be placing the same calls`,
    );
  }
}

/** The instant a holder's times are told from: the database's as it was read, else `now`. */
const clockOf = (holder: RunLockHolder, now: Date): Date =>
  holder.clockAt === undefined ? now : new Date(holder.clockAt);

const ago = (ms: number): string => {
  const minutes = Math.floor(ms / 60_000);
  if (ms < 0) return 'in the future; the clocks differ';
  if (minutes < 1) return 'less than a minute ago';
  if (minutes < 120) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.floor(hours / 24)} days ago`;
};

/** "held by pid 1234 on host build-7 since 2026-11-24T10:00:00Z (12 minutes ago), running `callops apply`" */
export const describeHolder = (holder: RunLockHolder, now: Date): string => {
  const since = holder.since.replace(/\.\d{3}Z$/, 'Z');
  const when = `since ${since} (${ago(clockOf(holder, now).getTime() - Date.parse(holder.since))})`;
  if (holder.unreadable) {
    return `held by a run that could not be identified (${RUN_LOCK_FILE} is unreadable), present ${when}`;
  }
  const pid = inOtherNamespace(holder)
    ? `pid ${holder.pid} of another PID namespace (${holder.pidNs})`
    : `pid ${holder.pid}`;
  return `held by ${pid} on host ${holder.host} ${when}, running \`${holder.command}\``;
};

/**
 * A file store's refusal: "callops.lock is in use: the run lock .callops/run.lock is held by
 * pid 12 on host a since …". It names the file that is held, and so the one that `callops
 * unlock` would remove: never the lockfile, which holds the placements.
 */
export const runLockInUse = (lockName: string, holder: RunLockHolder, now: Date): string =>
  `${lockName} is in use: the run lock ${RUN_LOCK_NAME} is ${describeHolder(holder, now)}`;

/**
 * What a user refused because of `holder` can do: never `unlock` while it is alive here.
 * `waitedMs`: how long the command waited for it (a receiver), in vain.
 */
export const lockAdvice = (
  holder: RunLockHolder,
  liveness: HolderLiveness,
  waitedMs?: number,
): string => {
  switch (liveness) {
    case 'alive':
      if (isReceiver(holder)) {
        return waitedMs === undefined
          ? `That process is a \`callops receive\`, alive on this host: it holds the run lock only while it records a batch of statuses and lets go of it by itself (commands wait up to ${RECEIVER_WAIT_MS / 1000} s for it).`
          : `That process is a \`callops receive\`, alive on this host: it holds the run lock only while it records a batch of statuses, yet it kept it through the ${Math.round(waitedMs / 1000)} s this command waited; it may be stuck. Try again; should it stay held, stop that receiver (kill ${holder.pid}): what it accepted stays in its spool, and the next command records it.`;
      }
      return `That process is alive on this host: wait for it to finish, or stop it (kill ${holder.pid}).`;
    case 'elsewhere':
      return `It runs on another host, where callops cannot check it: if that run is certainly gone (its machine is down), \`callops unlock --force\` removes the run lock.`;
    case 'other-namespace':
      return `It runs in another PID namespace of this host (another container, or \`unshare --pid\`), where pid ${holder.pid} is not the same process, so callops cannot check it: if that run is certainly gone (its container stopped), \`callops unlock --force\` removes the run lock.`;
    case 'unreadable':
      return 'If no callops run uses this project, `callops unlock --force` removes it.';
    case 'gone':
      return 'That process is gone (it may have ended just now): try again; should the run lock still be there, `callops unlock` removes it.';
  }
};

/** "at 2026-11-24T10:00:15Z (in 12 s)", the second rounded up, or that it has run out. */
const leaseEnd = (until: string, now: Date): string => {
  const end = Math.ceil(Date.parse(until) / 1000) * 1000;
  const left = Math.ceil((end - now.getTime()) / 1000);
  return left <= 0
    ? 'now (its lease has run out)'
    : `at ${new Date(end).toISOString().replace(/\.\d{3}Z$/, 'Z')} (in ${left} s)`;
};

/**
 * The same for a database store's run lock, which is never cleared by hand: the database lets
 * go of it when its holder's session ends, and a lease keeps it held at most that long after
 * the holder's last renewal (so that a holder whose connection was cut keeps it). `unlock`
 * has nothing to remove; a holder that is gone blocks until its lease runs out.
 */
export const leaseAdvice = (holder: RunLockHolder, liveness: HolderLiveness, now: Date): string => {
  const until = holder.leaseUntil;
  const frees =
    until === undefined
      ? 'the state database frees its lock when its lease runs out'
      : `the state database frees its lock ${leaseEnd(until, clockOf(holder, now))}`;
  switch (liveness) {
    case 'alive':
      return `That process is alive on this host: wait for it to finish, or stop it (kill ${holder.pid}).`;
    case 'gone':
      return `That process is gone: ${frees}; try again then (\`callops unlock\` has nothing to clear).`;
    case 'elsewhere':
    case 'other-namespace':
      return `It runs on another host${liveness === 'elsewhere' ? '' : ' (or another container of this one)'}: wait for it to finish; if it is gone, ${frees} (\`callops unlock\` has nothing to clear).`;
    case 'unreadable':
      return 'The state database frees it when that run ends, or when its lease runs out should it be gone: try again then (`callops unlock` has nothing to clear).';
  }
};
