import { recurringKey } from '../state/retention.js';
import type { Lockfile } from '../state/types.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import { definitionEntries, PlanDigest, planDigest } from './digest.js';
import { formatSlot } from './keys.js';
import type { PlanFileDigests } from './resolved.js';
import type { Plan, PlanItem } from './types.js';

/** One due placement in a plan file: identity only, never a resolved value. */
export interface PlanFileItem {
  readonly key: string;
  readonly name: string;
  readonly target: string;
  readonly slot?: string;
  readonly definition: string;
  /** Salted digest of the values its request resolves to from the environment, if any. */
  readonly values?: string;
}

/**
 * What `plan --out FILE` writes and `apply --plan FILE` executes: keys, names, definition
 * hashes, the lockfile digest and the evaluation time, and salted digests of where each due
 * target places calls and of what each due call resolves to. It never holds a value from
 * the environment (destinations are not even stored), nor a digest of a secret.
 */
export interface PlanFile {
  readonly planFileVersion: 2;
  readonly target: string;
  readonly now: string;
  readonly lockDigest: string;
  /** The key of the file's digests of gateways and values (see saltedDigest). */
  readonly salt: string;
  /** Call name → definition hash, for every call of the project when the plan was made. */
  readonly definitions: Readonly<Record<string, string>>;
  readonly due: readonly PlanFileItem[];
  /** The plan's flags, so that apply rebuilds the current plan the same way. */
  readonly retryUnknown?: boolean;
  readonly only?: readonly string[];
  /** Target name → digest of its gateway, for each target of a due call but the simulator. */
  readonly gateways: Readonly<Record<string, string>>;
  /**
   * `planDigest` of the file's due items, gateways, salt, target, time, `only` and
   * `retryUnknown`: guards against hand edits.
   */
  readonly planDigest: string;
}

export interface PlanFileContext {
  readonly lockDigest: string;
  readonly definitions: Readonly<Record<string, string>>;
  readonly retryUnknown?: boolean;
  readonly only?: readonly string[];
  readonly salt: string;
  /** Made with `salt`. */
  readonly digests: PlanFileDigests;
}

/**
 * The digests of a plan file as its due items are made: each item's values, the targets
 * they go to, and the plan digest hashed an item at a time. Its gateways and plan digest
 * are asked for once every due item was made (they are written after the items).
 */
class Sealing {
  readonly #digest = new PlanDigest();
  readonly #targets = new Set<string>();
  #gateways: Record<string, string> | undefined;

  constructor(
    readonly plan: Plan,
    readonly context: Pick<PlanFileContext, 'salt' | 'digests' | 'only' | 'retryUnknown'>,
  ) {}

  /** A due item as the plan file holds it. */
  item(item: PlanItem): PlanFileItem {
    const values = this.context.digests.values(item);
    const made: PlanFileItem = {
      key: item.key,
      name: item.name,
      target: item.target,
      ...(item.slot === undefined ? {} : { slot: item.slot }),
      definition: item.definition,
      ...(values === undefined ? {} : { values }),
    };
    this.#digest.add(made);
    this.#targets.add(item.target);
    return made;
  }

  gateways(): Record<string, string> {
    this.#gateways ??= Object.fromEntries(
      [...this.#targets].sort().flatMap((target) => {
        const digest = this.context.digests.gateway(target);
        return digest === undefined ? [] : [[target, digest] as const];
      }),
    );
    return this.#gateways;
  }

  planDigest(): string {
    return this.#digest.end({
      target: this.plan.target,
      now: this.plan.now,
      salt: this.context.salt,
      gateways: this.gateways(),
      ...(this.context.only ? { only: this.context.only } : {}),
      ...(this.context.retryUnknown ? { retryUnknown: true } : {}),
    });
  }
}

/** A value for `jsonPieces` made when it is written (after the due items before it). */
class Later {
  constructor(readonly make: () => unknown) {}
  toJSON(): unknown {
    return this.make();
  }
}

export const toPlanFile = (plan: Plan, context: PlanFileContext): PlanFile => {
  const sealing = new Sealing(plan, context);
  const due = plan.due.map((item) => sealing.item(item));
  return {
    planFileVersion: 2,
    target: plan.target,
    now: plan.now,
    lockDigest: context.lockDigest,
    salt: context.salt,
    // Used as given (a campaign's rows make it large): the caller does not change it afterwards.
    definitions: context.definitions,
    due,
    ...(context.retryUnknown ? { retryUnknown: true } : {}),
    ...(context.only ? { only: [...context.only] } : {}),
    gateways: sealing.gateways(),
    planDigest: sealing.planDigest(),
  };
};

/**
 * `toPlanFile(plan, { ...context, definitions: definitionsOf(calls) })` as a value for
 * `jsonBytes`, the same text: its due items and definitions are made one at a time while
 * written (the definitions in `definitionEntries` order), so a campaign's plan file is
 * written without an object, or a hash string, held per row. The gateways and the plan
 * digest, written after the items, are made once the items were.
 */
export const planFileJson = (
  plan: Plan,
  context: Omit<PlanFileContext, 'definitions'>,
  calls: readonly CallDefinition[],
): Readonly<Record<string, unknown>> => {
  const sealing = new Sealing(plan, context);
  return {
    planFileVersion: 2,
    target: plan.target,
    now: plan.now,
    lockDigest: context.lockDigest,
    salt: context.salt,
    definitions: new JsonEntries(() => definitionEntries(calls)),
    due: new JsonItems(() => mapped(plan.due, (item) => sealing.item(item))),
    ...(context.retryUnknown ? { retryUnknown: true } : {}),
    ...(context.only ? { only: [...context.only] } : {}),
    gateways: new Later(() => sealing.gateways()),
    planDigest: new Later(() => sealing.planDigest()),
  };
};

export type PlanFileCheck =
  | { readonly ok: true; readonly due: readonly PlanItem[] }
  | {
      readonly ok: false;
      readonly reason: string;
      /** The file is not a plan file at all: a bad value of the flag (exit 64), not a stale plan. */
      readonly notAPlan?: true;
      /**
       * A due call or its target does not resolve now (a missing variable): reported as
       * apply reports it, each at its place, not as a stale plan.
       */
      readonly diagnostics?: readonly Diagnostic[];
    };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const isItem = (v: unknown): v is PlanFileItem =>
  isRecord(v) &&
  typeof v.key === 'string' &&
  typeof v.name === 'string' &&
  typeof v.target === 'string' &&
  typeof v.definition === 'string' &&
  (v.slot === undefined || typeof v.slot === 'string') &&
  (v.values === undefined || typeof v.values === 'string');

const isStrings = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every((d) => typeof d === 'string');

const isString = (v: unknown): boolean => typeof v === 'string';

/** Each field of a version 2 plan file: whether a value of it is well formed, and if required. */
const PLAN_FILE_FIELDS: readonly (readonly [string, (v: unknown) => boolean, boolean])[] = [
  ['target', isString, true],
  ['now', isString, true],
  ['lockDigest', isString, true],
  ['salt', isString, true],
  ['definitions', isStrings, true],
  ['due', (v) => Array.isArray(v) && v.every(isItem), true],
  ['gateways', isStrings, true],
  ['planDigest', isString, true],
  ['retryUnknown', (v) => typeof v === 'boolean', false],
  ['only', (v) => Array.isArray(v) && v.every(isString), false],
];

const jsonKind = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;

/**
 * Why `v` is not a version 2 plan file, in words (what is missing or malformed), or
 * undefined when it is one.
 */
const planFileProblem = (v: unknown): string | undefined => {
  if (!isRecord(v)) return `it is ${jsonKind(v)}, not a JSON object`;
  if (v.planFileVersion === undefined) return 'it has no planFileVersion';
  if (v.planFileVersion !== 2)
    return `its planFileVersion is ${JSON.stringify(v.planFileVersion)}, not 2`;
  const missing: string[] = [];
  const malformed: string[] = [];
  for (const [name, ok, required] of PLAN_FILE_FIELDS) {
    if (v[name] === undefined) {
      if (required) missing.push(name);
    } else if (!ok(v[name])) malformed.push(name);
  }
  const parts = [
    missing.length === 0 ? '' : `it has no ${missing.join(', ')}`,
    malformed.length === 0
      ? ''
      : `its ${malformed.join(', ')} ${malformed.length === 1 ? 'is' : 'are'} malformed`,
  ].filter((p) => p !== '');
  return parts.length === 0 ? undefined : parts.join('; ');
};

const isPlanFile = (v: unknown): v is PlanFile => planFileProblem(v) === undefined;

/**
 * What a plan file selected when it was made (its `--only`, its `--retry-unknown`), for the
 * plan it is checked against: that plan counts only the calls the file's run can place. A
 * file that does not record `retryUnknown` but lists an entry the lockfile holds as unknown
 * was made with it (no other plan lists an unknown entry as due). Anything malformed selects
 * nothing: the check refuses such a file.
 */
export const planFileSelection = (
  file: unknown,
  lock: Lockfile,
): { readonly only?: readonly string[]; readonly retryUnknown: boolean } => {
  if (!isPlanFile(file)) return { retryUnknown: false };
  const retryUnknown =
    file.retryUnknown === true ||
    file.due.some((item) => lock.calls[item.key]?.status === 'unknown');
  return { ...(file.only === undefined ? {} : { only: file.only }), retryUnknown };
};

const definitionDrift = (
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): string | undefined => {
  for (const [name, hash] of Object.entries(before)) {
    if (!(name in after)) return `call \`${name}\` was removed since the plan was made`;
    if (after[name] !== hash)
      return `the definition of \`${name}\` changed since the plan was made`;
  }
  const added = Object.keys(after).find((name) => !(name in before));
  return added === undefined ? undefined : `call \`${added}\` was added since the plan was made`;
};

/** The first due target whose gateway digest is not the file's now. */
const gatewayDrift = (file: PlanFile, digests: PlanFileDigests): string | undefined => {
  const targets = new Set<string>();
  for (const item of file.due) targets.add(item.target);
  for (const target of [...targets].sort()) {
    const recorded = Object.hasOwn(file.gateways, target) ? file.gateways[target] : undefined;
    if (digests.gateway(target) !== recorded) {
      return `the gateway of target \`${target}\` changed since the plan was made (its base_url or account_sid resolves to another value now)`;
    }
  }
  return undefined;
};

/**
 * Why `key`, due in a plan file, is not due in `plan` (built now): the reason `plan` gives
 * it now (missed, skipped, on a do-not-call list, held by a limit), or when it falls due.
 */
const notDueWords = (key: string, plan: Plan, missed: ReadonlyMap<string, PlanItem>): string => {
  const find = (items: readonly PlanItem[] | undefined) => items?.find((i) => i.key === key);
  const held = missed.get(key) ?? find(plan.skipped) ?? find(plan.suppressed) ?? find(plan.waiting);
  if (held?.reason !== undefined) return held.reason;
  const later = find(plan.upcoming);
  if (later?.opens !== undefined) return `outside its calling hours until ${later.opens}`;
  if (later?.slot !== undefined) return `its slot ${later.slot} is still to come`;
  const slot = recurringKey(key)?.slotMs;
  // A slot further ahead than the few upcoming ones the plan lists.
  if (slot !== undefined && slot > Date.parse(plan.now))
    return `its slot ${formatSlot(new Date(slot))} is still to come`;
  // A slot gone from the plan, its time past: its deadline passed (and it was reported).
  if (missed.has(key) || (slot !== undefined && slot < Date.parse(plan.now)))
    return 'its deadline passed';
  return 'it is not in the plan now';
};

/**
 * Decides whether a saved plan may still be executed exactly. `current.plan` is the plan
 * built now (the real time, same target and flags); the file is refused when the lockfile
 * or any definition moved on, when a due target's gateway or a due call's values resolve to
 * something else now (a `${VAR}` with another value), when the file was edited or made by
 * an older callops (it recorded neither), or when one of its due placements is no longer
 * due (its deadline passed). On success, `due` is the current plan's items for exactly the
 * file's keys — newer slots that fell due meanwhile are left to the next apply.
 * Build `current.plan` with the file's target, `only` and `retryUnknown`; `current.digests`
 * makes the digests now with the file's salt. Before any digest is compared, the file's
 * calls that are due now are resolved (`current.unresolved`): a missing variable is an input
 * error, refused with its diagnostics, not a value that changed.
 */
export const checkPlanFile = (
  file: unknown,
  current: {
    readonly plan: Plan;
    readonly lockDigest: string;
    readonly definitions: Readonly<Record<string, string>>;
    readonly digests: (salt: string) => PlanFileDigests;
    /** What resolving these due items and their targets finds wrong now. */
    readonly unresolved?: (due: readonly PlanItem[]) => readonly Diagnostic[];
  },
): PlanFileCheck => {
  const refuse = (reason: string): PlanFileCheck => ({
    ok: false,
    reason: `${reason}; make a new plan`,
  });
  if (isRecord(file) && file.planFileVersion === 1) {
    return refuse(
      'the plan file was made by an older callops, which did not record the gateways and values it was reviewed with',
    );
  }
  const version = isRecord(file) ? file.planFileVersion : undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > 2) {
    return {
      ok: false,
      reason: `the plan file was made by a newer callops (version ${version}); use that version or make a new plan`,
      notAPlan: true,
    };
  }
  if (!isPlanFile(file)) {
    const problem = planFileProblem(file);
    return { ok: false, reason: `not a callops plan file (${problem})`, notAPlan: true };
  }
  if (planDigest(file) !== file.planDigest) return refuse('the plan file was edited');
  if (file.target !== current.plan.target) {
    return {
      ok: false,
      reason: `the plan is for target \`${file.target}\`, not \`${current.plan.target}\`: apply it with --target ${file.target}`,
    };
  }
  const dueNow = new Map(current.plan.due.map((item) => [item.key, item]));
  if (current.unresolved !== undefined) {
    const items: PlanItem[] = [];
    for (const planned of file.due) {
      const item = dueNow.get(planned.key);
      if (item !== undefined) items.push(item);
    }
    const diagnostics = current.unresolved(items);
    if (hasErrors(diagnostics)) {
      return { ok: false, reason: 'cannot resolve every value', diagnostics };
    }
  }
  if (file.lockDigest !== current.lockDigest)
    return refuse('the lockfile changed since the plan was made');
  const drift = definitionDrift(file.definitions, current.definitions);
  if (drift) return refuse(drift);
  const digests = current.digests(file.salt);
  const moved = gatewayDrift(file, digests);
  if (moved) return refuse(moved);
  const missedNow = new Map(current.plan.missed.map((item) => [item.key, item]));
  const due: PlanItem[] = [];
  // Every call whose values changed is counted; the first is named.
  let changed = 0;
  let first: string | undefined;
  for (const planned of file.due) {
    const item = dueNow.get(planned.key);
    if (!item || item.definition !== planned.definition) {
      return refuse(
        `\`${planned.key}\` is no longer due at ${current.plan.now}: ${notDueWords(planned.key, current.plan, missedNow)}`,
      );
    }
    if (digests.values(item) !== planned.values) {
      changed += 1;
      first ??= planned.key;
    }
    due.push(item);
  }
  if (changed > 0) {
    return refuse(
      `the resolved values of ${changed} call${changed === 1 ? '' : 's'} changed since the plan was made (a \${VAR} ${changed === 1 ? 'it references has' : 'they reference has'} another value now), e.g. \`${first}\``,
    );
  }
  return { ok: true, due };
};

const isSkipped = (v: unknown): boolean =>
  v === undefined || typeof v === 'function' || typeof v === 'symbol';

/**
 * An array for `jsonPieces` whose items are made while they are written (a campaign's rows):
 * the same text as the array of them, without that array. `JSON.stringify` sees the array.
 */
export class JsonItems {
  constructor(readonly items: () => Iterable<unknown>) {}
  toJSON(): unknown[] {
    return [...this.items()];
  }
}

/** An object for `jsonPieces` whose entries are made while written, in the order given. */
export class JsonEntries {
  constructor(readonly entries: () => Iterable<readonly [string, unknown]>) {}
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.entries());
  }
}

/** `items` mapped, one at a time. */
export function* mapped<T, R>(items: Iterable<T>, map: (item: T) => R): Generator<R> {
  for (const item of items) yield map(item);
}

function* arrayPieces(items: Iterable<unknown>, depth: number, pad: string): Generator<string> {
  const inner = `${pad}  `;
  let first = true;
  for (const item of items) {
    yield `${first ? '[' : ','}\n${inner}`;
    first = false;
    if (isSkipped(item)) yield 'null';
    else yield* jsonPieces(item, depth - 1, inner);
  }
  yield first ? '[]' : `\n${pad}]`;
}

function* objectPieces(
  entries: Iterable<readonly [string, unknown]>,
  depth: number,
  pad: string,
): Generator<string> {
  const inner = `${pad}  `;
  let first = true;
  for (const [key, item] of entries) {
    if (isSkipped(item)) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(item, depth - 1, inner);
  }
  yield first ? '{}' : `\n${pad}}`;
}

function* recordEntries(record: Readonly<Record<string, unknown>>): Generator<[string, unknown]> {
  for (const key of Object.keys(record)) yield [key, record[key]];
}

/**
 * `JSON.stringify(value, null, 2)` in pieces: the members of objects and arrays down to
 * `depth` levels one at a time, the rest whole. A plan of many rows is then written without
 * its text ever held whole (the same bytes). JsonItems and JsonEntries are written as the
 * array and object they stand for, their members made one at a time.
 */
export function* jsonPieces(value: unknown, depth = 2, pad = ''): Generator<string> {
  if (depth > 0 && value instanceof JsonItems) {
    yield* arrayPieces(value.items(), depth, pad);
    return;
  }
  if (depth > 0 && value instanceof JsonEntries) {
    yield* objectPieces(value.entries(), depth, pad);
    return;
  }
  if (depth > 0 && value !== null && typeof value === 'object' && !('toJSON' in value)) {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        yield '[]';
        return;
      }
      const inner = `${pad}  `;
      yield '[';
      for (let i = 0; i < value.length; i += 1) {
        yield `${i === 0 ? '' : ','}\n${inner}`;
        const item: unknown = value[i];
        if (isSkipped(item)) yield 'null';
        else yield* jsonPieces(item, depth - 1, inner);
      }
      yield `\n${pad}]`;
      return;
    }
    yield* objectPieces(recordEntries(value as Readonly<Record<string, unknown>>), depth, pad);
    return;
  }
  const text = JSON.stringify(value, null, 2) ?? 'null';
  yield pad === '' ? text : text.replaceAll('\n', `\n${pad}`);
}

/**
 * Pieces encoded (UTF-8) into buffers of `size` bytes (a piece longer than that is a buffer
 * of its own). Each piece is copied in as it comes and can go at once: text joined into a
 * chunk instead lives on through collections until the chunk is written, and V8 answers
 * that survival by growing its young generation (~25 MB more at 100k rows of a plan).
 */
export function* byteChunks(pieces: Iterable<string>, size = 64 * 1024): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let at = 0;
  // A character takes at most 3 bytes (a surrogate pair's 2 characters take 4).
  const fits = (piece: string, room: number): boolean =>
    piece.length * 3 <= room || Buffer.byteLength(piece) <= room;
  for (const piece of pieces) {
    if (!fits(piece, size - at)) {
      if (at > 0) {
        yield buffer.subarray(0, at);
        buffer = Buffer.allocUnsafe(size);
        at = 0;
      }
      if (!fits(piece, size)) {
        yield Buffer.from(piece);
        continue;
      }
    }
    at += buffer.write(piece, at);
  }
  if (at > 0) yield buffer.subarray(0, at);
}

/** `${JSON.stringify(value, null, 2)}\n` as UTF-8, in buffers (a plan's items one at a time). */
export const jsonBytes = (value: unknown): Iterable<Buffer> =>
  byteChunks(
    (function* () {
      yield* jsonPieces(value);
      yield '\n';
    })(),
  );
