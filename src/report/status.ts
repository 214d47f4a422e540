import type { Plan } from '../plan/types.js';
import { localTime } from '../schedule/zone.js';
import { countOutcomes } from '../state/outcome.js';
import type { CallOutcome, LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { keyText } from './plan.js';
import type { Style } from './style.js';
import { resolveHint, type Unsettled, unsettledJson } from './unsettled.js';

const ORDER = ['unknown', 'failed', 'placed'] as const;

const entries = (lock: Lockfile) =>
  Object.entries(lock.calls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Keys of unscheduled calls placed with a definition other than the current one (the
 * lockfile keeps the hash each was placed with). A placed slot of a scheduled call is
 * history: a changed schedule speaks to the next slots, not to it.
 */
export const changedKeys = (lock: Lockfile, calls: readonly CallDefinition[]): Set<string> => {
  const byName = new Map(calls.map((c) => [c.name, c]));
  const keys = new Set<string>();
  for (const [key, e] of Object.entries(lock.calls)) {
    if (e.status !== 'placed' || key.includes('@')) continue;
    const call = byName.get(key.slice(key.indexOf('/') + 1));
    if (call !== undefined && call.schedule === undefined && call.definition !== e.definition)
      keys.add(key);
  }
  return keys;
};

/** `<target>/<name>@<slot>` with the slot's local time, when its call has a time zone. */
const withLocal = (key: string, zones: ReadonlyMap<string, string>): string => {
  const match = /^[^/]+\/([^@]+)@(.+)$/.exec(key);
  const zone = match?.[1] === undefined ? undefined : zones.get(match[1]);
  const slot = match?.[2] === undefined ? Number.NaN : Date.parse(match[2]);
  if (zone === undefined || zone === 'UTC' || Number.isNaN(slot)) return key;
  return `${key} (${localTime(new Date(slot), zone)})`;
};

const describe = (
  key: string,
  e: LockEntry,
  changed: ReadonlySet<string>,
  zones: ReadonlyMap<string, string>,
): string => {
  const shown = withLocal(key, zones);
  if (e.status === 'placed') {
    const name = key.slice(key.indexOf('/') + 1);
    const replaced =
      e.history !== undefined && e.history.length > 0
        ? `  (replaced ${e.history.map((h) => h.sid).join(', ')})`
        : '';
    const note = changed.has(key)
      ? `\n      changed since placed: \`callops apply --replace ${name}\` places it again`
      : '';
    const outcome = e.outcome === undefined ? '' : `  ${outcomeText(e.outcome)}`;
    return `  ${shown}  sid ${e.sid ?? '?'}  at ${e.at}${outcome}${replaced}${note}`;
  }
  const status = e.httpStatus !== undefined ? `${e.httpStatus} ` : '';
  const settle = e.status === 'unknown' ? `\n      ${resolveHint(key)}` : '';
  return `  ${shown}  at ${e.at}: ${status}${e.message ?? ''}${settle}`;
};

/** `completed 31 s`, `busy (SIP 486)`, `in progress (answered)`. */
export const outcomeText = (o: CallOutcome): string => {
  if (o.status === 'completed') return `completed ${o.duration} s`;
  if (o.status === 'in-progress') return `in progress${o.answered ? ' (answered)' : ''}`;
  return `${o.status} (SIP ${o.sip_status})`;
};

/** `outcomes: 70 completed, 10 busy, 15 no-answer, 5 failed, 0 in progress, 0 not known yet` */
export const outcomesLine = (lock: Lockfile): string | undefined => {
  const c = countOutcomes(lock);
  const placed = Object.values(c).reduce((a, b) => a + b, 0);
  if (placed === 0 || c.none === placed) return undefined;
  return `outcomes: ${c.completed} completed, ${c.busy} busy, ${c['no-answer']} no-answer, ${c.failed} failed, ${c['in-progress']} in progress, ${c.none} not known yet`;
};

export const renderStatusHuman = (
  lock: Lockfile,
  plan: Plan,
  opts: {
    lockName: string;
    targetNote: string;
    style: Style;
    changed: ReadonlySet<string>;
    /** Call name → time zone of its schedule, for local times beside UTC. */
    zones?: ReadonlyMap<string, string>;
  },
): string => {
  const zones = opts.zones ?? new Map<string, string>();
  const { style } = opts;
  const all = entries(lock);
  const count = (s: string) => all.filter(([, e]) => e.status === s).length;
  const out = [
    opts.targetNote,
    `${opts.lockName}: ${count('placed')} placed${opts.changed.size > 0 ? ` (${opts.changed.size} changed since)` : ''}, ${count('failed')} failed, ${count('unknown')} unknown`,
  ];
  const outcomes = outcomesLine(lock);
  if (outcomes !== undefined) out.push(outcomes);
  const colour = { unknown: 'yellow', failed: 'red', placed: 'green' } as const;
  for (const status of ORDER) {
    const list = all.filter(([, e]) => e.status === status);
    if (list.length === 0) continue;
    out.push(
      '',
      style(colour[status], `${status} (${list.length}):`),
      ...list.map(([k, e]) => describe(k, e, opts.changed, zones)),
    );
  }
  if (plan.due.length > 0) {
    out.push('', style('bold', `due now (${plan.due.length}) — \`callops apply\` places them:`));
    out.push(...plan.due.map((i) => `  ${keyText(i)}  → ${i.to}`));
  }
  if (plan.upcoming.length > 0) {
    out.push(
      '',
      style('bold', 'next slots:'),
      ...plan.upcoming.map((i) => `  ${keyText(i)}  → ${i.to}`),
    );
  }
  return `${out.join('\n')}\n`;
};

export const statusJson = (
  lock: Lockfile,
  lockName: string,
  changed: ReadonlySet<string>,
  unsettled: readonly Unsettled[],
) => {
  const all = entries(lock);
  const count = (s: string) => all.filter(([, e]) => e.status === s).length;
  return {
    lockfile: lockName,
    placed: count('placed'),
    failed: count('failed'),
    unknown: count('unknown'),
    outcomes: countOutcomes(lock),
    calls: all.map(([key, e]) => ({ key, ...e, ...(changed.has(key) && { changed: true }) })),
    changed: [...changed].sort(),
    unsettled: unsettledJson(unsettled),
  };
};
