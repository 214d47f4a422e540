import type { Secret } from '../resolve/interpolate.js';
import { printable } from './printable.js';
import {
  hiddenAnywhere,
  isBooleanWord,
  MIN_REDACTED_LENGTH,
  makeRedactor,
  marker,
} from './redact.js';

/* The secrets of a base URL's path hidden, as the target line shows it (engine/targets.ts). */

/** `scheme://` and the authority after it, as the URL parser reads them: up to `/`, `\`, `?` or `#`. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\\?#]*/i;

/** Where a segment of a path starts after, and where it ends before (a query or fragment follows). */
const STARTS_AFTER = new Set(['/', '\\']);
const ENDS_BEFORE = new Set(['/', '\\', '?', '#']);

/** Its percent escapes decoded, when they decode. */
const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * What hides the secrets of `secrets` in a URL or its path: the api key, the other `always`
 * secrets and values of 8 characters or more wherever they are (hiddenAnywhere); a shorter
 * value only where it is whole path segments — as written, or as one segment's percent
 * escapes decode — so `/api/v1/tenant` shows `/api/v1/${REGION}` for a `.env` value
 * `tenant`, while `/gw8080` stays whole for a `PORT=8080`: four digits or a short word turn
 * up inside the segments of a path by chance, and hiding them there tells nothing but
 * garbles where calls go. A value makeRedactor never hides (a boolean word, one under
 * MIN_REDACTED_LENGTH characters) is not hidden here either.
 */
export const urlRedactor = (secrets: readonly Secret[]): ((text: string) => string) => {
  const anywhere = makeRedactor(secrets.filter(hiddenAnywhere));
  const whole = new Map<string, string>();
  for (const secret of secrets) {
    if (hiddenAnywhere(secret) || isBooleanWord(secret)) continue;
    for (const value of [secret.value, secret.value.trim()]) {
      if (value.trim().length >= MIN_REDACTED_LENGTH && !whole.has(value))
        whole.set(value, marker(secret.name));
    }
  }
  const values = [...whole].sort(([a], [b]) => b.length - a.length);
  /** The value that is the whole segments from `i` on (as written, else one decoded), and where it ends. */
  const valueAt = (text: string, i: number): { mark: string; end: number } | undefined => {
    const ends = (end: number) => end === text.length || ENDS_BEFORE.has(text[end] ?? '');
    for (const [value, mark] of values) {
      if (text.startsWith(value, i) && ends(i + value.length))
        return { mark, end: i + value.length };
    }
    let end = i;
    while (!ends(end)) end++;
    const mark = whole.get(decoded(text.slice(i, end)));
    return mark === undefined ? undefined : { mark, end };
  };
  const segments = (text: string): string => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const found = i === 0 || STARTS_AFTER.has(text[i - 1] ?? '') ? valueAt(text, i) : undefined;
      if (found === undefined) {
        out += text[i];
        i++;
      } else {
        out += found.mark;
        i = found.end;
      }
    }
    return out;
  };
  return (text) => segments(anywhere(text));
};

/**
 * The path of a base URL as shown: every secret the command knows in it hidden by `redact`
 * (its reference, `${VG_API_KEY}`, or a gateway token's; see urlRedactor). The path is
 * searched as the value wrote it as well as the URL parser makes it, which may differ from
 * the value (characters percent-encoded, `\` read as `/`, `.` segments dropped): when a
 * secret shows in the first, the first is shown, hidden and made printable; else the
 * parser's, hidden.
 */
export const shownPath = (resolved: string, url: URL, redact: (text: string) => string): string => {
  const path = resolved
    .trim()
    .replace(/[\t\n\r]/g, '')
    .replace(ORIGIN, '')
    .replace(/[?#][\s\S]*$/, '');
  const hidden = redact(path);
  if (hidden !== path) return printable(hidden);
  return url.pathname === '/' ? '' : redact(url.pathname);
};
