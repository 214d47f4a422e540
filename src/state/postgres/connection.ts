import type pg from 'pg';
import { type ConnectionOptions, parse, toClientConfig } from 'pg-connection-string';
import { envSslModeOf, sslModeOf } from './sslmode.js';

/** The TLS files a url names (`sslrootcert`, `sslcert`, `sslkey`), as the parser read them. */
const filesOf = (ssl: ConnectionOptions['ssl']) =>
  typeof ssl === 'object' && ssl !== null
    ? Object.fromEntries(
        Object.entries({ ca: ssl.ca, cert: ssl.cert, key: ssl.key }).filter(
          ([, value]) => value != null,
        ),
      )
    : {};

/** A certificate accepted whatever host name it names: verify-ca checks the chain only. */
const anyHost = (): undefined => undefined;

/**
 * The pg client's settings for a `postgres://` url, its sslmode read as libpq reads it
 * (see sslmode.ts): disable and allow connect without TLS; prefer, require and no-verify
 * with TLS, the certificate unchecked (require with sslrootcert checks it as verify-ca
 * does); verify-ca checks the chain against sslrootcert, verify-full also the host name,
 * against sslrootcert or Node's built-in CAs. A url without sslmode (nor pg's `ssl=`) takes
 * `pgsslmode`, PGSSLMODE's value, in the same way. Parsed here, so that the client parses
 * nothing and prints none of its warnings about modes, and `ssl` is always set, so that it
 * never reads PGSSLMODE by its own rules (require as verify-full, an unknown mode as none).
 * Throws on a url or a PGSSLMODE resolve/state.ts refuses, and when a TLS file the url names
 * cannot be read.
 */
export const connectionConfig = (url: string, pgsslmode?: string): pg.ClientConfig => {
  const params = new URL(url).searchParams;
  const inUrl = sslModeOf(params);
  if ('problem' in inUrl) throw new Error(`the state url ${inUrl.problem}`);
  const fromEnv = envSslModeOf(params, pgsslmode);
  if ('problem' in fromEnv) throw new Error(fromEnv.problem);
  const mode = inUrl.mode ?? fromEnv.mode;
  // libpq semantics, never the parser's own (which warn about modes); a url holding
  // uselibpqcompat=true asks for them itself.
  const parsed = parse(url, params.has('uselibpqcompat') ? {} : { useLibpqCompat: true });
  const { ssl: asParsed, sslmode: _mode, uselibpqcompat: _compat, ...rest } = parsed;
  const files = filesOf(asParsed);
  const verifyCa = { ...files, checkServerIdentity: anyHost };
  const unchecked = { ...files, rejectUnauthorized: false };
  const ssl: pg.ClientConfig['ssl'] =
    mode === undefined
      ? (toClientConfig({ ...rest, ssl: asParsed }).ssl ?? false)
      : {
          disable: false,
          allow: false,
          prefer: unchecked,
          'no-verify': unchecked,
          require: params.get('sslrootcert') === null ? unchecked : verifyCa,
          'verify-ca': verifyCa,
          'verify-full': files,
        }[mode];
  return { ...toClientConfig(rest), ssl };
};
