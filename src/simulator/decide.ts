import {
  type Answer,
  badRequest,
  forbidden,
  jsonAnswer,
  msgAnswer,
  noSuchRoute,
  textAnswer,
  tooManyRequests,
  unauthorized,
} from './answer.js';
import { checkBearer } from './auth.js';
import { type ParsedBody, parseJsonBody, type ReceivedBody } from './body.js';
import type { CallStore } from './calls.js';
import { faultAnswer, injectFault } from './faults.js';
import { featureServerRefusal } from './flavor.js';
import type { SimulatorSettings } from './options.js';
import type { RateDecision } from './rate-limit.js';
import { filterRecords, recentCalls } from './reads.js';
import { matchRoute, needsAuth, type Route } from './routes.js';
import { isUuid } from './uuid.js';
import { createCallProblem } from './validate-call.js';

export interface RequestFacts {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The simulator clock's time of the request (records expire by it). */
  readonly nowMs: number;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: ReceivedBody;
  /** Undefined when no rate limit is configured. */
  readonly rate: RateDecision | undefined;
}

/** The answer, or `accept`: the call passed every check and gets a 201 (after latency). */
export type Decision =
  | { readonly kind: 'answer'; readonly answer: Answer }
  | { readonly kind: 'accept'; readonly body: Readonly<Record<string, unknown>> };

const answer = (a: Answer): Decision => ({ kind: 'answer', answer: a });

/** Account checks shared by every /Accounts/{sid} route: 400 not a UUID, 403 not ours. */
const accountProblem = (accountSid: string, settings: SimulatorSettings): Answer | undefined => {
  if (!isUuid(accountSid)) return badRequest();
  return accountSid === settings.accountSid ? undefined : forbidden();
};

const applicationExists =
  (settings: SimulatorSettings) =>
  (sid: unknown): boolean =>
    settings.applicationSids === undefined
      ? isUuid(sid)
      : typeof sid === 'string' && settings.applicationSids.has(sid);

const decideCreate = (
  accountSid: string,
  parsed: unknown,
  settings: SimulatorSettings,
): Decision => {
  if (settings.failStatus !== undefined && injectFault(settings.failRate, settings.random)) {
    return answer(faultAnswer(settings.failStatus, settings.retryAfterS));
  }
  const account = accountProblem(accountSid, settings);
  if (account !== undefined) return answer(account);
  const problem = createCallProblem(parsed, applicationExists(settings));
  if (problem !== undefined) return answer(msgAnswer(400, problem));
  const body = typeof parsed === 'object' && parsed !== null ? parsed : {};
  const refused = featureServerRefusal(settings.flavor, body);
  if (refused !== undefined) return answer(refused);
  return { kind: 'accept', body: { ...body, account_sid: accountSid } };
};

const decideRoute = (
  route: Route,
  facts: RequestFacts,
  parsed: unknown,
  settings: SimulatorSettings,
  store: CallStore,
): Decision => {
  switch (route.kind) {
    case 'create':
      return decideCreate(route.accountSid, parsed, settings);
    case 'list':
      return answer(
        accountProblem(route.accountSid, settings) ??
          jsonAnswer(200, filterRecords(store.records(route.accountSid, facts.nowMs), facts.query)),
      );
    case 'get': {
      const problem = accountProblem(route.accountSid, settings);
      if (problem !== undefined) return answer(problem);
      if (!isUuid(route.callSid)) return answer(badRequest());
      const record = store.record(route.accountSid, route.callSid, facts.nowMs);
      return answer(record === undefined ? textAnswer(404, 'Not Found') : jsonAnswer(200, record));
    }
    case 'recent':
      return answer(
        accountProblem(route.accountSid, settings) ??
          recentCalls(store.cdrs(route.accountSid), facts.query),
      );
    case 'none':
      return answer(noSuchRoute(facts.method, facts.path));
  }
};

/**
 * What the gateway answers, in the order it checks: its rate limiter, its JSON body parser,
 * bearer authentication for /v1, then the route (for create-call: feature-server
 * availability — where faults are injected —, the path account, then the body).
 */
export const decide = (
  facts: RequestFacts,
  settings: SimulatorSettings,
  store: CallStore,
): Decision => {
  if (facts.rate?.limited === true) return answer(tooManyRequests(facts.rate.retryAfterS));
  const parsed: ParsedBody = parseJsonBody(facts.body, facts.contentType);
  if (!parsed.ok) return answer(msgAnswer(parsed.status, parsed.message));
  if (needsAuth(facts.path)) {
    const auth = checkBearer(facts.authorization, settings.apiKey);
    if (auth === 'malformed') return answer(textAnswer(400, 'Bad Request'));
    if (auth !== 'ok') return answer(unauthorized(auth === 'invalid'));
  }
  return decideRoute(matchRoute(facts.method, facts.path), facts, parsed.value, settings, store);
};
