import type { PathSegments } from '../config/types.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A value that came from the environment (or is secret by nature, `always`). */
export interface Secret {
  /** The variable name, or a description such as `api_key of target production`. */
  readonly name: string;
  readonly value: string;
  /** Redacted whatever its length (the api key). */
  readonly always?: boolean;
}

export interface MissingReference {
  readonly name: string;
  readonly path: PathSegments;
}

export interface MalformedReference {
  /** The text of the string holding the broken reference, as written (no value in it). */
  readonly text: string;
  readonly path: PathSegments;
}

export interface Interpolated {
  readonly value: unknown;
  readonly missing: readonly MissingReference[];
  readonly malformed: readonly MalformedReference[];
  readonly secrets: readonly Secret[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const ROW = /row\.[A-Za-z0-9_][A-Za-z0-9_ .-]*\}/y;

/** How deep fallbacks may nest (`${A:-${B:-${C}}}` is 3): deeper is malformed, not a stack overflow. */
export const MAX_FALLBACK_DEPTH = 8;

/**
 * How deep the fallbacks of `text` nest (`${A:-${B:-x}}` is 2), counted over well-formed
 * openings `${NAME:-` and the `}` that close them; `$${` is text.
 */
export const fallbackDepth = (text: string): number => {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('$${', i)) {
      i += 2;
      continue;
    }
    if (depth > 0 && text[i] === '}') {
      depth -= 1;
      continue;
    }
    if (!text.startsWith('${', i)) continue;
    NAME.lastIndex = i + 2;
    const name = NAME.exec(text)?.[0];
    if (name === undefined || !text.startsWith(':-', i + 2 + name.length)) continue;
    depth += 1;
    deepest = Math.max(deepest, depth);
    i += 3 + name.length;
  }
  return deepest;
};

/** True when `text` holds at least one `${…}` (an escaped `$${` does not count). */
export const hasReference = (text: string): boolean => text.replaceAll('$${', '').includes('${');

interface StringResult {
  readonly text: string;
  readonly missing: readonly string[];
  readonly malformed: boolean;
  readonly secrets: readonly Secret[];
}

interface Scan {
  text: string;
  missing: string[];
  malformed: boolean;
  secrets: Secret[];
  /** Where a fallback's closing `}` is; -1 when the text ended first. */
  end: number;
}

/**
 * Expands `text` from `start`: to its end, or — inside a fallback (`depth` > 0) — to the
 * first `}` of this level, returned as `end`. A variable not set is missing and adds
 * nothing, or `stand` when given (see writtenText).
 */
const scan = (text: string, start: number, env: Env, depth: number, stand?: string): Scan => {
  const r: Scan = { text: '', missing: [], malformed: false, secrets: [], end: -1 };
  let i = start;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      r.text += '${';
      i += 3;
      continue;
    }
    if (depth > 0 && text[i] === '}') {
      r.end = i;
      return r;
    }
    if (!text.startsWith('${', i)) {
      r.text += text[i];
      i += 1;
      continue;
    }
    // `${row.COLUMN}` belongs to a campaign's rows: filled in before the environment is read.
    ROW.lastIndex = i + 2;
    if (ROW.test(text)) {
      r.text += text.slice(i, ROW.lastIndex);
      i = ROW.lastIndex;
      continue;
    }
    NAME.lastIndex = i + 2;
    const name = NAME.exec(text)?.[0];
    const after = i + 2 + (name?.length ?? 0);
    const plain = name !== undefined && text[after] === '}';
    const withFallback =
      name !== undefined && text.startsWith(':-', after) && depth < MAX_FALLBACK_DEPTH;
    if (!plain && !withFallback) {
      r.malformed = true;
      r.text += '${';
      i += 2;
      continue;
    }
    const value = env[name as string];
    if (plain) {
      if (value === undefined) {
        r.missing.push(name as string);
        if (stand !== undefined) r.text += stand;
      } else {
        r.text += value;
        if (value !== '') r.secrets.push({ name: name as string, value });
      }
      i = after + 1;
      continue;
    }
    // The fallback is read whether or not it is used, so a broken one is found without values.
    const fallback = scan(text, after + 2, env, depth + 1, stand);
    if (fallback.end < 0) {
      // Nothing is left to close it: the rest is taken as written (read once, not again
      // from each `${` in it).
      r.malformed = true;
      r.text += text.slice(i);
      return r;
    }
    if (fallback.malformed) r.malformed = true;
    if (value === undefined || value === '') {
      r.text += fallback.text;
      for (const item of fallback.missing) r.missing.push(item);
      for (const item of fallback.secrets) r.secrets.push(item);
    } else {
      r.text += value;
      r.secrets.push({ name: name as string, value });
    }
    i = fallback.end + 1;
  }
  return r;
};

/**
 * Expands one string:
 * - `${NAME}` is the variable's value; unset → reported missing (an empty value is a value);
 * - `${NAME:-fallback}` is the value when it is set and not empty, else the fallback (as in
 *   the shell): text up to its `}`, which may itself hold references (`${A:-${B}}`), nested
 *   up to MAX_FALLBACK_DEPTH deep; a variable in a fallback is missing only when it is used;
 * - `$${` writes a literal `${`;
 * - a `${` that is not a well-formed reference (bad name, no closing `}`) is malformed.
 */
export const interpolateString = (text: string, env: Env): StringResult => {
  const { end: _end, ...r } = scan(text, 0, env, 0);
  return r;
};

/**
 * `text` as the file writes it, with no variable set: each `${NAME:-fallback}` is its
 * fallback, each `${NAME}` without one is `stand`. What a value of the environment would
 * fill in is then told apart from what is written out (a password in a fallback).
 */
export const writtenText = (text: string, stand: string): string =>
  scan(text, 0, {}, 0, stand).text;

/** True when `text` holds a `${` that is not a well-formed reference (checked without any value). */
export const isMalformed = (text: string): boolean =>
  text.includes('${') && interpolateString(text, {}).malformed;

/**
 * Expands `${…}` references in every string of nested data (object keys are left as
 * written). Returns new data; the input is not changed. A string that is exactly one
 * reference stays a string: no type is guessed from a value.
 */
export const interpolate = (value: unknown, env: Env): Interpolated => {
  const missing: MissingReference[] = [];
  const malformed: MalformedReference[] = [];
  const secrets = new Map<string, Secret>();
  // The path of the node being walked, copied only where a problem is reported: most
  // strings hold no reference, and a path per node was most of what resolving allocated.
  const path: (string | number)[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const r = interpolateString(node, env);
      if (r.missing.length > 0 || r.malformed) {
        const at = [...path];
        for (const name of r.missing) missing.push({ name, path: at });
        if (r.malformed) malformed.push({ text: node, path: at });
      }
      for (const s of r.secrets) secrets.set(`${s.name}\u0000${s.value}`, s);
      return r.text;
    }
    if (Array.isArray(node)) {
      const out = new Array<unknown>(node.length);
      for (let index = 0; index < node.length; index++) {
        path.push(index);
        out[index] = walk(node[index]);
        path.pop();
      }
      return out;
    }
    if (node !== null && typeof node === 'object') {
      // Own properties defined one by one, as Object.fromEntries defines them (a
      // `__proto__` key stays a key), in the same order.
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        path.push(key);
        const item = walk((node as Record<string, unknown>)[key]);
        path.pop();
        if (key === '__proto__') {
          Object.defineProperty(out, key, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else out[key] = item;
      }
      return out;
    }
    return node;
  };
  const result = walk(value);
  return { value: result, missing, malformed, secrets: [...secrets.values()] };
};
