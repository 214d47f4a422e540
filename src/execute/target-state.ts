import type { GatewayClient } from './client.js';
import type { Runtime } from './context.js';
import { nextOutageStep, type Outage } from './policy.js';
import { createRateLimiter, type RateLimiter } from './rate.js';
import type { ResolvedTarget } from './target.js';

/** What one run knows about one target: shared by every call sent to it. */
export interface TargetState {
  readonly target: ResolvedTarget;
  readonly client: GatewayClient;
  readonly limiter: RateLimiter | undefined;
  /**
   * Set by a 429: nothing is sent before `untilMs` (Runtime.elapsedMs); `generation` grows with
   * each new pause.
   */
  pause: { readonly untilMs: number; readonly generation: number } | undefined;
  /** Set by 401/403 or a pause too long to wait: why nothing more is sent (already redacted). */
  stopReason: string | undefined;
  /** The 480 answers since the target last answered anything else. */
  outage: Outage | undefined;
}

export type Turn = 'go' | 'stopped' | 'aborted';

export function createTargetState(
  target: ResolvedTarget,
  client: GatewayClient,
  rt: Runtime,
): TargetState {
  const { rate } = target;
  const shared = rate ? `${target.name} ${rate.count}/${rate.perMs}` : '';
  const limiter = rate
    ? (rt.limiters?.get(shared) ??
      createRateLimiter(rate, { now: rt.elapsedMs, sleep: (ms) => rt.sleep(ms) }))
    : undefined;
  if (limiter) rt.limiters?.set(shared, limiter);
  return { target, client, limiter, pause: undefined, stopReason: undefined, outage: undefined };
}

/**
 * The turn, when nothing could make it wait (no pause, no rate limit): taken at once, without
 * the promise of waitForTurn. Undefined when waitForTurn must decide.
 */
export function turnNow(state: TargetState, rt: Runtime): Turn | undefined {
  if (state.pause !== undefined || state.limiter !== undefined) return undefined;
  if (rt.signal?.aborted) return 'aborted';
  return state.stopReason === undefined ? 'go' : 'stopped';
}

/**
 * Waits until the target may take one more request: no pause running, a rate slot free.
 * Each pause is waited out once (so a fake clock cannot spin this loop).
 */
export async function waitForTurn(state: TargetState, rt: Runtime): Promise<Turn> {
  let waited = -1;
  for (;;) {
    if (rt.signal?.aborted) return 'aborted';
    if (state.stopReason !== undefined) return 'stopped';
    const pause = state.pause;
    if (pause && pause.generation !== waited && pause.untilMs > rt.elapsedMs()) {
      waited = pause.generation;
      await rt.sleep(pause.untilMs - rt.elapsedMs());
      continue;
    }
    if (state.limiter && !(await state.limiter.acquire(rt.signal))) return 'aborted';
    const after = state.pause;
    if (after && after.generation !== waited && after.untilMs > rt.elapsedMs()) continue;
    if (rt.signal?.aborted) return 'aborted';
    return state.stopReason === undefined ? 'go' : 'stopped';
  }
}

/**
 * Holds every request to the target for `delayMs` from now (on the clock that only goes
 * forward); extends, never shortens.
 */
export function pauseTarget(state: TargetState, rt: Runtime, delayMs: number, reason: string) {
  const untilMs = rt.elapsedMs() + delayMs;
  if (state.pause && state.pause.untilMs >= untilMs) return;
  state.pause = { untilMs, generation: (state.pause?.generation ?? 0) + 1 };
  rt.emit({
    type: 'target:paused',
    target: state.target.name,
    untilMs: rt.nowMs() + delayMs,
    reason: rt.redact(reason),
  });
}

/** Ends sending to the target for the rest of the run (the first reason wins). */
export function stopTarget(state: TargetState, rt: Runtime, reason: string) {
  if (state.stopReason !== undefined) return;
  state.stopReason = rt.redact(reason);
  rt.emit({ type: 'target:stopped', target: state.target.name, reason: state.stopReason });
}

/**
 * A 480 (no feature server) came back for a request sent while pause `sentGeneration` was
 * the latest: the whole target pauses, longer with each round of the outage, and stops once
 * the outage would outlast `max_pause`. Answers to requests sent before the latest pause
 * began add no round (they belong to the round already paused for). Returns why the
 * target stopped, or how long it pauses from now.
 */
export function targetUnavailable(
  state: TargetState,
  rt: Runtime,
  reason: string,
  sentGeneration: number,
  retryAfterMs?: number,
): { readonly stopped: string } | { readonly delayMs: number } {
  if (state.stopReason !== undefined) return { stopped: state.stopReason };
  if ((state.pause?.generation ?? 0) !== sentGeneration) {
    return { delayMs: Math.max(0, (state.pause?.untilMs ?? 0) - rt.elapsedMs()) };
  }
  const { target } = state;
  const step = nextOutageStep(state.outage, rt.elapsedMs(), target.maxPauseMs, {
    random: rt.random,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
  if (step.kind === 'stop') {
    stopTarget(
      state,
      rt,
      `target \`${target.name}\` has had no feature server for ${seconds(step.waitedMs)}; waiting ${seconds(step.delayMs)} more would pass its max_pause of ${seconds(target.maxPauseMs)} (${reason})`,
    );
    return { stopped: state.stopReason ?? reason };
  }
  state.outage = step.outage;
  pauseTarget(state, rt, step.delayMs, reason);
  return { delayMs: step.delayMs };
}

/** Any answer but a 480 ends the outage: the next one starts from a short pause again. */
export function targetAnswered(state: TargetState) {
  state.outage = undefined;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
