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

/** The variable libpq (and callops) take the sslmode from when the url names none. */
export const PGSSLMODE = 'PGSSLMODE';

/** The modes libpq documents, as a message lists them (pg's `no-verify` is left out). */
const KNOWN = SSL_MODES.slice(0, 6).join(', ');

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
    return { problem: `has an unknown sslmode: use one of ${KNOWN}` };
  }
  if (mode === 'verify-ca' && !params.get('sslrootcert')) {
    return {
      problem:
        'has sslmode=verify-ca without sslrootcert=FILE, the CA certificate to verify the server against (verify-full checks against the CAs built into Node)',
    };
  }
  return { mode };
};

/**
 * The sslmode PGSSLMODE gives (`value`, read from the environment), or the problem with it in
 * a message naming the variable and never quoting it. As in libpq the url's own sslmode wins,
 * and so does pg's `ssl=` of the url: the variable is then not read at all. Unset or empty,
 * it gives none. Its modes mean what they mean in the url, with the same checks.
 */
export const envSslModeOf = (
  params: URLSearchParams,
  value: string | undefined,
): { readonly mode?: SslMode } | { readonly problem: string } => {
  if (value === undefined || value === '' || params.has('sslmode') || params.has('ssl')) {
    return {};
  }
  if (!isSslMode(value)) {
    return { problem: `${PGSSLMODE} is not an sslmode: use one of ${KNOWN}, or unset it` };
  }
  if (value === 'verify-ca' && !params.get('sslrootcert')) {
    return {
      problem: `${PGSSLMODE}=verify-ca needs sslrootcert=FILE in the state url, the CA certificate to verify the server against (PGSSLROOTCERT is not read; verify-full checks against the CAs built into Node)`,
    };
  }
  return { mode: value };
};

/** libpq's variables for the TLS files, and the url parameter each stands for. */
const FILE_VARIABLES = [
  ['PGSSLROOTCERT', 'sslrootcert'],
  ['PGSSLCERT', 'sslcert'],
  ['PGSSLKEY', 'sslkey'],
] as const;

/**
 * The TLS file variables libpq would read and callops does not, on a connection that may use
 * TLS (any mode but disable; none given counts, as it may be pg's `ssl=`): a problem, since
 * libpq would verify with PGSSLROOTCERT what callops would then leave unchecked. A url that
 * names the file itself wins, as in libpq.
 */
export const unreadTlsVariables = (
  params: URLSearchParams,
  mode: SslMode | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] => {
  if (mode === 'disable' || (mode === undefined && !params.has('ssl'))) return [];
  return FILE_VARIABLES.filter(
    ([variable, parameter]) => (env[variable] ?? '') !== '' && !params.has(parameter),
  ).map(
    ([variable, parameter]) =>
      `${variable} is set (in the environment or .env), but callops does not read it: name the file in the state url (${parameter}=FILE), or unset ${variable}`,
  );
};
