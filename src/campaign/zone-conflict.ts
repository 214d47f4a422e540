import type { CallDefinition } from '../validate/model.js';
import { isTimeZone } from '../validate/timezone.js';
import { hasRowReference } from './template.js';

/**
 * A campaign whose call writes its own `schedule.timezone` (an IANA name: every row's zone)
 * beside a CSV whose `timezone` column names other zones. The call's zone wins, so a row the
 * CSV places in Asia/Tokyo would ring at New York's hours (01:00 in Tokyo): an error at the
 * first such cell, as for a header that reads as `timezone` and is not it (a warning scrolls by
 * in CI while the call goes out at the wrong hour). A cell that is empty or names the call's
 * zone (by any of its names: `US/Eastern` is America/New_York) agrees with it. A zone of
 * defaults is not the call's own: the column wins over it, and nothing conflicts.
 */
export interface ZoneConflict {
  /** The `timezone` column. */
  readonly column: number;
  /** Whether a cell of that column names a zone other than the call's. */
  differs(cell: string): boolean;
  /** The error's words, said at the first such cell (`cell`); `count` rows have one. */
  message(cell: string, count: number): string;
}

/** Zones already asked for: a campaign's rows name a few zones, each many times. */
const canonicalNames = new Map<string, string>();

/** The zone `name` stands for (a link's target), or the name as written when it is none. */
const canonical = (name: string): string => {
  let found = canonicalNames.get(name);
  if (found === undefined) {
    try {
      found = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      found = name;
    }
    if (canonicalNames.size < 1024) canonicalNames.set(name, found);
  }
  return found;
};

/**
 * The conflict to look for in the rows, or undefined when there is none to find: the call
 * writes no zone itself (`callZone`), or a `${row.X}` one, or one that is no zone (an error
 * of its own), or nothing of its schedule is read in a zone (`readIn`: the column is then
 * ignored), or the header has no `timezone` column.
 */
export const zoneConflict = (
  call: CallDefinition,
  written: Readonly<Record<string, unknown>> | undefined,
  callZone: boolean,
  readIn: string | undefined,
  column: number | undefined,
  zoneColumn: string,
): ZoneConflict | undefined => {
  const zone = written?.timezone;
  if (!callZone || readIn === undefined || column === undefined) return undefined;
  if (typeof zone !== 'string' || hasRowReference(zone) || !isTimeZone(zone)) return undefined;
  const own = canonical(zone);
  const site = call.locate(['schedule', 'timezone']);
  return {
    column,
    differs: (cell) => {
      const named = cell.trim();
      return named !== '' && named !== zone && (!isTimeZone(named) || canonical(named) !== own);
    },
    message: (cell, count) => {
      const named = cell.trim();
      return `\`${zoneColumn}\` is \`${named}\` here, but the call writes \`schedule.timezone: ${zone}\` (${site.file}:${site.line}:${site.column}), which holds every row: the campaign's ${readIn} would be read in ${zone} for this row, not in ${named} — ${count} ${count === 1 ? 'row names' : 'rows name'} another zone (the first here); drop one of the two: the \`${zoneColumn}\` column to keep every row at ${zone}, or the call's \`schedule.timezone\` to read each row's hours in its own zone`;
    },
  };
};
