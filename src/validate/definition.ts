import { createHash } from 'node:crypto';
import { redialPolicyOf } from '../campaign/redial.js';
import { type CallEntry, siteIn } from './calls.js';
import type { CallDefinition } from './model.js';
import { toScheduleSpec } from './schedule-spec.js';
import { isRecord, siteOf } from './site.js';

/** JSON with object keys sorted at every level (undefined members left out), for hashing. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
};

/** Keys of a call that callops reads itself; everything else is a gateway option. */
export const CALL_KEYS: readonly string[] = [
  'name',
  'schedule',
  'target',
  'enabled',
  'recipients',
  'redial',
];

/** `sha256:<hex>` of the merged call: name, schedule, target, enabled and options, references unresolved. */
export const definitionHash = (definition: {
  readonly name: string;
  readonly enabled: boolean;
  readonly target?: string;
  readonly schedule?: unknown;
  readonly redial?: unknown;
  readonly options: unknown;
}): string => sha256(canonicalJson(definition));

/** `sha256:<hex>` of a text: the form of every digest callops stores. */
export const sha256 = (text: string): string =>
  `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The CallDefinition of an entry with a string name; undefined without one. */
export const toCallDefinition = (entry: CallEntry): CallDefinition | undefined => {
  const { merged } = entry;
  if (typeof merged.name !== 'string') return undefined;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (!CALL_KEYS.includes(key)) Object.defineProperty(options, key, { value, enumerable: true });
  }
  const target = typeof merged.target === 'string' ? merged.target : undefined;
  const enabled = merged.enabled !== false;
  const schedule = toScheduleSpec(merged.schedule);
  const redial = redialPolicyOf(merged.redial);
  const position = siteOf(entry.doc, entry.itemPath);
  return {
    name: merged.name,
    file: entry.doc.file,
    line: position.line,
    column: position.column,
    ...(target === undefined ? {} : { target }),
    enabled,
    ...(schedule ? { schedule } : {}),
    ...(redial ? { redial } : {}),
    options,
    definition: definitionHash({
      name: merged.name,
      enabled,
      target,
      schedule: merged.schedule,
      redial: merged.redial,
      options,
    }),
    locate: (path) => siteIn(entry, path),
  };
};
