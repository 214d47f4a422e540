import { createHash } from 'node:crypto';
import { redialPolicyOf } from '../campaign/redial.js';
import type { Position } from '../config/types.js';
import { type CallEntry, siteIn } from './calls.js';
import type { CallDefinition } from './model.js';
import { toScheduleSpec } from './schedule-spec.js';
import { isRecord, siteOf } from './site.js';

/** JSON with object keys sorted at every level (undefined members left out), for hashing. */
export const canonicalJson = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      out += `${i === 0 ? '' : ','}${canonicalJson(item === undefined ? null : item)}`;
    }
    return `${out}]`;
  }
  if (isRecord(value)) {
    let out = '{';
    for (const key of Object.keys(value).sort()) {
      const item = value[key];
      if (item === undefined) continue;
      out += `${out === '{' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    }
    return `${out}}`;
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
  // The position and the digest are worked out on first use: `validate` reads neither for
  // a call without problems, and they cost more than the rest of the definition.
  let position: Position | undefined;
  const where = (): Position => {
    position ??= siteOf(entry.doc, entry.itemPath);
    return position;
  };
  let digest: string | undefined;
  const name = merged.name;
  return {
    name,
    file: entry.doc.file,
    get line() {
      return where().line;
    },
    get column() {
      return where().column;
    },
    ...(target === undefined ? {} : { target }),
    enabled,
    ...(schedule ? { schedule } : {}),
    ...(redial ? { redial } : {}),
    options,
    get definition() {
      digest ??= definitionHash({
        name,
        enabled,
        target,
        schedule: merged.schedule,
        redial: merged.redial,
        options,
      });
      return digest;
    },
    locate: (path) => siteIn(entry, path),
  };
};
