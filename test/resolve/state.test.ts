// biome-ignore-all lint/suspicious/noTemplateCurlyInString: state urls hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { resolveState } from '../../src/resolve/state.js';
import type { StateSpec } from '../../src/validate/model.js';

const postgres = (url: string, schema?: string): StateSpec => ({
  backend: 'postgres',
  url,
  ...(schema === undefined ? {} : { schema }),
  keepMs: 1,
  file: 'callops.yaml',
  locate: (path) => ({ line: 4, column: path[0] === 'url' ? 8 : 3 }),
});

const URL_VALUE = 'postgres://ops:p%40ss@db.internal:5432/ops';

describe('resolveState', () => {
  it('the file store needs nothing from the environment', () => {
    const spec: StateSpec = { backend: 'file', keepMs: 1, locate: () => ({ line: 1, column: 1 }) };
    expect(resolveState(spec, {})).toEqual({ ok: true, state: { backend: 'file' }, secrets: [] });
  });

  it('resolves the url reference into a secret, with its password', () => {
    const r = resolveState(postgres('${CALLOPS_DATABASE_URL}', 'ops'), {
      CALLOPS_DATABASE_URL: URL_VALUE,
    });
    expect(r).toEqual({
      ok: true,
      state: { backend: 'postgres', url: URL_VALUE, schema: 'ops' },
      secrets: [
        { name: 'CALLOPS_DATABASE_URL', value: URL_VALUE, always: true },
        { name: 'password of CALLOPS_DATABASE_URL', value: 'p@ss', always: true },
        { name: 'password of CALLOPS_DATABASE_URL', value: 'p%40ss', always: true },
      ],
    });
  });

  it('a url built from several references is one secret named after the key', () => {
    const r = resolveState(postgres('postgres://ops:${PGPASS}@${PGHOST}/ops'), {
      PGPASS: 'pw',
      PGHOST: 'db',
    });
    expect(r).toEqual({
      ok: true,
      state: { backend: 'postgres', url: 'postgres://ops:pw@db/ops' },
      secrets: [
        { name: 'state.url', value: 'postgres://ops:pw@db/ops', always: true },
        { name: 'password of state.url', value: 'pw', always: true },
      ],
    });
  });

  it('a `password=` parameter is a secret too', () => {
    const url = 'postgres://ops@db/ops?sslmode=require&password=p%2Bw+x';
    const r = resolveState(postgres(url), {});
    expect(r.ok && r.secrets).toEqual([
      { name: 'state.url', value: url, always: true },
      { name: 'password of state.url', value: 'p+w x', always: true },
    ]);
  });

  it('an sslmode callops cannot honour as libpq does is an error at the url', () => {
    const told = (query: string) => {
      const r = resolveState(postgres('${DB}'), { DB: `postgres://ops:s3cret@db/ops?${query}` });
      return r.ok ? 'ok' : r.diagnostics.map((d) => [d.line, d.column, d.message]);
    };
    expect(told('sslmode=require')).toBe('ok');
    expect(told('sslmode=verify-full')).toBe('ok');
    expect(told('sslmode=requried')).toEqual([
      [
        4,
        8,
        '`state.url` (from DB) has an unknown sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full',
      ],
    ]);
    expect(JSON.stringify(told('sslmode=verify-ca'))).toContain(
      'has sslmode=verify-ca without sslrootcert=FILE',
    );
    expect(JSON.stringify(told('sslmode=verify-ca'))).not.toContain('s3cret');
  });

  it('PGSSLROOTCERT, PGSSLCERT and PGSSLKEY, which callops does not read, are refused on a TLS connection', () => {
    const told = (query: string, env: Record<string, string>) => {
      const r = resolveState(postgres('${DB}'), {
        DB: `postgres://ops:s3cret@db/ops${query}`,
        ...env,
      });
      return r.ok ? 'ok' : r.diagnostics.map((d) => `${d.file}: ${d.message}`).join('\n');
    };
    // libpq would check the server against this CA; callops would leave it unchecked.
    expect(told('?sslmode=require', { PGSSLROOTCERT: '/ca.crt' })).toBe(
      'environment: PGSSLROOTCERT is set (in the environment or .env), but callops does not read it: name the file in the state url (sslrootcert=FILE), or unset PGSSLROOTCERT',
    );
    // Every one at once, not one a run.
    const all = { PGSSLROOTCERT: '/a', PGSSLCERT: '/b', PGSSLKEY: '/c' };
    expect(
      told('?sslmode=require', all)
        .split('\n')
        .map((l) => l.split(' ')[1]),
    ).toEqual(['PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY']);
    expect(told('', { PGSSLMODE: 'verify-full', PGSSLKEY: '/k.pem' })).toContain(
      'PGSSLKEY is set (in the environment or .env), but callops does not read it',
    );
    expect(told('?ssl=true', { PGSSLCERT: '/c.pem' })).toContain('PGSSLCERT is set');
    // The url names the file (it wins, as in libpq), no TLS is asked for, or the variable is empty.
    expect(told('?sslmode=require&sslrootcert=%2Fca.crt', { PGSSLROOTCERT: '/other.crt' })).toBe(
      'ok',
    );
    expect(told('?sslmode=disable', { PGSSLROOTCERT: '/ca.crt' })).toBe('ok');
    expect(told('', { PGSSLROOTCERT: '/ca.crt' })).toBe('ok');
    expect(told('?sslmode=require', { PGSSLROOTCERT: '' })).toBe('ok');
  });

  it('PGSSLMODE gives the sslmode of a url without one; a bad one is a problem of the environment', () => {
    const stateOf = (query: string, PGSSLMODE: string | undefined) => {
      const r = resolveState(postgres('${DB}'), {
        DB: `postgres://ops:s3cret@db/ops${query}`,
        PGSSLMODE,
      });
      return r.ok ? r.state : r.diagnostics;
    };
    const url = 'postgres://ops:s3cret@db/ops';
    expect(stateOf('', 'require')).toEqual({ backend: 'postgres', url, pgsslmode: 'require' });
    expect(stateOf('', 'verify-full')).toMatchObject({ pgsslmode: 'verify-full' });
    // Unset or empty: none; the url's own sslmode (or pg's ssl=) wins, whatever the variable says.
    expect(stateOf('', undefined)).toEqual({ backend: 'postgres', url });
    expect(stateOf('', '')).toEqual({ backend: 'postgres', url });
    expect(stateOf('?sslmode=disable', 'bogus')).toEqual({
      backend: 'postgres',
      url: `${url}?sslmode=disable`,
    });
    expect(stateOf('?ssl=true', 'require')).toEqual({
      backend: 'postgres',
      url: `${url}?ssl=true`,
    });

    const bogus = stateOf('', 'bogus');
    expect(bogus).toEqual([
      {
        file: 'environment',
        line: 0,
        column: 0,
        path: '',
        message:
          'PGSSLMODE is not an sslmode: use one of disable, allow, prefer, require, verify-ca, verify-full, or unset it',
        severity: 'error',
      },
    ]);
    expect(JSON.stringify(stateOf('', 'verify-ca'))).toContain(
      'PGSSLMODE=verify-ca needs sslrootcert=FILE in the state url',
    );
    expect(stateOf('?sslrootcert=%2Fca.crt', 'verify-ca')).toMatchObject({
      pgsslmode: 'verify-ca',
    });
    for (const r of [bogus, stateOf('', 'verify-ca')]) {
      expect(JSON.stringify(r)).not.toContain('s3cret');
    }
  });

  it('a missing variable is an error at the url, naming the variable', () => {
    expect(resolveState(postgres('${CALLOPS_DATABASE_URL}'), {})).toEqual({
      ok: false,
      diagnostics: [
        {
          file: 'callops.yaml',
          line: 4,
          column: 8,
          path: '/state/url',
          message:
            'missing environment variable CALLOPS_DATABASE_URL (referenced at /state/url; set it in the environment or in .env)',
          severity: 'error',
        },
      ],
    });
  });

  it('under --env-file, the missing variable is to be set in that file or in .env, both read', () => {
    const r = resolveState(postgres('${CALLOPS_DATABASE_URL}'), {}, 'ci.env');
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'missing environment variable CALLOPS_DATABASE_URL (referenced at /state/url; set it in the environment, in .env or in ci.env (--env-file))',
    ]);
  });

  it('a value that is not a postgres url is an error that never shows the value', () => {
    const cases: [string, string][] = [
      ['', '`state.url` (from DB) is empty'],
      [
        'not a url s3cret',
        '`state.url` (from DB) is not a URL; it must be postgres://USER:PASSWORD@HOST:PORT/DATABASE',
      ],
      [
        'mysql://root:s3cret@db/ops',
        '`state.url` (from DB) must start with postgres:// or postgresql://',
      ],
      ...['postgres://ops:s3cret%zz@db/ops', 'postgres://ops%:s3cret@db/ops'].map(
        (url): [string, string] => [
          url,
          '`state.url` (from DB) has a user or password with a % not followed by two hex digits (the database client could not read it): write a literal % as %25',
        ],
      ),
    ];
    expect(cases).toHaveLength(5);
    for (const [value, message] of cases) {
      const r = resolveState(postgres('${DB}'), { DB: value });
      expect(r).toEqual({
        ok: false,
        diagnostics: [expect.objectContaining({ line: 4, column: 8, path: '/state/url', message })],
      });
      expect(JSON.stringify(r)).not.toContain('s3cret');
    }
  });

  it('a literal url is a secret too', () => {
    const r = resolveState(postgres('postgresql://db.internal/ops'), {});
    expect(r).toMatchObject({
      ok: true,
      secrets: [{ name: 'state.url', value: 'postgresql://db.internal/ops', always: true }],
    });
  });
});
