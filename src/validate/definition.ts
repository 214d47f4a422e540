import { type RedialPolicy, redialPolicyOf } from '../campaign/redial.js';
import { detached } from '../config/file-text.js';
import type { PathSegments, Site, SourceDocument } from '../config/types.js';
import { jsonString } from '../state/json-text.js';
import type { CallEntry } from './calls.js';
import { type Layer, mergeLayers, siteInLayers } from './merge.js';
import type { CallDefinition, ScheduleSpec } from './model.js';
import { toScheduleSpec } from './schedule-spec.js';
import { isRecord } from './site.js';

/** Object keys sorted as `sort()` sorts them; the array itself when already in order. */
const sortedKeys = (keys: string[]): string[] => {
  for (let i = 1; i < keys.length; i += 1) {
    if ((keys[i - 1] as string) > (keys[i] as string)) return keys.sort();
  }
  return keys;
};

/** Quoted keys, kept: a project's definitions share a few dozen key names. */
const quotedKeys = new Map<string, string>();
const quotedKey = (key: string): string => {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = jsonString(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
};

/**
 * JSON with object keys sorted at every level (undefined members left out), for hashing.
 * Every call's digest is made from it, so it sorts only keys out of order and quotes a plain
 * string without JSON.stringify (the same text).
 */
export const canonicalJson = (value: unknown): string => {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      out += `${i === 0 ? '' : ','}${canonicalJson(item === undefined ? null : item)}`;
    }
    return `${out}]`;
  }
  const record = value as Readonly<Record<string, unknown>>;
  const keys = sortedKeys(Object.keys(record));
  let out = '{';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    const item = record[key];
    if (item === undefined) continue;
    out += `${out.length === 1 ? '' : ','}${quotedKey(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
};

/** Keys of a call that callops reads itself; everything else is a gateway option. */
export const CALL_KEYS: readonly string[] = [
  'name',
  'schedule',
  'target',
  'enabled',
  'recipients',
  'redial',
  'shared_numbers',
];

/** What a call's digest is made of: name, schedule, target, enabled and options. */
interface Digested {
  readonly name: string;
  readonly enabled: boolean;
  readonly target?: string;
  readonly schedule?: unknown;
  readonly redial?: unknown;
  readonly options: unknown;
}

/** `sha256:<hex>` of the merged call: name, schedule, target, enabled and options, references unresolved. */
export const definitionHash = (definition: Digested): string => sha256(canonicalJson(definition));

const DIGEST_BYTES = 32;

/**
 * The digests of a document's calls, 32 bytes each at the call's index: a digest kept as
 * text is 87 bytes of heap, and a run keeps one for every call it places until it ends.
 */
const digestsOf = new WeakMap<SourceDocument, Buffer>();

/** Stores the digest of call `index` of `doc`. */
const keepDigest = (doc: SourceDocument, index: number, definition: Digested): void => {
  const at = index * DIGEST_BYTES;
  let kept = digestsOf.get(doc);
  if (kept === undefined || kept.length < at + DIGEST_BYTES) {
    const calls = (doc.data as { calls?: unknown } | undefined)?.calls;
    const count = Math.max(index + 1, Array.isArray(calls) ? calls.length : 0);
    const grown = Buffer.alloc(
      Math.max(count, 2 * ((kept?.length ?? 0) / DIGEST_BYTES)) * DIGEST_BYTES,
    );
    kept?.copy(grown);
    digestsOf.set(doc, grown);
    kept = grown;
  }
  crypto().hash('sha256', canonicalJson(definition), 'buffer').copy(kept, at);
};

/** The digest of call `index` of `doc`, as `sha256:<hex>` (stored by keepDigest). */
const keptDigest = (doc: SourceDocument, index: number): string => {
  const at = index * DIGEST_BYTES;
  return `sha256:${(digestsOf.get(doc) as Buffer).toString('hex', at, at + DIGEST_BYTES)}`;
};

/** The SHA-256 of a text, in hex. One-shot: no Hash object per digest (a run makes two a call). */
export const sha256Hex = (text: string): string => crypto().hash('sha256', text, 'hex');

/** `sha256:<hex>` of a text: the form of every digest callops stores. */
export const sha256 = (text: string): string => `sha256:${sha256Hex(text)}`;

let cryptoModule: typeof import('node:crypto') | undefined;
/**
 * node:crypto on first use: `validate` computes no digest, and loading it costs a start.
 * Kept once loaded: process.getBuiltinModule is a lookup of some microseconds, per digest.
 */
const crypto = (): typeof import('node:crypto') => {
  cryptoModule ??= process.getBuiltinModule('node:crypto');
  return cryptoModule;
};

/** The raw `schedule` and `redial` of a merged call, for its digest, when it has either. */
interface Hashed {
  readonly schedule: unknown;
  readonly redial: unknown;
}

/**
 * A call's definition. Its position and digest are worked out on first use: `validate` reads
 * neither for a call without problems, and they cost more than the rest of the definition.
 * A class whose `line`, `column`, `definition` and `locate` are own accessors sharing one
 * getter each (they spread and compare like plain fields): an object literal with per-call
 * getters lands in V8's slow dictionary mode, 430 bytes a call, and its closures as much again.
 *
 * It keeps what later stages read and a way back to the call as written: its document, its
 * index there, the call's own map and the layers below it (one array per document). The
 * merged call and the validation's entry are not kept: a definition lives for the whole run.
 * Once its request is made (`release`), it lets go of its own map and options, and of its
 * document's data: they are read again from the file's text when asked for.
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
  readonly #doc: SourceDocument;
  readonly #index: number;
  /** The call's own map and its options; undefined once released (read again when asked). */
  #item: Readonly<Record<string, unknown>> | undefined;
  #options: Readonly<Record<string, unknown>> | undefined;
  readonly #below: readonly Layer[];
  readonly #hashed: Hashed | undefined;
  /** Worked out on first read; -1 before. */
  #line = -1;
  #column = -1;
  /** Whether its digest is kept (digestsOf). */
  #digested = false;
  /** Set by markLiteral: a bit of the definition, not an entry of a set of them. */
  #literal = false;

  static readonly #lineOf: PropertyDescriptor = {
    get(this: Definition) {
      if (this.#line < 0) this.#where();
      return this.#line;
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #columnOf: PropertyDescriptor = {
    get(this: Definition) {
      if (this.#column < 0) this.#where();
      return this.#column;
    },
    enumerable: true,
    configurable: true,
  };
  static readonly #hash: PropertyDescriptor = {
    get(this: Definition) {
      return this.#digestOf();
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #optionsOf: PropertyDescriptor = {
    get(this: Definition) {
      return this.#options ?? optionsOf(mergeLayers(this.#layers()));
    },
    enumerable: true,
    configurable: true,
  };

  /** A function of its own (it may be taken off the definition), made when asked for. */
  static readonly #locate: PropertyDescriptor = {
    get(this: Definition) {
      const layers = this.#layers();
      return (path: PathSegments): Site => siteInLayers(layers, path);
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
    const { merged } = entry;
    this.#doc = entry.doc;
    this.#index = entry.index;
    this.#item = entry.item;
    this.#options = options;
    this.#below = entry.below;
    this.#hashed =
      merged.schedule === undefined && merged.redial === undefined
        ? undefined
        : { schedule: scheduleHashed(merged.schedule, entry.item), redial: merged.redial };
    Object.defineProperty(this, 'name', own(detached(name)));
    Object.defineProperty(this, 'file', own(entry.doc.file));
    Object.defineProperty(this, 'line', Definition.#lineOf);
    Object.defineProperty(this, 'column', Definition.#columnOf);
    if (target !== undefined) Object.defineProperty(this, 'target', own(target));
    Object.defineProperty(this, 'enabled', own(merged.enabled !== false));
    if (schedule) Object.defineProperty(this, 'schedule', own(schedule));
    if (redial) Object.defineProperty(this, 'redial', own(redial));
    Object.defineProperty(this, 'options', Definition.#optionsOf);
    Object.defineProperty(this, 'definition', Definition.#hash);
    Object.defineProperty(this, 'locate', Definition.#locate);
  }

  /**
   * Lets go of the call's own map and options and of its document's data, when the document
   * can read them again from its file's text: for a call whose request is made. Its name,
   * digest, position and schedule stay; its options are merged again whenever asked for.
   */
  release(digest = true): void {
    if (this.#item === undefined) return;
    // The digest is what its lockfile entry and journal lines need next: made from the
    // options at hand, not from the file read again.
    if (digest) this.#digestOf();
    if (this.#doc.release?.() !== true) return;
    this.#item = undefined;
    this.#options = undefined;
  }

  markLiteral(): void {
    this.#literal = true;
  }

  get literal(): boolean {
    return this.#literal;
  }

  /** The digest, worked out once (kept as bytes: digestsOf). */
  #digestOf(): string {
    if (!this.#digested) {
      // Its keys in sorted order (the digest sorts them anyway): nothing to sort a call.
      keepDigest(this.#doc, this.#index, {
        enabled: this.enabled,
        name: this.name,
        options: this.options,
        redial: this.#hashed?.redial,
        schedule: this.#hashed?.schedule,
        target: this.target,
      });
      this.#digested = true;
    }
    return keptDigest(this.#doc, this.#index);
  }

  /** The layers the call is merged from, its own map (read again when released) last. */
  #layers(): Layer[] {
    let item: unknown = this.#item;
    if (item === undefined) {
      const calls = (this.#doc.data as { calls?: unknown } | undefined)?.calls;
      item = Array.isArray(calls) ? calls[this.#index] : undefined;
    }
    const data = (item ?? {}) as Readonly<Record<string, unknown>>;
    return [...this.#below, { data, doc: this.#doc, base: ['calls', this.#index] }];
  }

  /** Where the call's map starts: two numbers, kept once read. */
  #where(): void {
    const at = this.#doc.locate(['calls', this.#index]);
    this.#line = at.line;
    this.#column = at.column;
  }
}

const own = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

/** The gateway options of a merged call: every key callops does not read itself. */
const optionsOf = (merged: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (!CALL_KEYS.includes(key)) Object.defineProperty(options, key, { value, enumerable: true });
  }
  return options;
};

/** The CallDefinition of an entry with a string name; undefined without one. */
export const toCallDefinition = (entry: CallEntry): CallDefinition | undefined => {
  const { merged } = entry;
  if (typeof merged.name !== 'string') return undefined;
  const options = optionsOf(merged);
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

/**
 * A merged schedule without `cron` or `at` (a campaign's hours, say) without the `deadline`
 * and `catchup` its defaults give: they are for slots, and such a schedule has none. Left in,
 * adding one to defaults would show every placed row as changed since placed. Those the
 * call writes itself stay (its digest as earlier releases wrote it). For the digest only:
 * the schedule is still checked as merged, a bad deadline of defaults said.
 */
const scheduleHashed = (schedule: unknown, item: Readonly<Record<string, unknown>>): unknown => {
  if (!isRecord(schedule) || schedule.cron !== undefined || schedule.at !== undefined)
    return schedule;
  const own = isRecord(item.schedule) ? item.schedule : {};
  const dropped = SLOT_KEYS.filter((key) => schedule[key] !== undefined && own[key] === undefined);
  if (dropped.length === 0) return schedule;
  const kept = { ...schedule };
  for (const key of dropped) delete kept[key];
  return kept;
};

const SLOT_KEYS = ['deadline', 'catchup'] as const;
