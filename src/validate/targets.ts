import type { PathSegments, SourceDocument } from '../config/types.js';
import { FLAVORS, isFlavor } from '../options/flavor.js';
import { SENT_KEYS, sentTextProblem } from '../resolve/sent-text.js';
import { structureProblem } from '../resolve/url-structure.js';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './hint.js';
import type { TargetSpec } from './model.js';
import { MAX_TIMER_MS, MAX_TIMER_TEXT, parseDuration, parseRate } from './parse.js';
import {
  errorAt,
  hasReference,
  isRecord,
  keySiteOf,
  siteOf,
  toPointer,
  warningAt,
} from './site.js';

/** Target names callops provides itself: `env` (CALLOPS_* variables) and the built-in simulator. */
export const RESERVED_TARGETS: readonly string[] = ['env', 'simulator'];

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

const REQUIRED = ['base_url', 'account_sid', 'api_key'] as const;
const DURATIONS = ['request_timeout', 'max_pause'] as const;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Semantic problems of a target's name (the pattern itself is a schema check). */
export const checkTargetName = (doc: SourceDocument, name: string): Diagnostic[] =>
  RESERVED_TARGETS.includes(name)
    ? [
        errorAt(
          keySiteOf(doc, ['targets', name]),
          `target name \`${name}\` is reserved: callops provides it`,
        ),
      ]
    : [];

/** Shape problems (a schema covers them too; these keep the pipeline safe without it). */
export const checkTargetShape = (
  doc: SourceDocument,
  name: string,
  spec: unknown,
): Diagnostic[] => {
  const path: PathSegments = ['targets', name];
  if (!isRecord(spec)) {
    return [
      errorAt(
        siteOf(doc, path),
        `target \`${name}\` must be a map with base_url, account_sid and api_key`,
      ),
    ];
  }
  const out: Diagnostic[] = [];
  for (const key of REQUIRED) {
    if (spec[key] === undefined || spec[key] === null) {
      const site = { ...keySiteOf(doc, path), path: toPointer([...path, key]) };
      out.push(errorAt(site, `target \`${name}\` has no \`${key}\``));
    } else if (typeof spec[key] !== 'string') {
      out.push(errorAt(siteOf(doc, [...path, key]), `\`${key}\` must be a string`));
    }
  }
  if (spec.allow_insecure !== undefined && typeof spec.allow_insecure !== 'boolean') {
    out.push(
      errorAt(siteOf(doc, [...path, 'allow_insecure']), '`allow_insecure` must be true or false'),
    );
  }
  if (spec.flavor !== undefined && !isFlavor(spec.flavor)) {
    const shown = typeof spec.flavor === 'string' ? `\`${spec.flavor}\`` : 'this';
    const hint = typeof spec.flavor === 'string' ? didYouMean(spec.flavor, FLAVORS) : '';
    out.push(
      errorAt(
        siteOf(doc, [...path, 'flavor']),
        `unknown flavor ${shown}: use \`cognigy\` (Cognigy Voice Gateway, the default) or \`jambonz\` (a stock jambonz server)${hint}`,
        FLAVORS,
      ),
    );
  }
  const concurrency = spec.concurrency;
  const literalOk =
    typeof concurrency === 'number' && Number.isInteger(concurrency) && concurrency >= 1;
  if (concurrency !== undefined && !literalOk && !hasReference(concurrency)) {
    out.push(
      errorAt(
        siteOf(doc, [...path, 'concurrency']),
        '`concurrency` must be a whole number, 1 or more',
      ),
    );
  }
  return out;
};

/** A base URL as shown in messages: a password, a query and a fragment are masked. */
export const shownUrl = (raw: string): string =>
  raw
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, '$1***@')
    .replace(/\?[^#]*/, '?***')
    .replace(/#.*$/, '#***');

const checkBaseUrl = (
  doc: SourceDocument,
  path: PathSegments,
  spec: Readonly<Record<string, unknown>>,
) => {
  const text = spec.base_url;
  if (typeof text !== 'string' || hasReference(text)) return [];
  const site = siteOf(doc, [...path, 'base_url']);
  const shown = shownUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [errorAt(site, `base_url \`${shown}\` is not a URL (e.g. https://vg.example.com)`)];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return [errorAt(site, `base_url must start with https:// (found \`${url.protocol}\`)`)];
  }
  const out: Diagnostic[] = [];
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    const message = `base_url \`${shown}\` must not carry credentials, a query or a fragment`;
    out.push(errorAt(site, message));
  } else {
    const moved = structureProblem(text, `base_url \`${shown}\``, true);
    if (moved !== undefined) out.push(errorAt(site, moved));
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && spec.allow_insecure !== true) {
    out.push(
      errorAt(
        site,
        'base_url uses plain http:// to another machine; use https:// or set `allow_insecure: true`',
      ),
    );
  }
  if (/\/v1\/?$/.test(url.pathname)) {
    out.push(errorAt(site, 'base_url must not end in /v1: callops adds /v1/Accounts/… itself'));
  }
  return out;
};

/** A target duration callops waits out in a timer, longer than a timer takes. */
export const durationTooLong = (key: string, written: string): string =>
  `${key} \`${written}\` is too long: at most ${MAX_TIMER_TEXT}`;

/**
 * Why a target's rate cannot be used, else undefined: the limiter waits up to one window in
 * a timer, so the window is bounded as a duration is.
 */
export const rateProblem = (
  written: string,
  rate: { readonly perMs: number } | undefined,
): string | undefined => {
  if (!rate) return `rate \`${written}\` must be calls per time, e.g. 5/s, 600/5m or 100/1h`;
  if (rate.perMs > MAX_TIMER_MS)
    return `rate \`${written}\` has a window longer than ${MAX_TIMER_TEXT}; write e.g. 100/1d`;
  return undefined;
};

/**
 * A literal base_url, account_sid or api_key that could not be sent as written (a control
 * character, white space at an end, a key beyond Latin-1): the check a resolved value
 * passes at `apply`, so `validate` refuses what `apply` would. Never quotes the value.
 */
const checkSentText = (
  doc: SourceDocument,
  path: PathSegments,
  spec: Readonly<Record<string, unknown>>,
): Diagnostic[] =>
  SENT_KEYS.flatMap((key) => {
    const value = spec[key];
    if (typeof value !== 'string' || value === '' || hasReference(value)) return [];
    const problem = sentTextProblem(key, value, undefined);
    return problem === undefined ? [] : [errorAt(siteOf(doc, [...path, key]), problem)];
  });

/** Value problems of a target: URL, secrets written in the file, rate and durations. */
export const checkTargetValues = (
  doc: SourceDocument,
  name: string,
  spec: unknown,
): Diagnostic[] => {
  if (!isRecord(spec)) return [];
  const path: PathSegments = ['targets', name];
  const sent = checkSentText(doc, path, spec);
  // A URL refused as written is not checked further (the URL parser drops such characters).
  const urlRefused = sent.some((d) => d.path === toPointer([...path, 'base_url']));
  const out = [...sent, ...(urlRefused ? [] : checkBaseUrl(doc, path, spec))];
  if (typeof spec.api_key === 'string' && spec.api_key !== '' && !hasReference(spec.api_key)) {
    const message =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
      '`api_key` is written in the file; use a reference such as ${VG_API_KEY} so the secret stays out of git';
    out.push(warningAt(siteOf(doc, [...path, 'api_key']), message));
  }
  if (typeof spec.rate === 'string' && !hasReference(spec.rate)) {
    const message = rateProblem(spec.rate, parseRate(spec.rate));
    if (message !== undefined) out.push(errorAt(siteOf(doc, [...path, 'rate']), message));
  }
  for (const key of DURATIONS) {
    const value = spec[key];
    if (typeof value !== 'string' || hasReference(value)) continue;
    const ms = parseDuration(value);
    if (ms === undefined) {
      out.push(
        errorAt(
          siteOf(doc, [...path, key]),
          `${key} \`${value}\` is not a duration; write e.g. 15s, 2m or 1h`,
        ),
      );
    } else if (ms === 0) {
      out.push(errorAt(siteOf(doc, [...path, key]), `${key} must be longer than 0`));
    } else if (ms > MAX_TIMER_MS) {
      out.push(errorAt(siteOf(doc, [...path, key]), durationTooLong(key, value)));
    }
  }
  return out;
};

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** The TargetSpec of a well-formed target (strings still holding `${VAR}`), else undefined. */
export const toTargetSpec = (
  doc: SourceDocument,
  name: string,
  spec: unknown,
): TargetSpec | undefined => {
  if (!isRecord(spec)) return undefined;
  const { base_url, account_sid, api_key } = spec;
  if (
    typeof base_url !== 'string' ||
    typeof account_sid !== 'string' ||
    typeof api_key !== 'string'
  ) {
    return undefined;
  }
  const concurrency =
    typeof spec.concurrency === 'number' || typeof spec.concurrency === 'string'
      ? spec.concurrency
      : undefined;
  const rate = optionalString(spec.rate);
  const requestTimeout = optionalString(spec.request_timeout);
  const maxPause = optionalString(spec.max_pause);
  return {
    name,
    base_url,
    account_sid,
    api_key,
    ...(concurrency === undefined ? {} : { concurrency }),
    ...(rate === undefined ? {} : { rate }),
    ...(requestTimeout === undefined ? {} : { request_timeout: requestTimeout }),
    ...(typeof spec.allow_insecure === 'boolean' ? { allow_insecure: spec.allow_insecure } : {}),
    ...(maxPause === undefined ? {} : { max_pause: maxPause }),
    ...(isFlavor(spec.flavor) ? { flavor: spec.flavor } : {}),
    file: doc.file,
    locate: (path) => doc.locate(['targets', name, ...path]),
  };
};

/** The message for a target name that is neither defined nor reserved, else undefined. */
export const unknownTarget = (
  name: string,
  defined: ReadonlySet<string>,
  configFile: string | undefined,
): string | undefined => {
  if (defined.has(name) || RESERVED_TARGETS.includes(name)) return undefined;
  const known = [...defined, ...RESERVED_TARGETS];
  const hint = didYouMean(name, known);
  if (configFile === undefined) {
    return `target \`${name}\` is not defined: there is no callops.yaml${hint || ` (available: ${RESERVED_TARGETS.join(', ')})`}`;
  }
  const listed =
    defined.size > 0 ? `it defines ${[...defined].join(', ')}` : 'it defines no targets';
  return `target \`${name}\` is not defined in ${configFile}${hint || ` (${listed}; also available: ${RESERVED_TARGETS.join(', ')})`}`;
};
