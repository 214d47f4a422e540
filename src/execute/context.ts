import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayClient } from './client.js';
import { isoClock } from './clock.js';
import type { Outcome } from './outcome.js';
import { DEFAULT_MAX_ATTEMPTS } from './policy.js';
import type { RateLimiter } from './rate.js';
import type { CallRequest, ResolvedTarget } from './target.js';

/** What the executor reports while it runs; reporters subscribe, the engine never knows which. */
export type ExecuteEvent =
  /** The first attempt of a call is about to go (its intent is being recorded). */
  | { readonly type: 'call:start'; readonly key: string; readonly target: string }
  /** `attempt` is the number of the attempt that follows the delay (2, 3, …). */
  | {
      readonly type: 'call:retry';
      readonly key: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly reason: string;
    }
  | { readonly type: 'call:done'; readonly outcome: Outcome }
  /** Nothing more is sent to the target until `untilMs` (epoch ms). */
  | {
      readonly type: 'target:paused';
      readonly target: string;
      readonly untilMs: number;
      readonly reason: string;
    }
  /** Nothing more is sent to the target in this run. */
  | { readonly type: 'target:stopped'; readonly target: string; readonly reason: string };

export interface ExecuteContext {
  readonly clients: ReadonlyMap<string, GatewayClient>;
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  /**
   * Records the durable intent; awaited before every attempt that could reach the gateway.
   * Throws NoLongerDue for a call that may no longer leave (it ends `missed`), and
   * StoppedBeforeSend for one the run stopped for (not sent, as a stop leaves it).
   */
  readonly beforeSend: (request: CallRequest) => Promise<void>;
  readonly onEvent?: (event: ExecuteEvent) => void;
  readonly signal?: AbortSignal;
  /** Applied to every message that goes into an Outcome or an event. */
  readonly redact: (text: string) => string;
  /** Attempts per call in all (default 4). */
  readonly maxAttempts?: number;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Resolves after `ms`; may reject when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => Date;
  /**
   * Ms on a clock that only goes forward (Runtime.elapsedMs): performance.now, or `now`'s ms
   * when `now` is given and this is not.
   */
  readonly elapsed?: () => number;
  /**
   * Rate limiters by target, kept across runs: runs back to back (the scheduler's batches)
   * then share one rate instead of each starting with a free burst. Filled as needed; a
   * limiter keeps the clock (`now`, `sleep`, signal) of the run that created it.
   */
  readonly limiters?: Map<string, RateLimiter>;
  /**
   * Which outcomes executeCalls returns (default all): a caller that folds them from the
   * `call:done` events keeps only those it must list, not one object per call of the run.
   */
  readonly keep?: (outcome: Outcome) => boolean;
  /**
   * The key the state already records a 201's sid for, when another than the call's: the
   * answer is then not trusted (the call is `unknown`). Undefined: the sid is the call's.
   */
  readonly sidHolder?: (key: string, sid: string) => Promise<string | undefined>;
}

/** The context with its defaults filled in and its callbacks made safe to call. */
export interface Runtime {
  readonly beforeSend: (request: CallRequest) => Promise<void>;
  readonly emit: (event: ExecuteEvent) => void;
  readonly signal: AbortSignal | undefined;
  readonly redact: (text: string) => string;
  readonly maxAttempts: number;
  readonly random: () => number;
  /** Never rejects; returns early when the run is aborted. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Epoch ms. */
  readonly nowMs: () => number;
  /**
   * Ms on a clock that only goes forward (performance.now, unless the context gives a clock):
   * what paces requests and times pauses, so that a wall clock stepped back (NTP, a VM
   * restored) neither stalls sending for the length of the step nor shortens a wait.
   */
  readonly elapsedMs: () => number;
  readonly nowIso: () => string;
  readonly limiters: Map<string, RateLimiter> | undefined;
  /** Never rejects: a holder that cannot be told is none (the sid is recorded). */
  readonly sidHolder: ((key: string, sid: string) => Promise<string | undefined>) | undefined;
}

export function createRuntime(ctx: ExecuteContext): Runtime {
  const now = ctx.now ?? (() => new Date());
  const sleep =
    ctx.sleep ??
    ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined));
  const { onEvent, signal } = ctx;
  return {
    beforeSend: ctx.beforeSend,
    emit: (event) => {
      try {
        onEvent?.(event);
      } catch {
        // A failing subscriber must not cost a call its outcome.
      }
    },
    signal,
    redact: ctx.redact,
    maxAttempts: Math.max(1, Math.floor(ctx.maxAttempts ?? DEFAULT_MAX_ATTEMPTS)),
    random: ctx.random ?? Math.random,
    sleep: async (ms) => {
      if (signal?.aborted) return;
      try {
        await sleep(Math.max(0, ms), signal);
      } catch {
        // Aborted: the caller looks at the signal.
      }
    },
    // Without a clock of its own, no Date per reading.
    nowMs: ctx.now === undefined ? Date.now : () => now().getTime(),
    elapsedMs:
      ctx.elapsed ?? (ctx.now === undefined ? () => performance.now() : () => now().getTime()),
    nowIso: ctx.now === undefined ? isoClock() : () => now().toISOString(),
    limiters: ctx.limiters,
    sidHolder: sidHolderOf(ctx),
  };
}

const sidHolderOf = (ctx: ExecuteContext): Runtime['sidHolder'] => {
  const { sidHolder } = ctx;
  return sidHolder === undefined
    ? undefined
    : (key, sid) => sidHolder(key, sid).catch(() => undefined);
};
