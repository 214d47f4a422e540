// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import type { CallDefinition, ScheduleSpec } from '../../src/validate/model.js';

export const call = (name: string, extra: Partial<CallDefinition> = {}): CallDefinition => ({
  name,
  file: `calls/${name}.yaml`,
  line: 4,
  column: 5,
  enabled: true,
  options: {
    application_sid: '${APP_SID}',
    from: '+15550001111',
    to: { type: 'phone', number: '+15550002222' },
  },
  definition: `sha256:${name}-v1`,
  locate: () => ({ file: `calls/${name}.yaml`, path: '', line: 4, column: 5 }),
  ...extra,
});

export const schedule = (s: Partial<ScheduleSpec>): ScheduleSpec => ({
  timezone: 'UTC',
  deadlineMs: 600_000,
  ...s,
});

export const lock = (
  calls: Record<string, LockEntry> = {},
  schedules?: Lockfile['schedules'],
): Lockfile => ({
  lockfileVersion: 1,
  calls,
  ...(schedules === undefined ? {} : { schedules }),
});

export const entry = (e: Partial<LockEntry>): LockEntry => ({
  status: 'placed',
  at: '2026-12-01T08:00:01.123Z',
  definition: 'sha256:x',
  file: 'calls/x.yaml',
  ...e,
});

/**
 * Rows of one campaign with an id column, each able to find the others by id (`rowOf`), as a
 * recipients CSV's rows do: what the already-dialled check asks of another row's key.
 */
export const csvRows = (rows: readonly CallDefinition[]): CallDefinition[] => {
  const byId = new Map<string, CallDefinition>();
  const out = rows.map((row) => {
    const campaign = row.campaign;
    if (campaign === undefined) return row;
    const made: CallDefinition = {
      ...row,
      campaign: { ...campaign, rowOf: (id: string) => byId.get(id) },
    };
    byId.set(campaign.id, made);
    return made;
  });
  return out;
};
