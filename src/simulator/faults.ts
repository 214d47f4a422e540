import { STATUS_CODES } from 'node:http';
import {
  type Answer,
  badRequest,
  forbidden,
  htmlAnswer,
  msgAnswer,
  noFeatureServer,
  textAnswer,
  tooManyRequests,
  unauthorized,
  withHeaders,
} from './answer.js';

/** Whether this request gets the injected fault: one draw per create-call request. */
export const injectFault = (failRate: number, random: () => number): boolean =>
  failRate > 0 && random() < failRate;

// A proxy in front of the gateway (nginx, a load balancer) answers 502/503/504 with an
// HTML page: the simulator uses that shape, the third body shape clients must read.
const proxyPage = (status: number): Answer => {
  const title = `${status} ${STATUS_CODES[status] ?? 'unknown'}`;
  return htmlAnswer(
    status,
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  );
};

/** What a real gateway answers with this status, the way it would answer it. */
export const faultAnswer = (status: number, retryAfterS: number): Answer => {
  switch (status) {
    case 400:
      return badRequest();
    case 401:
      return unauthorized(true);
    case 403:
      return forbidden();
    case 429:
      return tooManyRequests(retryAfterS);
    case 480:
      return noFeatureServer();
    case 500:
      // The feature server answered something other than 201: express' sendStatus(500).
      return textAnswer(500, 'Internal Server Error');
    case 503:
      return withHeaders(proxyPage(503), { 'retry-after': String(retryAfterS) });
    case 502:
    case 504:
      return proxyPage(status);
    default: {
      const phrase = STATUS_CODES[status];
      const answer =
        status < 500
          ? msgAnswer(status, phrase ?? 'unknown')
          : textAnswer(status, phrase ?? String(status));
      return phrase === undefined ? { ...answer, reason: 'unknown' } : answer;
    }
  }
};
