import type { ScheduleSpec } from '../validate/model.js';
import { cronMatcher, parseCron } from './cron.js';
import { endInstant, namedWall, parseInstant, type WallZone, zoneOf } from './zone.js';

/** A schedule made ready for slot computation: every string parsed once. */
export interface CompiledSchedule {
  readonly zone: WallZone;
  /** First admissible instant (inclusive), if `start` is set. */
  readonly startMs?: number;
  /**
   * Last admissible instant (inclusive), if `end` is set: the millisecond before `end` is
   * reached (endInstant), so a slot at `end` itself is none, as a row's hours end there.
   */
  readonly endMs?: number;
  /** The one instant of an `at` schedule. */
  readonly atMs?: number;
  /**
   * The wall time that `at` names (see namedWall): its window is judged by it, not by the
   * moment the clocks jump to when it does not exist.
   */
  readonly atWall?: number;
  /** Next matching wall time strictly after wall time `w`, or undefined when none. */
  readonly nextWall?: (w: number) => number | undefined;
  /**
   * True when the hour field admits every hour (`*`, `0-23`, `@hourly` …): such a schedule
   * counts elapsed hours, as cron (Vixie, cronie) runs its "wildcard" jobs: a repeated autumn
   * hour keeps both of its occurrences, and a time skipped in spring is no slot.
   */
  readonly everyHour: boolean;
}

/**
 * The cron expression is read by cron's own parser and matched against wall times, where no
 * clock ever jumps; the time zone is applied afterwards by `instantsOfWall`. cron's own zone
 * handling is not used: it invents a spurious fire on the autumn change in zones west of
 * UTC (`30 2 * * *` in America/New_York fires at 01:30 EST as well as 02:30 EST) and behaves
 * differently east of UTC.
 */
const compileCron = (
  expr: string,
): Pick<CompiledSchedule, 'nextWall' | 'everyHour'> | undefined => {
  const fields = parseCron(expr);
  if (!fields) return undefined;
  return { nextWall: cronMatcher(fields), everyHour: fields.hour.length === 24 };
};

/**
 * Each schedule object compiled once: a campaign's rows share one schedule object per zone,
 * and every slot search asks for it (cron's parser costs some 0.1 ms an expression).
 */
const compiled = new WeakMap<ScheduleSpec, CompiledSchedule | null>();

/** Undefined when any part of the schedule cannot be read (validation says why). */
export const compileSchedule = (spec: ScheduleSpec): CompiledSchedule | undefined => {
  let known = compiled.get(spec);
  if (known === undefined) {
    known = compile(spec) ?? null;
    compiled.set(spec, known);
  }
  return known ?? undefined;
};

const compile = (spec: ScheduleSpec): CompiledSchedule | undefined => {
  const zone = zoneOf(spec.timezone);
  if (!zone) return undefined;
  const startMs = spec.start === undefined ? undefined : parseInstant(spec.start, zone);
  const endAt = spec.end === undefined ? undefined : endInstant(spec.end, zone);
  const endMs = endAt === undefined ? undefined : endAt - 1;
  if (spec.start !== undefined && startMs === undefined) return undefined;
  if (spec.end !== undefined && endMs === undefined) return undefined;
  const bounds = {
    zone,
    ...(startMs === undefined ? {} : { startMs }),
    ...(endMs === undefined ? {} : { endMs }),
  };
  if (spec.at !== undefined && spec.cron === undefined) {
    const atMs = parseInstant(spec.at, zone);
    const atWall = namedWall(spec.at, zone);
    if (atMs === undefined || atWall === undefined) return undefined;
    return { ...bounds, atMs, atWall, everyHour: false };
  }
  if (spec.cron !== undefined && spec.at === undefined) {
    const cron = compileCron(spec.cron);
    return cron ? { ...bounds, ...cron } : undefined;
  }
  return undefined;
};
