/** The gateway routes the simulator serves; express matches them case-insensitively. */
export type Route =
  | { readonly kind: 'create'; readonly accountSid: string }
  | { readonly kind: 'list'; readonly accountSid: string }
  | { readonly kind: 'get'; readonly accountSid: string; readonly callSid: string }
  | { readonly kind: 'recent'; readonly accountSid: string }
  | { readonly kind: 'none' };

const CALLS = /^\/v1\/Accounts\/([^/]+)\/Calls\/?$/i;
const ONE_CALL = /^\/v1\/Accounts\/([^/]+)\/Calls\/([^/]+)\/?$/i;
const RECENT = /^\/v1\/Accounts\/([^/]+)\/RecentCalls\/?$/i;

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** The path without its query string. */
export const pathOf = (url: string | undefined): string => (url ?? '/').split('?')[0] ?? '/';

/** The query string's parameters. */
export const queryOf = (url: string | undefined): URLSearchParams => {
  const index = (url ?? '').indexOf('?');
  return new URLSearchParams(index === -1 ? '' : (url ?? '').slice(index + 1));
};

/** Everything under /v1 needs the bearer token (before the route is even looked at). */
export const needsAuth = (path: string): boolean => /^\/v1(?:\/|$)/i.test(path);

export const matchRoute = (method: string, path: string): Route => {
  const calls = CALLS.exec(path);
  if (calls?.[1] !== undefined) {
    if (method === 'POST') return { kind: 'create', accountSid: decode(calls[1]) };
    if (method === 'GET') return { kind: 'list', accountSid: decode(calls[1]) };
  }
  const one = ONE_CALL.exec(path);
  if (method === 'GET' && one?.[1] !== undefined && one[2] !== undefined) {
    return { kind: 'get', accountSid: decode(one[1]), callSid: decode(one[2]) };
  }
  const recent = RECENT.exec(path);
  if (method === 'GET' && recent?.[1] !== undefined) {
    return { kind: 'recent', accountSid: decode(recent[1]) };
  }
  return { kind: 'none' };
};
