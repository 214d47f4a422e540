import type { RenamedEntry, RenamedRow, RenamedSlot, RenamedSlots } from './renamed.js';
import { type TargetTwins, type TwinOf, twinHolds } from './twins.js';

/**
 * The slots and calls of names no longer defined (renamed.ts), asked of a target and of its
 * twins (twins.ts): a call renamed while its target was renamed too (or moved to another name
 * for its gateway) finds what its old name placed under the old target. What is found under a
 * twin says so (`twin`), for the words that name it. Without twins, `renamed` itself.
 */
export const acrossTwins = (renamed: RenamedSlots, twins: TargetTwins): RenamedSlots => {
  if (!twins.any) return renamed;
  // Under a target that does not resolve here, only what it recorded on this gateway.
  const tagged = <T extends RenamedEntry>(found: T | undefined, twin: TwinOf): T | undefined =>
    found === undefined || !twinHolds(twin, found.entry) ? undefined : { ...found, twin };
  /** The first answer of `ask`, of the target itself, then of its twins in turn. */
  const first = <T extends RenamedEntry>(
    target: string,
    ask: (under: string) => T | undefined,
  ): T | undefined => {
    const own = ask(target);
    if (own !== undefined) return own;
    for (const twin of twins.of(target)) {
      const found = tagged(ask(twin.target), twin);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  /** The latest slot `ask` answers, of the target itself or of any twin. */
  const latest = (
    target: string,
    ask: (under: string) => RenamedSlot | undefined,
  ): RenamedSlot | undefined => {
    let best = ask(target);
    for (const twin of twins.of(target)) {
      const found = tagged(ask(twin.target), twin);
      if (found !== undefined && (best === undefined || found.slot > best.slot)) best = found;
    }
    return best;
  };
  const some = (target: string, ask: (under: string) => boolean): boolean =>
    ask(target) || twins.of(target).some((twin) => ask(twin.target));
  return {
    any: (target) => some(target, (under) => renamed.any(under)),
    anyOnce: (target) => some(target, (under) => renamed.anyOnce(under)),
    at: (target, slot, digest) => first(target, (under) => renamed.at(under, slot, digest)),
    latest: (target, digest, lo, hi) =>
      latest(target, (under) => renamed.latest(under, digest, lo, hi)),
    once: (target, digest) => first(target, (under) => renamed.once(under, digest)),
    row: (target, row, digest) => {
      const rows: { readonly of: RenamedRow; readonly twin?: TwinOf }[] = [];
      const own = renamed.row(target, row, digest);
      if (own !== undefined) rows.push({ of: own });
      for (const twin of twins.of(target)) {
        const found = renamed.row(twin.target, row, digest);
        if (found !== undefined) rows.push({ of: found, twin });
      }
      if (rows.length === 0) return undefined;
      if (rows.length === 1 && rows[0]?.twin === undefined) return own;
      const mark = <T extends RenamedEntry>(found: T | undefined, twin?: TwinOf) =>
        twin === undefined ? found : tagged(found, twin);
      return {
        at: (slot) => {
          for (const r of rows) {
            const found = mark(r.of.at(slot), r.twin);
            if (found !== undefined) return found;
          }
          return undefined;
        },
        latest: (lo, hi) => {
          let best: RenamedSlot | undefined;
          for (const r of rows) {
            const found = mark(r.of.latest(lo, hi), r.twin);
            if (found !== undefined && (best === undefined || found.slot > best.slot)) best = found;
          }
          return best;
        },
        within: (lo, hi) =>
          rows.map((r) => `${r.twin?.target ?? ''}:${r.of.within(lo, hi)}`).join(';'),
      };
    },
  };
};
