// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEP_MS } from '../../src/validate/state.js';
import { error, oneCall, validate, warning, yaml } from './fixtures.js';

const C = 'callops.yaml';
const CALLS = { 'calls/a.yaml': oneCall('a') };
const DAY = 86_400_000;

/** callops.yaml holding only `state:` with these keys (from line 2, values at column 3 + key). */
const withState = (...keys: string[]) =>
  validate({ [C]: yaml('state:', ...keys.map((k) => `  ${k}`)), ...CALLS });

/** The state as validated, without its locate function. */
const stateOf = (result: ReturnType<typeof validate>) => {
  const { locate: _, ...rest } = result.config.state;
  return rest;
};

describe('state: in callops.yaml', () => {
  it('is the file store keeping 30 days when absent, with or without callops.yaml', () => {
    expect(DEFAULT_KEEP_MS).toBe(30 * DAY);
    const none = validate(CALLS);
    expect(stateOf(none)).toEqual({ backend: 'file', keepMs: 30 * DAY });
    const other = validate({ [C]: yaml('lockfile: a.lock'), ...CALLS });
    expect(other.diagnostics).toEqual([]);
    expect(stateOf(other)).toEqual({ backend: 'file', keepMs: 30 * DAY, file: C });
  });

  it('backend: file with keep', () => {
    const result = withState('backend: file', 'keep: 12h');
    expect(result.diagnostics).toEqual([]);
    expect(stateOf(result)).toEqual({ backend: 'file', keepMs: 12 * 3_600_000, file: C });
  });

  it('backend: postgres keeps the url as written, with schema and the default keep', () => {
    const result = withState('backend: postgres', 'url: ${CALLOPS_DATABASE_URL}', 'schema: ops_1');
    expect(result.diagnostics).toEqual([]);
    expect(stateOf(result)).toEqual({
      backend: 'postgres',
      url: '${CALLOPS_DATABASE_URL}',
      schema: 'ops_1',
      keepMs: 30 * DAY,
      file: C,
    });
    expect(result.config.state.locate(['url'])).toEqual({ line: 3, column: 8 });
  });

  it('an unknown backend is an error at its value', () => {
    const result = withState('backend: mysql', 'url: ${DB}');
    expect(result.diagnostics).toEqual([
      error(C, 2, 12, '/state/backend', 'must be one of `file`, `postgres`, got string "mysql"', [
        'file',
        'postgres',
      ]),
    ]);
  });

  it('postgres without a url is an error at backend', () => {
    expect(withState('backend: postgres').diagnostics).toEqual([
      error(
        C,
        2,
        3,
        '/state/backend',
        '`state` with `backend: postgres` needs a url, e.g. url: ${CALLOPS_DATABASE_URL}',
      ),
    ]);
  });

  it('url and schema belong to postgres: with the file backend (written or default) they are errors', () => {
    expect(withState('url: ${DB}', 'schema: ops').diagnostics).toEqual([
      error(
        C,
        2,
        3,
        '/state/url',
        '`state.url` is only for `backend: postgres`; add it, or remove `url`',
      ),
      error(
        C,
        3,
        3,
        '/state/schema',
        '`state.schema` is only for `backend: postgres`; add it, or remove `schema`',
      ),
    ]);
  });

  it('a literal url with a password is a warning that never shows the url', () => {
    const result = withState('backend: postgres', 'url: postgres://ops:hunter2@db.internal/ops');
    expect(result.diagnostics).toEqual([
      warning(
        C,
        3,
        8,
        '/state/url',
        '`state.url` holds a password written in the file; use a reference such as ${CALLOPS_DATABASE_URL} so the secret stays out of git',
      ),
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2');
    expect(result.config.state).toMatchObject({ backend: 'postgres' });
  });

  it('a password given as a `password=` parameter of a literal url is warned about too', () => {
    const result = withState('backend: postgres', 'url: postgres://ops@db/ops?password=hunter2');
    expect(result.diagnostics.map((d) => [d.severity, d.line, d.column, d.message])).toEqual([
      [
        'warning',
        3,
        8,
        '`state.url` holds a password written in the file; use a reference such as ${CALLOPS_DATABASE_URL} so the secret stays out of git',
      ],
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2');
  });

  it('a password written in the fallback of a reference is warned about; references are not', () => {
    const fallback = withState(
      'backend: postgres',
      'url: "${DB_URL:-postgres://ops:hunter2@db/ops}"',
    ).diagnostics;
    expect(fallback.map((d) => [d.severity, d.line, d.column])).toEqual([['warning', 3, 8]]);
    expect(fallback[0]?.message).toContain('holds a password written in the file');
    expect(JSON.stringify(fallback)).not.toContain('hunter2');
    for (const url of [
      'url: ${DB_URL}',
      'url: "postgres://${DB_USER}:${DB_PASSWORD}@db/ops"',
      'url: "${DB_URL:-postgres://ops@db/ops}"',
      'url: "postgres://${DB_USER:-ops}:${DB_PASSWORD}@${DB_HOST}:${DB_PORT}/ops"',
      'url: "postgres://ops:${DB_PASSWORD:-${OTHER_PASSWORD}}@db/ops"',
      'url: "postgres://ops:${DB_PASSWORD:-}@db/ops?sslmode=${MODE:-require}"',
      'url: "postgres://ops@${DB_HOST}/ops?password=${DB_PASSWORD}"',
    ]) {
      expect(withState('backend: postgres', url).diagnostics, url).toEqual([]);
    }
  });

  it('a password written in a fallback inside the url is warned about, wherever the fallback is', () => {
    for (const url of [
      'url: "postgres://callops:${NOPE:-hunter2}@127.0.0.1:55444/postgres"',
      'url: "postgres://callops:${NOPE:-hunter2}@${DB_HOST}:${DB_PORT}/postgres"',
      'url: "postgres://callops:hunter${DIGIT}@db/ops"',
      'url: "postgres://ops@${DB_HOST}/ops?password=${NOPE:-hunter2}"',
    ]) {
      const found = withState('backend: postgres', url).diagnostics;
      expect(
        found.map((d) => [d.severity, d.line, d.column]),
        url,
      ).toEqual([['warning', 3, 8]]);
      expect(found[0]?.message).toContain('holds a password written in the file');
      expect(JSON.stringify(found)).not.toContain('hunter');
    }
  });

  it('a literal url without a password is fine; one of another scheme is an error, unquoted', () => {
    expect(withState('backend: postgres', 'url: postgresql://db.internal/ops').diagnostics).toEqual(
      [],
    );
    const result = withState('backend: postgres', 'url: mysql://root:s3cret@db/ops');
    expect(result.diagnostics).toEqual([
      error(C, 3, 8, '/state/url', '`state.url` must start with postgres:// or postgresql://'),
    ]);
    expect(JSON.stringify(result.diagnostics)).not.toContain('s3cret');
  });

  it('a literal url with an unknown sslmode is an error at the url', () => {
    const result = withState('backend: postgres', 'url: postgres://db.internal/ops?sslmode=on');
    expect(result.diagnostics.map((d) => [d.severity, d.line, d.column, d.message])).toEqual([
      [
        'error',
        3,
        8,
        '`state.url` has an unknown sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full',
      ],
    ]);
    expect(
      withState('backend: postgres', 'url: postgres://db.internal/ops?sslmode=require').diagnostics,
    ).toEqual([]);
  });

  it('a malformed reference in the url is an error naming the key, not the text', () => {
    const result = withState('backend: postgres', 'url: postgres://u:pw@h/${DB');
    expect(result.diagnostics.map((d) => [d.line, d.column, d.path, d.message])).toEqual([
      [
        3,
        8,
        '/state/url',
        'malformed reference in `state.url`: write ${NAME} or ${NAME:-fallback}, or $${ for a literal ${',
      ],
    ]);
  });

  it('schema must be a plain lower-case identifier', () => {
    const result = withState('backend: postgres', 'url: ${DB}', 'schema: Ops-1');
    expect(result.diagnostics).toEqual([
      error(
        C,
        4,
        11,
        '/state/schema',
        'must be lower-case letters, digits and `_`, starting with a letter or `_` (at most 63), got "Ops-1"',
      ),
    ]);
  });

  it('keep must be a duration longer than 0, written out', () => {
    expect(withState('keep: soon').diagnostics).toEqual([
      error(
        C,
        2,
        9,
        '/state/keep',
        'state.keep `soon` is not a duration; write e.g. 30d, 12h or 90m',
      ),
    ]);
    expect(withState('keep: 0d').diagnostics).toEqual([
      error(C, 2, 9, '/state/keep', 'state.keep must be longer than 0'),
    ]);
    expect(withState('keep: ${KEEP}').diagnostics).toEqual([
      error(
        C,
        2,
        9,
        '/state/keep',
        '`state.keep` cannot use a reference (`${…}`): write a duration',
      ),
    ]);
  });

  it('an unknown key of state is an error at the key', () => {
    const result = withState('backend: postgres', 'url: ${DB}', 'schemas: ops');
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ line: 4, column: 3, severity: 'error' });
    expect(result.diagnostics[0]?.message).toContain('schema');
  });

  it('state must be a map', () => {
    expect(withState().diagnostics).toEqual([
      error(C, 1, 7, '/state', 'must be an object, got an empty value'),
    ]);
    const list = validate({ [C]: yaml('state: postgres'), ...CALLS });
    expect(list.diagnostics).toHaveLength(1);
    expect(list.diagnostics[0]).toMatchObject({ line: 1, column: 8, path: '/state' });
  });
});
