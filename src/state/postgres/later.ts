import type { LaterScope } from '../store.js';
import { MEMORY_OF, SETTLED_SLOT } from './kept.js';

/*
 * A slot's claim checked against the later slots of its call (LaterScope): the plan's rule
 * (plan/entries.ts, latestTaken) in SQL, read through the index of version 14 (kept.ts). A
 * call's slots are found by its memory key; of them, the settled ones by slot, and the
 * others (unknown, claimed) after every slot: one range, however many slots the call placed
 * before.
 */

/** An `at` written as callops writes it (UTC, `Z`): compared with a slot as text. */
const WRITTEN_AT = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?Z$'`;

/**
 * The latest row of a later slot of the claim's call under its target, placed, unknown or
 * claimed, but not a claim of the claiming runner (`$5`): `$1` its memory key, `$2` its slot,
 * `$3` its series, `$4` the instant judged at (as keys write slots), `$6` a rehearsal. A slot
 * later than that instant counts on the real clock alone, and only when it was recorded at or
 * after its time: one recorded before it is a rehearsal's ahead of the clock. An `at` not
 * written as callops writes it is never taken for one. `live` as `alive` says of `runner`.
 */
export const laterRow = (s: string, alive: string): string => `
  SELECT key, status, sid, at, gateway, (status = 'claimed' AND ${alive}) AS live
  FROM ${s}.placements
  WHERE ${MEMORY_OF} = $1 AND ${SETTLED_SLOT} > $2
    AND status IN ('placed', 'unknown', 'claimed')
    AND NOT (status = 'claimed' AND runner = $5)
    AND char_length(key) = char_length($3) + 20 AND left(key, char_length($3)) = $3
    AND right(key, 20) COLLATE "C" > $2
    AND (right(key, 20) COLLATE "C" <= $4
      OR (NOT $6 AND NOT (at ~ ${WRITTEN_AT}
        AND left(at, 19) COLLATE "C" < left(right(key, 20), 19) COLLATE "C")))
  ORDER BY right(key, 20) COLLATE "C" DESC
  LIMIT 1`;

/** The query's parameters but the runner's (`$5`). */
export const laterParameters = (scope: LaterScope) => ({
  memory: memoryOf(scope.series),
  slot: scope.slot,
  series: scope.series,
  now: scope.now,
  rehearsal: scope.rehearsal === true,
});

/** The memory key of a series' keys (MEMORY_OF): `<target>/<call>`, a campaign row's its campaign's. */
const memoryOf = (series: string): string => {
  const [target = '', call = ''] = series.slice(0, -1).split('/');
  return `${target}/${call}`;
};

/** The call of a series (its keys but for their target, slot and attempt), whose lock its claims take. */
export const callOfSeries = (series: string): string => series.slice(series.indexOf('/') + 1, -1);
