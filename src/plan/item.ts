import { destinationNumber } from '../screen/number.js';
import type { PreviousPlacement } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { renderTo } from './keys.js';
import type { PlanItem } from './types.js';

/**
 * A campaign row's plan item, compact: its row (whose key, name, line, destination and
 * definition hash it computes when asked for) and the fields it does not take from the row,
 * an object shared by every row they agree for (the target; the hours words of a zone). A
 * plan of many rows then holds two pointers a row, not a set of strings.
 *
 * Its fields are prototype getters: a spread (`{...item}`) would lose them, so an item is
 * changed with `amendItem`, and JSON gets `toJSON` (the fields a plain item would have).
 */

/** The fields of a row's item that do not come from the row. */
export interface RowItemFields {
  readonly target: string;
  /** The campaign (call) name. */
  readonly campaign: string;
  /** Set when the key is not `<target>/<name>[@slot]` (a redial attempt's `…#n`). */
  readonly key?: string;
  readonly slot?: string;
  readonly local?: string;
  readonly reason?: string;
  readonly changed?: true;
  readonly waiting?: true;
  readonly opens?: string;
  readonly expired?: true;
  readonly replaces?: PreviousPlacement;
}

/** Fields merged with a shared object, made once per pair (see RowItem.with). */
const merged = new WeakMap<RowItemFields, WeakMap<object, RowItemFields>>();

export class RowItem implements PlanItem {
  readonly #call: CallDefinition;
  readonly #fields: RowItemFields;
  constructor(call: CallDefinition, fields: RowItemFields) {
    this.#call = call;
    this.#fields = fields;
  }
  /** The row this item places. */
  get rowCall(): CallDefinition {
    return this.#call;
  }
  /** The fields it does not take from its row (shared). */
  get rowFields(): RowItemFields {
    return this.#fields;
  }
  get key(): string {
    const f = this.#fields;
    if (f.key !== undefined) return f.key;
    return f.slot === undefined
      ? `${f.target}/${this.#call.name}`
      : `${f.target}/${this.#call.name}@${f.slot}`;
  }
  get name(): string {
    return this.#call.name;
  }
  get target(): string {
    return this.#fields.target;
  }
  get file(): string {
    return this.#call.file;
  }
  get line(): number {
    return this.#call.line;
  }
  get slot(): string | undefined {
    return this.#fields.slot;
  }
  get local(): string | undefined {
    return this.#fields.local;
  }
  get to(): string {
    const call = this.#call;
    return renderTo(call.optionAt ? call.optionAt('to') : call.options.to);
  }
  get definition(): string {
    return this.#call.definition;
  }
  get reason(): string | undefined {
    return this.#fields.reason;
  }
  get changed(): true | undefined {
    return this.#fields.changed;
  }
  get campaign(): string {
    return this.#fields.campaign;
  }
  get row(): string | undefined {
    return this.#call.campaign?.id;
  }
  get waiting(): true | undefined {
    return this.#fields.waiting;
  }
  get opens(): string | undefined {
    return this.#fields.opens;
  }
  get expired(): true | undefined {
    return this.#fields.expired;
  }
  get replaces(): PreviousPlacement | undefined {
    return this.#fields.replaces;
  }
  /**
   * This row's item with `more` fields. With `shared`, `more` is an object that many rows
   * are given (the words of a zone's hours): the merged fields are made once and shared.
   */
  with(more: Partial<PlanItem>, shared = false): RowItem {
    const fields = this.#fields;
    if (!shared) return new RowItem(this.#call, { ...fields, ...more });
    let byMore = merged.get(fields);
    if (byMore === undefined) {
      byMore = new WeakMap();
      merged.set(fields, byMore);
    }
    let made = byMore.get(more);
    if (made === undefined) {
      made = { ...fields, ...more };
      byMore.set(more, made);
    }
    return new RowItem(this.#call, made);
  }
  /** The item as a plain object, its keys in the order a plain item has them. */
  toJSON(): PlanItem {
    return plainItem(this);
  }
}

/** The call's `to` option as written: a campaign row fills in only that option. */
const toOption = (call: CallDefinition): unknown =>
  call.optionAt ? call.optionAt('to') : call.options.to;

/** `to` as a plan shows it. */
export const toOf = (call: CallDefinition): string => renderTo(toOption(call));

/** The normalised phone number a call (or row) dials, when its `to` is one as written. */
export const numberOfCall = (call: CallDefinition): string | undefined =>
  destinationNumber(toOption(call));

/**
 * A call's plan item (not a campaign row's): its key and target, and the fields it reads
 * from its definition when asked for (name, file, line, to, definition), instead of a copy
 * of each for the whole run. Those are own accessors sharing one descriptor each, so it
 * spreads, compares and serialises as the plain item it stands for (same keys, same order).
 */
class CallItem implements PlanItem {
  declare readonly key: string;
  declare readonly name: string;
  declare readonly target: string;
  declare readonly file: string;
  declare readonly line: number;
  declare readonly slot?: string;
  declare readonly local?: string;
  declare readonly to: string;
  declare readonly definition: string;
  declare readonly reason?: string;
  readonly #call: CallDefinition;

  /** An own accessor's descriptor, one for every item: reads `get` of the item's call. */
  static #reading(get: (call: CallDefinition) => unknown): PropertyDescriptor {
    return {
      get(this: CallItem) {
        return get(this.#call);
      },
      enumerable: true,
      configurable: true,
    };
  }
  static readonly #name = CallItem.#reading((call) => call.name);
  static readonly #file = CallItem.#reading((call) => call.file);
  static readonly #line = CallItem.#reading((call) => call.line);
  static readonly #to = CallItem.#reading(toOf);
  static readonly #definition = CallItem.#reading((call) => call.definition);

  constructor(
    call: CallDefinition,
    key: string,
    target: string,
    slot: string | undefined,
    local: string | undefined,
    reason: string | undefined,
  ) {
    this.#call = call;
    Object.defineProperty(this, 'key', own(key));
    Object.defineProperty(this, 'name', CallItem.#name);
    Object.defineProperty(this, 'target', own(target));
    Object.defineProperty(this, 'file', CallItem.#file);
    Object.defineProperty(this, 'line', CallItem.#line);
    if (slot !== undefined) Object.defineProperty(this, 'slot', own(slot));
    if (local !== undefined) Object.defineProperty(this, 'local', own(local));
    Object.defineProperty(this, 'to', CallItem.#to);
    Object.defineProperty(this, 'definition', CallItem.#definition);
    if (reason !== undefined) Object.defineProperty(this, 'reason', own(reason));
  }

  /** The definition a call's item was made from; undefined for any other item. */
  static callOf(item: PlanItem): CallDefinition | undefined {
    return item instanceof CallItem ? item.#call : undefined;
  }
}

const own = (value: unknown): PropertyDescriptor => ({
  value,
  enumerable: true,
  writable: true,
  configurable: true,
});

/**
 * The definition of each call's item amendItem made (a plain object, which serialises as the
 * item always has): a reason added (`retrying: failed before`) must not lose the call, whose
 * rules the plan and a store's claim still ask of it (a call that runs once). Weak: an item
 * dropped lets its entry go.
 */
const amendedCalls = new WeakMap<object, CallDefinition>();

/**
 * The definition a call's or a campaign row's plan item was made from (not an item read from
 * a plan file): its request is built from it without looking the name up, and a campaign's
 * rows are never all made at once to build a map of them.
 */
export const callOf = (item: PlanItem): CallDefinition | undefined =>
  item instanceof RowItem ? item.rowCall : (CallItem.callOf(item) ?? amendedCalls.get(item));

/** The plan item of `call` (not a campaign row) with these fields of its own. */
export const callItem = (
  call: CallDefinition,
  key: string,
  target: string,
  slot?: string,
  local?: string,
  reason?: string,
): PlanItem => new CallItem(call, key, target, slot, local, reason);

/** Any plan item as a plain object with the same fields (a RowItem's getters read once). */
export const plainItem = (item: PlanItem): PlanItem => ({
  key: item.key,
  name: item.name,
  target: item.target,
  file: item.file,
  line: item.line,
  ...(item.slot === undefined ? {} : { slot: item.slot }),
  ...(item.local === undefined ? {} : { local: item.local }),
  to: item.to,
  definition: item.definition,
  ...(item.campaign === undefined ? {} : { campaign: item.campaign, row: item.row as string }),
  ...(item.reason === undefined ? {} : { reason: item.reason }),
  ...(item.changed === undefined ? {} : { changed: item.changed }),
  ...(item.waiting === undefined ? {} : { waiting: item.waiting }),
  ...(item.opens === undefined ? {} : { opens: item.opens }),
  ...(item.expired === undefined ? {} : { expired: item.expired }),
  ...(item.replaces === undefined ? {} : { replaces: item.replaces }),
});

/**
 * `item` with `more` fields: a new RowItem (its row kept) for a row's; a spread for any other
 * item, which keeps the call a call's item was made from (callOf). `shared`: see RowItem.with.
 */
export const amendItem = (item: PlanItem, more: Partial<PlanItem>, shared = false): PlanItem => {
  if (item instanceof RowItem) return item.with(more, shared);
  const made = { ...item, ...more };
  const call = callOf(item);
  if (call !== undefined) amendedCalls.set(made, call);
  return made;
};
