import type { RetentionInput } from '../retention.js';
import { slotLimits } from '../retention.js';

/*
 * The rows the view needs under `state.keep`, read through the index of version 14
 * (schema.ts): pruneExpired's rule in SQL, so that a read never loads a history that only
 * grows. The expressions below are the index's, written as its migration wrote them: the
 * planner uses the index only for those.
 */

/**
 * A key whose slot is written as callops writes slots (`<target>/<name>@<slot>`, the slot
 * whole seconds in UTC after its last `@`): its memory key (`<target>/<call>`, a campaign
 * row's its campaign's), else NULL. Only such slots are compared as text (pruneExpired's
 * whole-second rule); a row of any other key is always read, and judged in memory.
 */
export const MEMORY_OF = `(CASE WHEN key ~ '/.*@[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
  THEN split_part(left(key, -21), '/', 1) || '/' || split_part(left(key, -21), '/', 2) END)`;

/**
 * The slot of a settled row (placed or failed), compared byte by byte; `unsettled` (after
 * every slot) for one that is not: an unknown entry, or a claim, is never left out.
 */
export const SETTLED_SLOT = `((CASE WHEN status IN ('placed', 'failed') THEN right(key, 20)
  ELSE 'unsettled' END) COLLATE "C")`;

/** The query's parameters: each call's slot limit, '' where none applies (nothing left out). */
export const keptParameters = (input: RetentionInput): [string[], string[], string] => {
  const { byCall, other } = slotLimits(input);
  return [[...byCall.keys()], [...byCall.values()].map((l) => l ?? ''), other ?? ''];
};

/**
 * Each memory key of a whole-second slot with its slot limit: its keys are found one by one
 * on the index (a skip over it), however many rows each has. `$1`, `$2`: call names and
 * their limits; `$3`: every other name's.
 */
const bounds = (s: string) => `WITH RECURSIVE memory(m) AS (
    (SELECT ${MEMORY_OF} FROM ${s}.placements WHERE ${MEMORY_OF} IS NOT NULL
     ORDER BY ${MEMORY_OF} LIMIT 1)
    UNION ALL
    SELECT (SELECT ${MEMORY_OF} FROM ${s}.placements WHERE ${MEMORY_OF} > memory.m
            ORDER BY ${MEMORY_OF} LIMIT 1)
    FROM memory WHERE memory.m IS NOT NULL
  ), bounds AS (
    SELECT memory.m, coalesce(c.l, $3::text) COLLATE "C" AS l
    FROM memory LEFT JOIN unnest($1::text[], $2::text[]) AS c(n, l)
      ON c.n = split_part(memory.m, '/', 2)
    WHERE memory.m IS NOT NULL
  )`;

/**
 * The rows pruneExpired keeps, and of each memory key the earliest and the latest row it
 * leaves out (once each: one row may be both): pruneExpired, run on them all, leaves those
 * out too and remembers through which slot it let go (prunedThrough), as it would reading
 * every row. `columns` is the
 * select list of a row (unqualified: `p`'s columns).
 */
export const keptRows = (s: string, columns: string): string => `${bounds(s)}
  SELECT ${columns} FROM ${s}.placements WHERE ${MEMORY_OF} IS NULL
  UNION ALL
  SELECT k.* FROM bounds CROSS JOIN LATERAL (
    SELECT ${columns} FROM ${s}.placements
    WHERE ${MEMORY_OF} = bounds.m AND ${SETTLED_SLOT} >= bounds.l) AS k
  UNION ALL
  SELECT k.* FROM bounds CROSS JOIN LATERAL (
    (SELECT ${columns} FROM ${s}.placements
     WHERE ${MEMORY_OF} = bounds.m AND ${SETTLED_SLOT} < bounds.l
     ORDER BY ${SETTLED_SLOT} LIMIT 1)
    UNION ALL
    (SELECT ${columns} FROM ${s}.placements
     WHERE ${MEMORY_OF} = bounds.m AND ${SETTLED_SLOT} < bounds.l
     ORDER BY ${SETTLED_SLOT} DESC LIMIT 1)) AS k`;
