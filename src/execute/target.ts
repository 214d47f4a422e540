/** A target with every `${VAR}` resolved: what the gateway client needs. Holds secrets. */
export interface ResolvedTarget {
  readonly name: string;
  /** No trailing slash, no /v1. */
  readonly baseUrl: string;
  readonly accountSid: string;
  /** Secret: never printed, logged or stored. */
  readonly apiKey: string;
  /** Requests in flight at most (default 4). */
  readonly concurrency: number;
  /** New calls per window at most, if limited. */
  readonly rate?: { readonly count: number; readonly perMs: number };
  /** Per-request timeout for headers and body (default 15 s). */
  readonly requestTimeoutMs: number;
  /** Longest 429 pause before the remaining calls end `failed` (default 5 min). */
  readonly maxPauseMs: number;
  /** True for the built-in simulator target. */
  readonly builtin?: boolean;
}

/** A resolved request for one placement: the body holds secrets once interpolated. */
export interface CallRequest {
  readonly key: string;
  readonly target: string;
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * Epoch ms from which no attempt may start: a scheduled slot's deadline. A call still
   * waiting then (rate, concurrency, a pause, a backoff) ends `failed`, never placed late.
   */
  readonly notAfterMs?: number;
}
