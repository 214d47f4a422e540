import type { PathSegments } from '../config/types.js';
import type { ResolvedTarget } from '../execute/target.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { TargetSpec } from '../validate/model.js';
import { MAX_TIMER_MS, parseDuration, parseRate } from '../validate/parse.js';
import { durationTooLong, rateProblem, shownUrl } from '../validate/targets.js';
import { errorAt, malformedMessage, missingMessage, pointer } from './diagnostics.js';
import { type Env, hasReference, interpolate, type Secret } from './interpolate.js';
import { SENT_KEYS, sentTextProblem } from './sent-text.js';
import { referenceProblem, structureProblem } from './url-structure.js';

/**
 * A target value as written, as a message quotes it: of `api_key`, each `${VAR:-fallback}`'s
 * fallback shown as *** (a key written there is a literal key, never printed, whichever
 * value the reference resolves to).
 */
const quoted = (key: string, written: string | undefined): string =>
  key === 'api_key' && written !== undefined
    ? written.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-=?+])[^}]*\}/g,
        (_, name: string, how: string) => `\${${name}${how}***}`,
      )
    : (written ?? '');

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_PAUSE_MS = 5 * 60_000;

export type TargetResolution =
  | { readonly ok: true; readonly target: ResolvedTarget; readonly secrets: readonly Secret[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A target's values that take a `${VAR}` reference (each resolved as text). */
export const TARGET_TEXT_KEYS = [
  'base_url',
  'concurrency',
  'account_sid',
  'api_key',
  'rate',
  'request_timeout',
  'max_pause',
] as const;
type TextKey = (typeof TARGET_TEXT_KEYS)[number];

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/;

/** The base URL without trailing slashes, or why it cannot be used. Messages show `raw`. */
const baseUrl = (
  value: string,
  written: string,
  insecureOk: boolean,
): string | { error: string } => {
  const raw = shownUrl(written);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { error: `base_url \`${raw}\` is not a URL (e.g. https://vg.example.com)` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { error: `base_url \`${raw}\` must be an https:// URL` };
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    return { error: `base_url \`${raw}\` must not carry credentials, a query or a fragment` };
  }
  // `https://user/password@host`: the parser read `user` as the host.
  const moved = structureProblem(value, `base_url \`${raw}\``, true);
  if (moved !== undefined) return { error: moved };
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !insecureOk) {
    return {
      error: `base_url \`${raw}\` uses plain http:// to another machine; use https:// or set \`allow_insecure: true\``,
    };
  }
  const trimmed = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  if (/\/v1$/.test(trimmed)) {
    return {
      error: `base_url \`${raw}\` must not end in /v1: remove it, callops adds /v1/Accounts/… itself`,
    };
  }
  return trimmed;
};

/**
 * A target ready for the gateway client: references resolved, concurrency, rate and durations parsed,
 * defaults applied (concurrency 4, request timeout 15 s, longest 429 pause 5 min), the base
 * URL checked. The api key is always a secret, even when written literally in callops.yaml.
 * `envFile` is the `--env-file FILE` given, named where a missing variable may be set.
 */
export const resolveTarget = (spec: TargetSpec, env: Env, envFile?: string): TargetResolution => {
  const written: Partial<Record<TextKey, string>> = {};
  for (const key of TARGET_TEXT_KEYS) {
    const value = spec[key];
    if (typeof value === 'string') written[key] = value;
  }
  const r = interpolate(written, env);
  const values = r.value as Partial<Record<TextKey, string>>;
  const diagnostics: Diagnostic[] = [];
  const at = (key: TextKey, message: string): void => {
    const path: PathSegments = [key];
    diagnostics.push(errorAt(spec.file, spec.locate(path), ['targets', spec.name, key], message));
  };
  for (const m of r.missing) {
    const key = m.path[0] as TextKey;
    at(key, missingMessage(m.name, pointer(['targets', spec.name, key]), envFile));
  }
  for (const m of r.malformed) {
    const key = m.path[0] as TextKey;
    // The api key is a secret even when written in the file: name it, never quote it.
    at(key, malformedMessage(key === 'api_key' ? key : m.text));
  }
  const broken = new Set<unknown>([...r.missing, ...r.malformed].map((m) => m.path[0]));
  // What goes into the URL or a header as written: no control character, no white space at
  // either end (a key read whole from a file ends in a line break, which the HTTP client
  // refuses). Reported at the reference, naming it, never the value.
  for (const key of SENT_KEYS) {
    const value = broken.has(key) ? undefined : values[key];
    const problem =
      value === undefined || value === ''
        ? undefined
        : sentTextProblem(key, value, hasReference(spec[key]) ? quoted(key, spec[key]) : undefined);
    if (problem === undefined) continue;
    at(key, problem);
    broken.add(key);
  }
  const usable = (key: TextKey): string | undefined => (broken.has(key) ? undefined : values[key]);

  const urlValue = usable('base_url');
  const moved =
    urlValue === undefined || !hasReference(spec.base_url)
      ? undefined
      : referenceProblem(spec.base_url, env, `base_url \`${shownUrl(spec.base_url)}\``, true);
  const url =
    urlValue === undefined
      ? undefined
      : moved !== undefined
        ? { error: moved }
        : baseUrl(urlValue, spec.base_url, spec.allow_insecure === true);
  if (typeof url === 'object') at('base_url', url.error);
  for (const key of ['account_sid', 'api_key'] as const) {
    if (usable(key) === '') at(key, `${key} \`${quoted(key, spec[key])}\` is empty`);
  }
  // A number as written, or a reference resolving to digits (a broken one is reported above).
  const concurrencyText = usable('concurrency');
  let concurrency = DEFAULT_CONCURRENCY;
  if (typeof spec.concurrency === 'number') concurrency = spec.concurrency;
  else if (concurrencyText !== undefined)
    concurrency = /^\d+$/.test(concurrencyText) ? Number(concurrencyText) : Number.NaN;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    at(
      'concurrency',
      typeof spec.concurrency === 'string'
        ? `concurrency \`${spec.concurrency}\` must resolve to a whole number, 1 or more`
        : '`concurrency` must be a whole number, 1 or more',
    );
  }
  const rateText = usable('rate');
  const rate = rateText === undefined ? undefined : parseRate(rateText);
  const rateWhy = rateText === undefined ? undefined : rateProblem(spec.rate ?? rateText, rate);
  if (rateWhy !== undefined) at('rate', rateWhy);
  const duration = (key: 'request_timeout' | 'max_pause', fallback: number): number => {
    const text = usable(key);
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      // Its value is not quoted (it may be a secret): said is what it lacks. A bare number
      // (`RT=30`) has no unit, which the duration needs.
      const why = /^\s*\d+(?:\.\d+)?\s*$/.test(text)
        ? 'resolves to a number without a unit: a duration needs one'
        : 'must be a duration longer than 0';
      at(key, `${key} \`${spec[key]}\` ${why}, e.g. 15s, 2m or 1h`);
      return fallback;
    }
    if (ms > MAX_TIMER_MS) {
      at(key, durationTooLong(key, spec[key] ?? text));
      return fallback;
    }
    return ms;
  };
  const requestTimeoutMs = duration('request_timeout', DEFAULT_REQUEST_TIMEOUT_MS);
  const maxPauseMs = duration('max_pause', DEFAULT_MAX_PAUSE_MS);
  const accountSid = usable('account_sid');
  const apiKey = usable('api_key');
  if (diagnostics.length > 0 || typeof url !== 'string' || !accountSid || !apiKey) {
    return { ok: false, diagnostics };
  }
  const keyName = WHOLE_REFERENCE.exec(spec.api_key)?.[1] ?? `api_key of target ${spec.name}`;
  const target: ResolvedTarget = {
    name: spec.name,
    baseUrl: url,
    accountSid,
    apiKey,
    concurrency,
    ...(rate ? { rate } : {}),
    requestTimeoutMs,
    maxPauseMs,
  };
  return {
    ok: true,
    target,
    secrets: [
      ...r.secrets.filter((s) => s.value !== apiKey),
      { name: keyName, value: apiKey, always: true },
    ],
  };
};
