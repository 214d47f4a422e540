import type { ImportConflict, ImportResult, SettledConflict } from '../state/store.js';

/* The words of `callops state push`: what it imported, settled and refused. */

const entries = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;

const withSid = (side: { readonly status: string; readonly sid?: string }): string =>
  `${side.status}${side.sid ? ` (sid ${side.sid})` : ''}`;

/** One refused key: "sim/y1: the database has placed (sid …), callops.lock has placed (sid …)". */
const conflictLine = (c: ImportConflict, lockName: string): string =>
  c.store.inFlight === true
    ? `  ${c.key}: in flight (a live runner is placing it now and records its outcome), ${lockName} has ${withSid(c.lockfile)}`
    : `  ${c.key}: the database has ${withSid(c.store)}, ${lockName} has ${withSid(c.lockfile)}`;

/** What became of the entry that was not kept. */
const otherWords = (side: { readonly status: string; readonly sid?: string }): string =>
  side.status === 'failed'
    ? 'it called no one'
    : side.status === 'unknown'
      ? 'its attempt may have rung too, and has no sid to keep: look it up on the gateway (`callops resolve --check` reads it there only while the entry is unknown)'
      : 'its sid is not kept';

/** One settled key, saying where each side's placement is now. */
const settledLine = (c: SettledConflict, lockName: string): string => {
  const [kept, other, keptName, otherName] =
    c.kept === 'store'
      ? [c.store, c.lockfile, "the database's", `${lockName}'s`]
      : [c.lockfile, c.store, `${lockName}'s`, "the database's"];
  const rest =
    c.historied.length > 0
      ? `${otherName} ${withSid(other)} is kept in its history${
          kept.status === 'placed' && other.status === 'placed'
            ? ': this call was placed twice'
            : ''
        }`
      : `${otherName} ${withSid(other)} is not: ${otherWords(other)}`;
  return `  ${c.key}: kept ${keptName} ${withSid(kept)}; ${rest}`;
};

/**
 * ` (3 already there)`; with those whose placement the database's entry keeps in its history
 * (settled by an earlier push, or replaced since) counted: ` (1 already there, as an earlier
 * placement …)`.
 */
const alreadyThere = (pushed: ImportResult): string => {
  const { unchanged, inHistory } = pushed;
  if (unchanged === 0) return '';
  if (inHistory === 0) return ` (${unchanged} already there)`;
  const which = inHistory === unchanged ? '' : ` ${inHistory} of them`;
  return ` (${unchanged} already there,${which} as an earlier placement the database's entry keeps in its history)`;
};

/** stdout of a push that imported: the counts, then each settled key. */
export const pushedText = (pushed: ImportResult, lockName: string): string => {
  const lines = [
    `imported ${entries(pushed.imported)} of ${lockName} into the state database${alreadyThere(pushed)}`,
  ];
  if (pushed.settled.length > 0) {
    lines.push(
      `settled ${entries(pushed.settled.length)} that conflicted with the state database (--keep-database):`,
      ...pushed.settled.map((c) => settledLine(c, lockName)),
    );
  }
  return `${lines.join('\n')}\n`;
};

/** The error of a push that left keys in conflict: each key, and the way on for each kind. */
export const conflictText = (pushed: ImportResult, lockName: string): string => {
  const { conflicts } = pushed;
  const inFlight = conflicts.filter((c) => c.store.inFlight === true);
  const settleable = conflicts.length - inFlight.length;
  const ways = [
    settleable === 0
      ? undefined
      : `To settle ${settleable === 1 ? 'it' : 'them'}, run \`callops state push --keep-database\`: it keeps the database's entry of each (or ${lockName}'s, where it records more of the call: placed over unknown over failed) and the other's sid in that entry's history, so no placed call is forgotten.`,
    inFlight.length === 0
      ? undefined
      : `A key in flight is being placed by a live runner: wait for it to record the outcome (\`callops status\` lists it in flight until then), then run \`callops state push${settleable === 0 ? '' : ' --keep-database'}\` again.`,
  ].filter((w) => w !== undefined);
  const others = pushed.imported + pushed.unchanged + pushed.settled.length;
  return [
    `${lockName} conflicts with the state database in ${entries(conflicts.length)}; ${conflicts.length === 1 ? 'it was' : 'they were'} not imported${others > 0 ? ' (every other entry was)' : ''}:`,
    ...conflicts.map((c) => conflictLine(c, lockName)),
    ...ways,
  ].join('\n');
};
