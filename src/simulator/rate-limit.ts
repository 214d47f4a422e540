import type { RateLimit } from './options.js';

export interface RateDecision {
  readonly limited: boolean;
  /** Seconds until the window frees (Retry-After of a 429). */
  readonly retryAfterS: number;
  /** The draft-6 `RateLimit-*` headers the gateway sends on every answer. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RateLimiter {
  /** Counts one request at `nowMs` (every request counts, refused ones too). */
  hit(nowMs: number): RateDecision;
}

/**
 * A fixed window over the whole server, started by the first request after the previous
 * window ended — the gateway's express-rate-limit memory store, with one client.
 */
export const createRateLimiter = ({ count, windowMs }: RateLimit): RateLimiter => {
  let windowEnd = 0;
  let hits = 0;
  return {
    hit(nowMs) {
      if (nowMs >= windowEnd) {
        windowEnd = nowMs + windowMs;
        hits = 0;
      }
      hits += 1;
      const resetS = Math.max(0, Math.ceil((windowEnd - nowMs) / 1000));
      return {
        limited: hits > count,
        retryAfterS: resetS,
        headers: {
          'ratelimit-policy': `${count};w=${Math.ceil(windowMs / 1000)}`,
          'ratelimit-limit': String(count),
          'ratelimit-remaining': String(Math.max(0, count - hits)),
          'ratelimit-reset': String(resetS),
        },
      };
    },
  };
};
