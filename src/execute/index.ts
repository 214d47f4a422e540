export {
  ATTEMPT_HEADER,
  type AttemptResult,
  createGatewayClient,
  type GatewayClient,
} from './client.js';
export type { ExecuteContext, ExecuteEvent } from './context.js';
export type { Outcome, OutcomeStatus } from './outcome.js';
export {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelay,
  classifyAttempt,
  DEFAULT_MAX_ATTEMPTS,
  gatewayMessage,
  parseRetryAfter,
  retryDelay,
  type Verdict,
} from './policy.js';
export { createRateLimiter, type Rate, type RateLimiter } from './rate.js';
export { executeCalls, type RequestSource } from './run.js';
export type { CallRequest, ResolvedTarget } from './target.js';
