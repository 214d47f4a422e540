import type { Secret } from '../resolve/interpolate.js';

/**
 * Values shorter than this are not redacted (unless `always`): a one- or two-character value
 * ("1", "no") would be replaced everywhere it occurs by chance and shred all output, while
 * hiding it protects nothing. The api key is `always` redacted, whatever its length.
 */
export const MIN_REDACTED_LENGTH = 4;

export type Redactor = (text: string) => string;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `${NAME}` for a variable; `[description]` for a secret that has no variable. */
const marker = (name: string): string => (IDENTIFIER.test(name) ? `\${${name}}` : `[${name}]`);

/** The value as written raw, inside a JSON string, and URL-encoded (both ways). */
const formsOf = (value: string): string[] => {
  const forms = [value, JSON.stringify(value).slice(1, -1)];
  try {
    const url = encodeURIComponent(value);
    forms.push(url, url.replaceAll('%20', '+'));
  } catch {
    // A lone surrogate has no URL encoding; the raw and JSON forms still apply.
  }
  return [...new Set(forms)];
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const FALLBACK = '[redacted]';

/**
 * A function replacing every occurrence of each secret value — raw, JSON-escaped or
 * URL-encoded — with its reference (`${VG_API_KEY}`). One pass over the text, longest value
 * first, so a replacement is never rescanned. Should a value still show afterwards (it
 * would have to be built across a marker, e.g. a value containing `}`), the text is redacted
 * again with a neutral marker, and as a last resort withheld entirely.
 */
export const makeRedactor = (secrets: readonly Secret[]): Redactor => {
  const byForm = new Map<string, string>();
  for (const secret of secrets) {
    if (secret.value === '') continue;
    if (secret.value.length < MIN_REDACTED_LENGTH && !secret.always) continue;
    for (const form of formsOf(secret.value)) {
      if (!byForm.has(form)) byForm.set(form, marker(secret.name));
    }
  }
  if (byForm.size === 0) return (text) => text;
  const forms = [...byForm.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  const leaks = (text: string): boolean => forms.some((form) => text.includes(form));
  return (text) => {
    const named = text.replace(pattern, (form) => byForm.get(form) ?? FALLBACK);
    if (!leaks(named)) return named;
    const neutral = text.replace(pattern, FALLBACK);
    return leaks(neutral) ? '' : neutral;
  };
};

/** The same data with every string (keys included) passed through the redactor. */
export const redactDeep = <T>(value: T, redact: Redactor): T => {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [redact(key), walk(item)]),
      );
    }
    return node;
  };
  return walk(value) as T;
};
