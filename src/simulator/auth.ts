import { createHash, timingSafeEqual } from 'node:crypto';

/** How passport-http-bearer judges the Authorization header. */
export type AuthResult = 'ok' | 'missing' | 'invalid' | 'malformed';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * `missing`: no header, another scheme, or an empty token (401 without error);
 * `invalid`: a Bearer token that is not the key (401, error="invalid_token");
 * `malformed`: a header that is not two space-separated parts (400 "Bad Request").
 */
export const checkBearer = (header: string | undefined, apiKey: string): AuthResult => {
  if (!header) return 'missing';
  const parts = header.split(' ');
  if (parts.length !== 2) return 'malformed';
  const [scheme, token] = parts;
  if (scheme === undefined || !/^Bearer$/i.test(scheme) || !token) return 'missing';
  return timingSafeEqual(digest(token), digest(apiKey)) ? 'ok' : 'invalid';
};
