import { commandsText, MOVED_NAME, type Moved, readMoved } from './moved.js';
import { nothingDone, type StateUse } from './store.js';

/**
 * A database store refuses to open where `.callops/moved-to-postgres.json` says this folder's
 * state is kept elsewhere: under another schema, or in another database (the state the schema
 * holds is not the one recorded: ./postgres/schema.ts, stateIdOf). Invariant: no command of a
 * folder whose calls were placed through one schema sends, records or plans through another
 * that lacks them, unless the state was moved there (`state pull` from the one removes the
 * record, `state push` into the other writes it anew) or the record was removed on purpose.
 * A project that started on PostgreSQL has no lockfile, and so nothing else to stop it: an
 * edited `state.schema` or `state.url` would call everyone again.
 */

/** Where this command's database store is: its schema, and the state it holds. */
export interface StateHere {
  readonly schema: string;
  readonly stateId: string | undefined;
  /** The state another schema of this database holds (undefined: none of callops). */
  readonly stateIdOf: (schema: string) => Promise<string | undefined>;
  /** Whether this schema holds any placement. */
  readonly holdsEntries: () => Promise<boolean>;
}

/** "(moved there by `callops state push` at T, and 2 commands since, last at T2)" */
const recordText = (moved: Moved): string => {
  const last = moved.lastAt === undefined ? '' : `, last at ${moved.lastAt}`;
  if (moved.pushedAt !== undefined)
    return `moved there by \`callops state push\` at ${moved.pushedAt}, and ${commandsText(moved.commands)} since${last}`;
  return `${commandsText(moved.commands)} used it from here since ${moved.since}${last}`;
};

/**
 * Refuse when the record names another schema or state than `here`. A record of an earlier
 * release names no state: it is taken for this database's while this schema holds entries,
 * and refused where it holds none (what a database reached by a new url looks like). An
 * unreadable record is left to be written over, as before.
 */
export const refuseMovedElsewhere = async (
  stateDir: string,
  lockName: string,
  here: StateHere,
  use: StateUse | undefined,
): Promise<void> => {
  const moved = await readMoved(stateDir);
  if (typeof moved !== 'object') return;
  const old = moved.schema;
  const notDone = nothingDone(use);
  const would =
    use === 'send'
      ? `going on would place those calls again, so ${notDone}`
      : `an apply would place those calls again${notDone === undefined ? '' : `, so ${notDone}`}`;
  const forget = `If what was placed there is truly to be forgotten (its calls may then be placed again), remove ${MOVED_NAME}.`;
  const pull = `run \`callops state pull\` (it writes ${lockName} from there)`;
  const push = `run \`callops state push\` (it imports ${lockName})`;
  const record = `${MOVED_NAME}: ${recordText(moved)}`;

  if (old === here.schema) {
    if (moved.stateId !== undefined && moved.stateId === here.stateId) return;
    if (moved.stateId === undefined) {
      if (await here.holdsEntries()) return;
      throw new Error(
        `schema ${old} holds no entries, but the state of this project is kept in PostgreSQL under schema ${old} (${record}; written by an earlier callops, it does not say which database): \`state.url\` may now reach another database than the one that holds what was placed: ${would}. If \`state.url\` changed, set it back, ${pull}, then set it to the new database and ${push}. If nothing was placed through the database from here, or ${forget.slice(3)}`,
      );
    }
    throw new Error(
      `the state of this project is kept in PostgreSQL under schema ${old} of another database (${record}): schema ${old} of the database \`state.url\` reaches now is another (or was created anew since) and does not hold what was placed there: ${would}. To move the state: set \`state.url\` back to the database it is in and ${pull}, then set \`state.url\` to the new database and ${push}. ${forget}`,
    );
  }
  // The recorded schema found here with the recorded state: only `state.schema` changed.
  const oldHere = moved.stateId === undefined ? undefined : await here.stateIdOf(old);
  const url =
    oldHere !== undefined && oldHere === moved.stateId
      ? ''
      : ' (and `state.url` back to the database it is in, if that changed too)';
  throw new Error(
    `the state of this project is kept in PostgreSQL under schema ${old} (${record}), but callops.yaml now names schema ${here.schema}, which does not hold what was placed under ${old}: ${would}. To move the state: set \`state.schema\` back to ${old}${url} and ${pull}, then set \`state.schema\` to ${here.schema} and ${push}. ${forget}`,
  );
};
