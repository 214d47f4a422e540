import {
  compileSchedule,
  DEFAULT_HORIZON_MS,
  inWindow,
  nextSlots,
  scanSlots,
} from '../schedule/index.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition, ScheduleSpec } from '../validate/model.js';
import { formatSlot, placementKey, renderTo } from './keys.js';
import { decide } from './settle.js';
import type { Plan, PlanItem } from './types.js';

export interface PlanInput {
  readonly calls: readonly CallDefinition[];
  readonly lock: Lockfile;
  readonly now: Date;
  /** The target of this run (`--target`, `default_target`, or the built-in simulator). */
  readonly runTarget: string;
  /** True when the user chose the target (`--target`): calls pinned elsewhere are skipped. */
  readonly explicitTarget: boolean;
  /** Only these call names are planned; the others are not listed at all. */
  readonly only?: readonly string[];
  readonly retryUnknown?: boolean;
  /**
   * Unscheduled calls to place again although placed (`apply --replace`); checked before
   * (`checkReplace`): a name here that is not placed is simply planned as usual.
   */
  readonly replace?: readonly string[];
  /** Upcoming slots listed per scheduled call (default 3). */
  readonly upcomingCount?: number;
  /** How far ahead upcoming slots are looked for (default 366 days). */
  readonly upcomingHorizonMs?: number;
}

/** Slots whose deadline passed less than this long ago are reported as missed… */
export const MISSED_LOOKBACK_MS = 24 * 3_600_000;
/** …the most recent ones, at most this many per call. */
export const MISSED_PER_CALL = 10;

type Bucket = 'due' | 'upcoming' | 'missed' | 'skipped';
type Sink = (bucket: Bucket, item: PlanItem) => void;

/**
 * The most recent missed slots (at most MISSED_PER_CALL) whose deadline passed within the
 * last MISSED_LOOKBACK_MS. The look-back grows in steps (10 min, 1 h, 24 h) so a dense
 * schedule fills the list without a scan of a whole day.
 */
const recentMissed = (
  spec: ScheduleSpec,
  until: Date,
  missedSlot: (slot: Date) => boolean,
): { slots: Date[]; more: boolean } => {
  const end = until.getTime();
  let found: Date[] = [];
  let scannedTo = end;
  for (const back of [600_000, 3_600_000, MISSED_LOOKBACK_MS]) {
    const from = end - back;
    const scan = scanSlots(spec, new Date(from), new Date(scannedTo), { accept: missedSlot });
    found = [...scan.slots, ...found];
    scannedTo = from;
    if (found.length >= MISSED_PER_CALL) break;
  }
  return { slots: found.slice(-MISSED_PER_CALL), more: found.length > MISSED_PER_CALL };
};

const planScheduled = (
  call: CallDefinition,
  item: (slot?: Date, reason?: string) => PlanItem,
  input: PlanInput,
  add: Sink,
): void => {
  const spec = call.schedule;
  if (!spec) return;
  if (!compileSchedule(spec)) {
    add('skipped', item(undefined, 'schedule not understood (see `callops validate`)'));
    return;
  }
  const now = input.now.getTime();
  const dueFrom = new Date(now - spec.deadlineMs);
  const window = (slot: Date) => inWindow(spec, slot);
  for (const slot of scanSlots(spec, dueFrom, input.now).slots) {
    if (!window(slot)) {
      add('skipped', item(slot, `outside window ${spec.window ?? ''}`.trim()));
      continue;
    }
    const built = item(slot);
    const { bucket, reason } = decide(
      built.key,
      input.lock.calls[built.key],
      input.retryUnknown ?? false,
    );
    add(bucket, reason === undefined ? built : { ...built, reason });
  }
  const missed = recentMissed(
    spec,
    dueFrom,
    (slot) => window(slot) && input.lock.calls[item(slot).key] === undefined,
  );
  missed.slots.forEach((slot, index) => {
    const expired = formatSlot(new Date(slot.getTime() + spec.deadlineMs));
    const more = index === 0 && missed.more ? ' (earlier missed slots not listed)' : '';
    add('missed', {
      ...item(slot),
      reason: `deadline passed at ${expired}; never placed late${more}`,
    });
  });
  const upcoming = nextSlots(spec, input.now, input.upcomingCount ?? 3, {
    horizonMs: input.upcomingHorizonMs ?? DEFAULT_HORIZON_MS,
    accept: window,
  });
  for (const slot of upcoming) add('upcoming', item(slot));
};

const planCall = (call: CallDefinition, input: PlanInput, add: Sink): void => {
  const target = call.target ?? input.runTarget;
  const item = (slot?: Date, reason?: string): PlanItem => ({
    key: placementKey(target, call.name, slot),
    name: call.name,
    target,
    file: call.file,
    line: call.line,
    ...(slot === undefined ? {} : { slot: formatSlot(slot) }),
    to: renderTo(call.options.to),
    definition: call.definition,
    ...(reason === undefined ? {} : { reason }),
  });
  if (!call.enabled) {
    add('skipped', item(undefined, 'disabled'));
    return;
  }
  if (input.explicitTarget && call.target !== undefined && call.target !== input.runTarget) {
    add('skipped', item(undefined, `pinned to target \`${call.target}\``));
    return;
  }
  if (call.schedule) {
    planScheduled(call, item, input, add);
    return;
  }
  const built = item();
  const entry = input.lock.calls[built.key];
  if (entry?.status === 'placed' && entry.sid !== undefined && input.replace?.includes(call.name)) {
    add('due', {
      ...built,
      reason: `replaces ${entry.sid} placed at ${entry.at} (--replace)`,
      replaces: {
        sid: entry.sid,
        ...(entry.callId === undefined ? {} : { callId: entry.callId }),
        at: entry.at,
      },
    });
    return;
  }
  const { bucket, reason } = decide(built.key, entry, input.retryUnknown ?? false);
  if (entry?.status === 'placed' && entry.definition !== call.definition) {
    add('skipped', {
      ...built,
      changed: true,
      reason: `changed since placed (${reason ?? 'already placed'}); \`callops apply --replace ${call.name}\` places it again`,
    });
    return;
  }
  add(bucket, reason === undefined ? built : { ...built, reason });
};

/**
 * Why `--replace NAME` cannot place NAME again, if it cannot: only a defined, enabled,
 * unscheduled call that is placed (on this run's target) may be replaced.
 */
export const checkReplace = (
  name: string,
  input: Pick<PlanInput, 'calls' | 'lock' | 'runTarget' | 'explicitTarget' | 'only'>,
): string | undefined => {
  const call = input.calls.find((c) => c.name === name);
  if (call === undefined) return 'no call of that name (see `callops plan` for the calls)';
  if (call.schedule !== undefined) {
    return 'it is scheduled: each slot is placed once; --replace is for unscheduled calls';
  }
  if (!call.enabled) return 'it is disabled';
  if (input.only !== undefined && !input.only.includes(name)) return 'it is not among --only';
  if (input.explicitTarget && call.target !== undefined && call.target !== input.runTarget) {
    return `it is pinned to target \`${call.target}\``;
  }
  const key = placementKey(call.target ?? input.runTarget, name);
  const entry = input.lock.calls[key];
  if (entry === undefined) return `${key} is not placed yet: \`callops apply\` places it`;
  if (entry.status === 'failed')
    return `${key} is not placed (failed): \`callops apply\` retries it`;
  if (entry.status === 'unknown') {
    return `${key} is unknown (it may have been placed): settle it with \`callops resolve ${key}\` first, or use --retry-unknown`;
  }
  if (entry.sid === undefined) return `${key} is placed without a recorded sid`;
  return undefined;
};

const bySlotThenKey = (a: PlanItem, b: PlanItem): number => {
  const sa = a.slot ?? '';
  const sb = b.slot ?? '';
  if (sa !== sb) return sa < sb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
};

/**
 * What apply would do at `now`, from the definitions and the lockfile alone. Pure: the
 * clock, the environment and the network play no part; `${VAR}` references stay unresolved.
 *
 * - unscheduled call: due once; skipped when placed or unknown (due again with
 *   `retryUnknown`); a failed one is due again;
 * - scheduled call: each slot in (now − deadline, now] inside the window is due unless the
 *   lockfile settles it as above; slots outside the window are skipped; slots whose deadline
 *   passed within the last 24 h without a lockfile entry are missed (never placed late; the
 *   latest ten per call are listed);
 *   upcoming lists the next slots (inside the window) after `now`.
 */
export const buildPlan = (input: PlanInput): Plan => {
  const lists: Record<Bucket, PlanItem[]> = { due: [], upcoming: [], missed: [], skipped: [] };
  const only = input.only === undefined ? undefined : new Set(input.only);
  const add: Sink = (bucket, item) => {
    lists[bucket].push(item);
  };
  for (const call of input.calls) {
    if (only && !only.has(call.name)) continue;
    planCall(call, input, add);
  }
  return {
    target: input.runTarget,
    now: input.now.toISOString(),
    due: lists.due.sort(bySlotThenKey),
    upcoming: lists.upcoming.sort(bySlotThenKey),
    missed: lists.missed.sort(bySlotThenKey),
    skipped: lists.skipped.sort(bySlotThenKey),
  };
};
