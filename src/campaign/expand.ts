import { cellPositions, type RowSite, readCsv } from '../config/csv.js';
import {
  RecipientsChanged,
  type RecipientsFile,
  RecipientsNotUtf8,
  RecipientsUnreadable,
  recipientsChunks,
  rowBytes,
} from '../config/recipients.js';
import type { PathSegments } from '../config/types.js';
import { bodyTooLarge, kib, MAX_BODY_BYTES } from '../options/body-size.js';
import { comparedNumber, isSpreadsheetNumber, normaliseNumber } from '../screen/number.js';
import { bareNames } from '../validate/bare-names.js';
import { neverMeant } from '../validate/bare-references.js';
import { sha256 } from '../validate/definition.js';
import {
  firstRefused,
  LOCAL_NUMBER_REASON,
  type TextRule,
  textRuleAt,
} from '../validate/destination-text.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { CallDefinition, ScheduleSpec } from '../validate/model.js';
import { checkResolvedOptions, pointerSegments } from '../validate/schema-check.js';
import type { Site } from '../validate/site.js';
import {
  isTimeZone,
  legacyZoneNote,
  unknownZoneMessage,
  unknownZoneWords,
} from '../validate/timezone.js';
import { Numbers, Run } from './lazy-list.js';
import type { RedialPolicy } from './redial.js';
import { RowIds, RowTable } from './rows.js';
import {
  compileSlots,
  findRowReferences,
  hasRowReference,
  rawFill,
  type Slot,
  substitute,
} from './template.js';
import { type ZoneConflict, zoneConflict } from './zone-conflict.js';

/**
 * A campaign: one call (the template) and a recipients CSV, expanded into one definition per
 * row named `<call>/<row id>`, so its key is `<target>/<call>/<row id>` and everything
 * downstream (plan, resolve, place, state) treats a row as a call. The template was validated
 * once as a literal call (its `${row.X}` counting as references); here each row is checked
 * for the values it puts into it, every problem at the CSV cell that holds it.
 *
 * A row keeps a pointer to the template and its ordinal in the campaign's RowTable (a few
 * numbers a row; its cells are read from the file again when asked for), nothing more: its cells, id, name, options, schedule and
 * definition hash are computed when asked for (prototype getters, no closure per row), so a
 * campaign's memory stays nearly flat in its rows.
 */

/** A row id written in an `id` column. */
export const ROW_ID = /^[A-Za-z0-9._-]+$/;

/** The name of the column whose cells are the rows' ids (written so, exactly). */
export const ID_COLUMN = 'id';

/**
 * A warning at a header cell that reads as `id` but is not it (`ID`, `Id`, ` id`), when the
 * header has no `id` column: the rows are keyed by their position, which the user may not
 * expect. Only `id` as written is the id column: reading another spelling as it would change
 * the keys of every campaign already placed with one.
 */
const idLookalike = (
  file: string,
  columns: readonly string[],
  positions: readonly { line: number; column: number }[],
): Diagnostic | undefined => {
  if (columns.includes(ID_COLUMN)) return undefined;
  const i = columns.findIndex((c) => c.trim().toLowerCase() === ID_COLUMN);
  if (i < 0) return undefined;
  const name = columns[i] as string;
  return {
    ...errorAt(
      file,
      positions[i] ?? { line: 1, column: 1 },
      `column \`${name}\` is not the id column (only \`${ID_COLUMN}\`, lowercase, is): the rows are keyed by their position, which a row added, removed or moved above shifts; rename the column to \`${ID_COLUMN}\` to key the rows by it`,
    ),
    severity: 'warning',
  };
};

/** The name of the column whose cell is a row's zone when the call's `schedule.timezone` does not say. */
export const ZONE_COLUMN = 'timezone';

/** A header that reads as the zone column but is not it: `Timezone`, ` time_zone`, `TZ`. */
const ZONE_LIKE = /^(?:time[\s_-]*zone|tz)$/i;

/**
 * An error at a header cell that reads as `timezone` but is not it, when the header has no
 * `timezone` column and the campaign's hours (`readIn`) take each row's zone from that column
 * (the call writes no zone of its own nor a `${row.X}` one). Silently the rows would take the
 * defaults' zone (or UTC) and ring at the wrong hour; an error, as a warning scrolls by in CI.
 * Only `timezone` as written is the zone column, as only `id` is the id column.
 */
const zoneLookalike = (
  file: string,
  columns: readonly string[],
  positions: readonly { line: number; column: number }[],
  written: Readonly<Record<string, unknown>> | undefined,
  callZone: boolean,
  readIn: string | undefined,
): Diagnostic | undefined => {
  const timezone = written?.timezone;
  if (readIn === undefined || columns.includes(ZONE_COLUMN)) return undefined;
  if (typeof timezone === 'string' && (callZone || hasRowReference(timezone))) return undefined;
  const i = columns.findIndex((c) => ZONE_LIKE.test(c.trim()));
  if (i < 0) return undefined;
  const otherwise =
    typeof timezone === 'string'
      ? `the campaign's ${readIn} would otherwise be read in ${timezone} (the defaults' zone) for every row`
      : readIn.includes('`window`')
        ? `the campaign's \`window\` needs each recipient's time zone`
        : `the campaign's ${readIn} would otherwise be read in UTC for every row`;
  return errorAt(
    file,
    positions[i] ?? { line: 1, column: 1 },
    `column \`${columns[i]}\` is not the zone column (only \`${ZONE_COLUMN}\`, lowercase, is): ${otherwise}; rename the column to \`${ZONE_COLUMN}\` to read each row's hours in its own zone`,
  );
};

/** Which campaign a row belongs to. */
export interface CampaignRef {
  readonly name: string;
  readonly id: string;
  /** The recipients CSV (project-relative). */
  readonly recipients: string;
  /** The CSV has no `id` column: the row id is its position, which edits above shift. */
  readonly positional?: true;
  /** `shared_numbers: true`: rows of different ids that dial one number are each called. */
  readonly sharedNumbers?: true;
  /**
   * Rows of the CSV may dial one number (two rows write it, it is written without `${row.X}`,
   * or a `${VAR}` is in it): the plan compares the numbers of a run's rows. Unset, no two rows
   * of an `id`-keyed CSV can, and the plan reads no row's number to compare them.
   */
  readonly comparesRows?: true;
  /** The CSV's row whose id is `id` now, if it has one (the template's rowOf). */
  readonly rowOf?: (id: string) => RowDefinition | undefined;
}

export interface CampaignTemplate {
  readonly call: CallDefinition;
  /** The recipients CSV as named in diagnostics (project-relative). */
  readonly file: string;
  readonly slots: readonly Slot[];
  /** Each row's zone, when it comes from the CSV (`${row.X}`, or the `timezone` column). */
  readonly zone?: Slot;
  /** The slots of each option, their paths relative to it. */
  readonly slotsByKey: ReadonlyMap<string, readonly Slot[]>;
  /** The schedule of each zone, shared by the rows of that zone. */
  readonly schedules: Map<string, ScheduleSpec>;
  /** The rows read. */
  readonly table: RowTable;
  /** The `id` column, when the header has one. */
  readonly idColumn?: number;
  /** `shared_numbers: true` (with an `id` column): rows that dial one number are each called. */
  readonly sharedNumbers?: true;
  /** Set once the CSV is read, when rows may dial one number (CampaignRef.comparesRows). */
  comparesRows?: true;
  /**
   * The row whose id is `id`, when the header has an `id` column and a row has it. Its index
   * of ids is made when first asked (by the already-dialled check, only when another row's
   * key dialled a row's number), not while reading: most runs never ask.
   */
  readonly rowOf?: (id: string) => RowDefinition | undefined;
}

/** One recipient row as a call definition (see the module comment). */
export class RowDefinition implements CallDefinition {
  readonly #template: CampaignTemplate;
  /** The row's ordinal in the template's table. */
  readonly #i: number;
  constructor(template: CampaignTemplate, i: number) {
    this.#template = template;
    this.#i = i;
  }
  /** The campaign this row is of. */
  get template(): CampaignTemplate {
    return this.#template;
  }
  /** The row's ordinal in its template's table. */
  get ordinal(): number {
    return this.#i;
  }
  /** The row id: its `id` cell, else its data-row number. */
  get id(): string {
    const t = this.#template;
    return t.idColumn === undefined
      ? String(t.table.number(this.#i))
      : t.table.cell(this.#i, t.idColumn);
  }
  get line(): number {
    return this.#template.table.line(this.#i);
  }
  get name(): string {
    return `${this.#template.call.name}/${this.id}`;
  }
  get campaign(): CampaignRef {
    const t = this.#template;
    return t.idColumn === undefined
      ? { name: t.call.name, id: this.id, recipients: t.file, positional: true }
      : {
          name: t.call.name,
          id: this.id,
          recipients: t.file,
          ...(t.sharedNumbers === undefined ? {} : { sharedNumbers: t.sharedNumbers }),
          ...(t.comparesRows === undefined ? {} : { comparesRows: t.comparesRows }),
          ...(t.rowOf === undefined ? {} : { rowOf: t.rowOf }),
        };
  }
  get file(): string {
    return this.#template.file;
  }
  get column(): number {
    return 1;
  }
  get target(): string | undefined {
    return this.#template.call.target;
  }
  get enabled(): boolean {
    return this.#template.call.enabled;
  }
  get redial(): RedialPolicy | undefined {
    return this.#template.call.redial;
  }
  get #cells(): readonly string[] {
    return this.#template.table.cells(this.#i);
  }
  get schedule(): ScheduleSpec | undefined {
    const spec = this.#template.call.schedule;
    const zone = this.#template.zone;
    if (spec === undefined || zone === undefined) return spec;
    const column = zone.parts.length === 1 ? zone.parts[0] : undefined;
    const timezone =
      (typeof column === 'object'
        ? this.#template.table.cell(this.#i, column.column)
        : rawFill(zone, this.#cells)) || 'UTC';
    // Rows of one zone share one schedule object.
    const known = this.#template.schedules.get(timezone);
    if (known) return known;
    const made = { ...spec, timezone };
    this.#template.schedules.set(timezone, made);
    return made;
  }
  get options(): Readonly<Record<string, unknown>> {
    return substitute(this.#template.call.options, this.#template.slots, this.#cells);
  }
  /** One option of the row (only that option is filled in). */
  optionAt(key: string): unknown {
    const value = this.#template.call.options[key];
    const slots = this.#template.slotsByKey.get(key);
    return slots === undefined ? value : substitute(value, slots, this.#cells);
  }
  get definition(): string {
    return sha256(`${this.#template.call.definition}\0${JSON.stringify(this.#cells)}`);
  }
  locate(path: PathSegments): Site {
    return this.#template.call.locate(path);
  }
}

/** Each template's index of row ids, made when first asked (rowWithId). */
const idIndexes = new WeakMap<CampaignTemplate, RowIds>();

/**
 * The row of `template` whose id is `id`, if any. The index is the typed arrays of RowIds
 * (no string kept per row), made from the rows' id cells at the first question.
 */
const rowWithId = (template: CampaignTemplate, id: string): RowDefinition | undefined => {
  const column = template.idColumn;
  if (column === undefined) return undefined;
  let index = idIndexes.get(template);
  if (index === undefined) {
    const table = template.table;
    const made = new RowIds(table, column, () => table.count);
    for (let i = 0; i < table.count; i += 1) made.firstOrAdd(table.cell(i, column), i);
    idIndexes.set(template, made);
    index = made;
  }
  const ordinal = index.find(id);
  return ordinal < 0 ? undefined : new RowDefinition(template, ordinal);
};

export interface Expanded {
  /** The rows without a problem, made when read (see lazy-list.ts). */
  readonly rows: Run<RowDefinition>;
  readonly diagnostics: readonly Diagnostic[];
  /** The header's columns. */
  readonly columns: readonly string[];
  /** Why the file could not be read to its end (then rows and diagnostics are empty). */
  readonly problem?: string;
}

const errorAt = (
  file: string,
  at: { line: number; column: number },
  message: string,
  vocabulary: readonly string[] = [],
): Diagnostic => ({
  file,
  line: at.line,
  column: at.column,
  path: '',
  message,
  severity: 'error',
  ...(vocabulary.length > 0 ? { vocabulary } : {}),
});

const looksLikeData = (columns: readonly string[]): boolean =>
  columns.some((c) => /^\+?[\d\s().-]{5,}$/.test(c));

const columnsOf = (slot: Slot): number[] =>
  slot.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.column]));

/** Whether `slot` takes its value from one of `columns` (a row's empty cells, when it has any). */
const fromAny = (slot: Slot, columns: readonly number[] | undefined): boolean => {
  if (columns === undefined) return false;
  for (const part of slot.parts)
    if (typeof part !== 'string' && columns.includes(part.column)) return true;
  return false;
};

const isSlotPath = (slotPath: PathSegments, path: PathSegments): boolean =>
  slotPath.length <= path.length && slotPath.every((seg, i) => String(seg) === String(path[i]));

/** The row's cells with those of `columns` made empty. */
const blanked = (cells: readonly string[], columns: readonly number[]): string[] =>
  cells.map((cell, i) => (columns.includes(i) ? '' : cell));

/** Whether the header repeats a name or leaves one out (readCsv reports it). */
const headerProblems = (columns: readonly string[]): boolean =>
  new Set(columns).size !== columns.length || columns.some((c) => c.trim() === '');

/** Texts no constraint but "a string" admits together. */
const PROBES = ['', ' x\u0000:%/\\"<>{}[]@#-+.,;', 'x'.repeat(4096)];

/**
 * Whether the schema takes any text where `slot` is (a tag value, a header): then a row's
 * cell needs no check there. Decided once per campaign, by validating the template with
 * texts that any narrower rule (a pattern, a format, an enum, a length) refuses.
 */
const takesAnyText = (options: Readonly<Record<string, unknown>>, slot: Slot): boolean => {
  const key = String(slot.path[0]);
  return PROBES.every((probe) => {
    const filled = substitute(options, [{ ...slot, parts: [probe] }], []);
    const found = checkResolvedOptions(pick(filled, [key])).problems;
    return found.every(
      (p) =>
        !pointerSegments(filled, p.pointer).every((seg, i) => String(seg) === String(slot.path[i])),
    );
  });
};

const pick = (
  options: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    Object.defineProperty(out, key, { value: options[key], enumerable: true, writable: true });
  }
  return out;
};

/**
 * Where each row's zone comes from, when from the CSV; undefined when every row takes the
 * schedule's own zone. First a `${row.X}` zone (in the call or its defaults); then an IANA
 * name the call writes itself, for every row; then, when the schedule reads times in a zone
 * (`readIn`: a window, a cron or an at), the row's `timezone` column, else ignored. A name
 * written only in defaults (the file's or callops.yaml's) is for rows without a zone of
 * their own: a CSV with a `timezone` column overrides it, row by row.
 */
const zoneSlot = (
  written: Readonly<Record<string, unknown>> | undefined,
  callZone: boolean,
  readIn: string | undefined,
  index: ReadonlyMap<string, number>,
): Slot | undefined => {
  const timezone = written?.timezone;
  if (typeof timezone === 'string' && hasRowReference(timezone)) {
    return compileSlots({ timezone }, index)[0];
  }
  if ((typeof timezone === 'string' && callZone) || readIn === undefined) return undefined;
  const column = index.get(ZONE_COLUMN);
  return column === undefined ? undefined : { path: [], parts: [{ column }], written: ZONE_COLUMN };
};

/** What of `spec` is read in a row's zone (`\`window\` and \`cron\``), or undefined: nothing. */
const readInZone = (spec: ScheduleSpec | undefined): string | undefined => {
  const keys = (['window', 'cron', 'at'] as const).filter((key) => spec?.[key] !== undefined);
  return keys.length === 0 ? undefined : keys.map((key) => `\`${key}\``).join(' and ');
};

/**
 * The rows of a campaign. `call` is the template's definition (`schedule.timezone` may still
 * be `${row.X}`), `found` the file as found (its bytes are read here), `written` the merged
 * schedule as written, `callZone` whether the call writes its `schedule.timezone` itself
 * (not only its defaults), `shared` whether it writes `shared_numbers: true`. Every problem
 * of the file and of each row is returned at once; a row with a problem is left out.
 */
export const expandCampaign = (
  call: CallDefinition,
  file: string,
  found: RecipientsFile,
  written: Readonly<Record<string, unknown>> | undefined,
  callZone: boolean,
  shared = false,
): Expanded => {
  try {
    return readCampaign(call, file, found, written, callZone, shared);
  } catch (error) {
    if (error instanceof RecipientsNotUtf8) {
      // Located in the file, as its other problems are; the rows before it are not kept.
      const diagnostics = [errorAt(error.file, error, error.message)];
      return { rows: NO_ROWS, diagnostics, columns: [] };
    }
    if (!(error instanceof RecipientsUnreadable || error instanceof RecipientsChanged)) throw error;
    return { rows: NO_ROWS, diagnostics: [], columns: [], problem: error.message };
  }
};

const NO_ROWS = new Run<RowDefinition>(0, () => {
  throw new RangeError('no rows');
});

/**
 * The rows of `template` but those whose ordinals are `bad` (ascending), made when read: the
 * row at `index` is the first ordinal o with o − (bad ordinals before o) = index.
 */
const rowRun = (template: CampaignTemplate, bad: Numbers): Run<RowDefinition> => {
  if (bad.length === 0) {
    return new Run(template.table.count, (index) => new RowDefinition(template, index));
  }
  return new Run(template.table.count - bad.length, (index) => {
    // The number of bad ordinals before the row: bad[j] − j only grows with j.
    let lo = 0;
    let hi = bad.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bad.at(mid) - mid <= index) lo = mid + 1;
      else hi = mid;
    }
    return new RowDefinition(template, index + lo);
  });
};

/**
 * What a row that dials the number of an earlier row (`first`, an ordinal of `t`) says, at its
 * cell: whom it repeats, that one of the two is placed, and how to call each.
 */
const repeatedNumberWords = (t: CampaignTemplate, first: number, number: string): string => {
  const id =
    t.idColumn === undefined ? String(t.table.number(first)) : t.table.cell(first, t.idColumn);
  const row = t.idColumn === undefined ? `row ${id}` : `row \`${id}\``;
  const each =
    t.idColumn === undefined
      ? 'to call each, if they are people sharing a phone, give the CSV an `id` column and write `shared_numbers: true` in the campaign'
      : 'to call each, if they are people sharing a phone, write `shared_numbers: true` in the campaign';
  return `this row dials ${number}, as ${row} (line ${t.table.line(first)}) does: a campaign calls a number once, so only the one that comes due first is placed, the other held (${each})`;
};

/** How many rows that dial an earlier row's number are each said; the rest are counted. */
const SHARED_SAID = 10;

/**
 * A row's number as compared to another row's (comparedNumber: `15550100001` is the person of
 * `+15550100001`), or as written when a `${VAR}` of the call is in it (the same text dials
 * the same number; the environment is not read here).
 */
const rowNumberKey = (filled: string): string => {
  if (filled.includes('${')) return filled;
  const number = normaliseNumber(filled);
  return number === undefined ? filled : comparedNumber(number);
};

const readCampaign = (
  call: CallDefinition,
  file: string,
  found: RecipientsFile,
  written: Readonly<Record<string, unknown>> | undefined,
  callZone: boolean,
  shared: boolean,
): Expanded => {
  const diagnostics: Diagnostic[] = [];
  // The ordinals of the rows with a problem (the others are made from their ordinal when read).
  const bad = new Numbers();
  let template: CampaignTemplate | undefined;
  let idColumn: number | undefined;
  let referenced: readonly number[] = [];
  let filled: readonly string[] = [];
  let checked: readonly Slot[] = [];
  // The slots in `from`, the strings of `to`, a host or a header's text, each with what a cell
  // may not hold there (see destination-text.ts).
  let sentTexts: readonly (readonly [Slot, TextRule])[] = [];
  // The slots in `from` and `application_sid`, each with why no value there holds a `$NAME`.
  let neverBare: readonly (readonly [Slot, string])[] = [];
  // Numbers without a leading +: a literal call's warning, said once per campaign.
  let numberSlot: Slot | undefined;
  // The template's JSON bytes, and how many times each column is written into it: a row whose
  // cells cannot take the body past MAX_BODY_BYTES (nearly all) is not written out to know.
  let templateBytes = 0;
  let uses: readonly (readonly [number, number])[] = [];
  const local: { count: number; first?: { line: number; column: number } } = { count: 0 };
  // Zones with no daylight saving of their own (`EST`): a literal's warning, said once per
  // campaign, at the first such cell, with what it says of that one.
  const legacy: { count: number; first?: { line: number; column: number }; note?: string } = {
    count: 0,
  };
  let header: readonly string[] = [];
  // The rows' ids (when the header has an `id` column), to find one used twice.
  let ids: RowIds | undefined;
  // The rows' numbers, to find a row that dials one an earlier row dials (a campaign calls a
  // number once: that row is held by the plan), unless the campaign calls each row.
  let numbers: RowIds | undefined;
  const repeats: { count: number; more?: { line: number; column: number } } = { count: 0 };
  // Whether rows may dial one number (CampaignRef.comparesRows).
  let compares = false;
  // How far the file is read (bytes), for the number of rows to expect.
  let readTo = 0;
  const spec = call.schedule;
  const readIn = readInZone(spec);
  // The `timezone` column when it is the rows' zone and no `${row.X}` of the call reads it:
  // an empty cell there is said to be the row's zone, not a reference the call does not write.
  let zoneColumn: number | undefined;

  let before = 0;
  // A header cell that looks like the id column and is not (a warning, said whatever else is).
  let lookalike: Diagnostic | undefined;
  // A header cell that looks like the zone column and is not (an error, said whatever else is).
  let zoneLike: Diagnostic | undefined;
  // A `timezone` column beside a zone the call writes itself: its cells naming another zone
  // (an error, said once per campaign at the first such cell).
  let conflict: ZoneConflict | undefined;
  const otherZones: { count: number; first?: { line: number; column: number }; cell?: string } = {
    count: 0,
  };
  const onHeader = (columns: readonly string[]) => {
    header = columns;
    const index = new Map(columns.map((c, i) => [c, i]));
    idColumn = index.get(ID_COLUMN);
    const zone = zoneSlot(written, callZone, readIn, index);
    conflict = zoneConflict(call, written, callZone, readIn, index.get(ZONE_COLUMN), ZONE_COLUMN);
    const unknown = unknownColumns(call, columns, written);
    for (const item of unknown) diagnostics.push(item);
    // Rows are read against a header only when it names each column once and has every
    // column the call uses: otherwise each row would repeat the header's problem.
    if (unknown.length > 0 || diagnostics.length > before) return;
    if (
      spec?.window !== undefined &&
      zone === undefined &&
      zoneLike === undefined &&
      typeof written?.timezone !== 'string'
    ) {
      const site = call.locate(['schedule', 'window']);
      diagnostics.push({
        ...errorAt(
          site.file,
          site,
          `a campaign with a \`window\` needs each recipient's time zone: add a \`${ZONE_COLUMN}\` column to ${file}, or set \`schedule.timezone\` (an IANA name, or \`\${row.COLUMN}\`)`,
        ),
        path: site.path,
      });
    }
    if (shared && idColumn === undefined) {
      const site = call.locate(['shared_numbers']);
      diagnostics.push({
        ...errorAt(
          site.file,
          site,
          `\`shared_numbers\` needs an \`id\` column in ${file}: without one its rows are keyed by their position, which a row added, removed or moved above shifts, and a number is one person (add an \`id\` column)`,
        ),
        path: site.path,
      });
      return;
    }
    const slots = compileSlots(call.options, index);
    templateBytes = Buffer.byteLength(JSON.stringify(call.options));
    const counts = new Map<number, number>();
    for (const slot of slots)
      for (const part of slot.parts)
        if (typeof part !== 'string') counts.set(part.column, (counts.get(part.column) ?? 0) + 1);
    uses = [...counts];
    checked = slots.filter((slot) => !takesAnyText(call.options, slot));
    sentTexts = slots.flatMap((slot) => {
      const rule = textRuleAt(slot.path);
      return rule === undefined ? [] : [[slot, rule] as const];
    });
    neverBare = slots.flatMap((slot) => {
      const why = neverMeant(slot.path);
      return why === undefined ? [] : [[slot, why] as const];
    });
    const to = call.options.to as { type?: unknown } | undefined;
    numberSlot =
      to?.type === 'phone' || to?.type === 'teams'
        ? slots.find(
            (slot) => slot.path.length === 2 && slot.path[0] === 'to' && slot.path[1] === 'number',
          )
        : undefined;
    filled = [...new Set(checked.map((slot) => String(slot.path[0])))];
    referenced = [...new Set([...slots, ...(zone ? [zone] : [])].flatMap(columnsOf))];
    const fromOptions = new Set(slots.flatMap(columnsOf));
    zoneColumn =
      zone?.written === ZONE_COLUMN && !fromOptions.has(columnsOf(zone)[0] ?? -1)
        ? columnsOf(zone)[0]
        : undefined;
    const slotsByKey = new Map<string, Slot[]>();
    for (const slot of slots) {
      const key = String(slot.path[0]);
      slotsByKey.set(key, [...(slotsByKey.get(key) ?? []), { ...slot, path: slot.path.slice(1) }]);
    }
    const made: CampaignTemplate = {
      call,
      file,
      slots,
      slotsByKey,
      schedules: new Map(),
      ...(zone === undefined ? {} : { zone }),
      table: new RowTable(file, rowBytes(file, found)),
      ...(idColumn === undefined ? {} : { idColumn, rowOf: (id: string) => rowWithId(made, id) }),
      ...(idColumn !== undefined && shared ? { sharedNumbers: true as const } : {}),
    };
    template = made;
  };

  let rowsRead = 0;
  const onRow = (cells: readonly string[], site: RowSite) => {
    rowsRead += 1;
    const t = template;
    if (t === undefined) return;
    // Every row read is in the table (a row with a problem too: its line is where an id was first used).
    const ordinal = t.table.add(cells, site);
    readTo = site.end;
    let failed = false;
    // The row's empty cells, made only for a row that has one: a value taken from one is not
    // checked again (its "is empty" says it all).
    let empty: number[] | undefined;
    const cellAt = (column: number) =>
      cellPositions(site.raw, site.line)[column] ?? { line: site.line, column: 1 };
    const fail = (column: number, message: string, vocabulary?: readonly string[]) => {
      failed = true;
      diagnostics.push(errorAt(file, cellAt(column), message, vocabulary));
    };
    if (conflict?.differs(cells[conflict.column] ?? '') === true) {
      otherZones.count += 1;
      if (otherZones.first === undefined) {
        otherZones.first = cellAt(conflict.column);
        otherZones.cell = cells[conflict.column] ?? '';
      }
    }
    // Without an `id` column a row's id is its number, computed when asked for.
    if (idColumn !== undefined) {
      const id = cells[idColumn] ?? '';
      if (!ROW_ID.test(id)) {
        if (id.trim() === '') empty = [idColumn];
        fail(
          idColumn,
          id === ''
            ? 'the row has no `id`'
            : `id \`${id}\` must be letters, digits, \`.\`, \`_\` or \`-\``,
        );
      } else {
        ids ??= new RowIds(t.table, idColumn, () =>
          'size' in found && readTo > 0 ? Math.ceil((found.size / readTo) * t.table.count) : 0,
        );
        const first = ids.firstOrAdd(id, ordinal);
        if (first >= 0) {
          fail(idColumn, `id \`${id}\` is used twice (first on line ${t.table.line(first)})`);
        }
      }
    }
    for (const column of referenced) {
      // A blank id is said once, by the id check (which notes it among the empty cells).
      if ((cells[column] ?? '').trim() !== '' || column === idColumn) continue;
      empty ??= [];
      empty.push(column);
      fail(
        column,
        column === zoneColumn
          ? `\`${header[column]}\` is empty: the column gives each row's time zone, and the campaign's ${readIn ?? 'schedule'} is read in it`
          : `\`${header[column]}\` is empty, and the call uses it (\`\${row.${header[column]}}\`)`,
      );
    }
    // A bad id or an empty cell refuses the row, its other cells still checked; the body's size
    // waits only on the problems of the values the row puts into the call, counted from here.
    const valuesFrom = diagnostics.length;
    // As in a literal call: the schema's word on the same value is then left out.
    // Made only for a row that has one (most have none).
    let refusedText: Set<Slot> | undefined;
    for (const [slot, rule] of sentTexts) {
      for (const part of slot.parts) {
        if (typeof part === 'string' || empty?.includes(part.column) === true) continue;
        const found = firstRefused(rule, cells[part.column] ?? '');
        if (found === undefined) continue;
        refusedText ??= new Set();
        refusedText.add(slot);
        fail(
          part.column,
          `\`${slot.path.join('.')}\` (\`${slot.written}\`) holds ${found} here, ${rule.reason}`,
        );
        break;
      }
    }
    // A `$NAME` a cell puts where no value holds a `$`, refused as one written there is (one
    // the call writes there is validate's to refuse, once: only a cell's `$` is looked at).
    for (const [slot, why] of neverBare) {
      if (fromAny(slot, empty)) continue;
      const held = slot.parts.find(
        (part) => typeof part !== 'string' && (cells[part.column] ?? '').includes('$'),
      );
      if (typeof held !== 'object') continue;
      const [name] = bareNames(rawFill(slot, cells));
      if (name === undefined) continue;
      fail(
        held.column,
        `\`${slot.path.join('.')}\` (\`${slot.written}\`) holds \`$${name}\` here: it is sent as written, as no reference is read inside a cell (${why})`,
      );
    }
    let zoneNote: string | undefined;
    if (t.zone !== undefined && !fromAny(t.zone, empty)) {
      const zone = rawFill(t.zone, cells);
      if (!isTimeZone(zone)) {
        fail(
          columnsOf(t.zone)[0] ?? 0,
          unknownZoneMessage(zone, ' (use an IANA name such as America/New_York)'),
          unknownZoneWords(zone),
        );
      } else zoneNote = legacyZoneNote(zone);
    }
    if (checked.length > 0) {
      // Only the options a row fills are checked again (the rest passed as the template),
      // and of those only where the schema does not take any text at all.
      const options = pick(substitute(call.options, checked, cells), filled);
      for (const problem of checkResolvedOptions(options).problems) {
        const path = pointerSegments(options, problem.pointer);
        const slot = t.slots.find((s) => isSlotPath(s.path, path) || isSlotPath(path, s.path));
        if (
          slot === undefined ||
          fromAny(slot, empty) ||
          (refusedText?.has(slot) === true && isSlotPath(slot.path, path))
        )
          continue;
        const rule = problem.message.replace(/(, got | — quote it).*$/s, '');
        const value = rawFill(slot, cells);
        const spreadsheet =
          slot.path.at(-1) === 'number' && isSpreadsheetNumber(value)
            ? ' (a spreadsheet number: format the column as text, so it holds the digits as dialled)'
            : '';
        fail(
          columnsOf(slot)[0] ?? 0,
          `\`${slot.path.join('.')}\` (\`${slot.written}\`) is \`${value}\` here, and ${rule.startsWith('must') ? `it ${rule}` : rule}${spreadsheet}`,
        );
      }
    }
    if (diagnostics.length === valuesFrom) {
      // Measured with the row's empty cells left out (a blank cell is said to be empty, not long).
      const sized = empty === undefined ? cells : blanked(cells, empty);
      let room = templateBytes;
      for (const [column, times] of uses) room += (sized[column]?.length ?? 0) * 6 * times;
      const bytes =
        room > MAX_BODY_BYTES ? bodyTooLarge(substitute(call.options, t.slots, sized)) : undefined;
      if (bytes !== undefined) {
        const [longest = 0] =
          [...uses].sort((a, b) => (sized[b[0]]?.length ?? 0) - (sized[a[0]]?.length ?? 0))[0] ??
          [];
        fail(
          longest,
          `this row's request body is ${kib(bytes)} as JSON, most of it \`\${row.${header[longest]}}\` (${(cells[longest]?.length ?? 0).toLocaleString('en')} characters); a gateway accepts up to ${kib(MAX_BODY_BYTES)} (jambonz answers 413 past it)`,
        );
      }
    }
    if (failed) return bad.push(ordinal);
    if (zoneNote !== undefined && t.zone !== undefined) {
      legacy.count += 1;
      if (legacy.first === undefined) {
        legacy.first = cellAt(columnsOf(t.zone)[0] ?? 0);
        legacy.note = zoneNote;
      }
    }
    if (numberSlot !== undefined && /^\d+$/.test(rawFill(numberSlot, cells))) {
      local.count += 1;
      local.first ??= cellAt(columnsOf(numberSlot)[0] ?? 0);
    }
    if (numberSlot === undefined) compares = true;
    else if (t.sharedNumbers === undefined) {
      const slot = numberSlot;
      numbers ??= new RowIds(t.table, (i) => rowNumberKey(rawFill(slot, t.table.cells(i))));
      const key = rowNumberKey(rawFill(slot, cells));
      // Two texts with a `${VAR}` may resolve to one number: the plan compares those.
      if (key.includes('${')) compares = true;
      const first = numbers.firstOrAdd(key, ordinal);
      if (first >= 0) {
        compares = true;
        repeats.count += 1;
        const at = cellAt(columnsOf(slot)[0] ?? 0);
        if (repeats.count <= SHARED_SAID) {
          diagnostics.push({
            ...errorAt(file, at, repeatedNumberWords(t, first, rawFill(slot, cells))),
            severity: 'warning',
          });
        } else repeats.more ??= at;
      }
    }
  };

  const read = readCsv(file, recipientsChunks(file, found), onRow, (columns, _line, positions) => {
    lookalike = idLookalike(file, columns, positions);
    zoneLike = zoneLookalike(file, columns, positions, written, callZone, readIn);
    before = diagnostics.length;
    if (headerProblems(columns)) header = columns;
    else onHeader(columns);
  });
  if (lookalike !== undefined) diagnostics.push(lookalike);
  if (zoneLike !== undefined) diagnostics.push(zoneLike);
  if (conflict !== undefined && otherZones.first !== undefined) {
    diagnostics.push(
      errorAt(file, otherZones.first, conflict.message(otherZones.cell ?? '', otherZones.count)),
    );
  }
  if (local.first !== undefined) {
    diagnostics.push({
      ...errorAt(
        file,
        local.first,
        `${local.count} ${local.count === 1 ? 'row dials' : 'rows dial'} a number with no leading + (the first here) — ${LOCAL_NUMBER_REASON}`,
      ),
      severity: 'warning',
    });
  }
  if (repeats.more !== undefined) {
    const more = repeats.count - SHARED_SAID;
    diagnostics.push({
      ...errorAt(
        file,
        repeats.more,
        `${more} more ${more === 1 ? 'row dials' : 'rows dial'} a number an earlier row of the campaign dials (the first here): none of them is placed`,
      ),
      severity: 'warning',
    });
  }
  if (legacy.first !== undefined) {
    diagnostics.push({
      ...errorAt(
        file,
        legacy.first,
        `${legacy.note} — ${legacy.count} ${legacy.count === 1 ? 'row has' : 'rows have'} such a zone (the first here)`,
      ),
      severity: 'warning',
    });
  }
  if (rowsRead === 0 && read.header.length > 0 && read.diagnostics.length === 0) {
    // A header alone is a campaign that calls nobody: most likely the wrong file.
    const site = call.locate(['recipients']);
    diagnostics.push({
      ...errorAt(site.file, site, `${file} has a header and no rows: this campaign calls nobody`),
      path: site.path,
      severity: 'warning',
    });
  }
  if (template !== undefined && compares) template.comparesRows = true;
  return {
    rows: template === undefined ? NO_ROWS : rowRun(template, bad),
    diagnostics: [...read.diagnostics, ...diagnostics],
    columns: read.header,
  };
};

/** For the header check: each `${row.X}` of the call that names no column, at its YAML reference. */
export const unknownColumns = (
  call: CallDefinition,
  columns: readonly string[],
  writtenSchedule: Readonly<Record<string, unknown>> | undefined,
): Diagnostic[] => {
  const known = new Set(columns);
  const refs = [
    ...findRowReferences(call.options),
    ...findRowReferences(writtenSchedule ?? {}, ['schedule']),
  ];
  const listed = columns.length > 0 ? columns.map((c) => `\`${c}\``).join(', ') : 'none';
  const hint = looksLikeData(columns)
    ? ' — its first line looks like data: the first line of a recipients CSV must name the columns'
    : '';
  return refs
    .filter((r) => !known.has(r.name))
    .map((r) => {
      const site = call.locate(r.path);
      return {
        file: site.file,
        line: site.line,
        column: site.column,
        path: site.path,
        message: `\`\${row.${r.name}}\`: the recipients CSV has no column \`${r.name}\` (its columns: ${listed})${hint}`,
        severity: 'error' as const,
      };
    });
};
