import { fileProblem } from '../config/diagnostics.js';
import {
  envSslModeOf,
  PGSSLMODE,
  sslModeOf,
  unreadTlsVariables,
} from '../state/postgres/sslmode.js';
import type { StateConfig } from '../state/store.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { StateSpec } from '../validate/model.js';
import { errorAt, malformedMessage, missingMessage } from './diagnostics.js';
import { ENV_TARGET_FILE } from './env-target.js';
import { type Env, interpolateString, type Secret } from './interpolate.js';
import { referenceProblem, structureProblem } from './url-structure.js';

export type StateResolution =
  | { readonly ok: true; readonly state: StateConfig; readonly secrets: readonly Secret[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/;
const PROTOCOLS = ['postgres:', 'postgresql:'];

/** A URL part %-decoded, or undefined when an escape is broken (`%zz`, a lone `%`). */
const decoded = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

/**
 * The StateConfig a store is opened with: the Postgres url's `${VAR}` references resolved,
 * and PGSSLMODE's mode for a url without its own sslmode (a bad one is a problem of the
 * environment, as one of CALLOPS_BASE_URL…). The url is a secret like an api key, even when
 * written in callops.yaml: the whole url and its password are returned as secrets to redact,
 * and no message quotes it. A url whose parts a value moves (a password holding `@` or `#`)
 * is refused before it is parsed. `envFile` is the `--env-file FILE` given, named where a
 * missing variable may be set. Pure.
 */
export const resolveState = (spec: StateSpec, env: Env, envFile?: string): StateResolution => {
  if (spec.backend === 'file') return { ok: true, state: { backend: 'file' }, secrets: [] };
  const file = spec.file ?? 'callops.yaml';
  const at = (message: string): StateResolution => ({
    ok: false,
    diagnostics: [errorAt(file, spec.locate(['url']), ['state', 'url'], message)],
  });
  const r = interpolateString(spec.url, env);
  if (r.missing.length > 0 || r.malformed) {
    const messages = [
      ...r.missing.map((name) => missingMessage(name, '/state/url', envFile)),
      ...(r.malformed ? [malformedMessage('state.url')] : []),
    ];
    return {
      ok: false,
      diagnostics: messages.map((m) => errorAt(file, spec.locate(['url']), ['state', 'url'], m)),
    };
  }
  const from = WHOLE_REFERENCE.exec(spec.url)?.[1];
  const said = from === undefined ? '`state.url`' : `\`state.url\` (from ${from})`;
  if (r.text === '') return at(`${said} is empty`);
  // Before the url is parsed: a value that moves its parts would make a piece of the
  // password the host, looked up and shown in the error (see url-structure.ts).
  const moved =
    referenceProblem(spec.url, env, '`state.url`', false) ?? structureProblem(r.text, said, false);
  if (moved !== undefined) return at(moved);
  let url: URL;
  try {
    url = new URL(r.text);
  } catch {
    return at(`${said} is not a URL; it must be postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (!PROTOCOLS.includes(url.protocol)) {
    return at(`${said} must start with postgres:// or postgresql://`);
  }
  const ssl = sslModeOf(url.searchParams);
  if ('problem' in ssl) return at(`${said} ${ssl.problem}`);
  const name = from ?? 'state.url';
  const password = decoded(url.password);
  if (password === undefined || decoded(url.username) === undefined) {
    return at(
      `${said} has a user or password with a % not followed by two hex digits (the database client could not read it): write a literal % as %25`,
    );
  }
  const fromEnv = envSslModeOf(url.searchParams, env[PGSSLMODE]);
  if ('problem' in fromEnv) {
    return { ok: false, diagnostics: [fileProblem(ENV_TARGET_FILE, fromEnv.problem)] };
  }
  const unread = unreadTlsVariables(url.searchParams, ssl.mode ?? fromEnv.mode, env);
  if (unread.length > 0) {
    return {
      ok: false,
      diagnostics: unread.map((problem) => fileProblem(ENV_TARGET_FILE, problem)),
    };
  }
  const secrets: Secret[] = [
    { name, value: r.text, always: true },
    ...(password === '' ? [] : [{ name: `password of ${name}`, value: password, always: true }]),
    ...(url.password === '' || url.password === password
      ? []
      : [{ name: `password of ${name}`, value: url.password, always: true }]),
    // libpq (and pg) also take the password as a `password=` parameter.
    ...url.searchParams
      .getAll('password')
      .filter((value) => value !== '')
      .map((value) => ({ name: `password of ${name}`, value, always: true })),
  ];
  return {
    ok: true,
    state: {
      backend: 'postgres',
      url: r.text,
      ...(spec.schema === undefined ? {} : { schema: spec.schema }),
      ...(fromEnv.mode === undefined ? {} : { pgsslmode: fromEnv.mode }),
    },
    secrets,
  };
};
