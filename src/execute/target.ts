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
   * Epoch ms from which no attempt may start: a scheduled slot's deadline, or the close of
   * the window it fell due in when that comes first, or a campaign row's `end`. Checked
   * before each attempt and again once its intent is recorded, just before it leaves: a
   * call not sent by then is `missed` (after an attempt the gateway refused, `failed` with
   * that answer), never placed late.
   */
  readonly notAfterMs?: number;
  /** Why no attempt may start from `notAfterMs` on, when not the deadline of its slot. */
  readonly closedWhy?: string;
  /**
   * Epoch ms from which a campaign row's calling hours are closed: its request is then held
   * back (not sent, no entry, still due). The engine checks it as it records the intent.
   */
  readonly heldFromMs?: number;
  readonly heldWhy?: string;
}
