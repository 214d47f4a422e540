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

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?$/s;
const ROW = /^row\.[A-Za-z0-9_][A-Za-z0-9_ .-]*$/;

/** True when `text` holds at least one `${…}` (an escaped `$${` does not count). */
export const hasReference = (text: string): boolean => text.replaceAll('$${', '').includes('${');

interface StringResult {
  readonly text: string;
  readonly missing: readonly string[];
  readonly malformed: boolean;
  readonly secrets: readonly Secret[];
}

/**
 * Expands one string:
 * - `${NAME}` is the variable's value; unset → reported missing (an empty value is a value);
 * - `${NAME:-fallback}` is the value when it is set and not empty, else the fallback text
 *   (as in the shell; the fallback is plain text up to the first `}`, itself not expanded);
 * - `$${` writes a literal `${`;
 * - a `${` that is not a well-formed reference (bad name, no closing `}`) is malformed.
 */
export const interpolateString = (text: string, env: Env): StringResult => {
  let out = '';
  const missing: string[] = [];
  const secrets: Secret[] = [];
  let malformed = false;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    const inner = close < 0 ? '' : text.slice(i + 2, close);
    // `${row.COLUMN}` belongs to a campaign's rows: filled in before the environment is read.
    if (close >= 0 && ROW.test(inner)) {
      out += text.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    const match = close < 0 ? null : REFERENCE.exec(inner);
    if (close < 0 || !match) {
      malformed = true;
      out += '${';
      i += 2;
      continue;
    }
    const [, name = '', fallback] = match;
    const value = env[name];
    if (fallback !== undefined && (value === undefined || value === '')) {
      out += fallback;
    } else if (value === undefined) {
      missing.push(name);
    } else {
      out += value;
      if (value !== '') secrets.push({ name, value });
    }
    i = close + 1;
  }
  return { text: out, missing, malformed, secrets };
};

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
