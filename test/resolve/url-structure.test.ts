// biome-ignore-all lint/suspicious/noTemplateCurlyInString: urls hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import {
  optionUrlProblems,
  referenceProblem,
  structureProblem,
} from '../../src/resolve/url-structure.js';

const SECRET = 'Xy34Secret';

describe('referenceProblem: a value holding what ends its part of the url', () => {
  const check = (written: string, env: Record<string, string>, special = false) =>
    referenceProblem(written, env, '`state.url`', special);

  it('names the variable, its part and each character to encode, never the value', () => {
    const said = check('postgres://ops:${PGPASS}@db:5432/ops', { PGPASS: `Ab12@${SECRET}#z` });
    expect(said).toBe(
      '`${PGPASS}` in the password of `state.url` holds `@` and `#`, which would end the password there and move the rest of the value into another part of the URL (the host, the path…): percent-encode `@` as %40 and `#` as %23 in the value',
    );
    expect(said).not.toContain(SECRET);
    expect(check('postgres://${PGUSER}:pw@db/ops', { PGUSER: 'a/b' })).toContain(
      '`${PGUSER}` in the user of `state.url` holds `/`',
    );
    expect(check('postgres://ops:${P}@db/ops', { P: 'a?b' })).toContain('`?` as %3F');
    // A host after an `@` holds none; nor `/`.
    expect(check('postgres://ops:pw@${PGHOST}/ops', { PGHOST: 'evil@db' })).toContain(
      'in the host of `state.url` holds `@`',
    );
    expect(check('postgres://ops:pw@db/${DB}', { DB: 'ops#x' })).toContain(
      'in the path of `state.url` holds `#`',
    );
    expect(check('postgres://ops@db/ops?password=${P}', { P: 'a&b' })).toContain(
      'in a parameter of `state.url` holds `&`',
    );
    // `\` ends an http(s) url's authority.
    expect(check('https://${H}/api', { H: 'gw\\x' }, true)).toContain('`\\` as %5C');
    expect(check('postgres://${H}/ops', { H: 'db\\x' })).toBeUndefined();
  });

  it('leaves alone values that stay in their part', () => {
    for (const [written, env] of [
      ['postgres://ops:${PGPASS}@db/ops', { PGPASS: 'p%40ss%23:x' }],
      ['postgres://ops:${PGPASS}@db/ops', { PGPASS: 'pa:ss' }],
      // A value that is the whole authority may carry its `@`.
      ['postgres://${AUTH}/ops', { AUTH: 'ops:pw@db:5432' }],
      ['postgres://${CREDS}@db/ops', { CREDS: 'ops:pw' }],
      ['postgres://ops:pw@${PGHOST}:${PGPORT}/ops', { PGHOST: 'db.internal', PGPORT: '5432' }],
      ['postgres://ops@db/ops?password=${P}', { P: 'a@b/c?d=e' }],
      // The whole url is structureProblem's.
      ['${CALLOPS_DATABASE_URL}', { CALLOPS_DATABASE_URL: `postgres://a:b@${SECRET}#@db/x` }],
      // An empty value takes its fallback, as it resolves.
      ['postgres://ops:${P:-pw}@db/ops', { P: '' }],
    ] as const) {
      expect(check(written, env), written).toBeUndefined();
    }
  });
});

describe('structureProblem: a resolved url read in more than one way', () => {
  const check = (url: string, special = false) => structureProblem(url, '`state.url`', special);

  it('refuses a `#`, a second `@`, a `?` before the `@`, an `@` after the first `/`', () => {
    expect(check(`postgres://ops:Ab12@${SECRET}#z@db/ops`)).toContain('holds a `#`');
    expect(check(`postgres://ops:Ab12@${SECRET}@db/ops`)).toContain(
      'has more than one `@` before its host',
    );
    expect(check(`postgres://ops:12?${SECRET}@db/ops`)).toContain('has a `?` before the `@`');
    expect(check(`postgres://ops:Ab/${SECRET}@db/ops`)).toContain(
      'has a `/` before an `@`, so a part of the user or password could be taken for the host: percent-encode `/` in the user or password as %2F',
    );
    expect(check(`https://key\\${SECRET}@gw.example.com`, true)).toContain('has a `\\` before');
    for (const url of [
      `postgres://ops:Ab12@${SECRET}#z@db/ops`,
      `postgres://ops:Ab/${SECRET}@db/ops`,
    ]) {
      expect(check(url)).not.toContain(SECRET);
    }
  });

  it('takes urls that read one way', () => {
    for (const url of [
      'postgres://ops:p%40ss%23@db.internal:5432/ops?sslmode=require',
      'postgres://ops:pa:ss@db/ops',
      'postgres://db/ops?options=-c%20x&application_name=a@b',
      'postgres://ops:pw@db?sslrootcert=/etc/ca@x.pem',
      'postgres:///ops?host=/var/run/postgresql&password=p@ss',
      'https://gw.example.com/api/v2',
      'not a url',
    ]) {
      expect(check(url, url.startsWith('https')), url).toBeUndefined();
    }
  });
});

describe('optionUrlProblems: the URLs among a call’s options', () => {
  it('finds a reference that moves the parts of a hook url, at its path; leaves the rest', () => {
    const options = {
      actionHook: 'https://hook:${PW}@hooks.example.com/cb',
      confirmHook: { url: '${HOOK}', method: 'POST' },
      dtmfHook: 'https://hooks.example.com/${TENANT}/dtmf',
      tag: { note: '${PW}' },
      headers: { 'X-Url': 'https://literal:p@ss@example.com' },
      to: { type: 'sip', sipUri: 'sip:${USER}@example.com' },
    };
    const env = {
      PW: `Ab12@${SECRET}#z`,
      HOOK: `https://u:Ab12@${SECRET}@hooks.example.com/x`,
      TENANT: 'ops/eu',
      USER: 'a@b',
    };
    const found = optionUrlProblems(options, env);
    expect(found.map((f) => f.path)).toEqual([['actionHook'], ['confirmHook', 'url']]);
    expect(found[0]?.message).toContain(
      '`${PW}` in the password of `actionHook` holds `@` and `#`',
    );
    expect(found[1]?.message).toContain(
      '`confirmHook.url` (from HOOK) has more than one `@` before its host',
    );
    for (const f of found) expect(f.message).not.toContain(SECRET);
  });
});
