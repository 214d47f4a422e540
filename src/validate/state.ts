import type { PathSegments, SourceDocument } from '../config/types.js';
import { LITERAL_WHY, noReferenceMessage } from '../options/literal.js';
import { malformedMessage } from '../resolve/diagnostics.js';
import { isMalformed, writtenText } from '../resolve/interpolate.js';
import { structureProblem } from '../resolve/url-structure.js';
import { sslModeOf } from '../state/postgres/sslmode.js';
import type { StateConfig } from '../state/store.js';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './hint.js';
import type { StateSpec } from './model.js';
import { parseDuration } from './parse.js';
import { errorAt, hasReference, isRecord, keySiteOf, siteOf, warningAt } from './site.js';

/**
 * `state:` of callops.yaml. The url is a secret like an api key: no message here quotes it,
 * whether it is a `${VAR}` reference (resolved later, see resolve/state.ts) or written out.
 */

/** How long entries of recurring calls past their deadline stay in the lockfile view. */
export const DEFAULT_KEEP_MS = 30 * 86_400_000;

const BACKENDS = ['file', 'postgres'] as const;
const POSTGRES_ONLY = ['url', 'schema'] as const;
const PROTOCOLS = ['postgres:', 'postgresql:'];

// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
const URL_EXAMPLE = 'url: ${CALLOPS_DATABASE_URL}';

export interface StateFindings {
  readonly state: StateSpec;
  /** Shape problems the schema usually reports too. */
  readonly structural: readonly Diagnostic[];
  readonly semantic: readonly Diagnostic[];
}

const PATH: PathSegments = ['state'];

/** The file store with the default retention: what a project without `state:` uses. */
export const defaultState = (
  file?: string,
  locate: StateSpec['locate'] = () => ({ line: 1, column: 1 }),
): StateSpec => ({
  backend: 'file',
  keepMs: DEFAULT_KEEP_MS,
  ...(file === undefined ? {} : { file }),
  locate,
});

const PASSWORD_IN_FILE = `\`state.url\` holds a password written in the file; use a reference such as \${CALLOPS_DATABASE_URL} so the secret stays out of git`;

/** What stands for a `${VAR}` in a url read as written (writtenText): never in a url. */
const REF = '\u0000';

/**
 * Whether a url holding references writes a password out: in its userinfo
 * (`://user:password@`) or as a `password=` parameter, the whole url or a part in a
 * `${VAR:-…}` fallback. A password that is a `${VAR}` alone comes from the environment.
 */
const writesPassword = (url: string): boolean => {
  const text = writtenText(url, REF);
  // The userinfo runs to the authority's last `@`; its password follows its first `:`.
  const userinfo = /^[^\s:/?#]*:\/\/([^\s/?#]*)@/.exec(text)?.[1];
  const colon = userinfo?.indexOf(':') ?? -1;
  const passwords = [
    ...(userinfo === undefined || colon < 0 ? [] : [userinfo.slice(colon + 1)]),
    ...[...text.matchAll(/[?&\s]password=([^&#\s]*)/gi)].map((m) => m[1] ?? ''),
  ];
  return passwords.some((p) => p.replaceAll(REF, '') !== '');
};

/** Problems of a url written out in the file (no reference): never quoting it back. */
const literalUrlProblems = (doc: SourceDocument, url: string): Diagnostic[] => {
  const site = siteOf(doc, [...PATH, 'url']);
  const moved = structureProblem(url, '`state.url`', false);
  if (moved !== undefined) return [errorAt(site, moved)];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [errorAt(site, '`state.url` is not a URL; write postgres://USER@HOST/DATABASE')];
  }
  if (!PROTOCOLS.includes(parsed.protocol)) {
    return [errorAt(site, '`state.url` must start with postgres:// or postgresql://')];
  }
  const ssl = sslModeOf(parsed.searchParams);
  const problems = 'problem' in ssl ? [errorAt(site, `\`state.url\` ${ssl.problem}`)] : [];
  // libpq (and pg) also take the password as a `password=` parameter.
  if (parsed.password === '' && !parsed.searchParams.get('password')) return problems;
  return [...problems, warningAt(site, PASSWORD_IN_FILE)];
};

const keepProblems = (doc: SourceDocument, keep: unknown): Diagnostic[] => {
  if (typeof keep !== 'string') return [];
  const site = siteOf(doc, [...PATH, 'keep']);
  if (hasReference(keep)) {
    return [errorAt(site, noReferenceMessage('state.keep', LITERAL_WHY['state.keep']))];
  }
  const ms = parseDuration(keep);
  if (ms === undefined) {
    return [errorAt(site, `state.keep \`${keep}\` is not a duration; write e.g. 30d, 12h or 90m`)];
  }
  return ms === 0 ? [errorAt(site, 'state.keep must be longer than 0')] : [];
};

/** `state:` read into a StateSpec (the default file store when absent or broken), with its problems. */
export const readState = (doc: SourceDocument, raw: unknown): StateFindings => {
  const locate: StateSpec['locate'] = (path) => doc.locate([...PATH, ...path]);
  const fallback = defaultState(doc.file, locate);
  if (raw === undefined || raw === null) return { state: fallback, structural: [], semantic: [] };
  if (!isRecord(raw)) {
    const message = `\`state\` must be a map: {backend: file}, or {backend: postgres, ${URL_EXAMPLE}}`;
    return { state: fallback, structural: [errorAt(siteOf(doc, PATH), message)], semantic: [] };
  }
  const structural: Diagnostic[] = [];
  const semantic: Diagnostic[] = [];
  const backend = raw.backend ?? 'file';
  if (typeof backend !== 'string' || !(BACKENDS as readonly string[]).includes(backend)) {
    const shown = typeof backend === 'string' ? `\`${backend}\`` : 'this';
    const hint = typeof backend === 'string' ? didYouMean(backend, BACKENDS) : '';
    structural.push(
      errorAt(
        siteOf(doc, [...PATH, 'backend']),
        `unknown state backend ${shown}: use \`file\` or \`postgres\`${hint}`,
        BACKENDS,
      ),
    );
  }
  for (const key of ['url', 'schema', 'keep', 'backend'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') {
      structural.push(errorAt(siteOf(doc, [...PATH, key]), `\`state.${key}\` must be a string`));
    }
  }
  const url = typeof raw.url === 'string' ? raw.url : undefined;
  if (backend === 'file') {
    for (const key of POSTGRES_ONLY) {
      if (raw[key] === undefined) continue;
      const message = `\`state.${key}\` is only for \`backend: postgres\`; add it, or remove \`${key}\``;
      semantic.push(errorAt(keySiteOf(doc, [...PATH, key]), message));
    }
  } else if (backend === 'postgres' && raw.url === undefined) {
    const message = `\`state\` with \`backend: postgres\` needs a url, e.g. ${URL_EXAMPLE}`;
    semantic.push(errorAt(keySiteOf(doc, [...PATH, 'backend']), message));
  }
  if (backend === 'postgres' && url !== undefined) {
    if (isMalformed(url)) {
      semantic.push(errorAt(siteOf(doc, [...PATH, 'url']), malformedMessage('state.url')));
    } else if (url !== '' && !hasReference(url)) {
      for (const item of literalUrlProblems(doc, url)) semantic.push(item);
    } else if (writesPassword(url)) {
      // A fallback (`${DB_URL:-postgres://ops:…@db/ops}`, `postgres://ops:${PW:-…}@db/ops`)
      // that writes one out.
      semantic.push(warningAt(siteOf(doc, [...PATH, 'url']), PASSWORD_IN_FILE));
    }
  }
  for (const item of keepProblems(doc, raw.keep)) semantic.push(item);
  const keepMs = typeof raw.keep === 'string' ? parseDuration(raw.keep) : undefined;
  const schema = typeof raw.schema === 'string' ? raw.schema : undefined;
  const chosen: StateConfig | undefined =
    backend === 'postgres' && url !== undefined
      ? { backend: 'postgres', url, ...(schema === undefined ? {} : { schema }) }
      : backend === 'file'
        ? { backend: 'file' }
        : undefined;
  const state: StateSpec =
    chosen === undefined
      ? fallback
      : {
          ...chosen,
          keepMs: keepMs !== undefined && keepMs > 0 ? keepMs : DEFAULT_KEEP_MS,
          file: doc.file,
          locate,
        };
  return { state, structural, semantic };
};
