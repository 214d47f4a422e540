import { decodeHtmlEntitiesMapped } from '../execute/html.js';
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

const hex4 = (c: string, upper: boolean): string => {
  const code = c.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? code.toUpperCase() : code}`;
};

/** JSON text as strict encoders write it: non-ASCII and `<`, `>`, `&` as \u escapes. */
const asciiJson = (json: string, upper: boolean): string =>
  json.replace(/[<>&\u007f-\uffff]/g, (c) => hex4(c, upper));

/** JSON text with only non-ASCII as \u escapes (Python's `ensure_ascii`). */
const nonAsciiJson = (json: string, upper: boolean): string =>
  json.replace(/[\u007f-\uffff]/g, (c) => hex4(c, upper));

const lowerHex = (url: string): string => url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());

/** Shorter base64 runs are not searched for: they turn up in ordinary text by chance. */
const MIN_BASE64_LENGTH = 8;

/**
 * The base64 (and base64url) runs that encode the value wherever it sits in a longer base64
 * text — one per alignment of its first byte, without the characters that share bits with
 * what comes before or after (a Basic credential `user:key` holds the key at alignment 2).
 */
const base64Forms = (value: string): string[] => {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const all = Buffer.concat([Buffer.alloc(offset), bytes]);
    const skip = [0, 2, 3][offset] ?? 0;
    const run = all.toString('base64').slice(skip, Math.floor((all.length * 8) / 6));
    if (run.length < MIN_BASE64_LENGTH) continue;
    forms.push(run, run.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
};

/**
 * The value as written raw, inside a JSON string (also with `\/` and \u escapes, as other
 * encoders write it), URL- or form-encoded (upper- or lower-case hex), and in base64.
 */
const formsOf = (value: string): string[] => {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = [
    value,
    json,
    json.replaceAll('/', '\\/'),
    asciiJson(json, false),
    asciiJson(json, true),
    asciiJson(json, false).replaceAll('/', '\\/'),
    nonAsciiJson(json, false),
    nonAsciiJson(json, true),
  ];
  try {
    const url = encodeURIComponent(value);
    const form = new URLSearchParams({ v: value }).toString().slice(2);
    for (const u of [url, url.replaceAll('%20', '+'), form]) forms.push(u, lowerHex(u));
  } catch {
    // A lone surrogate has no URL encoding; the raw and JSON forms still apply.
  }
  forms.push(...base64Forms(value));
  return [...new Set(forms)];
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A form as a pattern in which any run of white space matches any other (flattened, CRLF). */
const sourceOf = (form: string): string => escapeRegExp(form).replace(/\s+/g, '\\s+');

const FALLBACK = '[redacted]';
/**
 * The shortest start of a value that counts as the value cut off at the end of a text:
 * shorter ones end ordinary words too often.
 */
const MIN_CUT_LENGTH = 6;
/** A trailing ellipsis, as a shortened message ends. */
const ELLIPSIS = /(?:…|\.\.\.)$/;

interface Form {
  readonly text: string;
  /** The text with each run of white space as one space, as a shortened message has it. */
  readonly flat: string;
  readonly marker: string;
}

interface Hit {
  readonly start: number;
  readonly end: number;
  readonly marker: string;
}

/**
 * Every occurrence of every form, overlapping ones included: one pattern with a group per
 * form, longest first, searched again from just after the start of each match.
 */
const occurrences = (text: string, forms: readonly Form[], pattern: RegExp): Hit[] => {
  const hits: Hit[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const group = m.findIndex((g, i) => i > 0 && g !== undefined);
    hits.push({
      start: m.index,
      end: m.index + m[0].length,
      marker: forms[group - 1]?.marker ?? FALLBACK,
    });
    pattern.lastIndex = m.index + 1;
  }
  return hits;
};

/** The start of a secret cut off at the end of the text (before an ellipsis), if any. */
const cutOff = (text: string, forms: readonly Form[]): Hit | undefined => {
  const end = text.length - (ELLIPSIS.exec(text)?.[0].length ?? 0);
  const last = text[end - 1];
  if (last === undefined) return undefined;
  let best: Hit | undefined;
  for (const { flat, marker } of forms) {
    // A start of `flat` that ends the text ends in the text's last character.
    for (let i = flat.lastIndexOf(last, flat.length - 2); i >= MIN_CUT_LENGTH - 1; ) {
      const k = i + 1;
      if (text.startsWith(flat.slice(0, k), end - k)) {
        if (!best || end - k < best.start) best = { start: end - k, end, marker };
        break;
      }
      i = flat.lastIndexOf(last, i - 1);
    }
  }
  return best;
};

/** The text with each run of overlapping occurrences replaced by their markers, in order. */
const replaceHits = (text: string, hits: readonly Hit[], marker?: string): string => {
  const sorted = [...hits].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  let last = '';
  for (const hit of sorted) {
    if (hit.end <= cursor) continue;
    const shown = marker ?? hit.marker;
    if (hit.start >= cursor) out += text.slice(cursor, hit.start) + shown;
    else if (shown !== last) out += shown;
    cursor = hit.end;
    last = shown;
  }
  return out + text.slice(cursor);
};

/**
 * A function replacing every occurrence of each secret value — raw, JSON-escaped,
 * URL-encoded, HTML-escaped or in base64, with its white space changed, or cut off at the
 * end of a shortened text —
 * with its reference (`${VG_API_KEY}`). Overlapping values are replaced together, so no
 * piece of either remains. Should a value still show afterwards (a marker can rebuild it,
 * e.g. a value `PROD` under the name PROD), the text is redacted again with a neutral
 * marker, and as a last resort withheld entirely.
 */
export const makeRedactor = (secrets: readonly Secret[]): Redactor => {
  const byForm = new Map<string, string>();
  for (const secret of secrets) {
    // Nothing to hide in white space, and its pattern would match every space of the output.
    if (secret.value.trim() === '') continue;
    if (secret.value.length < MIN_REDACTED_LENGTH && !secret.always) continue;
    // A value with white space around it also shows trimmed (as most messages print it).
    const trimmed = secret.value.trim();
    const values = trimmed.length >= MIN_REDACTED_LENGTH ? [secret.value, trimmed] : [secret.value];
    for (const form of values.flatMap(formsOf)) {
      if (!byForm.has(form)) byForm.set(form, marker(secret.name));
    }
  }
  if (byForm.size === 0) return (text) => text;
  const forms: Form[] = [...byForm]
    .map(([text, mark]) => ({ text, flat: text.replace(/\s+/g, ' '), marker: mark }))
    .sort((a, b) => b.text.length - a.text.length);
  const pattern = new RegExp(forms.map((f) => `(${sourceOf(f.text)})`).join('|'), 'g');
  /**
   * Occurrences in the text as written, and in the text with its HTML character references
   * decoded (a page echoing a value escaped, `&quot;` or `&#x2F;`), mapped back.
   */
  const hitsIn = (text: string): Hit[] => {
    const hits = occurrences(text, forms, pattern);
    if (text.includes('&')) {
      const decoded = decodeHtmlEntitiesMapped(text);
      for (const hit of occurrences(decoded.text, forms, pattern)) {
        const start = decoded.offsets[hit.start] ?? 0;
        const end = decoded.offsets[hit.end] ?? text.length;
        hits.push({ start, end, marker: hit.marker });
      }
    }
    const tail = cutOff(text, forms);
    return tail ? [...hits, tail] : hits;
  };
  const leaks = (text: string): boolean => {
    pattern.lastIndex = 0;
    if (pattern.test(text)) return true;
    if (!text.includes('&')) return false;
    pattern.lastIndex = 0;
    return pattern.test(decodeHtmlEntitiesMapped(text).text);
  };
  return (text) => {
    const hits = hitsIn(text);
    if (hits.length === 0) return text;
    const named = replaceHits(text, hits);
    if (!leaks(named)) return named;
    const neutral = replaceHits(text, hits, FALLBACK);
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
