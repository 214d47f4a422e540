import type { ServerResponse } from 'node:http';

/** One HTTP answer, as data: built by pure functions, written by `send`. */
export interface Answer {
  readonly status: number;
  /** Reason phrase when Node's own would differ from the gateway's (480 → "unknown"). */
  readonly reason?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

/** `res.status(n).json(value)` of the gateway's express app. */
export const jsonAnswer = (status: number, value: unknown): Answer => ({
  status,
  headers: { 'content-type': JSON_TYPE },
  body: JSON.stringify(value),
});

/** The gateway's error shape: `{"msg": "..."}`. */
export const msgAnswer = (status: number, msg: string): Answer => jsonAnswer(status, { msg });

export const textAnswer = (status: number, body: string): Answer => ({
  status,
  headers: { 'content-type': TEXT_TYPE },
  body,
});

export const htmlAnswer = (status: number, body: string): Answer => ({
  status,
  headers: { 'content-type': HTML_TYPE },
  body,
});

export const withHeaders = (answer: Answer, headers: Record<string, string>): Answer => ({
  ...answer,
  headers: { ...answer.headers, ...headers },
});

/** The rate limiter's answer (express-rate-limit's default message, sent as HTML). */
export const tooManyRequests = (retryAfterS: number): Answer =>
  withHeaders(htmlAnswer(429, 'Too many requests, please try again later.'), {
    'retry-after': String(retryAfterS),
  });

/**
 * passport-http-bearer's challenge: realm "Users", `invalid_token` for a wrong token. Passport
 * ends the response with the bare text, so there is no Content-Type header at all.
 */
export const unauthorized = (wrongToken: boolean): Answer => ({
  status: 401,
  headers: {
    'www-authenticate': wrongToken
      ? 'Bearer realm="Users", error="invalid_token"'
      : 'Bearer realm="Users"',
  },
  body: 'Unauthorized',
});

export const noFeatureServer = (): Answer => ({
  ...msgAnswer(480, 'no available feature servers at this time'),
  reason: 'unknown',
});

export const badRequest = (): Answer => msgAnswer(400, 'Bad request');
export const forbidden = (): Answer => msgAnswer(403, 'insufficient permissions');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Express' answer for a route it does not have. */
export const noSuchRoute = (method: string, path: string): Answer =>
  htmlAnswer(
    404,
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n' +
      `</head>\n<body>\n<pre>Cannot ${escapeHtml(method)} ${escapeHtml(path)}</pre>\n</body>\n</html>\n`,
  );

export const send = (res: ServerResponse, answer: Answer, extra: Record<string, string>): void => {
  if (res.destroyed || res.headersSent) return;
  const body = Buffer.from(answer.body, 'utf8');
  res.statusCode = answer.status;
  if (answer.reason !== undefined) res.statusMessage = answer.reason;
  for (const [name, value] of Object.entries({ ...extra, ...answer.headers })) {
    res.setHeader(name, value);
  }
  res.setHeader('content-length', body.length);
  res.end(body);
};
