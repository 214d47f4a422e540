import { decodeHtmlEntities, decodeHtmlEntitiesMapped, stripMarkup } from '../execute/html.js';
import type { Secret } from '../resolve/interpolate.js';

/**
 * Values shorter than this are not redacted (unless `always`): a one- or two-character value
 * ("1", "no") would be replaced everywhere it occurs by chance and shred all output, while
 * hiding it protects nothing. The api key is `always` redacted, whatever its length: when
 * shorter than this, only where it stands as a whole word (`wordHits`), and never when it
 * holds no letter, digit or `_` (punctuation alone is no word, and no secret).
 */
export const MIN_REDACTED_LENGTH = 4;

/**
 * Replaces the secrets in a text. `vocabulary`, when given, are words of callops' own the
 * text quotes (a did-you-mean's suggestion, the values an option takes): a value that is not
 * `always` is left where it lies within one of them, as it is no secret there (see
 * makeRedactor). `holds` answers, without redacting, whether a short text (a sid, a Call-ID)
 * is or holds a secret's value as written, in any case: a value of at least HELD_LENGTH
 * characters anywhere in it, a shorter one only as the whole text.
 */
export type Redactor = ((text: string, vocabulary?: readonly string[]) => string) & {
  readonly holds?: (text: string) => boolean;
};

/** Shorter values are looked for by `holds` only as a whole text: a 4-digit value turns up inside a random sid once in about 2,000. */
const HELD_LENGTH = 8;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `${NAME}` for a variable; `[description]` for a secret that has no variable. */
export const marker = (name: string): string =>
  IDENTIFIER.test(name) ? `\${${name}}` : `[${name}]`;

/**
 * Words that are no secret whatever variable holds them: a `.env` line `DEBUG=true` is a
 * setting, and hiding `true` would turn "must be true or false" into "must be ${DEBUG} or
 * ${MODE}" while protecting nothing (six words, any case).
 */
const BOOLEAN_WORDS: ReadonlySet<string> = new Set(['true', 'false', 'yes', 'no', 'on', 'off']);

/** Whether a secret's value is one of BOOLEAN_WORDS (any case, white space around it aside): never redacted unless `always`. */
export const isBooleanWord = (secret: Secret): boolean =>
  secret.always !== true && BOOLEAN_WORDS.has(secret.value.trim().toLowerCase());

/**
 * Whether a secret is hidden wherever it occurs, in every form (the api key and the other
 * `always` secrets, and values of STRONG_LENGTH characters or more once trimmed and white
 * space left out); the others — shorter values — are found only as written, and some texts
 * hide them only where they stand whole (the path segments of the target line).
 */
export const hiddenAnywhere = (secret: Secret): boolean =>
  secret.always === true || squeeze(secret.value.trim()).length >= STRONG_LENGTH;

const hex4 = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON text as strict encoders write it: non-ASCII and `<`, `>`, `&` as \u escapes. */
const asciiJson = (json: string): string => json.replace(/[<>&\u007f-\uffff]/g, hex4);

/** JSON text with only non-ASCII as \u escapes (Python's `ensure_ascii`). */
const nonAsciiJson = (json: string): string => json.replace(/[\u007f-\uffff]/g, hex4);

/** Shorter base64 runs are not searched for: they turn up in ordinary text by chance. */
const MIN_BASE64_LENGTH = 8;

/**
 * The base64 (and base64url) runs that encode the text wherever it sits in a longer base64
 * text — one per alignment of its first byte, without the characters that share bits with
 * what comes before or after (a Basic credential `user:key` holds the key at alignment 2).
 */
const base64Runs = (text: string): string[] => {
  const bytes = Buffer.from(text, 'utf8');
  const runs: string[] = [];
  for (const offset of [0, 1, 2]) {
    const all = Buffer.concat([Buffer.alloc(offset), bytes]);
    const skip = [0, 2, 3][offset] ?? 0;
    const run = all.toString('base64').slice(skip, Math.floor((all.length * 8) / 6));
    if (run.length < MIN_BASE64_LENGTH) continue;
    runs.push(run, run.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return runs;
};

/**
 * The value as text: raw, inside a JSON string (as callops sends it in a body, and with
 * `\/` or \u escapes as other encoders write it), URL- or form-encoded (as in a URL). Hex
 * digits of escapes in either case: these forms are searched case-insensitively. Other
 * percent-encodings (which characters each encoder leaves raw differs) are found by reading
 * the text with its escapes decoded (`percentView`); the value with `+` for each space is
 * what a form-encoded echo reads as there.
 */
const textForms = (value: string): string[] => {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = [
    value,
    json,
    json.replaceAll('/', '\\/'),
    asciiJson(json),
    asciiJson(json).replaceAll('/', '\\/'),
    nonAsciiJson(json),
    value.replaceAll(' ', '+'),
  ];
  try {
    const url = encodeURIComponent(value);
    forms.push(
      url,
      url.replaceAll('%20', '+'),
      new URLSearchParams({ v: value }).toString().slice(2),
    );
  } catch {
    // A lone surrogate has no URL encoding; the raw and JSON forms still apply.
  }
  return [...new Set(forms)];
};

const WINDOWS_1252 = new TextDecoder('windows-1252');

/**
 * The value as an echo may have rewritten its characters, where that changes it (a value of
 * ASCII only has none of these): its UTF-8 bytes read as Latin-1 or Windows-1252 (mojibake,
 * `ü` as `Ã¼`: a server that took the request for Latin-1), and Unicode NFC, NFD, NFKC or
 * NFKD normalisation (`ü` as `u` and a combining diaeresis), each of those read as Latin-1
 * and Windows-1252 too. At most 14 more values, for a value holding non-ASCII only.
 */
const echoVariants = (value: string): string[] => {
  let ascii = true;
  for (let i = 0; i < value.length && ascii; i++) ascii = value.charCodeAt(i) < 0x80;
  if (ascii) return [];
  const normal = ['NFC', 'NFD', 'NFKC', 'NFKD'].map((form) => value.normalize(form));
  const variants = new Set<string>(normal);
  for (const v of [value, ...normal]) {
    const bytes = Buffer.from(v, 'utf8');
    variants.add(bytes.toString('latin1'));
    variants.add(WINDOWS_1252.decode(bytes));
  }
  variants.delete(value);
  return [...variants];
};

/**
 * The value as the gateway client's readings of an answer make it (see gatewayMessage):
 * its markup taken out (each tag a space, or nothing), its HTML references decoded, its JSON
 * escapes decoded, and each of those decoded after the markup is taken out — where that
 * changes it. The answer is redacted before these readings, so a value they cut into pieces
 * is found whole there; these find what they make of a text that held the value otherwise
 * (`Xq7<i>Lm9…` for a key `Xq7<b>Lm9…`, or the key escaped twice). At most 7 more values, and
 * none for a value holding no `<`, `&` or `\`.
 */
const readingVariants = (value: string): string[] => {
  if (!/[<&\\]/.test(value)) return [];
  const stripped = stripMarkup(value);
  const variants = new Set([
    stripped,
    stripped.replaceAll(' ', ''),
    decodeHtmlEntities(value),
    decodeHtmlEntities(stripped),
    decodeHtmlEntities(stripped.replaceAll(' ', '')),
    value.replace(JSON_ESCAPE, jsonChar),
    decodeHtmlEntities(value.replace(JSON_ESCAPE, jsonChar)),
  ]);
  variants.delete(value);
  return [...variants];
};

/**
 * Characters an echo may carry inside a value without meaning: white space (a wrapped
 * line, a flattened message, MIME base64 at 76 columns), control and format characters
 * (zero-width spaces, soft hyphens). Every form and every text is searched without them.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}]/u;
const invisible = (c: string): boolean => {
  const code = c.charCodeAt(0);
  return code > 0x20 && code < 0x7f ? false : INVISIBLE.test(c);
};
const squeeze = (text: string): string => {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (!invisible(c)) out += c;
  }
  return out;
};

/** JSON string escapes, as a JSON text (not parsed as such) shows an echoed value. */
const JSON_ESCAPE = /\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))/g;
const JSON_CHARS: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** One JSON string escape (a match of JSON_ESCAPE) decoded. */
const jsonChar = (_: string, hex?: string, char?: string): string =>
  hex ? String.fromCharCode(Number.parseInt(hex, 16)) : (JSON_CHARS[char ?? ''] ?? '');

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const FALLBACK = '[redacted]';
/** What is left of a text that no replacement made safe. */
export const WITHHELD = '[withheld: it held a secret]';

/** A letter, digit or underscore: what a word is made of. */
const WORD = /[\p{L}\p{N}_]/u;
const isWord = (c: string | undefined): boolean => c !== undefined && WORD.test(c);

/**
 * Each occurrence of the values, as written, that stands as a whole word: not continued by a
 * letter, digit or underscore on a side where the value itself starts or ends with one. So
 * an api key `a` is found in `Bearer a` and `key=a&x`, never inside `calls/main.yaml`,
 * `VG_API_KEY` or `invalid`: searched for inside words, a value this short (one letter or
 * digit) is in nearly every text, and its replacement would shred it, or its marker rebuild
 * it (an `a` in `${VG_API_KEY}` once left messages blank). One scan of the text per value.
 */
const wordHits = (
  text: string,
  words: ReadonlyMap<string, string>,
): { start: number; end: number; marker: string }[] => {
  const found: { start: number; end: number; marker: string }[] = [];
  for (const [word, marker] of words) {
    const open = isWord(word[0]);
    const close = isWord(word.at(-1));
    for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
      const end = i + word.length;
      if ((open && isWord(text[i - 1])) || (close && isWord(text[end]))) continue;
      found.push({ start: i, end, marker });
    }
  }
  return found;
};
/**
 * The shortest start of a value that counts as the value cut off (at the end of a text or
 * before an ellipsis): shorter ones end ordinary words too often.
 */
const MIN_CUT_LENGTH = 6;

/**
 * Whether a value read up to `at` was cut off there: the text ends, or an ellipsis (`…`,
 * `...`) follows, as where a shortened message ends or where a quoted preview of a value is
 * cut (`got string "pasted: sk-live-01…"`, the quote and more text after it).
 */
const cutAt = (text: string, at: number): boolean =>
  at === text.length || text[at] === '…' || text.startsWith('...', at);

/**
 * The shortest start of a value that counts as the value cut off where a quote, a bracket, a
 * `,` or `;`, or white space follows it (CLOSING): a gateway that shortens a value it quotes
 * without an ellipsis (`invalid token "sEcReT-<scr" (truncated)`). These follow ordinary
 * words far more often than an ellipsis does, so the start must be longer: 8 characters, as
 * long as the shortest value searched for in every form (STRONG_LENGTH), and more than a
 * URL's scheme and `://` (see Form.open).
 */
const MIN_CLIPPED_LENGTH = 8;
const CLOSING: ReadonlySet<string> = new Set([...`"'\`()[]{}<>,;`]);

/**
 * Whether a value read up to `at` was cut off there without an ellipsis (MIN_CLIPPED_LENGTH):
 * a CLOSING character or white space follows, or (`gap`) white space was left out there.
 */
const clippedAt = (text: string, at: number, gap?: (at: number) => boolean): boolean => {
  const next = text[at];
  return next !== undefined && (CLOSING.has(next) || invisible(next) || gap?.(at) === true);
};

/** How many characters of `form` the text holds from `at`. */
const sharedLength = (text: string, at: number, form: string): number => {
  let n = 0;
  while (n < form.length && text[at + n] === form[n]) n++;
  return n;
};

interface Hit {
  readonly start: number;
  readonly end: number;
  readonly marker: string;
}

/**
 * A reading of the text and, for each of its code units, the span of the original text it
 * came from: a match in it maps back exactly.
 */
interface View {
  readonly text: string;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

const plainView = (text: string): View => ({
  text,
  starts: Array.from({ length: text.length }, (_, i) => i),
  ends: Array.from({ length: text.length }, (_, i) => i + 1),
});

/** The view with each match of `pattern` replaced by `decode(match)`, spans carried over. */
const rewrite = (view: View, pattern: RegExp, decode: (m: RegExpExecArray) => string): View => {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  let cursor = 0;
  const copy = (from: number, to: number) => {
    text += view.text.slice(from, to);
    for (let i = from; i < to; i++) {
      starts.push(view.starts[i] ?? 0);
      ends.push(view.ends[i] ?? 0);
    }
  };
  pattern.lastIndex = 0;
  for (let m = pattern.exec(view.text); m; m = pattern.exec(view.text)) {
    copy(cursor, m.index);
    const out = decode(m);
    const start = view.starts[m.index] ?? 0;
    const end = view.ends[m.index + m[0].length - 1] ?? start;
    text += out;
    for (let i = 0; i < out.length; i++) {
      starts.push(start);
      ends.push(end);
    }
    cursor = m.index + m[0].length;
  }
  copy(cursor, view.text.length);
  return { text, starts, ends };
};

/** The view with HTML character references decoded (`&quot;`, `&#x2F;`). */
const htmlView = (view: View): View => {
  const decoded = decodeHtmlEntitiesMapped(view.text);
  const { offsets } = decoded;
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < decoded.text.length; i++) {
    const from = offsets[i] ?? 0;
    let next = i + 1;
    while (next < decoded.text.length && offsets[next] === from) next++;
    const to = Math.max(from + 1, offsets[next] ?? view.text.length);
    starts.push(view.starts[from] ?? 0);
    ends.push(view.ends[to - 1] ?? 0);
  }
  return { text: decoded.text, starts, ends };
};

/** The view with JSON string escapes decoded (`\"`, `\/`, `\u002B`, `\r\n`). */
const jsonView = (view: View): View =>
  rewrite(view, JSON_ESCAPE, (m) =>
    m[1] ? String.fromCharCode(Number.parseInt(m[1], 16)) : (JSON_CHARS[m[2] ?? ''] ?? ''),
  );

const hexAt = (text: string, at: number, digits: number): number => {
  const piece = text.slice(at, at + digits);
  return piece.length === digits && /^[0-9a-fA-F]+$/.test(piece) ? Number.parseInt(piece, 16) : -1;
};

/** Bytes a UTF-8 sequence takes, from its first byte; 0 for a byte that starts none. */
const utf8Length = (lead: number): number =>
  lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The view with percent escapes decoded, each character mapped to its own escapes: `%XX`
 * runs read as UTF-8 in either case of hex (a byte that starts or continues no valid
 * sequence as Latin-1, as `escape()` writes it), and `%uXXXX`. Encoders differ in what
 * they leave raw (`encodeURIComponent` writes `'` raw and `~` as `%7E`, Python's `quote` and
 * Go's `PathEscape` the reverse, `encodeURI` leaves `/`; some escape every byte): on this
 * reading the value shows as written whichever they chose. One pass over the text.
 */
const percentView = (view: View): View => {
  const { text: source } = view;
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (out: string, from: number, to: number) => {
    text += out;
    for (let k = 0; k < out.length; k++) {
      starts.push(view.starts[from] ?? 0);
      ends.push(view.ends[to - 1] ?? 0);
    }
  };
  let i = 0;
  while (i < source.length) {
    const wide = source[i] === '%' && source[i + 1] === 'u' ? hexAt(source, i + 2, 4) : -1;
    const byte = source[i] === '%' ? hexAt(source, i + 1, 2) : -1;
    if (wide >= 0) {
      emit(String.fromCharCode(wide), i, i + 6);
      i += 6;
    } else if (byte >= 0) {
      const bytes = [byte];
      const length = utf8Length(byte);
      for (let k = 1; k < length; k++) {
        const at = i + 3 * k;
        const next = source[at] === '%' ? hexAt(source, at + 1, 2) : -1;
        if (next < 0x80 || next > 0xbf) break;
        bytes.push(next);
      }
      let char = String.fromCharCode(byte);
      if (length > 1 && bytes.length === length) {
        try {
          char = UTF8.decode(Uint8Array.from(bytes));
        } catch {
          bytes.length = 1;
        }
      } else bytes.length = 1;
      emit(char, i, i + 3 * bytes.length);
      i += 3 * bytes.length;
    } else {
      emit(source[i] ?? '', i, i + 1);
      i++;
    }
  }
  return { text, starts, ends };
};

const PERCENT_ESCAPE = /%(?:[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})/;

/** The view without invisible characters. */
const squeezedView = (view: View): View => {
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < view.text.length; i++) {
    const c = view.text[i] ?? '';
    if (invisible(c)) continue;
    text += c;
    starts.push(view.starts[i] ?? 0);
    ends.push(view.ends[i] ?? 0);
  }
  return { text, starts, ends };
};

/** Whether characters of the text were left out of the view right before its position `at`. */
const gapIn =
  (view: View) =>
  (at: number): boolean =>
    at > 0 && at < view.text.length && (view.starts[at] ?? 0) > (view.ends[at - 1] ?? 0);

/** Lower case, code unit by code unit (so that positions stay): for forms searched in any case. */
const fold = (text: string): string => {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const c of text) {
    const l = c.toLowerCase();
    out += l.length === c.length ? l : c;
  }
  return out;
};

/**
 * How many times JSON escapes are decoded, one level after another: a JSON text quoting a
 * JSON text quoting the request (each level escaping `"` and `\` again) shows a value
 * escaped once for each level, and the forms searched for hold it escaped once. Five levels
 * are found; a decoding that changes nothing, or leaves no `\`, ends the chain sooner.
 */
const JSON_DEPTH = 4;

/**
 * Every reading of the text in which a secret is searched for: as written, with HTML
 * references decoded, with JSON escapes decoded (up to JSON_DEPTH levels), and both; each
 * of those also with its percent escapes decoded, once and twice (a URL encoded again as it
 * is passed on).
 */
const viewsOf = (text: string): View[] => {
  const plain = plainView(text);
  const views = [plain];
  if (text.includes('&')) views.push(htmlView(plain));
  if (text.includes('\\')) {
    for (const v of [...views]) {
      let level = v;
      for (let depth = 0; depth < JSON_DEPTH && level.text.includes('\\'); depth++) {
        const next = jsonView(level);
        if (next.text === level.text) break;
        views.push(next);
        level = next;
      }
    }
  }
  for (const v of [...views]) {
    if (!PERCENT_ESCAPE.test(v.text)) continue;
    const once = percentView(v);
    views.push(once);
    if (PERCENT_ESCAPE.test(once.text)) views.push(percentView(once));
  }
  return views;
};

/** Forms are looked up by their first characters: one lookup per position of a text. */
const KEY_LENGTH = 4;

/**
 * The scheme a URL's form starts with, up to its `://` as the form writes it (`postgres://`,
 * `postgres%3A%2F%2F`, `postgres:\/\/`): a start of the value that is no secret.
 */
const SCHEME_START = /^[a-z][a-z0-9+.-]*(?::|%3a)(?:\/|%2f|\\\/){2}/i;

interface Form {
  readonly text: string;
  readonly marker: string;
  /**
   * How many of its first characters are its URL's scheme and `://`: a piece of the form no
   * longer than that, cut off (`permission denied for database postgres`), is no secret.
   */
  readonly open: number;
}

/** Forms to find in a text, indexed by their start. */
interface FormSet {
  readonly byKey: ReadonlyMap<string, readonly Form[]>;
  /** Forms shorter than the key (an `always` api key of a few characters). */
  readonly short: readonly Form[];
}

const formSet = (forms: ReadonlyMap<string, string>): FormSet => {
  const byKey = new Map<string, Form[]>();
  const short: Form[] = [];
  const sorted = [...forms].sort(([a], [b]) => b.length - a.length);
  for (const [text, marker] of sorted) {
    const form = { text, marker, open: SCHEME_START.exec(text)?.[0].length ?? 0 };
    if (text.length < KEY_LENGTH) {
      short.push(form);
      continue;
    }
    const key = text.slice(0, KEY_LENGTH);
    const list = byKey.get(key) ?? [];
    list.push(form);
    byKey.set(key, list);
  }
  return { byKey, short };
};

/**
 * Every occurrence (overlapping ones included) of the set's forms in `text`, longest first,
 * and every start of one (MIN_CUT_LENGTH or more) cut off where the text ends or an ellipsis
 * follows (`cutAt`), or (MIN_CLIPPED_LENGTH or more) where a quote, a bracket or white space
 * does (`clippedAt`; `gap` tells where the text had white space left out of it), wherever
 * that is in the text: a value cut short by whatever made the
 * text, which knew no secrets, is found in one pass with the whole ones. A start that holds
 * nothing past a URL's `scheme://` (`postgres` of a database url) is no piece of a secret,
 * and is left: the word ends ordinary messages.
 */
const findIn = (
  text: string,
  set: FormSet,
  gap?: (at: number) => boolean,
): { start: number; end: number; marker: string }[] => {
  const found: { start: number; end: number; marker: string }[] = [];
  for (let i = 0; i + KEY_LENGTH <= text.length; i++) {
    const candidates = set.byKey.get(text.slice(i, i + KEY_LENGTH));
    if (candidates === undefined) continue;
    let cut: { start: number; end: number; marker: string } | undefined;
    for (const form of candidates) {
      const n = sharedLength(text, i, form.text);
      if (n === form.text.length) {
        found.push({ start: i, end: i + n, marker: form.marker });
        break;
      }
      if (n < MIN_CUT_LENGTH || n <= form.open || n <= (cut?.end ?? i) - i) continue;
      if (cutAt(text, i + n) || (n >= MIN_CLIPPED_LENGTH && clippedAt(text, i + n, gap)))
        cut = { start: i, end: i + n, marker: form.marker };
    }
    if (cut) found.push(cut);
  }
  for (const form of set.short) {
    for (let i = text.indexOf(form.text); i >= 0; i = text.indexOf(form.text, i + 1)) {
      found.push({ start: i, end: i + form.text.length, marker: form.marker });
    }
  }
  return found;
};

/** A match in a view, as a span of the original text. */
const mapped = (view: View, m: { start: number; end: number; marker: string }): Hit => ({
  start: view.starts[m.start] ?? 0,
  end: view.ends[m.end - 1] ?? 0,
  marker: m.marker,
});

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

/** Forms with white space inside (`a  aa`): any run of white space matches any other. */
const spacedPattern = (forms: ReadonlyMap<string, string>): RegExp | undefined =>
  forms.size === 0
    ? undefined
    : new RegExp(
        [...forms.keys()]
          .sort((a, b) => b.length - a.length)
          .map((f) => escapeRegExp(f).replace(/\s+/g, '\\s+'))
          .join('|'),
        'g',
      );

/**
 * A value shorter than this (once white space is left out) is found only as written, in its
 * own case, white space only where it has some: a case-blind, space-blind search for `prod`
 * or `4000` finds them in "Product", "name invalid" and every other sid, and shreds ordinary
 * text. The api key is searched for in every way whatever its length.
 */
const STRONG_LENGTH = 8;

/**
 * A function replacing every occurrence of each secret value with its reference
 * (`${VG_API_KEY}`): raw, JSON-escaped, percent-encoded in any way (once or twice),
 * HTML-escaped, in base64 or base64url of any of those at any alignment, in any case
 * (base64 excepted), with white space or invisible characters anywhere inside it (a
 * wrapped line, MIME base64), or cut off at the end of a shortened text or before an
 * ellipsis inside it (a quoted preview). Each reading of the text maps back to the
 * characters it came from, so exactly the echo is replaced, white space inside it included. Overlapping values
 * are replaced together, so no piece of either remains. Should a value still show
 * afterwards (a marker can rebuild it, e.g. a value `PROD` under the name PROD), the text is
 * redacted again with a neutral marker, and as a last resort withheld entirely.
 */
export const makeRedactor = (all: readonly Secret[]): Redactor => {
  const secrets = all.filter((secret) => !isBooleanWord(secret));
  const texts = new Map<string, string>();
  const runs = new Map<string, string>();
  /** Forms of short values: found as written (STRONG_LENGTH). */
  const weak = new Map<string, string>();
  /** `always` values shorter than MIN_REDACTED_LENGTH: found as written, as whole words. */
  const words = new Map<string, string>();
  for (const secret of secrets) {
    const shortest = secret.always ? 1 : MIN_REDACTED_LENGTH;
    // Nothing to hide in white space, and its pattern would match every space of the output.
    if (squeeze(secret.value) === '') continue;
    if (secret.value.length < MIN_REDACTED_LENGTH && !secret.always) continue;
    // A value with white space around it also shows trimmed (as most messages print it).
    const trimmed = secret.value.trim();
    if (secret.always === true && squeeze(trimmed).length < MIN_REDACTED_LENGTH) {
      // A short value without a letter, digit or `_` (`,`, `-`) is no word: found as one, it
      // would be found at every comma or dash of every text, and hides nothing.
      if ([...trimmed].some(isWord) && !words.has(trimmed)) words.set(trimmed, marker(secret.name));
      continue;
    }
    const values = trimmed.length >= MIN_REDACTED_LENGTH ? [secret.value, trimmed] : [secret.value];
    // What an echo made of its characters, in every form a text is searched for (a JSON text
    // of the mojibake, its percent escapes).
    const echoed = [...new Set(values.flatMap(echoVariants))].filter((v) => !values.includes(v));
    const forms = [...new Set([...values, ...echoed].flatMap(textForms))];
    const mark = marker(secret.name);
    const strong = secret.always === true || squeeze(trimmed).length >= STRONG_LENGTH;
    for (const form of forms) {
      if (!strong) {
        if (form.length >= shortest && !weak.has(form)) weak.set(form, mark);
        continue;
      }
      // Long enough once squeezed: STRONG_LENGTH, or the api key's (never empty).
      const text = fold(squeeze(form));
      if (!texts.has(text)) texts.set(text, mark);
    }
    // What the gateway client's readings make of the value, each judged by its own length:
    // one they leave too short to tell from a word (`<b>ab</b>` read as `ab`) is left out.
    for (const variant of new Set(values.flatMap(readingVariants))) {
      const length = squeeze(variant.trim()).length;
      if (length < MIN_REDACTED_LENGTH || values.includes(variant)) continue;
      const firm = secret.always === true || length >= STRONG_LENGTH;
      for (const form of textForms(variant)) {
        if (firm) {
          const text = fold(squeeze(form));
          if (!texts.has(text)) texts.set(text, mark);
        } else if (form.length >= MIN_REDACTED_LENGTH && !weak.has(form)) weak.set(form, mark);
      }
    }
    // What callops sends (the body's JSON, the URL, the header) and case-changed copies,
    // each as base64 inside a longer base64 text (an echoed request or credential).
    const encoded = [...forms, ...values.flatMap((v) => [v.toUpperCase(), v.toLowerCase()])];
    for (const run of new Set(encoded.flatMap(base64Runs))) {
      if (!runs.has(run)) runs.set(run, mark);
    }
  }
  const held = [
    ...new Set(
      secrets.map((secret) => secret.value.trim().toLowerCase()).filter((value) => value !== ''),
    ),
  ];
  const holds = (text: string): boolean => {
    const folded = text.toLowerCase();
    return held.some((v) => (v.length >= HELD_LENGTH ? folded.includes(v) : folded === v));
  };
  if (texts.size + runs.size + weak.size + words.size === 0)
    return Object.assign((text: string, _vocabulary?: readonly string[]) => text, { holds });
  const textSet = formSet(texts);
  const runSet = formSet(runs);
  // Short values: looked for at every position as written (overlaps too); those with white
  // space inside, with any white space there.
  const weakSet = formSet(new Map([...weak].filter(([f]) => !/\s/.test(f))));
  const weakSpaced = new Map([...weak].filter(([f]) => /\s/.test(f)));
  const weakRe = spacedPattern(weakSpaced);
  const weakKey = (form: string) => form.replace(/\s+/g, ' ');
  const weakMarks = new Map([...weakSpaced].map(([f, m]) => [weakKey(f), m]));
  const hitsIn = (text: string): Hit[] => {
    const hits: Hit[] = [];
    for (const view of viewsOf(text)) {
      for (const m of findIn(view.text, weakSet)) hits.push(mapped(view, m));
      for (const m of wordHits(view.text, words)) hits.push(mapped(view, m));
      if (weakRe) {
        for (const m of view.text.matchAll(weakRe)) {
          const marker = weakMarks.get(weakKey(m[0])) ?? FALLBACK;
          hits.push(mapped(view, { start: m.index, end: m.index + m[0].length, marker }));
        }
      }
      const squeezed = squeezedView(view);
      const folded = fold(squeezed.text);
      for (const [where, set] of [
        [folded, textSet],
        [squeezed.text, runSet],
      ] as const) {
        for (const m of findIn(where, set, gapIn(squeezed))) hits.push(mapped(squeezed, m));
      }
    }
    return hits;
  };
  // The markers of `always` secrets: one of them is hidden inside callops' own words too.
  const alwaysMarks = new Set([
    FALLBACK,
    ...secrets.filter((secret) => secret.always === true).map((secret) => marker(secret.name)),
  ]);
  /**
   * The hits of `text` but those of a value that is not `always` lying wholly within an
   * occurrence of one of `vocabulary`: a word of callops' own (a zone name it suggests, a
   * value an option takes) shows what every copy of callops shows, and nothing of the
   * user's. A value running past the word (a longer secret holding it) is still found.
   */
  const hitsBeside = (text: string, vocabulary: readonly string[]): Hit[] => {
    const hits = hitsIn(text);
    if (hits.length === 0 || vocabulary.length === 0) return hits;
    const own: { start: number; end: number }[] = [];
    for (const word of vocabulary) {
      if (word === '') continue;
      for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1))
        own.push({ start: i, end: i + word.length });
    }
    return hits.filter(
      (hit) =>
        alwaysMarks.has(hit.marker) ||
        !own.some((word) => word.start <= hit.start && hit.end <= word.end),
    );
  };
  const redact = (text: string, vocabulary: readonly string[] = []): string => {
    const found = (t: string) => hitsBeside(t, vocabulary);
    const hits = found(text);
    if (hits.length === 0) return text;
    const named = replaceHits(text, hits);
    if (found(named).length === 0) return named;
    const neutral = replaceHits(text, hits, FALLBACK);
    if (found(neutral).length === 0) return neutral;
    if (found(WITHHELD).length === 0) return WITHHELD;
    // Every occurrence cut out until none is left (each pass shortens the text): what stays
    // of the text is still more use than nothing, and holds no secret.
    let cut = neutral;
    for (let left = found(cut); left.length > 0; left = found(cut))
      cut = replaceHits(cut, left, '');
    return cut;
  };
  return Object.assign(redact, { holds });
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
