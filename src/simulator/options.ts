import { setTimeout as sleep } from 'node:timers/promises';
import { realClock, type SimulatorClock } from './clock.js';
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
  /** The applications that exist; when absent any UUID-shaped application_sid exists. */
  readonly applicationSids?: readonly string[];
  /** Source of randomness for fault injection, [0, 1) (default Math.random). */
  readonly random?: () => number;
  /**
   * How a create-call request waits its latency: resolves after `ms`, rejects once `signal`
   * aborts (default: a timer per request). Lets a test hold and release requests itself.
   */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Test hook: called synchronously with the body text of each create-call request as soon
   * as it has been read, before it is answered, so a test sees the moment it arrived.
   */
  readonly onCreate?: (body: string) => void;
  /** The simulator's time (rate-limit windows, call progress, record expiry); default real. */
  readonly clock?: SimulatorClock;
}

/** Options with every default filled in. */
export interface SimulatorSettings {
  readonly host: string;
  readonly port: number;
  readonly accountSid: string;
  readonly apiKey: string;
  readonly latencyMs: number;
  readonly failRate: number;
  readonly failStatus: number | undefined;
  readonly retryAfterS: number;
  readonly rateLimit: RateLimit | undefined;
  readonly logFile: string | undefined;
  readonly applicationSids: ReadonlySet<string> | undefined;
  readonly random: () => number;
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly onCreate: ((body: string) => void) | undefined;
  readonly clock: SimulatorClock;
}

const isCount = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;

/** Fills in defaults; a programming error (impossible value) throws a RangeError. */
export const settingsFrom = (options: SimulatorOptions): SimulatorSettings => {
  const {
    host = '127.0.0.1',
    port = 0,
    accountSid = DEFAULT_ACCOUNT_SID,
    apiKey = DEFAULT_API_KEY,
    latencyMs = 0,
    failStatus,
    retryAfterS = 1,
    rateLimit,
  } = options;
  const failRate = options.failRate ?? (failStatus === undefined ? 0 : 1);
  const problems = [
    !isCount(port, 0) || port > 65535 ? 'port must be an integer 0..65535' : '',
    isUuid(accountSid) ? '' : 'accountSid must be a UUID',
    apiKey === '' || /\s/.test(apiKey) ? 'apiKey must be a non-empty string without spaces' : '',
    Number.isFinite(latencyMs) && latencyMs >= 0 ? '' : 'latencyMs must be >= 0',
    failRate >= 0 && failRate <= 1 ? '' : 'failRate must be between 0 and 1',
    failStatus === undefined || (isCount(failStatus, 400) && failStatus <= 599)
      ? ''
      : 'failStatus must be an integer 400..599',
    isCount(retryAfterS, 0) ? '' : 'retryAfterS must be an integer >= 0',
    rateLimit === undefined || (isCount(rateLimit.count, 1) && isCount(rateLimit.windowMs, 1))
      ? ''
      : 'rateLimit needs a positive integer count and windowMs',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new RangeError(`simulator: ${problems.join('; ')}`);
  return {
    host,
    port,
    accountSid,
    apiKey,
    latencyMs,
    failRate,
    failStatus,
    retryAfterS,
    rateLimit,
    logFile: options.logFile,
    applicationSids:
      options.applicationSids === undefined ? undefined : new Set(options.applicationSids),
    random: options.random ?? Math.random,
    wait: options.wait ?? ((ms, signal) => sleep(ms, undefined, { signal })),
    onCreate: options.onCreate,
    clock: options.clock ?? realClock,
  };
};
