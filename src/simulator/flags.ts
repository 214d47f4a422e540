import { type ParseArgsConfig, parseArgs } from 'node:util';
import { FLAVORS, isFlavor } from '../options/flavor.js';
import { MAX_TIMER_MS } from '../validate/parse.js';
import {
  DEFAULT_ACCOUNT_SID,
  localHookUrl,
  MAX_SEED,
  type RateLimit,
  type SimulatorOptions,
} from './options.js';
import { parseOutcomeMix } from './outcomes.js';
import { isUuid } from './uuid.js';

type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export type SimulatorFlagResult =
  | { readonly options: SimulatorOptions }
  | { readonly error: string };

/** The `callops simulator` flags, as node:util parseArgs options. */
export const SIMULATOR_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'account-sid': { type: 'string' },
  'api-key': { type: 'string' },
  latency: { type: 'string' },
  'read-latency': { type: 'string' },
  'fail-rate': { type: 'string' },
  'fail-status': { type: 'string' },
  'retry-after': { type: 'string' },
  'rate-limit': { type: 'string' },
  log: { type: 'string' },
  flavor: { type: 'string' },
  applications: { type: 'string' },
  outcomes: { type: 'string' },
  seed: { type: 'string' },
  'ring-time': { type: 'string' },
  'talk-time': { type: 'string' },
  'record-ttl': { type: 'string' },
  'status-hook': { type: 'string' },
  'webhook-secret': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export const SIMULATOR_USAGE = `Usage: callops simulator [flags]

Runs the built-in Voice Gateway simulator: it answers POST /v1/Accounts/{sid}/Calls (and GET
of calls) as a real jambonz API server does, and places no real calls.

  --host HOST          address to listen on (default 127.0.0.1)
  --port N             port (default 0: any free port)
  --account-sid SID    the account (default ${DEFAULT_ACCOUNT_SID})
  --api-key KEY        the accepted Bearer token (default: the built-in public key)
  --latency MS         wait before answering an accepted call
  --read-latency D     wait before answering each GET of calls (a gateway slow to read;
                       longer than the client's request timeout: a read that hangs)
  --fail-status CODE   answer CODE (400-599) instead, with the body a real gateway gives
  --fail-rate P        for a share P (0..1) of create-call requests (default 1)
  --retry-after S      Retry-After of an injected 429 or 503 (default 1)
  --rate-limit N/WIN   answer 429 past N requests per window, e.g. 600/5m or 10/s
  --log FILE           append every create-call request to FILE as a JSON line
  --flavor NAME        cognigy (default) or jambonz: a stock jambonz feature server, which
                       answers 500 to create-call keys its rest:dial verb lacks (e.g. listen)
  --applications SID[,SID…]
                       the applications that exist: any other application_sid is answered
                       400 "application_sid not found <sid>" (default: any UUID exists)

Accepted calls then live: trying → ringing → in-progress → completed, or they end
busy, no-answer or failed. GET /v1/Accounts/{sid}/Calls[/{call_sid}] reads their records,
GET /v1/Accounts/{sid}/RecentCalls?page=1&count=N their call detail records once ended.

  --outcomes LIST      how calls end, e.g. answered=0.7,busy=0.1,no-answer=0.15,failed=0.05
                       (shares 0..1 summing to 1; default answered=1)
  --seed N             repeatable outcomes: the k-th accepted call's outcome depends only
                       on N and k (default: a random seed)
  --ring-time D        ringing before answer, busy or no-answer (default 2s; 0 in tests)
  --talk-time D        talk time of an answered call (default 5s); its duration in seconds
  --record-ttl D       how long a call record stays readable after it ended (default 1h)
  --status-hook URL    POST every status change as JSON here (http on 127.0.0.1 or
                       localhost only: the simulator never posts off this machine)
  --webhook-secret S   sign those requests: Jambonz-Signature: t=<unix>,v1=<hex HMAC-SHA256>
  Durations: 0, 500ms, 2s, 1m, 1h. --log also gets one line per status change
  ({"at","event":"status","call_sid","call_status","sip_status","duration"}).`;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `600/5m`, `10/s`, `100/1500ms`, `1000/1h`. */
export const parseRateLimit = (text: string): RateLimit | undefined => {
  const match = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(text.trim());
  const [, count, times, unit] = match ?? [];
  if (count === undefined || unit === undefined) return undefined;
  const windowMs = (times === '' || times === undefined ? 1 : Number(times)) * (UNIT_MS[unit] ?? 0);
  return Number(count) >= 1 && windowMs >= 1 ? { count: Number(count), windowMs } : undefined;
};

/** `0`, `500ms`, `2s`, `1.5s`, `1m`, `1h` in milliseconds. */
export const parseDurationMs = (text: string): number | undefined => {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(trimmed);
  const [, amount, unit] = match ?? [];
  if (amount === undefined || unit === undefined) return undefined;
  return Math.round(Number(amount) * (UNIT_MS[unit] ?? 0));
};

/** `ms`, or the error saying it is longer than a timer takes (the simulator waits these out in timers). */
const withinTimer = (
  flag: string,
  ms: number,
): { readonly value: unknown } | { readonly error: string } =>
  ms <= MAX_TIMER_MS ? { value: ms } : { error: `--${flag} must be at most ${MAX_TIMER_MS} ms` };

const duration =
  (flag: string): Check =>
  (t) =>
    orError(parseDurationMs(t), `--${flag} must be a duration such as 0, 500ms, 2s, 1m or 1h`);

/** A duration waited out in a timer: bounded as a timer is. */
const timerDuration =
  (flag: string): Check =>
  (t) => {
    const checked = duration(flag)(t);
    return 'value' in checked ? withinTimer(flag, checked.value as number) : checked;
  };

const wholeNumber = (text: string): number | undefined =>
  /^\d+$/.test(text.trim()) ? Number(text) : undefined;

type Check = (text: string) => { readonly value: unknown } | { readonly error: string };

const ok = (value: unknown) => ({ value });
const orError = (value: unknown, error: string) => (value === undefined ? { error } : { value });

// Each flag: the option it sets and how its text is checked (the error names the flag).
const FLAGS: ReadonlyArray<readonly [string, keyof SimulatorOptions, Check]> = [
  ['host', 'host', (t) => orError(t.trim() || undefined, '--host must not be empty')],
  [
    'port',
    'port',
    (t) => {
      const n = wholeNumber(t);
      return orError(
        n !== undefined && n <= 65535 ? n : undefined,
        '--port must be an integer between 0 and 65535',
      );
    },
  ],
  [
    'account-sid',
    'accountSid',
    (t) => (isUuid(t) ? ok(t) : { error: '--account-sid must be a UUID' }),
  ],
  [
    'api-key',
    'apiKey',
    (t) =>
      t !== '' && !/\s/.test(t)
        ? ok(t)
        : { error: '--api-key must be a non-empty string without spaces' },
  ],
  [
    'latency',
    'latencyMs',
    (t) => {
      const ms = wholeNumber(t);
      return ms === undefined
        ? { error: '--latency must be a whole number of milliseconds' }
        : withinTimer('latency', ms);
    },
  ],
  ['read-latency', 'readLatencyMs', timerDuration('read-latency')],
  [
    'fail-rate',
    'failRate',
    (t) => {
      const n = t.trim() === '' ? Number.NaN : Number(t);
      return n >= 0 && n <= 1 ? ok(n) : { error: '--fail-rate must be a number between 0 and 1' };
    },
  ],
  [
    'fail-status',
    'failStatus',
    (t) => {
      const n = wholeNumber(t);
      return orError(
        n !== undefined && n >= 400 && n <= 599 ? n : undefined,
        '--fail-status must be an HTTP status between 400 and 599',
      );
    },
  ],
  [
    'retry-after',
    'retryAfterS',
    (t) => orError(wholeNumber(t), '--retry-after must be a whole number of seconds'),
  ],
  [
    'rate-limit',
    'rateLimit',
    (t) => orError(parseRateLimit(t), '--rate-limit must be N/WINDOW, e.g. 600/5m or 10/s'),
  ],
  ['log', 'logFile', (t) => orError(t || undefined, '--log must name a file')],
  [
    'flavor',
    'flavor',
    (t) => (isFlavor(t) ? ok(t) : { error: `--flavor must be ${FLAVORS.join(' or ')}` }),
  ],
  [
    'applications',
    'applicationSids',
    (t) => {
      const sids = t.split(',').map((s) => s.trim());
      return sids.every(isUuid)
        ? ok(sids)
        : { error: '--applications must be application sids (UUIDs) separated by commas' };
    },
  ],
  [
    'outcomes',
    'outcomes',
    (t) => {
      const parsed = parseOutcomeMix(t);
      return 'mix' in parsed ? ok(parsed.mix) : { error: `--outcomes: ${parsed.error}` };
    },
  ],
  [
    'seed',
    'seed',
    (t) => {
      const n = wholeNumber(t);
      return orError(
        n !== undefined && n <= MAX_SEED ? n : undefined,
        `--seed must be a whole number between 0 and ${MAX_SEED}`,
      );
    },
  ],
  ['ring-time', 'ringMs', timerDuration('ring-time')],
  ['talk-time', 'talkMs', timerDuration('talk-time')],
  ['record-ttl', 'recordTtlMs', duration('record-ttl')],
  [
    'status-hook',
    'statusHook',
    (t) =>
      localHookUrl(t) === undefined
        ? { error: '--status-hook must be an http URL on 127.0.0.1 or localhost' }
        : ok(t),
  ],
  [
    'webhook-secret',
    'webhookSecret',
    (t) => (t === '' ? { error: '--webhook-secret must not be empty' } : ok(t)),
  ],
];

/** Simulator options from already parsed flag values (other keys are ignored). */
export const simulatorOptionsFromValues = (values: FlagValues): SimulatorFlagResult => {
  const options: Record<string, unknown> = {};
  for (const [flag, key, check] of FLAGS) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = Array.isArray(raw) ? raw.at(-1) : raw;
    if (typeof text !== 'string') return { error: `--${flag} needs a value` };
    const checked = check(text);
    if ('error' in checked) return { error: checked.error };
    options[key] = checked.value;
  }
  if (options.failRate !== undefined && options.failStatus === undefined) {
    return { error: '--fail-rate needs --fail-status CODE (the status to answer)' };
  }
  if (options.webhookSecret !== undefined && options.statusHook === undefined) {
    return { error: '--webhook-secret needs --status-hook URL (where to send signed requests)' };
  }
  return { options: options as SimulatorOptions };
};

/** Parses `callops simulator` flags; a bad flag or value is an error naming the flag. */
export const parseSimulatorFlags = (argv: readonly string[]): SimulatorFlagResult => {
  try {
    const { values } = parseArgs({ args: [...argv], options: SIMULATOR_FLAGS, strict: true });
    return simulatorOptionsFromValues(values);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: message.replace(/\. To specify a positional argument.*$/s, '') };
  }
};

export interface BannerInput {
  readonly url: string;
  readonly accountSid: string;
  readonly apiKey: string;
  /** True when apiKey is the built-in default. */
  readonly defaultApiKey: boolean;
}

/**
 * Two lines: the base URL alone (scripts read the first line), then the account. The api
 * key is shown only when it is the built-in default, which is public anyway; a key given
 * with --api-key is the user's and is never printed.
 */
export const formatBanner = (sim: BannerInput): string => {
  const key = sim.defaultApiKey
    ? `api key ${sim.apiKey} (the built-in default)`
    : 'api key: the one given with --api-key';
  return `${sim.url}\naccount sid ${sim.accountSid} · ${key} · simulated: nothing real is dialled`;
};
