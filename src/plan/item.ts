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
 * `item` with `more` fields: a spread for a plain item, a new RowItem (its row kept) for a
 * row's. `shared`: see RowItem.with.
 */
export const amendItem = (item: PlanItem, more: Partial<PlanItem>, shared = false): PlanItem =>
  item instanceof RowItem ? item.with(more, shared) : { ...item, ...more };
