import { STATUS_CODES } from 'node:http';
import type { AttemptResult } from './client.js';
import { decodeHtmlEntities, stripMarkup } from './html.js';

/** What an attempt means for the call, and for the target it was sent to. */
export type Verdict =
  | {
      readonly kind: 'placed';
      readonly httpStatus: number;
      readonly sid: string;
      readonly callId?: string;
    }
  | {
      /** Definitely not placed, and worth another try after a delay. */
      readonly kind: 'retry';
      readonly reason: string;
      readonly httpStatus?: number;
      /** From Retry-After, when the gateway sent one. */
      readonly retryAfterMs?: number;
      /**
       * 429: the whole target waits, not only this call. 480 (no feature server): the whole
       * target waits out the outage, with a backoff growing to tens of seconds.
       */
      readonly signal?: 'pause-target' | 'unavailable';
    }
  | {
      /** Definitely not placed. */
      readonly kind: 'failed';
      readonly message: string;
      readonly httpStatus?: number;
      /** 401/403: the credential is wrong, nothing more goes to this target in this run. */
      readonly signal?: 'stop-target';
      /** Why the target stops, for the calls that will not be sent. */
      readonly stopReason?: string;
    }
  | {
      /** May have been placed: never sent again automatically. */
      readonly kind: 'unknown';
      readonly message: string;
      readonly httpStatus?: number;
    };

export interface ClassifyOptions {
  /** Target name, for the credential hints. */
  readonly target: string;
  /** Epoch ms, to read a Retry-After given as an HTTP date. */
  readonly nowMs: number;
  /**
   * Applied to what the answer says before it is cut short (so that no start of a secret
   * survives the cut), and to the sid and callId of a success.
   */
  readonly redact: Redact;
}

/** A call sid as the gateway writes it (and as `resolve --placed` takes it). */
const CALL_SID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whether `text` is a call sid as the gateway writes one: a UUID. */
export const isCallSid = (text: string): boolean => CALL_SID.test(text);
/** A SIP Call-ID: a word of at most 256 visible ASCII characters. */
const CALL_ID = /^[\x21-\x7e]{1,256}$/;
/** Whether `text` is a Call-ID as a gateway's `callId` is kept (and `resolve --call-id` takes). */
export const isCallId = (text: string): boolean => CALL_ID.test(text);

/** A redactor, and (when it can tell cheaply) whether a short text is or holds a secret. */
type Redact = ((text: string) => string) & { readonly holds?: (text: string) => boolean };

/**
 * Whether a sid or Call-ID of a success is, or holds, a secret: asked of every placed call.
 * A UUID, as the gateway writes both, can hold no encoded form of one, only a value as
 * written: the redactor's quick answer (0.4 µs against 28 µs). Anything else is redacted.
 */
export const holdsSecret = (text: string, redact: Redact): boolean =>
  redact.holds !== undefined && CALL_SID.test(text) ? redact.holds(text) : redact(text) !== text;

/**
 * The most of an answer that is read: a create-call answer is a few hundred bytes, and a
 * gateway (or a proxy) sending megabytes must not cost the run its memory.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** undici's code for a request it refuses to write (an invalid header value), before sending. */
export const REFUSED_UNSENT = 'UND_ERR_INVALID_ARG';
export const DEFAULT_MAX_ATTEMPTS = 4;
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 10_000;
const MAX_MESSAGE_LENGTH = 300;
const RETRIABLE_STATUSES = new Set([429, 480, 503]);

export function classifyAttempt(result: AttemptResult, options: ClassifyOptions): Verdict {
  if (result.kind === 'error') {
    const detail = `${result.message} (${result.code})`;
    // Refused by the HTTP client before a byte left: every request to the target is built
    // the same way (its URL, its Authorization header), so none of them can leave either.
    if (!result.sent && result.code === REFUSED_UNSENT) {
      const hint = `check base_url, account_sid and api_key of target \`${options.target}\``;
      return {
        kind: 'failed',
        message: `the request could not be sent: ${detail} — ${hint}`,
        signal: 'stop-target',
        stopReason: `target \`${options.target}\` cannot be sent a request: ${detail} — ${hint}`,
      };
    }
    return result.sent
      ? {
          kind: 'unknown',
          message: `no complete answer after the request was sent: ${detail} — the call may have been placed`,
        }
      : { kind: 'retry', reason: `the request was not sent: ${detail}` };
  }
  const { status } = result;
  const label = statusLabel(status, result.statusText);
  if (status >= 200 && status < 300) return classifySuccess(result, label, options.redact);
  // Read only from an answer that is not a success: a success is read once, for its sid.
  // A compressed body is bytes callops does not decode: what it says is left out.
  const encoding = compressedBy(result.headers['content-encoding']);
  const msg = encoding === undefined ? gatewayMessage(result.bodyText, options.redact) : '';
  // `text`, then what the answer said.
  const said = (text: string): string =>
    encoding !== undefined ? `${text}${compressedBody(encoding)}` : msg ? `${text}: ${msg}` : text;
  if (status === 503 && !hasRetryAfter(result.headers)) {
    // The gateway itself never answers a create-call 503: one comes from something in front
    // of it. An overloaded server that asks to come back later says when (Retry-After); a
    // proxy whose connection to the gateway dropped after forwarding the request (Envoy's
    // `upstream connect error or disconnect/reset before headers`) says nothing of the
    // kind, and by then the gateway may have placed the call.
    return {
      kind: 'unknown',
      httpStatus: status,
      message: `${said(`the gateway answered ${label} without Retry-After`)} — a proxy answers so when its connection to the gateway dropped after the gateway may have received the request: the call may have been placed; \`callops resolve --check\` looks it up on the gateway`,
    };
  }
  if (RETRIABLE_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(result.headers['retry-after'], options.nowMs);
    return {
      kind: 'retry',
      reason: said(label),
      httpStatus: status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(status === 429 ? { signal: 'pause-target' as const } : {}),
      ...(status === 480 ? { signal: 'unavailable' as const } : {}),
    };
  }
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'api_key' : 'account_sid';
    const hint = `check ${what} of target \`${options.target}\``;
    const phrase = statusPhrase(status, result.statusText);
    const answer = msg && msg.toLowerCase() !== phrase.toLowerCase() ? `${label}: ${msg}` : label;
    return {
      kind: 'failed',
      httpStatus: status,
      message: `the gateway refused the credential (${answer}) — ${hint}`,
      signal: 'stop-target',
      stopReason: `target \`${options.target}\` refused the credential (${label}) — ${hint}`,
    };
  }
  if (status >= 400 && status < 500) {
    return {
      kind: 'failed',
      httpStatus: status,
      message: encoding === undefined ? msg || label : said(label),
    };
  }
  const location = result.headers.location;
  if (status === 303) {
    // See Other: the server handled the POST and points at its result (RFC 9110 15.4.4),
    // unlike the other redirects, which come before any handling.
    const where = location ? `pointing at ${location}` : 'without a Location';
    return {
      kind: 'unknown',
      httpStatus: status,
      message: `the gateway answered ${label}, ${where}: a 303 after a POST says the request was handled — the call may have been placed`,
    };
  }
  if (status >= 300 && status < 400) {
    const where = location ? ` to ${location}` : '';
    return {
      kind: 'failed',
      httpStatus: status,
      message: `the gateway answered ${label}, a redirect${where} — check base_url`,
    };
  }
  return {
    kind: 'unknown',
    httpStatus: status,
    message: `${said(`the gateway answered ${label}`)} — the call may have been placed`,
  };
}

/**
 * The Content-Encoding of an answer compressed (gzip, br…), undefined when it is not:
 * callops asks for no compression and decodes none, so such a body is bytes it cannot read.
 */
export function compressedBy(contentEncoding: string | undefined): string | undefined {
  const encoding = contentEncoding?.trim();
  return encoding === undefined || encoding === '' || encoding.toLowerCase() === 'identity'
    ? undefined
    : encoding;
}

/** What is said of an error answer's body compressed, after its status. */
export const compressedBody = (encoding: string): string =>
  `, its body compressed (Content-Encoding ${encoding}), which callops does not read`;

/** Whether the answer carries a Retry-After, whatever its value says. */
const hasRetryAfter = (headers: Readonly<Record<string, string>>): boolean =>
  (headers['retry-after']?.trim() ?? '') !== '';

function classifySuccess(
  result: AttemptResult & { kind: 'response' },
  label: string,
  redact: Redact,
): Verdict {
  const encoding = compressedBy(result.headers['content-encoding']);
  if (encoding !== undefined) {
    return {
      kind: 'unknown',
      httpStatus: result.status,
      message: `the gateway answered ${label} compressed (Content-Encoding ${encoding}), which callops does not read: its call sid is not known — the call may have been placed`,
    };
  }
  if (result.truncated) {
    // Whatever the answer says, its sid cannot be read with confidence from a cut body.
    return {
      kind: 'unknown',
      httpStatus: result.status,
      message: `the gateway answered ${label} with an answer larger than ${MAX_ANSWER_BYTES / 1024} KiB, not read — the call may have been placed`,
    };
  }
  const body = parseJson(result.bodyText);
  const sid = body?.sid;
  if (typeof sid === 'string' && sid !== '') {
    // An answer like any other: a sid that is no call sid, or that echoes a secret, is not
    // recorded; the call may still have been placed.
    const odd = !CALL_SID.test(sid)
      ? `a sid that is not a call sid (${quote(sid, redact)})`
      : holdsSecret(sid, redact)
        ? 'a sid that holds a secret'
        : undefined;
    if (odd !== undefined) {
      return {
        kind: 'unknown',
        httpStatus: result.status,
        message: `the gateway answered ${label} with ${odd} — the call may have been placed`,
      };
    }
    // The callId only helps to find the call: one that is not a Call-ID is left out.
    const callId = body?.callId;
    const keep = typeof callId === 'string' && isCallId(callId) && !holdsSecret(callId, redact);
    return {
      kind: 'placed',
      httpStatus: result.status,
      sid,
      ...(keep ? { callId } : {}),
    };
  }
  const why = result.bodyError ? ` (the body was cut: ${result.bodyError})` : '';
  return {
    kind: 'unknown',
    httpStatus: result.status,
    message: `the gateway answered ${label} without a call sid${why} — the call may have been placed`,
  };
}

/**
 * A 201 whose sid the state already records for `holder`: one call has one sid, so the
 * answer is not this call's, and whether this call was placed cannot be told from it.
 */
export const reusedSidMessage = (verdict: Verdict & { kind: 'placed' }, holder: string): string =>
  `the gateway answered ${statusLabel(verdict.httpStatus)} with sid ${verdict.sid}, which it already gave to ${holder} — the call may have been placed`;

/** An HTTP date starts with its day name (IMF-fixdate, RFC 850 and asctime alike). */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*[, ]/;

/**
 * Retry-After as delay-seconds or an HTTP date, in ms from `nowMs` (never negative); any
 * other text (`-5`, `1.5`, `soon`) is no Retry-After at all, and the backoff applies.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!HTTP_DATE.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly capMs?: number;
  /** A number in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

/** Exponential backoff with full jitter; `attempt` counts the attempts made so far (1…). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? BACKOFF_BASE_MS;
  const cap = options.capMs ?? BACKOFF_CAP_MS;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export const OUTAGE_BASE_MS = 1_000;
export const OUTAGE_CAP_MS = 30_000;

/** A run of 480 answers from one target with no other answer between them. */
export interface Outage {
  /** Epoch ms of the first 480 of the run. */
  readonly sinceMs: number;
  /** How many pauses it has cost so far. */
  readonly rounds: number;
}

export type OutageStep =
  | { readonly kind: 'pause'; readonly delayMs: number; readonly outage: Outage }
  /** Waiting `delayMs` more would take the outage past `max_pause`. */
  | { readonly kind: 'stop'; readonly waitedMs: number; readonly delayMs: number };

/**
 * The pause after one more 480: 1, 2, 4, 8, 16, then 30 s (Retry-After when given), each
 * with equal jitter (half fixed, half random) so that a restart is ridden out rather than
 * hammered; `stop` once the outage would outlast `maxPauseMs`.
 */
export function nextOutageStep(
  outage: Outage | undefined,
  nowMs: number,
  maxPauseMs: number,
  options: { readonly retryAfterMs?: number; readonly random?: () => number } = {},
): OutageStep {
  const sinceMs = outage?.sinceMs ?? nowMs;
  const rounds = (outage?.rounds ?? 0) + 1;
  const ceiling = Math.min(OUTAGE_CAP_MS, OUTAGE_BASE_MS * 2 ** (rounds - 1));
  const random = options.random ?? Math.random;
  const delayMs = options.retryAfterMs ?? Math.floor(ceiling / 2 + random() * (ceiling / 2));
  const waitedMs = Math.max(0, nowMs - sinceMs);
  if (waitedMs + delayMs > maxPauseMs) return { kind: 'stop', waitedMs, delayMs };
  return { kind: 'pause', delayMs, outage: { sinceMs, rounds } };
}

/** How long to wait before the next attempt: Retry-After when given, else backoff. */
export function retryDelay(
  verdict: Verdict & { kind: 'retry' },
  attempt: number,
  options: BackoffOptions = {},
): number {
  return verdict.retryAfterMs ?? backoffDelay(attempt, options);
}

/**
 * How much of a text answer is read for its message at first: four times as much each time
 * what was read says too little to fill the message (see gatewayMessage), up to the whole.
 */
const FIRST_READ = 4 * 1024;

/**
 * The gateway's `msg` when the body is JSON carrying one, else the body as short plain text
 * (an HTML page without its tags, see stripMarkup). Character references are decoded, so
 * that a value the page echoes escaped (`&quot;`, `&#39;`, `&#x2F;`) reads as itself.
 *
 * The answer is redacted as received, before anything is taken out of it or decoded: a tag
 * taken out, a reference or a JSON escape decoded, can cut an echoed secret into pieces, or
 * join its last characters to the text after it (`Xq7<b>Lm9…` once showed `Xq7 Lm9…`), and
 * what is left of it is no longer found. What these readings then make of the text is
 * redacted again, as the redactor also searches for each value as they make it (see
 * makeRedactor), for a value they put together from pieces that were none. A text answer is
 * read in growing parts, so that a large page costs little: a part is enough once what it
 * says, redacted, runs REDACT_LOOKAHEAD past the message, where its cut end (a start of a
 * secret too short to be told from a word) is never shown.
 */
export function gatewayMessage(bodyText: string, redact: (text: string) => string): string {
  if (typeof parseJson(bodyText)?.msg === 'string') {
    // Its structure is needed whole: the answer is read whole (JSON answers are short).
    const safe = redact(bodyText);
    const msg = parseJson(safe)?.msg;
    return cutShort(
      redactedHead(flatten(typeof msg === 'string' ? msg : stripMarkup(safe)), redact),
      redact,
    );
  }
  for (let read = FIRST_READ; ; read *= 4) {
    const whole = read >= bodyText.length;
    const safe = redact(whole ? bodyText : bodyText.slice(0, read));
    const shown = redactedHead(flatten(stripMarkup(safe)), redact);
    if (whole || shown.length >= MAX_MESSAGE_LENGTH + REDACT_LOOKAHEAD)
      return cutShort(shown, redact);
  }
}

/** The text with its character references decoded, on one line. */
const flatten = (text: string): string => decodeHtmlEntities(text).replace(/\s+/g, ' ').trim();

/** `401 Unauthorized`; a bare `480` when the reason phrase says nothing. */
export function statusLabel(status: number, statusText = ''): string {
  const phrase = statusPhrase(status, statusText);
  return phrase ? `${status} ${phrase}` : String(status);
}

function statusPhrase(status: number, statusText: string): string {
  const phrase = STATUS_CODES[status] ?? statusText.trim();
  return phrase.toLowerCase() === 'unknown' ? '' : phrase;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How far past the cut a message is read, and redacted, before it is cut: a secret that
 * starts before the cut is then whole in it, or (a very long one) ends the part read, where
 * its start is found as a secret cut off.
 */
const REDACT_LOOKAHEAD = 1_000;

/**
 * `text` redacted, as much of it as its first `length` characters need: it is read in parts
 * growing fourfold, and a part is enough once it runs REDACT_LOOKAHEAD past them redacted.
 * A secret that starts before the end of the part is then whole in it, or (a very long one)
 * ends the part, where its start is found as a secret cut off; a start too short to be told
 * from a word (see MIN_CUT_LENGTH in redact.ts) is left at the end, past the characters used.
 */
function redactedHead(
  text: string,
  redact: (text: string) => string,
  length = MAX_MESSAGE_LENGTH,
): string {
  for (let read = length + REDACT_LOOKAHEAD; ; read *= 4) {
    if (read >= text.length) return redact(text);
    const shown = redact(text.slice(0, read));
    if (shown.length >= length + REDACT_LOOKAHEAD) return shown;
  }
}

/**
 * A redacted text cut to MAX_MESSAGE_LENGTH, and redacted again: the cut can leave, right
 * before its `…`, the start of a value the text quoted cut short in its own way.
 */
function cutShort(text: string, redact: (text: string) => string): string {
  return text.length > MAX_MESSAGE_LENGTH
    ? redact(`${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`)
    : text;
}

/** Untrusted text in a message: redacted (as far as it is shown), then cut short, as JSON. */
function quote(text: string, redact: (text: string) => string): string {
  const shown = redactedHead(text, redact, 64);
  return JSON.stringify(shown.length > 64 ? redact(`${shown.slice(0, 63)}…`) : shown);
}
