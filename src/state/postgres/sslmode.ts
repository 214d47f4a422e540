/**
 * `sslmode` of a PostgreSQL URL, read as libpq reads it (as far as the pg client can go):
 * `require` encrypts without checking the server's certificate, `verify-ca` checks it
 * against `sslrootcert`, `verify-full` checks it and the host name. Pure: no client here, so
 * that validation can check a url without loading one.
 */

/** What the connection is, per sslmode; `no-verify` is the pg client's own name for require. */
export const SSL_MODES = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
  'no-verify',
] as const;

export type SslMode = (typeof SSL_MODES)[number];

const isSslMode = (mode: string): mode is SslMode =>
  (SSL_MODES as readonly string[]).includes(mode);

/**
 * The url's sslmode (undefined when it names none), or the problem with its TLS parameters,
 * in words that never quote the url: an unknown mode, verify-ca without the CA to verify
 * against, or a `uselibpqcompat` other than true (libpq semantics are always on).
 */
export const sslModeOf = (
  params: URLSearchParams,
): { readonly mode?: SslMode } | { readonly problem: string } => {
  const compat = params.get('uselibpqcompat');
  if (compat !== null && compat !== 'true') {
    return {
      problem:
        'has uselibpqcompat other than true: callops always reads sslmode as libpq does; remove uselibpqcompat',
    };
  }
  const mode = params.get('sslmode');
  if (mode === null) return {};
  if (!isSslMode(mode)) {
    return { problem: `has an unknown sslmode: use one of ${SSL_MODES.slice(0, 6).join(', ')}` };
  }
  if (mode === 'verify-ca' && !params.get('sslrootcert')) {
    return {
      problem:
        'has sslmode=verify-ca without sslrootcert=FILE, the CA certificate to verify the server against (verify-full checks against the CAs built into Node)',
    };
  }
  return { mode };
};
