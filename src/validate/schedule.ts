import { LITERAL_WHY, noReferenceMessage, ROW_ZONE_PATTERN } from '../options/literal.js';
import { cronHasDate, parseCron } from '../schedule/cron.js';
import { luxon } from '../schedule/libs.js';
import { skippedWindow } from '../schedule/window.js';
import { offsetMinutes, whyNotAnInstant, writtenOffset } from '../schedule/written.js';
import {
  instantOfWall,
  instantsOfWall,
  isoDateTime,
  parseInstant,
  zoneOf as wallZone,
} from '../schedule/zone.js';
import { type CallEntry, fromDefaults, nameSite, siteIn } from './calls.js';
import {
  cronDatesWarning,
  eitherDayWarning,
  secondsFirstWarning,
  windowReachWarning,
} from './cron-reading.js';
import type { Diagnostic } from './diagnostic.js';
import { type Layer, layerOfValue } from './merge.js';
import { cronReachesWindow, isInWindow, parseDuration, parseWindow } from './parse.js';
import type { CallRule } from './rules.js';
import {
  checkCron,
  DEFAULT_TIMEZONE,
  LIMIT_KEYS,
  TEXT_KEYS,
  type TextKey,
} from './schedule-spec.js';
import { errorAt, hasReference, isRecord, warningAt } from './site.js';
import { isTimeZone, legacyZoneNote, unknownZoneMessage, unknownZoneWords } from './timezone.js';

const OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

type Schedule = Readonly<Record<string, unknown>>;
const scheduleOf = (entry: CallEntry): Schedule | undefined =>
  isRecord(entry.merged.schedule) ? entry.merged.schedule : undefined;

/** The value of a schedule key when it is text without a `${…}` reference. */
const literal = (schedule: Schedule, key: TextKey): string | undefined => {
  const value = schedule[key];
  return typeof value === 'string' && !hasReference(value) ? value : undefined;
};

const at = (entry: CallEntry, key: string) => siteIn(entry, ['schedule', key]);

/** The zone the schedule's wall times are read in, when it is a valid one. */
const zoneOf = (schedule: Schedule): string | undefined => {
  const zone = literal(schedule, 'timezone') ?? DEFAULT_TIMEZONE;
  return isTimeZone(zone) ? zone : undefined;
};

const shape: CallRule = {
  name: 'schedule-shape',
  kind: 'structural',
  check: (entry) => {
    const { schedule } = entry.merged;
    if (schedule === undefined) return [];
    if (!isRecord(schedule)) {
      const message =
        '`schedule` must be a map, e.g. { cron: "0 9 * * 1-5" } or { at: "2026-12-01T09:00:00Z" }';
      return [errorAt(siteIn(entry, ['schedule']), message)];
    }
    return TEXT_KEYS.filter(
      (key) => schedule[key] !== undefined && typeof schedule[key] !== 'string',
    ).map((key) =>
      errorAt(
        at(entry, key),
        key === 'deadline' ? '`deadline` needs a unit, e.g. 10m' : `\`${key}\` must be a string`,
      ),
    );
  },
};

/** The layers of `cron` and `at` when they are written in two (an `at` under defaults' `cron`). */
const splitKinds = (entry: CallEntry): { cron: Layer; at: Layer } | undefined => {
  const cron = layerOfValue(entry.layers, ['schedule', 'cron']);
  const at = layerOfValue(entry.layers, ['schedule', 'at']);
  return cron && at && cron !== at ? { cron, at } : undefined;
};

/**
 * A schedule as the call has it after merging: not both `cron` and `at` in one place (the
 * schema says so too), and one of them, from the call or its defaults, when the call writes a
 * schedule and is no campaign. The schema cannot ask for that one: a call's `schedule` may
 * add only a `timezone` to its defaults' `cron`, and callops.yaml's defaults are seen by no
 * schema of a call file. A call writing no schedule is `inherited`'s.
 */
const kind: CallRule = {
  name: 'schedule-kind',
  kind: 'structural',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    if (!schedule) return [];
    const hasCron = schedule.cron !== undefined;
    const hasAt = schedule.at !== undefined;
    if (hasCron && hasAt) {
      if (splitKinds(entry)) return [];
      return [errorAt(siteIn(entry, ['schedule']), 'schedule has both `cron` and `at`; keep one')];
    }
    if (!hasCron && !hasAt && entry.merged.recipients === undefined) {
      if (entry.item.schedule === undefined) return [];
      return [
        errorAt(
          siteIn(entry, ['schedule']),
          'schedule needs `cron` (recurring) or `at` (once): neither this call nor its defaults give one',
        ),
      ];
    }
    return [];
  },
};

/**
 * A schedule in defaults that says when calls are placed merges into each call as if
 * written there (see collectCalls), so what it lacks or adds is the call's problem, which no
 * schema of a file can see: a call without `recipients` that takes a window, a start or an
 * end but no `cron` or `at` from its defaults is an error at the call (it would otherwise be
 * placed at once, whatever they say); a `cron` and an `at` from two places is an error at
 * the higher one, saying where the other comes from (a call cannot drop a key its defaults
 * give).
 */
const inherited: CallRule = {
  name: 'schedule-from-defaults',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    if (!schedule) return [];
    const hasCron = schedule.cron !== undefined;
    const hasAt = schedule.at !== undefined;
    const split = hasCron && hasAt ? splitKinds(entry) : undefined;
    if (split) {
      const cronAbove = entry.layers.indexOf(split.cron) > entry.layers.indexOf(split.at);
      const [higher, lower] = cronAbove ? (['cron', 'at'] as const) : (['at', 'cron'] as const);
      const origin = fromDefaults(entry, ['schedule', lower]) ?? 'defaults';
      const a = lower === 'at' ? 'an' : 'a';
      return [
        errorAt(
          at(entry, higher),
          `schedule has both \`cron\` and \`at\`; keep one: this \`${higher}\` is under ${a} \`${lower}\` from ${origin}, which a call cannot drop — write ${a} \`${lower}\` in place of the \`${higher}\`, or take the \`${lower}\` out of those defaults`,
        ),
      ];
    }
    if (hasCron || hasAt || entry.merged.recipients !== undefined) return [];
    if (entry.item.schedule !== undefined) return [];
    const origin = fromDefaults(entry, ['schedule'], true) ?? 'defaults';
    const call = typeof entry.item.name === 'string' ? `call \`${entry.item.name}\`` : 'this call';
    const limits = LIMIT_KEYS.filter((key) => schedule[key] !== undefined).map(
      (key) => `\`${key}\``,
    );
    const keys =
      limits.length > 1 ? `${limits.slice(0, -1).join(', ')} and ${limits.at(-1)}` : limits[0];
    return [
      errorAt(
        nameSite(entry),
        `${call} takes a \`schedule\` with ${keys} from ${origin}, but neither \`cron\` (recurring) nor \`at\` (once): a call without \`recipients\` is placed by its \`cron\` or \`at\`, so give it one (only a campaign's rows keep to a window or dates alone)`,
      ),
    ];
  },
};

/** A campaign's rows may each bring their zone: `timezone: ${row.COLUMN}`. */
const ROW_ZONE = new RegExp(ROW_ZONE_PATTERN);

const references: CallRule = {
  name: 'schedule-references',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    if (!schedule) return [];
    // A row's zone is a campaign's; in a call without `recipients` the row rule says so
    // (validate/campaign.ts): it is no environment reference.
    const rowZone = (key: TextKey) =>
      key === 'timezone' && typeof schedule[key] === 'string' && ROW_ZONE.test(schedule[key]);
    return TEXT_KEYS.filter((key) => hasReference(schedule[key]) && !rowZone(key)).map((key) =>
      errorAt(at(entry, key), noReferenceMessage(key, LITERAL_WHY.schedule)),
    );
  },
};

const cron: CallRule = {
  name: 'schedule-cron',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const expression = schedule && literal(schedule, 'cron');
    const problem = expression === undefined ? undefined : checkCron(expression);
    return problem ? [errorAt(at(entry, 'cron'), problem)] : [];
  },
};

/**
 * A 6-field cron read with seconds first where its 6th field was likely meant as a year
 * (AWS's habit): valid, and calling in every hour. A warning at the cron, in words.
 */
const secondsFirst: CallRule = {
  name: 'schedule-cron-seconds',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const expression = schedule && literal(schedule, 'cron');
    if (expression === undefined || checkCron(expression)) return [];
    const warning = secondsFirstWarning(expression);
    return warning ? [warningAt(at(entry, 'cron'), warning)] : [];
  },
};

/**
 * A cron that sets both the day of the month and the weekday fires on a day matching either:
 * a warning at the cron, saying so (`0 9 13 * 5` is every 13th and every Friday).
 */
const eitherDay: CallRule = {
  name: 'schedule-cron-either-day',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const expression = schedule && literal(schedule, 'cron');
    if (expression === undefined || checkCron(expression)) return [];
    const warning = eitherDayWarning(expression);
    return warning ? [warningAt(at(entry, 'cron'), warning)] : [];
  },
};

/**
 * A `timezone` must be an IANA name the runtime knows (an error with the nearest name
 * otherwise, or for an ID IANA has not, such as `BST`, what it would be read as); a
 * legacy one it knows (`EST`, `Etc/GMT+5`, `EST5EDT`) is a warning naming the place's zone.
 */
const timezone: CallRule = {
  name: 'schedule-timezone',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const zone = schedule && literal(schedule, 'timezone');
    if (zone === undefined) return [];
    if (isTimeZone(zone)) {
      const note = legacyZoneNote(zone);
      return note === undefined ? [] : [warningAt(at(entry, 'timezone'), note)];
    }
    const message = unknownZoneMessage(zone, ' (use an IANA name such as Europe/Berlin, or UTC)');
    return [errorAt(at(entry, 'timezone'), message, unknownZoneWords(zone))];
  },
};

/**
 * An `at` whose written offset is not its `timezone`'s at that instant (-05:00, New York's
 * winter offset, on a summer day): it is placed at the instant written, an hour away from
 * the wall time written. A warning that says the zone's offset and the local time it becomes.
 * `Z` names a UTC instant and is not compared.
 */
const offsetAgainstZone = (schedule: Schedule, text: string, ms: number): string | undefined => {
  const offset = writtenOffset(text);
  // Only a zone written (a campaign row's `${row.…}` is not known here).
  const zone = literal(schedule, 'timezone');
  if (offset === undefined || zone === undefined || !isTimeZone(zone)) return undefined;
  const local = luxon().DateTime.fromMillis(ms, { zone });
  if (local.offset === offsetMinutes(offset)) return undefined;
  const time = (t: { second: number; toFormat(f: string): string }) =>
    t.toFormat(t.second === 0 ? 'HH:mm' : 'HH:mm:ss');
  const written = luxon().DateTime.fromISO(text, { setZone: true });
  const date = local.toISODate() ?? '';
  const day = date === written.toISODate() ? '' : `${date} `;
  // The time written, read in the zone: when the clocks skip it that day, dropping the offset
  // would not give it (it does not exist there).
  const there = luxon().DateTime.fromObject(
    {
      year: written.year,
      month: written.month,
      day: written.day,
      hour: written.hour,
      minute: written.minute,
      second: written.second,
    },
    { zone },
  );
  const skipped = there.hour !== written.hour || there.minute !== written.minute;
  const advice = skipped
    ? `${time(written)} does not exist there that day (the clocks skip it)`
    : `drop the offset for ${time(written)} there`;
  return `\`at\` \`${text}\`: its offset ${offset} is not ${zone}'s on ${date} (${local.toFormat('ZZ')}), so it is placed at ${day}${time(local)} ${zone} time; ${advice}`;
};

const once: CallRule = {
  name: 'schedule-at',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const text = schedule && literal(schedule, 'at');
    if (!schedule || text === undefined) return [];
    const site = at(entry, 'at');
    const ms = isoDateTime(text);
    if (ms === undefined) {
      // A day not on the calendar, a time not on the clock, an offset no zone has: said as
      // --now says it.
      const why = whyNotAnInstant(text);
      const message =
        why === undefined
          ? `\`at\` \`${text}\` is not an ISO-8601 date and time, e.g. 2026-12-01T09:00:00Z`
          : `\`at\` \`${text}\`: ${why}`;
      return [errorAt(site, message)];
    }
    if (!/t/i.test(text))
      return [errorAt(site, `\`at\` \`${text}\` needs a time of day, e.g. ${text}T09:00:00Z`)];
    if (OFFSET.test(text)) {
      const other = offsetAgainstZone(schedule, text, ms);
      return other === undefined ? [] : [warningAt(site, other)];
    }
    if (schedule.timezone === undefined) {
      const message = `\`at\` \`${text}\` has no UTC offset: add one (e.g. ${text}-05:00 or ${text}Z) or set \`timezone\``;
      return [errorAt(site, message)];
    }
    const zone = zoneOf(schedule);
    if (!zone) return [];
    const local = luxon().DateTime.fromISO(text, { zone });
    const asWall = luxon().DateTime.fromISO(text, { zone: 'UTC' });
    if (local.hour === asWall.hour && local.minute === asWall.minute) {
      const twice = repeatedAt(text, zone, asWall.toMillis());
      return twice === undefined ? [] : [warningAt(site, twice)];
    }
    // Placed as schedule/ places it: at the first instant after the gap.
    const wall = wallZone(zone);
    const placedMs = wall && instantOfWall(asWall.toMillis(), wall);
    const placed = placedMs !== undefined && luxon().DateTime.fromMillis(placedMs, { zone });
    const missed = placedMs !== undefined && gapMissed(schedule, zone, asWall, placedMs);
    const windowText = literal(schedule, 'window') ?? '';
    const message =
      missed === 'outside'
        ? `\`at\` \`${text}\` does not exist in ${zone} (the clocks skip it), and the time it names lies outside its window ${windowText}: it is never placed`
        : missed
          ? `\`at\` \`${text}\` does not exist in ${zone} (the clocks jump from ${missed}), and its window ${windowText} is closed when they land: it is missed, never placed`
          : `\`at\` \`${text}\` does not exist in ${zone} (the clocks skip it); it is placed at ${placed ? placed.toFormat('HH:mm') : 'the end of the gap'}`;
    return [warningAt(site, message)];
  },
};

/** A wall time's clock (see schedule/zone.ts), `02:00`. */
const wallClock = (wall: number): string => new Date(wall).toISOString().slice(11, 16);

/**
 * `02:00 to 03:00` when an `at` in the spring gap names a time inside its window but the
 * window is closed as the clocks land (`02:30` with `01:00-02:45` in America/New_York on
 * 2026-03-08): plan and apply miss it, as schedule/ judges it (skippedWindow). `outside`
 * when the time it names lies outside its window (no slot: never placed, as the plan says).
 * Undefined without a window, or when it is placed.
 */
const gapMissed = (
  schedule: Schedule,
  zone: string,
  named: { hour: number; minute: number },
  placedMs: number,
): string | undefined => {
  const text = literal(schedule, 'window');
  const window = text === undefined ? undefined : parseWindow(text);
  if (!window || window.startMinute === window.endMinute) return undefined;
  if (!isInWindow(window, named.hour * 60 + named.minute)) return 'outside';
  const jump = skippedWindow({ timezone: zone, window: text, deadlineMs: 0 }, placedMs);
  return jump && `${wallClock(jump.from)} to ${wallClock(jump.to)}`;
};

/**
 * What an `at` without an offset is told when the clocks show its time twice (autumn): it is
 * placed at the first, and an offset picks either.
 */
const repeatedAt = (text: string, zone: string, wall: number): string | undefined => {
  const wallZoneOf = wallZone(zone);
  const instants = wallZoneOf ? instantsOfWall(wall, wallZoneOf).instants : [];
  const [first, second] = instants;
  if (first === undefined || second === undefined) return undefined;
  const at = (t: number) => luxon().DateTime.fromMillis(t, { zone });
  const offset = (t: number) => at(t).toFormat('ZZ');
  const named = text.trim();
  return `\`at\` \`${named}\` occurs twice in ${zone} (the clocks go back); it is placed at the first, ${new Date(first).toISOString().replace('.000Z', 'Z')} (${at(first).toFormat('HH:mm ZZZZ')}); write an offset to choose: \`${named}${offset(first)}\` for the first, \`${named}${offset(second)}\` for the second`;
};

const validity: CallRule = {
  name: 'schedule-start-end',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    if (!schedule) return [];
    if (literal(schedule, 'start') === undefined && literal(schedule, 'end') === undefined)
      return [];
    const zone = zoneOf(schedule) ?? DEFAULT_TIMEZONE;
    const out: Diagnostic[] = [];
    const wall = wallZone(zone);
    // Read exactly as schedule/ reads them: a date is a whole local day, so `end` includes it.
    const parsed = (['start', 'end'] as const).map((key) => {
      const text = literal(schedule, key);
      if (text === undefined || wall === undefined) return undefined;
      const when = parseInstant(text, wall, key === 'end');
      if (when !== undefined) return { text, when };
      const why = whyNotAnInstant(text.trim());
      out.push(
        errorAt(
          at(entry, key),
          why === undefined
            ? `\`${key}\` \`${text}\` is not a date (2026-01-31) or an ISO-8601 date-time`
            : `\`${key}\` \`${text}\`: ${why}`,
        ),
      );
      return undefined;
    });
    const [start, end] = parsed;
    if (start && end && end.when <= start.when) {
      out.push(
        errorAt(
          at(entry, 'end'),
          `\`end\` (${end.text}) must not be before \`start\` (${start.text})`,
        ),
      );
    }
    return out;
  },
};

const window: CallRule = {
  name: 'schedule-window',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const text = schedule && literal(schedule, 'window');
    if (text === undefined) return [];
    const parsed = parseWindow(text);
    if (!parsed) {
      return [
        errorAt(
          at(entry, 'window'),
          `window \`${text}\` must be HH:MM-HH:MM in 24-hour time, e.g. 08:00-21:00`,
        ),
      ];
    }
    return parsed.startMinute === parsed.endMinute
      ? [
          errorAt(
            at(entry, 'window'),
            `window \`${text}\` is empty: it starts and ends at the same time`,
          ),
        ]
      : [];
  },
};

const deadline: CallRule = {
  name: 'schedule-deadline',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const text = schedule && literal(schedule, 'deadline');
    if (text === undefined) return [];
    const ms = parseDuration(text);
    if (ms === undefined) {
      return [
        errorAt(
          at(entry, 'deadline'),
          `deadline \`${text}\` is not a duration; write e.g. 30s, 10m or 1h`,
        ),
      ];
    }
    return ms === 0 ? [errorAt(at(entry, 'deadline'), 'deadline must be longer than 0')] : [];
  },
};

/** A cron whose every time of day lies outside its window would never place a call. */
const reach: CallRule = {
  name: 'schedule-window-reach',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    if (!schedule) return [];
    const expression = literal(schedule, 'cron');
    const text = literal(schedule, 'window');
    if (expression === undefined || text === undefined || checkCron(expression)) return [];
    const window = parseWindow(text);
    const fields = parseCron(expression);
    // An empty window is an error of its own (schedule-window).
    if (!window || !fields || window.startMinute === window.endMinute) return [];
    if (cronReachesWindow(fields, window)) return [];
    const zone = literal(schedule, 'timezone') ?? DEFAULT_TIMEZONE;
    return [warningAt(at(entry, 'cron'), windowReachWarning(expression, text, zone))];
  },
};

/** A cron that admits no date at all (31 February, 31 April) would never place a call. */
const dates: CallRule = {
  name: 'schedule-cron-dates',
  kind: 'semantic',
  check: (entry) => {
    const schedule = scheduleOf(entry);
    const expression = schedule && literal(schedule, 'cron');
    if (expression === undefined || checkCron(expression)) return [];
    const fields = parseCron(expression);
    if (!fields || cronHasDate(fields)) return [];
    return [warningAt(at(entry, 'cron'), cronDatesWarning(expression))];
  },
};

export const SCHEDULE_RULES: readonly CallRule[] = [
  shape,
  kind,
  inherited,
  references,
  cron,
  secondsFirst,
  eitherDay,
  timezone,
  once,
  validity,
  window,
  deadline,
  reach,
  dates,
];
