import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_FLAVOR, FLAVORS, type Flavor, isFlavor } from '../options/flavor.js';
import { realClock, type SimulatorClock } from './clock.js';
import type { CallStatus } from './lifecycle.js';
import { DEFAULT_MIX, mixProblem, type OutcomeMix } from './outcomes.js';
import { isUuid } from './uuid.js';

/**
 * The simulator's built-in account. Public on purpose: it is printed in the docs and the
 * banner, and it only ever unlocks a loopback server that places no real calls.
 */
export const DEFAULT_ACCOUNT_SID = '0ca110b5-0000-4000-8000-000000000001';

/** The simulator's built-in API key (UUID-shaped, like jambonz keys). Public, see above. */
export const DEFAULT_API_KEY = '0ca110b5-0000-4000-8000-00000000a9e1';

export interface RateLimit {
  /** Requests allowed per window. */
  readonly count: number;
  readonly windowMs: number;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** Default DEFAULT_ACCOUNT_SID. */
  readonly accountSid?: string;
  /** Default DEFAULT_API_KEY. */
  readonly apiKey?: string;
  /** Delay before a create-call request is answered 201; other requests are not slowed. */
  readonly latencyMs?: number;
  /**
   * Delay before a read of calls (GET of the calls list, of one call, of RecentCalls) is
   * answered: a gateway slow to read, or one whose reads hang (longer than the client's
   * request timeout). Create-call requests are not slowed by it.
   */
  readonly readLatencyMs?: number;
  /** Share 0..1 of create-call requests answered failStatus (default 1 when failStatus is set). */
  readonly failRate?: number;
  /** Status answered for injected faults, with the body a real gateway gives for it. */
  readonly failStatus?: number;
  /** Retry-After (seconds) of an injected 429 or 503 (default 1). */
  readonly retryAfterS?: number;
  /** Requests per window over the whole server, as the gateway's limiter (off by default). */
  readonly rateLimit?: RateLimit;
  /** Append one JSON line per create-call request to this file. */
  readonly logFile?: string;
  /**
   * Whether `received()` lists the create-call requests and `calls()` every accepted call
   * (default true). Without, the simulator keeps no request in memory (the log file is the
   * record) and forgets a call once its record has expired (`recordTtlMs` after its final
   * status), keeping only its call detail record: the `simulator` command and the embedded
   * simulator of `apply` run so, as a long run would otherwise hold every request and call.
   */
  readonly keepHistory?: boolean;
  /** The applications that exist; when absent any UUID-shaped application_sid exists. */
  readonly applicationSids?: readonly string[];
  /** The feature server: `jambonz` refuses keys rest:dial lacks with a 500 (default `cognigy`). */
  readonly flavor?: Flavor;
  /** Source of randomness for fault injection, [0, 1) (default Math.random). */
  readonly random?: () => number;
  /**
   * How a request waits its latency (a create-call request `latencyMs`, a read
   * `readLatencyMs`): resolves after `ms`, rejects once `signal` aborts (default: a timer per
   * request). Lets a test hold and release requests itself.
   */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Test hook: called synchronously with the body text of each create-call request as soon
   * as it has been read, before it is answered, so a test sees the moment it arrived.
   */
  readonly onCreate?: (body: string) => void;
  /** The simulator's time (rate-limit windows, call progress, record expiry); default real. */
  readonly clock?: SimulatorClock;
  /** How accepted calls end (shares summing to 1); default every call answered. */
  readonly outcomes?: OutcomeMix;
  /** Seed of the outcome draws: the k-th accepted call's outcome depends on it and k only. */
  readonly seed?: number;
  /** Ringing time before answer, busy or no-answer (default 2000). */
  readonly ringMs?: number;
  /** Talk time of an answered call (default 5000); its duration is this in whole seconds. */
  readonly talkMs?: number;
  /** How long a call record stays readable after its final status (default one hour). */
  readonly recordTtlMs?: number;
  /** POST every status change here (http on 127.0.0.1 or localhost only). */
  readonly statusHook?: string;
  /** Signs status-hook requests (Jambonz-Signature) when given. */
  readonly webhookSecret?: string;
  /** Test hook: called synchronously with every status change, after it is recorded. */
  readonly onStatus?: (change: StatusChange) => void;
}

/** One status change of a simulated call. */
export interface StatusChange {
  readonly call_sid: string;
  /** The call's index in acceptance order (1 for the first). */
  readonly k: number;
  readonly call_status: CallStatus;
  readonly sip_status: number;
  readonly duration: number;
  readonly final: boolean;
}

/** Options with every default filled in. */
export interface SimulatorSettings {
  readonly host: string;
  readonly port: number;
  readonly accountSid: string;
  readonly apiKey: string;
  readonly latencyMs: number;
  readonly readLatencyMs: number;
  readonly failRate: number;
  readonly failStatus: number | undefined;
  readonly retryAfterS: number;
  readonly rateLimit: RateLimit | undefined;
  readonly logFile: string | undefined;
  readonly keepHistory: boolean;
  readonly applicationSids: ReadonlySet<string> | undefined;
  readonly flavor: Flavor;
  readonly random: () => number;
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onCreate: ((body: string) => void) | undefined;
  readonly clock: SimulatorClock;
  readonly outcomes: OutcomeMix;
  readonly seed: number;
  readonly ringMs: number;
  readonly talkMs: number;
  readonly recordTtlMs: number;
  readonly statusHook: URL | undefined;
  readonly webhookSecret: string | undefined;
  readonly onStatus: ((change: StatusChange) => void) | undefined;
}

export const DEFAULT_RING_MS = 2000;
export const DEFAULT_TALK_MS = 5000;
export const DEFAULT_RECORD_TTL_MS = 3_600_000;
/** Seeds are unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/** The hook URL when it is http on this machine (the simulator never posts elsewhere). */
export const localHookUrl = (text: string): URL | undefined => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname) ? url : undefined;
  } catch {
    return undefined;
  }
};

const isCount = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;

/** Fills in defaults; a programming error (impossible value) throws a RangeError. */
export const settingsFrom = (options: SimulatorOptions): SimulatorSettings => {
  const {
    host = '127.0.0.1',
    port = 0,
    accountSid = DEFAULT_ACCOUNT_SID,
    apiKey = DEFAULT_API_KEY,
    latencyMs = 0,
    readLatencyMs = 0,
    failStatus,
    retryAfterS = 1,
    rateLimit,
    flavor = DEFAULT_FLAVOR,
    outcomes = DEFAULT_MIX,
    seed = randomInt(MAX_SEED),
    ringMs = DEFAULT_RING_MS,
    talkMs = DEFAULT_TALK_MS,
    recordTtlMs = DEFAULT_RECORD_TTL_MS,
  } = options;
  const statusHook =
    options.statusHook === undefined ? undefined : localHookUrl(options.statusHook);
  const mix = mixProblem(outcomes);
  const failRate = options.failRate ?? (failStatus === undefined ? 0 : 1);
  const problems = [
    !isCount(port, 0) || port > 65535 ? 'port must be an integer 0..65535' : '',
    isUuid(accountSid) ? '' : 'accountSid must be a UUID',
    apiKey === '' || /\s/.test(apiKey) ? 'apiKey must be a non-empty string without spaces' : '',
    Number.isFinite(latencyMs) && latencyMs >= 0 ? '' : 'latencyMs must be >= 0',
    Number.isFinite(readLatencyMs) && readLatencyMs >= 0 ? '' : 'readLatencyMs must be >= 0',
    failRate >= 0 && failRate <= 1 ? '' : 'failRate must be between 0 and 1',
    failStatus === undefined || (isCount(failStatus, 400) && failStatus <= 599)
      ? ''
      : 'failStatus must be an integer 400..599',
    isCount(retryAfterS, 0) ? '' : 'retryAfterS must be an integer >= 0',
    rateLimit === undefined || (isCount(rateLimit.count, 1) && isCount(rateLimit.windowMs, 1))
      ? ''
      : 'rateLimit needs a positive integer count and windowMs',
    isFlavor(flavor) ? '' : `flavor must be ${FLAVORS.join(' or ')}`,
    mix === undefined ? '' : `outcomes: ${mix}`,
    isCount(seed, 0) && seed <= MAX_SEED ? '' : `seed must be an integer 0..${MAX_SEED}`,
    Number.isFinite(ringMs) && ringMs >= 0 ? '' : 'ringMs must be >= 0',
    Number.isFinite(talkMs) && talkMs >= 0 ? '' : 'talkMs must be >= 0',
    Number.isFinite(recordTtlMs) && recordTtlMs >= 0 ? '' : 'recordTtlMs must be >= 0',
    options.statusHook === undefined || statusHook !== undefined
      ? ''
      : 'statusHook must be an http URL on 127.0.0.1 or localhost',
    options.webhookSecret === '' ? 'webhookSecret must not be empty' : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new RangeError(`simulator: ${problems.join('; ')}`);
  return {
    host,
    port,
    accountSid,
    apiKey,
    latencyMs,
    readLatencyMs,
    failRate,
    failStatus,
    retryAfterS,
    rateLimit,
    logFile: options.logFile,
    keepHistory: options.keepHistory !== false,
    applicationSids:
      options.applicationSids === undefined ? undefined : new Set(options.applicationSids),
    flavor,
    random: options.random ?? Math.random,
    wait: options.wait ?? ((ms, signal) => sleep(ms, undefined, { signal })),
    onCreate: options.onCreate,
    clock: options.clock ?? realClock,
    outcomes,
    seed,
    ringMs,
    talkMs,
    recordTtlMs,
    statusHook,
    webhookSecret: options.webhookSecret,
    onStatus: options.onStatus,
  };
};
