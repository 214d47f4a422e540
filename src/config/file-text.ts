import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A file's text, kept deflated once its calls let go of their data: a plain run keeps every
 * call file's text to the end (to read a call again, or to say where a value was written),
 * 105 bytes of heap a call as text and some 15 deflated. Inflated again when asked for, the
 * last few kept: a file's calls are read one after the other.
 */
export class FileText {
  #text: string | undefined;
  #packed: Buffer | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  get text(): string {
    if (this.#text !== undefined) return this.#text;
    let text = inflated.get(this);
    if (text === undefined) {
      text = inflateRawSync(this.#packed as Buffer).toString('utf8');
      inflated.set(this, text);
      if (inflated.size > KEPT) {
        const oldest = inflated.keys().next();
        if (!oldest.done) inflated.delete(oldest.value);
      }
    }
    return text;
  }

  /** Keeps the text deflated from now on (once). */
  pack(): void {
    if (this.#text === undefined) return;
    // A copy of its exact size: zlib's output is a view of a larger chunk.
    this.#packed = Buffer.from(deflateRawSync(Buffer.from(this.#text, 'utf8'), { level: 1 }));
    this.#text = undefined;
  }
}

/** Texts inflated last. */
const KEPT = 2;
const inflated = new Map<FileText, string>();

/**
 * A copy of `text` that holds nothing else: a part V8 cut from a longer string (any of 13
 * characters or more) keeps that whole string alive, a name cut from its file's text the
 * whole file.
 */
export const detached = (text: string): string =>
  text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');

/**
 * `value` (parsed YAML data) with every string detached: for what a run keeps to the end
 * beside a file's deflated text (the defaults every call of a document is merged with).
 */
export const detachedData = (value: unknown): unknown => {
  if (typeof value === 'string') return detached(value);
  if (Array.isArray(value)) return value.map(detachedData);
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined, not assigned: a key `__proto__` stays a key.
    Object.defineProperty(copy, key, {
      value: detachedData(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
};
