import { campaignEndWords, rowCutOffAt, rowEndedAt } from '../campaign/end.js';
import { type Hours, type HoursCache, hoursAt } from '../schedule/hours.js';
import { localTime } from '../schedule/index.js';
import { isInFlight } from '../state/store.js';
import type { CallDefinition, ScheduleSpec } from '../validate/model.js';
import type { Sink } from './buckets.js';
import { replaceHint } from './changed.js';
import { settleWords } from './check-words.js';
import { entryAt } from './entries.js';
import type { PlanInput } from './input.js';
import { amendItem } from './item.js';
import { formatSlot } from './keys.js';
import { memoryKey } from './memory.js';
import type { MissedSink } from './missed.js';
import { nextAttempt, onceRow } from './row-next.js';
import { decide } from './settle.js';
import type { TargetTwins } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A campaign row placed once (without cron or `at`): due by its calling hours, `start`, `end`
 * and redial policy rather than by slots; expired when never reached before its `end`.
 */

/** What a row waiting for its hours is told: one object for every row of its zone. */
interface Words {
  readonly waiting: true;
  readonly opens?: string;
  readonly reason: string;
}

const wordsCache = new WeakMap<HoursCache, Map<Hours, Words>>();

/** The `opens` and `reason` of a waiting row, the same strings for every row of its zone. */
const hoursWords = (
  hours: Extract<Hours, { state: 'waiting' }>,
  spec: CallDefinition['schedule'],
  cache: HoursCache,
): Words => {
  let byHours = wordsCache.get(cache);
  if (byHours === undefined) {
    byHours = new Map();
    wordsCache.set(cache, byHours);
  }
  const known = byHours.get(hours);
  if (known) return known;
  const opens = hours.opens === undefined ? undefined : formatSlot(new Date(hours.opens));
  const local =
    hours.opens !== undefined && spec && spec.timezone !== 'UTC'
      ? ` (${localTime(new Date(hours.opens), spec.timezone)})`
      : '';
  const words: Words = {
    waiting: true,
    ...(opens === undefined ? {} : { opens }),
    reason: `waiting: ${hours.why}${opens === undefined ? '' : `; opens ${opens}${local}`}`,
  };
  byHours.set(hours, words);
  return words;
};

/** Each plan's answers of hoursAt at a redial's wait end, by the minute it ends in. */
const redialCaches = new WeakMap<HoursCache, Map<number, HoursCache>>();

/**
 * The row's hours when its redial wait ends at `t`. Every instant of one minute has the same
 * answer (a window is read in minutes), so rows whose waits end in one minute share it.
 */
const hoursWhenWaitEnds = (spec: ScheduleSpec, t: number, cache: HoursCache): Hours => {
  let byMinute = redialCaches.get(cache);
  if (byMinute === undefined) {
    byMinute = new Map();
    redialCaches.set(cache, byMinute);
  }
  const minute = Math.floor(t / 60_000);
  let atMinute = byMinute.get(minute);
  if (atMinute === undefined) {
    atMinute = new Map();
    byMinute.set(minute, atMinute);
  }
  return hoursAt(spec, t, atMinute);
};

/**
 * A redial waiting for its wait to end: from the later of that end and the row's next
 * opening (its hours may be closed when the wait ends), as a first attempt waits for them.
 */
const redialWords = (
  built: PlanItem,
  notBefore: Date,
  spec: ScheduleSpec | undefined,
  cache: HoursCache,
): Pick<PlanItem, 'waiting' | 'opens' | 'reason'> => {
  const waited = `waiting: ${built.reason ?? 'redial'}; from`;
  const hours =
    spec === undefined ? undefined : hoursWhenWaitEnds(spec, notBefore.getTime(), cache);
  if (spec === undefined || hours?.state !== 'waiting' || hours.opens === undefined) {
    const opens = notBefore.toISOString();
    return { waiting: true, opens, reason: `${waited} ${opens}` };
  }
  const opens = formatSlot(new Date(hours.opens));
  const local =
    spec.timezone !== 'UTC' ? ` (${localTime(new Date(hours.opens), spec.timezone)})` : '';
  return {
    waiting: true,
    opens,
    reason: `${waited} ${opens}${local}: the wait ends at ${formatSlot(notBefore)}, ${hours.why}`,
  };
};

/**
 * A campaign row whose schedule has neither cron nor at: due once, as soon as its calling
 * hours and [start, end) allow; before, waiting (upcoming, with the next opening); once
 * `end` passed without it being reached, expired (missed). Placed or unknown rows are settled
 * as an unscheduled call is; a row reached before `end` is never expired: after it, it is
 * neither redialled nor placed again (`--replace`), and says so. `twins`: the targets whose
 * entries count as the row's target's own (twins.ts), where its earlier attempts may be.
 */
export const planRow = (
  call: CallDefinition,
  spec: ScheduleSpec | undefined,
  built: PlanItem,
  input: PlanInput,
  add: Sink,
  cache: HoursCache,
  missed: MissedSink,
  twins: TargetTwins,
): void => {
  const now = input.now.getTime();
  const ended = spec === undefined ? undefined : rowEndedAt(call, now, cache);
  const cutOff = spec === undefined ? undefined : rowCutOffAt(call, now, cache);
  const next =
    call.redial === undefined
      ? onceRow(call, built, input, ended)
      : nextAttempt(call, call.redial, built, input, ended, cutOff, twins);
  if ('bucket' in next) {
    add(
      next.bucket,
      next.item.changed === true ? heldHint(next.item, call.name, missed) : next.item,
    );
    return;
  }
  planAttempt(call, spec, next.item, next.notBefore, input, add, cache, cutOff, missed);
};

/**
 * A changed row's `--replace` hint, when its campaign already dialled whom the row names now
 * under another key (holdDialledRow): `--replace` would be refused, so the hint says why instead.
 */
export const heldHint = (item: PlanItem, name: string, missed: MissedSink): PlanItem => {
  const hint = replaceHint(name);
  if (item.reason?.includes(hint) !== true) return item;
  const held = missed.held(item);
  return held?.reason === undefined
    ? item
    : amendItem(item, {
        reason: item.reason.replace(hint, `--replace would not place it: ${held.reason}`),
      });
};

/**
 * One attempt of a row, its key settled: due, waiting (redial wait or hours), or expired (a
 * row not reached before `end`: planRow settles one that was reached).
 */
const planAttempt = (
  call: CallDefinition,
  spec: ScheduleSpec | undefined,
  built: PlanItem,
  notBefore: Date | undefined,
  input: PlanInput,
  add: Sink,
  cache: HoursCache,
  cutOff: number | undefined,
  missed: MissedSink,
): void => {
  const key = built.key;
  const now = input.now.getTime();
  const known = entryAt(input.lock.calls, key);
  // An unknown attempt may have rung: never expired, and not placed again (even with
  // --retry-unknown) once the row can no longer be called.
  if (
    cutOff !== undefined &&
    built.replaces === undefined &&
    known?.status === 'unknown' &&
    !isInFlight(known)
  ) {
    add(
      'skipped',
      amendItem(built, {
        reason: `unknown — not placed again: ${campaignEndWords(call, cutOff, now)}; settle: ${settleWords(key)}`,
      }),
    );
    return;
  }
  // A replacement (`--replace`) is due again although placed: only its hours may hold it.
  const decided =
    built.replaces === undefined
      ? decide(key, entryAt(input.lock.calls, key), input.retryUnknown ?? false)
      : { bucket: 'due' as const };
  const bucket = decided.bucket;
  const reason = decided.reason ?? built.reason;
  if (bucket !== 'due') {
    // An unknown row outside its hours: --retry-unknown places it again once they open.
    const opens =
      known?.status === 'unknown' && !isInFlight(known) && spec !== undefined
        ? hoursAt(spec, now, cache)
        : undefined;
    const at =
      opens?.state === 'waiting' && opens.opens !== undefined
        ? { opens: formatSlot(new Date(opens.opens)) }
        : {};
    add(bucket, reason === undefined ? built : amendItem(built, { reason, ...at }));
    return;
  }
  const hours = spec ? hoursAt(spec, now, cache) : ({ state: 'open' } as const);
  const lastOpening =
    hours.state === 'waiting' && hours.opens === undefined ? hours.end : undefined;
  if (hours.state === 'expired' || lastOpening !== undefined) {
    const held = missed.held(built);
    if (held !== undefined) {
      add('skipped', held);
      return;
    }
    const end = hours.state === 'expired' ? hours.end : (lastOpening as number);
    const item = amendItem(built, {
      expired: true,
      reason:
        hours.state === 'expired'
          ? `expired: end ${spec?.end ?? ''} passed at ${formatSlot(new Date(end))} before the row was reached; never placed`
          : `expired: no opening before end ${spec?.end ?? ''} (${formatSlot(new Date(end))}); never placed`,
    });
    add('missed', item);
    const campaign = call.campaign?.name ?? call.name;
    missed.expired(memoryKey(item.target, campaign), end, hours.state === 'expired', item);
    return;
  }
  const later = notBefore !== undefined && notBefore.getTime() > input.now.getTime();
  // Held once due (holdShiftedRows): held now, as status and report count it, not waiting.
  const held = later || hours.state === 'waiting' ? missed.held(built) : undefined;
  if (held !== undefined) {
    add('skipped', held);
    return;
  }
  if (later) {
    add('upcoming', amendItem(built, redialWords(built, notBefore, spec, cache)));
    return;
  }
  if (hours.state === 'waiting') {
    const words = hoursWords(hours, spec, cache);
    // A replacement waits for the hours as well, and still says which sid it replaces.
    if (built.replaces !== undefined) {
      add('upcoming', amendItem(built, { ...words, reason: `${built.reason}; ${words.reason}` }));
      return;
    }
    // Rows of one zone share the words (built once per plan, not once per row).
    add('upcoming', amendItem(built, words, true));
    return;
  }
  add('due', reason === undefined ? built : amendItem(built, { reason }));
};

/** A campaign row without cron/at: placed once (each attempt, with redial), not per slot. */
export const isRowPlacedOnce = (call: Pick<CallDefinition, 'campaign' | 'schedule'>): boolean =>
  call.campaign !== undefined && !call.schedule?.cron && !call.schedule?.at;
