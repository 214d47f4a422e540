import { lstat, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureStateDir, isErrorCode, replaceWhole, syncDir } from './dir.js';
import { nothingDone, type StateUse } from './store.js';

/**
 * `.callops/moved-to-postgres.json`: this folder's state is kept in a PostgreSQL database.
 * Invariant: while a command of this folder may have placed through the database a call that
 * callops.lock does not hold, the file store here refuses to open. Nothing written locally
 * while the state was in the database (no lockfile, no copy in `.callops/`) lets the file
 * store's own check of a lockfile that moved backwards see those calls: this marker is what
 * does. Every command that opens the database store writes it (one small file, before it
 * sends anything); `state push` writes it once its import is done; `state pull` removes it
 * once callops.lock, written from the database, holds every placement. It names the schema,
 * and which state that schema holds (a digest: ./postgres/schema.ts, stateIdOf), never the
 * url (nor its password): a database store whose schema is not the one recorded refuses to
 * open (./moved-elsewhere.ts).
 */
export const MOVED_FILE = 'moved-to-postgres.json';

/** The marker as users read it, relative to the project. */
export const MOVED_NAME = `.callops/${MOVED_FILE}`;

const movedPath = (stateDir: string): string => join(stateDir, MOVED_FILE);

export interface Moved {
  /** The schema the state went to (its name only). */
  readonly schema: string;
  /**
   * Which state that schema holds (./postgres/schema.ts, stateIdOf): another database's, or
   * a schema created anew, differs. Absent in markers of earlier releases.
   */
  readonly stateId?: string;
  /** When `callops state push` imported the lockfile into it (absent: never from here). */
  readonly pushedAt?: string;
  /** When the first command recorded here used the database (since the push, if any). */
  readonly since: string;
  /** How many commands used the database here since then (the push not counted). */
  readonly commands: number;
  /** When the last of them started. */
  readonly lastAt?: string;
}

/** A marker is a few hundred bytes: anything larger (or not a file) is not read. */
const MAX_BYTES = 4096;
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;
const STATE_ID = /^[0-9a-f]{16}$/;
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const instant = (value: unknown): string | undefined =>
  typeof value === 'string' && INSTANT.test(value) ? value : undefined;

const parse = (text: string): Moved | undefined => {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  const since = instant(d.since);
  if (typeof d.schema !== 'string' || !SCHEMA.test(d.schema) || since === undefined)
    return undefined;
  const commands =
    typeof d.commands === 'number' && Number.isSafeInteger(d.commands) && d.commands >= 0
      ? d.commands
      : 0;
  const pushedAt = instant(d.pushedAt);
  const lastAt = instant(d.lastAt);
  const stateId = typeof d.stateId === 'string' && STATE_ID.test(d.stateId) ? d.stateId : undefined;
  return {
    schema: d.schema,
    ...(stateId && { stateId }),
    ...(pushedAt && { pushedAt }),
    since,
    commands,
    ...(lastAt && { lastAt }),
  };
};

/**
 * What the marker says: undefined when there is none, `unreadable` when there is one that
 * cannot be read (it still stands: only its details are lost). One lstat when absent.
 */
export const readMoved = async (stateDir: string): Promise<Moved | 'unreadable' | undefined> => {
  const path = movedPath(stateDir);
  try {
    const kind = await lstat(path);
    if (!kind.isFile() || kind.size > MAX_BYTES) return 'unreadable';
    const handle = await open(path, 'r');
    try {
      return parse(await handle.readFile('utf8')) ?? 'unreadable';
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isErrorCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    return 'unreadable';
  }
};

/**
 * Record that a command of this folder uses the database at `schema` now (`pushed`: that
 * `state push` imported the lockfile into it), the state it holds being `stateId`. A marker of
 * another schema or state is replaced: the count starts again (the commands refuse that
 * marker first, ./moved-elsewhere.ts, but `state push` after a pull). One of an earlier
 * release, without a state, is taken on. One file written whole (temp file, fsync, rename);
 * the folder synced only when the marker is new, so that it survives a crash.
 */
export const recordMoved = async (
  stateDir: string,
  schema: string,
  options: { readonly pushed?: boolean; readonly now?: Date; readonly stateId?: string } = {},
): Promise<void> => {
  const at = (options.now ?? new Date()).toISOString();
  const before = await readMoved(stateDir);
  const { stateId } = options;
  const kept =
    typeof before === 'object' &&
    before.schema === schema &&
    (before.stateId === undefined || before.stateId === stateId)
      ? before
      : undefined;
  const next: Moved =
    options.pushed === true
      ? { schema, ...(stateId && { stateId }), pushedAt: at, since: at, commands: 0 }
      : {
          schema,
          ...(stateId && { stateId }),
          ...(kept?.pushedAt && { pushedAt: kept.pushedAt }),
          since: kept?.since ?? at,
          commands: (kept?.commands ?? 0) + 1,
          lastAt: at,
        };
  await ensureStateDir(stateDir);
  await replaceWhole(movedPath(stateDir), `${JSON.stringify(next, null, 2)}\n`);
  if (before === undefined) await syncDir(stateDir);
};

/** `callops state pull` wrote callops.lock from the database: the file store may open again. */
export const clearMoved = async (stateDir: string): Promise<void> => {
  try {
    await unlink(movedPath(stateDir));
    await syncDir(stateDir);
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT', 'ENOTDIR')) throw error;
  }
};

export const commandsText = (n: number): string => `${n} command${n === 1 ? '' : 's'}`;

/** "moved to PostgreSQL (schema s11) at T (callops state push, and 2 commands since, last at T2)" */
export const movedText = (moved: Moved | 'unreadable'): string => {
  if (moved === 'unreadable')
    return `the state of this project moved to PostgreSQL (${MOVED_NAME} says so, but cannot be read)`;
  const last = moved.lastAt === undefined ? '' : `, last at ${moved.lastAt}`;
  if (moved.pushedAt !== undefined)
    return `the state of this project moved to PostgreSQL (schema ${moved.schema}) at ${moved.pushedAt} (callops state push, and ${commandsText(moved.commands)} since${last})`;
  return `the state of this project is kept in PostgreSQL (schema ${moved.schema}): ${commandsText(moved.commands)} used it here since ${moved.since}${last}`;
};

/** The file store refused: the state of this folder is in a database (refuseMoved). */
export class StateMoved extends Error {
  override readonly name = 'StateMoved';
}

/**
 * Refuse to open the file store while the marker stands: callops.lock lacks what was placed
 * through the database, and planning from it would place those calls again. Says what the
 * command did not do (`use`), the way on, and the deliberate override.
 */
export const refuseMoved = async (
  stateDir: string,
  lockName: string,
  use: StateUse | undefined,
): Promise<void> => {
  const moved = await readMoved(stateDir);
  if (moved === undefined) return;
  const schema = typeof moved === 'object' ? ` (schema: ${moved.schema})` : '';
  const notDone = nothingDone(use);
  const would =
    use === 'send'
      ? `going on would place those calls again, so ${notDone}`
      : `an apply would place those calls again${notDone === undefined ? '' : `, so ${notDone}`}`;
  throw new StateMoved(
    `${movedText(moved)}; ${lockName} does not hold what was placed there, and ${would}. The way on: set \`state:\` back to postgres${schema} and run \`callops state pull\` (it writes ${lockName} from the database), then set \`state:\` to the file store again. If this project truly leaves that database, and what was placed through it is to be forgotten, remove ${MOVED_NAME}.`,
  );
};
