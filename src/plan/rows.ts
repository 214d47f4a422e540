import { type CampaignTemplate, RowDefinition } from '../campaign/expand.js';
import { joinRuns, Numbers, Run } from '../campaign/lazy-list.js';
import { RowItem, type RowItemFields } from './item.js';
import type { PlanItem } from './types.js';

/**
 * A list of plan items in which a campaign's rows take a few bytes each: consecutive rows of one
 * campaign (and slot) are kept as their ordinals and the id of their shared fields, and become
 * RowItems only while the list is read (lazy-list.ts). Other items are kept as they are.
 */

/** Rows of one campaign, target and slot, in the order of their CSV. */
class RowGroup {
  readonly ordinals = new Numbers();
  /** The fields of its rows as runs: where each run starts, and its fields' id. */
  readonly #runStarts = new Numbers();
  readonly #runIds = new Numbers();
  #firstKey: string | undefined;
  constructor(
    readonly template: CampaignTemplate,
    readonly slot: string,
    readonly target: string,
    readonly fields: RowItemFields[],
  ) {}

  push(ordinal: number, fieldsId: number): void {
    if (this.#runIds.last() !== fieldsId) {
      this.#runStarts.push(this.ordinals.length);
      this.#runIds.push(fieldsId);
    }
    this.ordinals.push(ordinal);
  }

  item(index: number): RowItem {
    const id = this.#runIds.at(this.#runStarts.floor(index));
    return new RowItem(
      new RowDefinition(this.template, this.ordinals.at(index)),
      this.fields[id] as RowItemFields,
    );
  }

  /** The key of its first item: every key of the group is on the same side of another key. */
  get firstKey(): string {
    this.#firstKey ??= this.item(0).key;
    return this.#firstKey;
  }

  run(): Run<PlanItem> {
    return new Run(this.ordinals.length, (index) => this.item(index));
  }
}

type Unit = PlanItem | RowGroup;

const slotOf = (unit: Unit): string => (unit instanceof RowGroup ? unit.slot : (unit.slot ?? ''));
const keyOf = (unit: Unit): string => (unit instanceof RowGroup ? unit.firstKey : unit.key);

/**
 * Earliest slot first; then by key. A campaign's rows of one slot share the prefix
 * `<target>/<campaign>/` of their keys, which no other key has (a call name holds no `/`), so
 * they sort together, in the order of their CSV, as a group placed by its first key.
 */
const bySlotThenKey = (a: Unit, b: Unit): number => {
  const sa = slotOf(a);
  const sb = slotOf(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export class PlanList {
  readonly #units: Unit[] = [];
  /** The open group of each campaign, target and slot (sorted lists only). */
  readonly #groups = new Map<CampaignTemplate, Map<string, RowGroup>>();
  /** Fields objects by id, and the id of each. */
  readonly #fields: RowItemFields[] = [];
  readonly #fieldIds = new Map<RowItemFields, number>();
  /** A row came out of its CSV order: the list is sorted item by item, as any list. */
  #unordered = false;

  /**
   * `sorted`: the items are put in plan order (`items` sorts them); else they stay in the
   * order pushed.
   */
  constructor(
    readonly sorted: boolean,
    /** The plan order of any two items (sorted lists only). */
    readonly compare: (a: PlanItem, b: PlanItem) => number = () => 0,
  ) {}

  push(item: PlanItem): void {
    const call = item instanceof RowItem ? item.rowCall : undefined;
    if (!(call instanceof RowDefinition) || this.#unordered) {
      // A row kept whole sorts by its line: then every item is sorted as one.
      if (item.campaign !== undefined) this.#unordered = true;
      this.#units.push(item);
      return;
    }
    const fields = (item as RowItem).rowFields;
    const slot = fields.slot ?? '';
    const group = this.#groupFor(call.template, `${fields.target}\0${slot}`, slot, fields.target);
    const last = group.ordinals.last();
    if (last !== undefined && last >= call.ordinal) {
      this.#unordered = true;
      this.#units.push(item);
      return;
    }
    let id = this.#fieldIds.get(fields);
    if (id === undefined) {
      id = this.#fields.length;
      this.#fields.push(fields);
      this.#fieldIds.set(fields, id);
    }
    group.push(call.ordinal, id);
  }

  #groupFor(template: CampaignTemplate, id: string, slot: string, target: string): RowGroup {
    if (!this.sorted) {
      const last = this.#units.at(-1);
      if (
        last instanceof RowGroup &&
        last.template === template &&
        `${last.target}\0${last.slot}` === id
      ) {
        return last;
      }
      const made = new RowGroup(template, slot, target, this.#fields);
      this.#units.push(made);
      return made;
    }
    let bySlot = this.#groups.get(template);
    if (bySlot === undefined) {
      bySlot = new Map();
      this.#groups.set(template, bySlot);
    }
    let group = bySlot.get(id);
    if (group === undefined) {
      group = new RowGroup(template, slot, target, this.#fields);
      bySlot.set(id, group);
      this.#units.push(group);
    }
    return group;
  }

  /** The items (sorted when the list is). */
  items(): readonly PlanItem[] {
    if (this.#unordered || !this.#units.some((unit) => unit instanceof RowGroup)) {
      const all: PlanItem[] = [];
      for (const unit of this.#units) {
        if (unit instanceof RowGroup) {
          for (let i = 0; i < unit.ordinals.length; i += 1) all.push(unit.item(i));
        } else all.push(unit);
      }
      return this.sorted ? all.sort(this.compare) : all;
    }
    const units = this.sorted ? [...this.#units].sort(bySlotThenKey) : this.#units;
    return joinRuns(units.map((unit) => (unit instanceof RowGroup ? unit.run() : unit)));
  }
}
