import type { EntryStatus } from '../execute/outcome.js';
import { escapePointer } from './json-scan.js';
import { checkOutcome } from './outcome.js';
import {
  type LockEntry,
  type Lockfile,
  PLACEMENT_SOURCES,
  type PlacementSource,
  type RangMemory,
  RESOLVED_BY,
  type ResolvedBy,
  type ScheduleMemory,
} from './types.js';

/** Where a shape problem is: a JSON pointer into the lockfile, and what is wrong there. */
export interface ShapeProblem {
  readonly pointer: string;
  readonly message: string;
  /** What the user can do about it, when it is not "fix it or restore it from git". */
  readonly hint?: string;
}

const STATUSES: readonly EntryStatus[] = ['placed', 'failed', 'unknown'];
const STRING_FIELDS = ['sid', 'callId', 'message', 'number', 'gateway'] as const;
const ENTRY_FIELDS = new Set([
  'status',
  'sid',
  'callId',
  'at',
  'definition',
  'file',
  'number',
  'gateway',
  'httpStatus',
  'message',
  'resolvedBy',
  'history',
  'outcome',
]);

/** What toISOString writes (a subset of what Date.parse takes): checked without parsing. */
const CANONICAL_INSTANT =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

const isInstant = (value: unknown): value is string =>
  typeof value === 'string' && (CANONICAL_INSTANT.test(value) || !Number.isNaN(Date.parse(value)));

const FIELD_ORDER: readonly string[] = [...ENTRY_FIELDS];

/** The fields an entry may have, in the order the lockfile writes them (sorted). */
export const SORTED_ENTRY_FIELDS: readonly string[] = [...ENTRY_FIELDS].sort();

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;

const entryOf = (key: string, raw: unknown): { entry: LockEntry } | { problem: ShapeProblem } => {
  // Built only for a problem: a good entry costs no string work.
  const problem = (field: string, message: string) => {
    const at = `/calls/${escapePointer(key)}`;
    return { problem: { pointer: field === '' ? at : `${at}/${escapePointer(field)}`, message } };
  };
  const label = (): string => `entry ${JSON.stringify(key)}`;
  if (!isObject(raw)) return problem('', `${label()} must be an object, not ${kindOf(raw)}`);
  for (const field in raw) {
    if (!ENTRY_FIELDS.has(field))
      return problem(field, `${label()} has an unknown field "${field}"`);
  }
  const { status, definition, file, httpStatus, resolvedBy } = raw;
  if (!STATUSES.includes(status as EntryStatus)) {
    return problem(
      status === undefined ? '' : 'status',
      `${label()}: status must be one of ${STATUSES.join(', ')}`,
    );
  }
  if (typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at))) {
    return problem(raw.at === undefined ? '' : 'at', `${label()}: at must be an ISO-8601 time`);
  }
  for (const [name, value] of [
    ['definition', definition],
    ['file', file],
  ] as const) {
    if (typeof value !== 'string') {
      return problem(value === undefined ? '' : name, `${label()}: ${name} must be a string`);
    }
  }
  for (const name of STRING_FIELDS) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') {
      return problem(name, `${label()}: ${name} must be a string`);
    }
  }
  if (httpStatus !== undefined && !Number.isInteger(httpStatus)) {
    return problem('httpStatus', `${label()}: httpStatus must be an integer`);
  }
  if (resolvedBy !== undefined && !RESOLVED_BY.includes(resolvedBy as ResolvedBy)) {
    return problem('resolvedBy', `${label()}: resolvedBy must be "hand" or "gateway"`);
  }
  const { history } = raw;
  if (history !== undefined) {
    const ok =
      Array.isArray(history) &&
      history.every(
        (h: unknown) =>
          isObject(h) &&
          typeof h.sid === 'string' &&
          typeof h.at === 'string' &&
          (h.callId === undefined || typeof h.callId === 'string') &&
          (h.number === undefined || typeof h.number === 'string') &&
          isSource(h.joinedFrom) &&
          Object.keys(h).every((k) => PREVIOUS_FIELDS.has(k)),
      );
    if (!ok) {
      return problem(
        'history',
        `${label()}: history must be a list of {sid, callId?, at, number?, joinedFrom?: "lockfile" | "database"}`,
      );
    }
  }
  if (raw.outcome !== undefined) {
    const why = checkOutcome(raw.outcome);
    if (why !== undefined) return problem('outcome', `${label()}: outcome ${why}`);
    if (status !== 'placed')
      return problem('outcome', `${label()}: only a placed entry has an outcome`);
  }
  return { entry: cleanEntry(raw as unknown as LockEntry) };
};

const isOptional = (value: unknown, kind: 'string'): boolean =>
  value === undefined || typeof value === kind;

const isPrevious = (h: unknown): boolean => {
  if (!isObject(h) || typeof h.sid !== 'string' || typeof h.at !== 'string') return false;
  if (!isOptional(h.callId, 'string') || !isOptional(h.number, 'string')) return false;
  if (!isSource(h.joinedFrom)) return false;
  for (const k in h) if (!PREVIOUS_FIELDS.has(k)) return false;
  return true;
};

/** The fields of an earlier placement in an entry's `history`. */
const PREVIOUS_FIELDS: ReadonlySet<string> = new Set([
  'sid',
  'callId',
  'at',
  'number',
  'joinedFrom',
]);

/** An earlier placement's `joinedFrom`: absent (a replacement, or an earlier lockfile), or a side. */
const isSource = (value: unknown): boolean =>
  value === undefined || PLACEMENT_SOURCES.includes(value as PlacementSource);

/**
 * The checks of entryOf, without building anything: what a good entry of a large lockfile
 * costs. entryOf runs only for an entry this refuses, to say what is wrong.
 */
export const isGoodEntry = (raw: unknown): raw is LockEntry => {
  if (!isObject(raw)) return false;
  for (const field in raw) if (!ENTRY_FIELDS.has(field)) return false;
  const { status, at, history } = raw;
  if (status !== 'placed' && status !== 'failed' && status !== 'unknown') return false;
  if (!isInstant(at)) return false;
  if (typeof raw.definition !== 'string' || typeof raw.file !== 'string') return false;
  if (!isOptional(raw.sid, 'string') || !isOptional(raw.callId, 'string')) return false;
  if (!isOptional(raw.message, 'string') || !isOptional(raw.number, 'string')) return false;
  if (!isOptional(raw.gateway, 'string')) return false;
  if (raw.httpStatus !== undefined && !Number.isInteger(raw.httpStatus)) return false;
  if (raw.resolvedBy !== undefined && raw.resolvedBy !== 'hand' && raw.resolvedBy !== 'gateway')
    return false;
  if (raw.outcome !== undefined && (status !== 'placed' || checkOutcome(raw.outcome) !== undefined))
    return false;
  return history === undefined || (Array.isArray(history) && history.every(isPrevious));
};

/** A copy of an entry holding only the fields that are defined, in a fixed order. */
export const cleanEntry = (entry: LockEntry): LockEntry => {
  const out: Record<string, unknown> = {};
  const from = entry as unknown as Record<string, unknown>;
  for (let i = 0; i < FIELD_ORDER.length; i++) {
    const field = FIELD_ORDER[i] as string;
    const value = from[field];
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as LockEntry;
};

/** Check parsed JSON against the lockfile shape; the first problem found is reported. */
export const checkLockfileShape = (
  data: unknown,
): { lock: Lockfile } | { problem: ShapeProblem } => {
  if (!isObject(data)) {
    return {
      problem: { pointer: '', message: `the top level must be a JSON object, not ${kindOf(data)}` },
    };
  }
  for (const key of Object.keys(data)) {
    if (key !== 'lockfileVersion' && key !== 'calls' && key !== 'schedules') {
      return {
        problem: { pointer: `/${escapePointer(key)}`, message: `unknown top-level field "${key}"` },
      };
    }
  }
  if (data.lockfileVersion !== 1) {
    if (data.lockfileVersion === undefined) {
      return { problem: { pointer: '', message: 'lockfileVersion is missing' } };
    }
    return {
      problem: {
        pointer: '/lockfileVersion',
        message: `lockfileVersion ${JSON.stringify(data.lockfileVersion)} is not supported (this callops reads version 1)`,
        hint: 'a newer callops may have written it: upgrade callops, or restore the file from git',
      },
    };
  }
  if (!isObject(data.calls)) {
    return {
      problem: {
        pointer: data.calls === undefined ? '' : '/calls',
        message: `calls must be an object, not ${kindOf(data.calls)}`,
      },
    };
  }
  // JSON.parse made these objects for this lock alone: good entries are used as they are.
  const calls = data.calls as Record<string, LockEntry>;
  for (const key in calls) {
    const raw: unknown = calls[key];
    if (isGoodEntry(raw)) continue;
    const result = entryOf(key, raw);
    if ('problem' in result) return result;
    Object.defineProperty(calls, key, { value: result.entry, enumerable: true, writable: true });
  }
  const schedules = schedulesOf(data.schedules);
  if ('problem' in schedules) return schedules;
  return {
    lock: {
      lockfileVersion: 1,
      calls,
      ...(schedules.schedules === undefined ? {} : { schedules: schedules.schedules }),
    },
  };
};

/** The optional `schedules` section: `<target>/<call>` → `{since, reportedThrough?}`. */
const schedulesOf = (
  raw: unknown,
): { schedules?: Record<string, ScheduleMemory> } | { problem: ShapeProblem } => {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    return {
      problem: {
        pointer: '/schedules',
        message: `schedules must be an object, not ${kindOf(raw)}`,
      },
    };
  }
  const out: Record<string, ScheduleMemory> = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `/schedules/${escapePointer(key)}`;
    const label = `schedules entry ${JSON.stringify(key)}`;
    if (!isObject(value)) {
      return {
        problem: { pointer: at, message: `${label} must be an object, not ${kindOf(value)}` },
      };
    }
    const unknown = Object.keys(value).find(
      (f) => f !== 'since' && f !== 'reportedThrough' && f !== 'prunedThrough' && f !== 'rang',
    );
    if (unknown !== undefined) {
      return {
        problem: {
          pointer: `${at}/${escapePointer(unknown)}`,
          message: `${label} has an unknown field "${unknown}"`,
        },
      };
    }
    if (!isInstant(value.since)) {
      return {
        problem: {
          pointer: value.since === undefined ? at : `${at}/since`,
          message: `${label}: since must be an ISO-8601 time`,
        },
      };
    }
    if (value.reportedThrough !== undefined && !isInstant(value.reportedThrough)) {
      return {
        problem: {
          pointer: `${at}/reportedThrough`,
          message: `${label}: reportedThrough must be an ISO-8601 time`,
        },
      };
    }
    if (value.prunedThrough !== undefined && !isInstant(value.prunedThrough)) {
      return {
        problem: {
          pointer: `${at}/prunedThrough`,
          message: `${label}: prunedThrough must be an ISO-8601 time`,
        },
      };
    }
    if (value.rang !== undefined && !isRang(value.rang)) {
      return {
        problem: {
          pointer: `${at}/rang`,
          message: `${label}: rang must be {numbers: {digest: [ISO-8601 times]}, cut?: {digest: ISO-8601 time}, forgotten?: ISO-8601 time}`,
        },
      };
    }
    out[key] = {
      since: value.since,
      ...(value.reportedThrough === undefined ? {} : { reportedThrough: value.reportedThrough }),
      ...(value.prunedThrough === undefined ? {} : { prunedThrough: value.prunedThrough }),
      ...(value.rang === undefined ? {} : { rang: value.rang as RangMemory }),
    };
  }
  return { schedules: out };
};

/** A memory's `rang` (./rang.ts): the calls let go that per-number limits still count. */
const isRang = (raw: unknown): boolean => {
  if (!isObject(raw) || !isObject(raw.numbers)) return false;
  for (const k in raw) if (k !== 'numbers' && k !== 'cut' && k !== 'forgotten') return false;
  for (const times of Object.values(raw.numbers)) {
    if (!Array.isArray(times) || !times.every(isInstant)) return false;
  }
  if (raw.cut !== undefined && (!isObject(raw.cut) || !Object.values(raw.cut).every(isInstant)))
    return false;
  return raw.forgotten === undefined || isInstant(raw.forgotten);
};
