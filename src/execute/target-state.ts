import type { GatewayClient } from './client.js';
import type { Runtime } from './context.js';
import { createRateLimiter, type RateLimiter } from './rate.js';
import type { ResolvedTarget } from './target.js';

/** What one run knows about one target: shared by every call sent to it. */
export interface TargetState {
  readonly target: ResolvedTarget;
  readonly client: GatewayClient;
  readonly limiter: RateLimiter | undefined;
  /** Set by a 429: nothing is sent before `untilMs`; `generation` grows with each new pause. */
  pause: { readonly untilMs: number; readonly generation: number } | undefined;
  /** Set by 401/403 or a pause too long to wait: why nothing more is sent (already redacted). */
  stopReason: string | undefined;
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
      createRateLimiter(rate, { now: rt.nowMs, sleep: (ms) => rt.sleep(ms) }))
    : undefined;
  if (limiter) rt.limiters?.set(shared, limiter);
  return { target, client, limiter, pause: undefined, stopReason: undefined };
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
    if (pause && pause.generation !== waited && pause.untilMs > rt.nowMs()) {
      waited = pause.generation;
      await rt.sleep(pause.untilMs - rt.nowMs());
      continue;
    }
    if (state.limiter && !(await state.limiter.acquire(rt.signal))) return 'aborted';
    const after = state.pause;
    if (after && after.generation !== waited && after.untilMs > rt.nowMs()) continue;
    if (rt.signal?.aborted) return 'aborted';
    return state.stopReason === undefined ? 'go' : 'stopped';
  }
}

/** Holds every request to the target until `nowMs + delayMs`; extends, never shortens. */
export function pauseTarget(state: TargetState, rt: Runtime, delayMs: number, reason: string) {
  const untilMs = rt.nowMs() + delayMs;
  if (state.pause && state.pause.untilMs >= untilMs) return;
  state.pause = { untilMs, generation: (state.pause?.generation ?? 0) + 1 };
  rt.emit({
    type: 'target:paused',
    target: state.target.name,
    untilMs,
    reason: rt.redact(reason),
  });
}

/** Ends sending to the target for the rest of the run (the first reason wins). */
export function stopTarget(state: TargetState, rt: Runtime, reason: string) {
  if (state.stopReason !== undefined) return;
  state.stopReason = rt.redact(reason);
  rt.emit({ type: 'target:stopped', target: state.target.name, reason: state.stopReason });
}
