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
