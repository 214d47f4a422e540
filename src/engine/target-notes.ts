import { type TargetNotes, targetNotes } from '../plan/index.js';
import type { TargetEntries } from '../plan/twins.js';
import type { Lockfile } from '../state/types.js';
import { gatewaysOf } from './gateways.js';
import { unsetVariables } from './plan-digests.js';
import type { Prepared } from './prepare.js';

/** The notes a plan of `prepared` over `lock` names under its target line (TargetNotes). */
export const targetNotesAt = (prepared: Prepared, lock: Lockfile): TargetNotes =>
  targetNotes(lock, gatewaysOf(prepared), prepared.choice.runTarget);

const KINDS = ['goneTargets', 'sameGateway', 'unresolvedTargets'] as const;

/** Each note's target, by its kind: what makes it the same line (its count aside). */
const namesOf = (notes: TargetNotes): Set<string> =>
  new Set(KINDS.flatMap((kind) => (notes[kind] ?? []).map((g) => `${kind}\0${g.target}`)));

/**
 * The notes `run` said, one line per target: `next` takes a wake's and gives those not said
 * since the set last changed (a target new to it, or back in it), undefined when none is.
 * A note whose count of entries alone changed is not said again: every batch would repeat it.
 */
export const targetNotesSaid = (said: TargetNotes) => {
  let names = namesOf(said);
  return {
    next: (notes: TargetNotes): TargetNotes | undefined => {
      const before = names;
      names = namesOf(notes);
      const fresh: Partial<Record<(typeof KINDS)[number], readonly TargetEntries[]>> = {};
      for (const kind of KINDS) {
        const list = (notes[kind] ?? []).filter((g) => !before.has(`${kind}\0${g.target}`));
        if (list.length > 0) fresh[kind] = list;
      }
      return Object.keys(fresh).length === 0 ? undefined : fresh;
    },
  };
};

/**
 * When the run's target does not resolve here and another target's entries were read without
 * its gateway (UnresolvedEntries.runTarget: twins.ts, runGateway), the variables that keep it
 * from resolving (unsetVariables), for the line that names them; undefined otherwise.
 */
export const runTargetUnset = (
  prepared: Prepared,
  notes: TargetNotes,
): readonly string[] | undefined => {
  if (!(notes.unresolvedTargets ?? []).some((g) => g.runTarget !== undefined)) return undefined;
  const spec = prepared.choice.specs.get(prepared.choice.runTarget);
  return spec === undefined ? undefined : unsetVariables(spec, prepared.env);
};
