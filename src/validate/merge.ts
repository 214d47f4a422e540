import type { PathSegments, SourceDocument } from '../config/types.js';
import { isRecord, keySiteOf, type Site, siteOf, textSiteOf } from './site.js';

/** One source of a call's values: the call itself, its file's defaults, or the project's. */
export interface Layer {
  readonly data: Readonly<Record<string, unknown>>;
  readonly doc: SourceDocument;
  /** Path of `data` inside `doc`, e.g. ['calls', 2] or ['defaults']. */
  readonly base: PathSegments;
}

/**
 * An own, enumerable, writable property, as Object.defineProperty makes it. A plain
 * assignment makes the same property several times faster, for every key but `__proto__`
 * (the one accessor a fresh object inherits).
 */
const setOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else target[key] = value;
};

/** Objects merge key by key (recursively); arrays and scalars of `higher` replace. Inputs are not changed. */
export const deepMerge = (
  lower: Readonly<Record<string, unknown>>,
  higher: Readonly<Record<string, unknown>>,
): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(lower)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(higher)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    setOwn(out, key, isRecord(current) && isRecord(value) ? deepMerge(current, value) : value);
  }
  return out;
};

/**
 * Merges layers given from lowest to highest precedence: what folding deepMerge over them
 * gives, built in one object instead of a copy per layer.
 */
export const mergeLayers = (layers: readonly Layer[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    const data = layer.data;
    for (const key of Object.keys(data)) {
      const value = data[key];
      const current = Object.hasOwn(out, key) ? out[key] : undefined;
      setOwn(out, key, isRecord(current) && isRecord(value) ? deepMerge(current, value) : value);
    }
  }
  return out;
};

const lookup = (data: unknown, path: PathSegments): { found: boolean; value?: unknown } => {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index >= current.length) return { found: false };
      current = current[index];
    } else if (isRecord(current) && Object.hasOwn(current, String(segment))) {
      current = current[String(segment)];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
};

/** The layer that supplied the merged value at `path`, and how deep into `path` it reaches. */
const ownerInLayers = (
  layers: readonly Layer[],
  path: PathSegments,
): { readonly owner: Layer; readonly depth: number } => {
  let active = [...layers].reverse();
  let owner = active[0];
  let depth = 0;
  for (let i = 0; i <= path.length; i += 1) {
    const prefix = path.slice(0, i);
    const present = active.filter((layer) => lookup(layer.data, prefix).found);
    const top = present[0];
    if (!top) break;
    owner = top;
    depth = i;
    if (isRecord(lookup(top.data, prefix).value)) {
      const run = present.findIndex((layer) => !isRecord(lookup(layer.data, prefix).value));
      active = run === -1 ? present : present.slice(0, run);
    } else {
      active = [top];
    }
  }
  if (!owner) throw new Error('siteInLayers needs at least one layer');
  return { owner, depth };
};

/**
 * Where the merged value at `path` was written: in the highest layer that supplies it, given
 * that a non-object value replaces everything below it. A path that does not exist gives
 * the site of its nearest existing ancestor. `layers` are lowest precedence first.
 */
export const siteInLayers = (layers: readonly Layer[], path: PathSegments, key = false): Site => {
  const { owner, depth } = ownerInLayers(layers, path);
  const full = [...owner.base, ...path.slice(0, depth)];
  return key && depth === path.length ? keySiteOf(owner.doc, full) : siteOf(owner.doc, full);
};

/** Where the `nth` `text` is written inside the merged string at `path` (see siteInLayers). */
export const textSiteInLayers = (
  layers: readonly Layer[],
  path: PathSegments,
  text: string,
  nth: number,
): Site => {
  const { owner, depth } = ownerInLayers(layers, path);
  const full = [...owner.base, ...path.slice(0, depth)];
  return depth === path.length ? textSiteOf(owner.doc, full, text, nth) : siteOf(owner.doc, full);
};

/**
 * The layer the merged value at `path` was written in (as siteInLayers finds it), or
 * undefined when no layer holds that path whole.
 */
export const layerOfValue = (layers: readonly Layer[], path: PathSegments): Layer | undefined => {
  const { owner, depth } = ownerInLayers(layers, path);
  return depth === path.length ? owner : undefined;
};

/**
 * How the merged number at `path` is written where it was written, when JSON writes it
 * otherwise (SourceDocument.writtenNumber).
 */
export const writtenInLayers = (
  layers: readonly Layer[],
  path: PathSegments,
): string | undefined => {
  const { owner, depth } = ownerInLayers(layers, path);
  return depth === path.length ? owner.doc.writtenNumber?.([...owner.base, ...path]) : undefined;
};
