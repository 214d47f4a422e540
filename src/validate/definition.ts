import { createHash } from 'node:crypto';
import { type RedialPolicy, redialPolicyOf } from '../campaign/redial.js';
import type { PathSegments, Position, Site } from '../config/types.js';
import { type CallEntry, siteIn } from './calls.js';
import type { CallDefinition, ScheduleSpec } from './model.js';
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

/**
 * A call's definition. Its position and digest are worked out on first use: `validate` reads
 * neither for a call without problems, and they cost more than the rest of the definition.
 * A class whose `line`, `column` and `definition` are own accessors sharing one getter each
 * (they spread and compare like plain fields): an object literal with per-call getters
 * lands in V8's slow dictionary mode, 430 bytes a call, and its closures as much again.
 */
class Definition implements CallDefinition {
  // Declared only: the constructor defines them in this order.
  declare readonly name: string;
  declare readonly file: string;
  declare readonly line: number;
  declare readonly column: number;
  declare readonly target?: string;
  declare readonly enabled: boolean;
  declare readonly schedule?: ScheduleSpec;
  declare readonly redial?: RedialPolicy;
  declare readonly options: Readonly<Record<string, unknown>>;
  declare readonly definition: string;
  declare readonly locate: (path: PathSegments) => Site;
  readonly #entry: CallEntry;
  #position: Position | undefined;
  #digest: string | undefined;

  static readonly #line: PropertyDescriptor = {
    get(this: Definition) {
      return this.#where().line;
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #column: PropertyDescriptor = {
    get(this: Definition) {
      return this.#where().column;
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #hash: PropertyDescriptor = {
    get(this: Definition) {
      this.#digest ??= definitionHash({
        name: this.name,
        enabled: this.enabled,
        target: this.target,
        schedule: this.#entry.merged.schedule,
        redial: this.#entry.merged.redial,
        options: this.options,
      });
      return this.#digest;
    },
    enumerable: true,
    configurable: true,
  };

  /** A function of its own (it may be taken off the definition), made when asked for. */
  static readonly #locate: PropertyDescriptor = {
    get(this: Definition) {
      const entry = this.#entry;
      return (path: PathSegments): Site => siteIn(entry, path);
    },
    enumerable: true,
    configurable: true,
  };

  constructor(
    entry: CallEntry,
    name: string,
    options: Readonly<Record<string, unknown>>,
    target: string | undefined,
    schedule: ScheduleSpec | undefined,
    redial: RedialPolicy | undefined,
  ) {
    this.#entry = entry;
    Object.defineProperty(this, 'name', own(name));
    Object.defineProperty(this, 'file', own(entry.doc.file));
    Object.defineProperty(this, 'line', Definition.#line);
    Object.defineProperty(this, 'column', Definition.#column);
    if (target !== undefined) Object.defineProperty(this, 'target', own(target));
    Object.defineProperty(this, 'enabled', own(entry.merged.enabled !== false));
    if (schedule) Object.defineProperty(this, 'schedule', own(schedule));
    if (redial) Object.defineProperty(this, 'redial', own(redial));
    Object.defineProperty(this, 'options', own(options));
    Object.defineProperty(this, 'definition', Definition.#hash);
    Object.defineProperty(this, 'locate', Definition.#locate);
  }

  /** Two numbers, kept once read (a lazy site would keep its closures for every call). */
  #where(): Position {
    if (this.#position === undefined) {
      const at = siteOf(this.#entry.doc, this.#entry.itemPath);
      this.#position = { line: at.line, column: at.column };
    }
    return this.#position;
  }
}

const own = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

/** The CallDefinition of an entry with a string name; undefined without one. */
export const toCallDefinition = (entry: CallEntry): CallDefinition | undefined => {
  const { merged } = entry;
  if (typeof merged.name !== 'string') return undefined;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (!CALL_KEYS.includes(key)) Object.defineProperty(options, key, { value, enumerable: true });
  }
  const target = typeof merged.target === 'string' ? merged.target : undefined;
  return new Definition(
    entry,
    merged.name,
    options,
    target,
    toScheduleSpec(merged.schedule),
    redialPolicyOf(merged.redial),
  );
};
