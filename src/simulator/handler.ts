import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonAnswer, send } from './answer.js';
import { bodyForLog, readBody } from './body.js';
import type { CallStore } from './calls.js';
import { decide } from './decide.js';
import type { CallLog } from './log.js';
import type { SimulatorSettings } from './options.js';
import { outcomeFor } from './outcomes.js';
import type { CallProgress } from './progress.js';
import type { RateLimiter } from './rate-limit.js';
import { matchRoute, pathOf, queryOf } from './routes.js';
import { newUuid } from './uuid.js';

export interface SimulatorState {
  readonly settings: SimulatorSettings;
  readonly limiter: RateLimiter | undefined;
  readonly log: CallLog;
  readonly store: CallStore;
  readonly progress: CallProgress;
  /** Aborted when the simulator closes: pending latency waits end without an answer. */
  readonly closing: AbortSignal;
}

/** Waits `ms` (each request on its own); false when the simulator closed meanwhile. */
const waitLatency = async (state: SimulatorState, ms: number): Promise<boolean> => {
  if (ms <= 0) return !state.closing.aborted;
  try {
    await state.settings.wait(ms, state.closing);
    return !state.closing.aborted;
  } catch {
    return false;
  }
};

export const handleRequest = async (
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> => {
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  const path = pathOf(req.url);
  const nowMs = state.settings.clock.now();
  const rate = state.limiter?.hit(nowMs);
  const facts = {
    method,
    path,
    query: queryOf(req.url),
    nowMs,
    authorization: req.headers.authorization,
    contentType: req.headers['content-type'],
    body,
    rate,
  };
  const decision = decide(facts, state.settings, state.store);
  const route = matchRoute(method, path);
  const extra = rate?.headers ?? {};
  if (route.kind === 'create') state.settings.onCreate?.(body.text);
  if (route.kind !== 'create') {
    if (decision.kind !== 'answer') return;
    // A read of calls answered late (`readLatencyMs`), whatever the answer: a slow gateway.
    const read = route.kind === 'list' || route.kind === 'get' || route.kind === 'recent';
    if (read && !(await waitLatency(state, state.settings.readLatencyMs))) {
      res.destroy();
      return;
    }
    send(res, decision.answer, extra);
    return;
  }
  const account_sid = route.accountSid;
  const logged = bodyForLog(body.text);
  if (decision.kind === 'answer') {
    const { status } = decision.answer;
    const at = new Date(state.settings.clock.now()).toISOString();
    state.log.append({ at, account_sid, status, body: logged });
    send(res, decision.answer, extra);
    return;
  }
  if (!(await waitLatency(state, state.settings.latencyMs))) {
    res.destroy();
    return;
  }
  const { settings } = state;
  const atMs = settings.clock.now();
  const ids = { sid: newUuid(), callId: newUuid() };
  // The k-th accepted call draws outcome k: counted here, with its log line, in one step.
  const call = state.store.accept({
    ...ids,
    sbcCallId: newUuid(),
    accountSid: account_sid,
    body: decision.body,
    atMs,
    outcome: outcomeFor(settings.seed, state.store.count() + 1, settings.outcomes),
  });
  state.log.append({
    at: new Date(atMs).toISOString(),
    account_sid,
    status: 201,
    ...ids,
    body: logged,
  });
  send(res, jsonAnswer(201, ids), extra);
  state.progress.start(call);
};
