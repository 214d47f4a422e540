export {
  type Body,
  type CallResolution,
  type CallsResolution,
  localNumberRowsMessage,
  requestsFor,
  resolveCall,
  resolveCalls,
} from './call.js';
export { ENV_TARGET, ENV_TARGET_FILE, envTarget } from './env-target.js';
export {
  type Env,
  hasReference,
  type Interpolated,
  interpolate,
  interpolateString,
  isMalformed,
  type MalformedReference,
  type MissingReference,
  type Secret,
} from './interpolate.js';
export { secretsOf } from './secrets.js';
export { resolveState, type StateResolution } from './state.js';
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  resolveTarget,
  type TargetResolution,
} from './target.js';
