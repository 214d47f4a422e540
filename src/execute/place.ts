import type { Runtime } from './context.js';
import {
  NOT_SENT_INTERRUPTED,
  NoLongerDue,
  type Outcome,
  type OutcomeStatus,
  StoppedBeforeSend,
} from './outcome.js';
import {
  classifyAttempt,
  retryDelay,
  reusedSidMessage,
  statusLabel,
  type Verdict,
} from './policy.js';
import type { CallRequest } from './target.js';
import {
  pauseTarget,
  stopTarget,
  type TargetState,
  targetAnswered,
  targetUnavailable,
  turnNow,
  waitForTurn,
} from './target-state.js';

interface Progress {
  attempts: number;
  started: boolean;
  /** The last answer that asked for a retry. */
  last: (Verdict & { kind: 'retry' }) | undefined;
}

/**
 * Places one call: waits its turn, records the intent, sends, and retries only what the
 * gateway certainly did not place. Resolves to no outcome when the run was aborted before
 * the call's first intent was recorded (the call stays due); aborted later, before a request
 * left (a retry's included), to `interrupted before the request was sent`, which the engine
 * treats alike. Never rejects.
 */
export async function placeCall(
  request: CallRequest,
  state: TargetState,
  rt: Runtime,
): Promise<Outcome | undefined> {
  const progress: Progress = { attempts: 0, started: false, last: undefined };
  const end = (status: OutcomeStatus, message: string, extra: Partial<Outcome> = {}): Outcome => ({
    key: request.key,
    status,
    at: rt.nowIso(),
    attempts: progress.attempts,
    ...extra,
    message: rt.redact(message),
  });

  // Already over before its turn: not kept waiting on the rate or a pause.
  if (!rt.signal?.aborted) {
    const over = closed(request, progress, rt, end);
    if (over) return over;
  }
  for (;;) {
    const turn = turnNow(state, rt) ?? (await waitForTurn(state, rt));
    const pauseSeen = state.pause?.generation;
    if (turn === 'aborted') {
      if (!progress.started) return undefined;
      // Every earlier attempt was one the gateway certainly did not place (a retry is asked
      // for no other answer: 429, 480, a 503 with Retry-After, a request never written), and
      // the next one never left: nothing happened at the gateway, so the call is not sent
      // and stays due.
      return end('failed', NOT_SENT_INTERRUPTED);
    }
    if (turn === 'stopped') {
      return end('failed', `${progress.started ? 'not retried' : 'not sent'}: ${state.stopReason}`);
    }
    const late = closed(request, progress, rt, end);
    if (late) return late;
    if (!progress.started) {
      progress.started = true;
      rt.emit({ type: 'call:start', key: request.key, target: state.target.name });
    }
    try {
      await rt.beforeSend(request);
    } catch (error) {
      if (error instanceof NoLongerDue) return end('missed', error.message);
      if (error instanceof StoppedBeforeSend) return end('failed', NOT_SENT_INTERRUPTED);
      const why = error instanceof Error ? error.message : String(error);
      return end('failed', `not sent: the intent could not be recorded: ${why}`);
    }
    if (rt.signal?.aborted) return end('failed', NOT_SENT_INTERRUPTED);
    // A 401/403 or a 429 may have come in while the intent was being written.
    if (state.stopReason !== undefined) {
      return end(
        'failed',
        `${progress.attempts > 0 ? 'not retried' : 'not sent'}: ${state.stopReason}`,
      );
    }
    const pause = state.pause;
    if (pause && pause.generation !== pauseSeen && pause.untilMs > rt.elapsedMs()) continue;

    // Checked again once the intent is recorded, just before the request leaves: the claim
    // may have taken time (a missed call's claim is given up).
    const closedMeanwhile = closed(request, progress, rt, end);
    if (closedMeanwhile) return closedMeanwhile;
    progress.attempts += 1;
    const sentGeneration = state.pause?.generation ?? 0;
    const result = await state.client.post(request, rt.signal);
    if (result.kind === 'error' && rt.signal?.aborted) {
      return result.sent
        ? end('unknown', 'interrupted after the request was sent — the call may have been placed')
        : end('failed', NOT_SENT_INTERRUPTED);
    }
    const verdict = classifyAttempt(result, {
      target: state.target.name,
      nowMs: rt.nowMs(),
      redact: rt.redact,
    });
    if (result.kind === 'response' && result.status !== 480) targetAnswered(state);
    // An answer read on a connection after one that was out of step may be another
    // request's, whatever it says (a 201, or a 503 that would send the call again).
    const answer = result.kind === 'response' ? result : undefined;
    if (answer?.turn !== undefined && !(await answer.turn.earlier)) {
      answer.turn.judge(false);
      return end('unknown', shiftedMessage(answer.status), withStatus(answer.status));
    }
    // One call has one sid: a sid another key has is not this call's, nor is its answer.
    const holder =
      verdict.kind === 'placed' ? await rt.sidHolder?.(request.key, verdict.sid) : undefined;
    answer?.turn?.judge(holder === undefined);
    switch (verdict.kind) {
      case 'placed': {
        if (holder !== undefined) {
          return end('unknown', reusedSidMessage(verdict, holder), withStatus(verdict.httpStatus));
        }
        // One literal, callId undefined when the gateway sent none (left out of every line
        // and file an outcome is written to): a spread of it would cost an object a call.
        return {
          key: request.key,
          status: 'placed',
          at: rt.nowIso(),
          attempts: progress.attempts,
          httpStatus: verdict.httpStatus,
          sid: verdict.sid,
          callId: verdict.callId,
        };
      }
      case 'unknown':
        return end('unknown', verdict.message, withStatus(verdict.httpStatus));
      case 'failed':
        if (verdict.signal === 'stop-target') {
          stopTarget(state, rt, verdict.stopReason ?? verdict.message);
        }
        return end('failed', verdict.message, withStatus(verdict.httpStatus));
      case 'retry': {
        if (verdict.signal === 'unavailable') {
          // Not bound by the attempt count: the target's max_pause bounds the outage.
          const next = targetUnavailable(
            state,
            rt,
            verdict.reason,
            sentGeneration,
            verdict.retryAfterMs,
          );
          if ('stopped' in next) {
            return end('failed', `not retried: ${next.stopped}`, withStatus(verdict.httpStatus));
          }
          rt.emit({
            type: 'call:retry',
            key: request.key,
            attempt: progress.attempts + 1,
            delayMs: next.delayMs,
            reason: rt.redact(verdict.reason),
          });
          progress.last = verdict;
          break;
        }
        const outcome = await scheduleRetry(request, verdict, state, rt, progress);
        if (outcome) return end('failed', outcome, withStatus(verdict.httpStatus));
        progress.last = verdict;
      }
    }
  }
}

/**
 * The outcome of a call whose `notAfterMs` has come (its slot's deadline, the close of its
 * window, its campaign's end), or undefined while it may still leave. Never sent: missed,
 * as if callops had not been running. After an attempt the gateway refused (a retry was
 * due), it is that refusal that stands: failed.
 */
function closed(
  request: CallRequest,
  progress: Progress,
  rt: Runtime,
  end: (status: OutcomeStatus, message: string, extra?: Partial<Outcome>) => Outcome,
): Outcome | undefined {
  const { notAfterMs } = request;
  if (notAfterMs === undefined || rt.nowMs() < notAfterMs) return undefined;
  const why = request.closedWhy ?? 'the deadline of its slot passed';
  if (progress.attempts === 0) return end('missed', `not sent: ${why} — never placed late`);
  return end(
    'failed',
    `not retried: ${why} — never placed late; last answer: ${progress.last?.reason ?? 'none'}`,
    withStatus(progress.last?.httpStatus),
  );
}

/**
 * Arranges the wait before the next attempt, or says why there is none. A Retry-After longer
 * than the target's `max_pause` is the gateway asking for more than the target allows: the
 * call fails, and a 429 stops the target. callops's own backoff (no Retry-After, or one that
 * is not a delay) is never longer than `max_pause`: it is cut to it, and stops nothing.
 */
async function scheduleRetry(
  request: CallRequest,
  verdict: Verdict & { kind: 'retry' },
  state: TargetState,
  rt: Runtime,
  progress: Progress,
): Promise<string | undefined> {
  const { target } = state;
  const asked = verdict.retryAfterMs;
  if (asked !== undefined && asked > target.maxPauseMs) {
    const wait = `the gateway asked to wait ${shownMs(asked)} (Retry-After), longer than the ${shownMs(target.maxPauseMs)} target \`${target.name}\` allows (max_pause)`;
    if (verdict.signal === 'pause-target') {
      stopTarget(state, rt, `${wait} (${verdict.reason})`);
    }
    return `${wait}: ${verdict.reason}`;
  }
  const delayMs = Math.min(
    retryDelay(verdict, progress.attempts, { random: rt.random }),
    target.maxPauseMs,
  );
  if (verdict.signal === 'pause-target') pauseTarget(state, rt, delayMs, verdict.reason);
  if (progress.attempts >= rt.maxAttempts) {
    return `gave up after ${progress.attempts} attempts: ${verdict.reason}`;
  }
  rt.emit({
    type: 'call:retry',
    key: request.key,
    attempt: progress.attempts + 1,
    delayMs,
    reason: rt.redact(verdict.reason),
  });
  // A target pause is waited out in waitForTurn, by every call alike.
  if (verdict.signal !== 'pause-target') await rt.sleep(delayMs);
  return undefined;
}

/** An answer read on its connection after one that was not its request's. */
const shiftedMessage = (status: number): string =>
  `the gateway answered ${statusLabel(status)} on a connection an earlier answer showed out of step: this answer may be another request's — the call may have been placed`;

function withStatus(httpStatus: number | undefined): Partial<Outcome> {
  return httpStatus === undefined ? {} : { httpStatus };
}

/** `250 ms`, `1 s`, `1.5 s`: as exact as the value, never rounded to look longer or shorter. */
function shownMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms) / 1000} s`;
}
