import type { Plan } from '../plan/types.js';
import { localTime } from '../schedule/zone.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import { keyText } from './plan.js';
import type { Style } from './style.js';

const ORDER = ['unknown', 'failed', 'placed'] as const;

const entries = (lock: Lockfile) =>
  Object.entries(lock.calls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** `<target>/<name>@<slot>` with the slot's local time, when its call has a time zone. */
const withLocal = (key: string, zones: ReadonlyMap<string, string>): string => {
  const match = /^[^/]+\/([^@]+)@(.+)$/.exec(key);
  const zone = match?.[1] === undefined ? undefined : zones.get(match[1]);
  const slot = match?.[2] === undefined ? Number.NaN : Date.parse(match[2]);
  if (zone === undefined || zone === 'UTC' || Number.isNaN(slot)) return key;
  return `${key} (${localTime(new Date(slot), zone)})`;
};

const describe = (key: string, e: LockEntry, zones: ReadonlyMap<string, string>): string => {
  const shown = withLocal(key, zones);
  if (e.status === 'placed') return `  ${shown}  sid ${e.sid ?? '?'}  at ${e.at}`;
  const status = e.httpStatus !== undefined ? `${e.httpStatus} ` : '';
  const settle =
    e.status === 'unknown'
      ? `\n      settle: callops resolve ${key} --placed SID   or   callops resolve ${key} --not-placed`
      : '';
  return `  ${shown}  at ${e.at}: ${status}${e.message ?? ''}${settle}`;
};

export const renderStatusHuman = (
  lock: Lockfile,
  plan: Plan,
  opts: {
    lockName: string;
    targetNote: string;
    style: Style;
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
    `${opts.lockName}: ${count('placed')} placed, ${count('failed')} failed, ${count('unknown')} unknown`,
  ];
  const colour = { unknown: 'yellow', failed: 'red', placed: 'green' } as const;
  for (const status of ORDER) {
    const list = all.filter(([, e]) => e.status === status);
    if (list.length === 0) continue;
    out.push(
      '',
      style(colour[status], `${status} (${list.length}):`),
      ...list.map(([k, e]) => describe(k, e, zones)),
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

export const statusJson = (lock: Lockfile, lockName: string) => {
  const all = entries(lock);
  const count = (s: string) => all.filter(([, e]) => e.status === s).length;
  return {
    lockfile: lockName,
    placed: count('placed'),
    failed: count('failed'),
    unknown: count('unknown'),
    calls: all.map(([key, e]) => ({ key, ...e })),
  };
};
