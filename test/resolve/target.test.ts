// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathSegments } from '../../src/config/types.js';
import { mergeEnv, readEnvFile } from '../../src/resolve/env-file.js';
import { envTarget, resolveTarget, secretsOf } from '../../src/resolve/index.js';
import type { TargetSpec } from '../../src/validate/model.js';

const spec = (over: Partial<TargetSpec> = {}): TargetSpec => ({
  name: 'prod',
  base_url: 'https://vg.example.com/',
  account_sid: '${VG_ACCOUNT_SID}',
  api_key: '${VG_API_KEY}',
  file: 'callops.yaml',
  locate: (path: PathSegments) => ({ line: path[0] === 'api_key' ? 5 : 3, column: 14 }),
  ...over,
});
const env = { VG_ACCOUNT_SID: 'acct-1234-5678', VG_API_KEY: 'key-abcdef' };

describe('resolveTarget', () => {
  it('resolves references and applies defaults', () => {
    const r = resolveTarget(spec(), env);
    expect(r).toEqual({
      ok: true,
      target: {
        name: 'prod',
        baseUrl: 'https://vg.example.com',
        accountSid: 'acct-1234-5678',
        apiKey: 'key-abcdef',
        concurrency: 4,
        requestTimeoutMs: 15_000,
        maxPauseMs: 300_000,
      },
      secrets: [
        { name: 'VG_ACCOUNT_SID', value: 'acct-1234-5678' },
        { name: 'VG_API_KEY', value: 'key-abcdef', always: true },
      ],
    });
  });

  it('parses rate and durations', () => {
    const r = resolveTarget(
      spec({ rate: '600/5m', request_timeout: '${RT}', max_pause: '1m', concurrency: 8 }),
      { ...env, RT: '30s' },
    );
    expect(r.ok && r.target).toMatchObject({
      concurrency: 8,
      rate: { count: 600, perMs: 300_000 },
      requestTimeoutMs: 30_000,
      maxPauseMs: 60_000,
    });
  });

  it('resolves concurrency given by reference, and checks it as rate is checked', () => {
    const withConcurrency = (value: string | undefined) =>
      resolveTarget(spec({ concurrency: '${CONC}', rate: '${RATE}' }), {
        ...env,
        RATE: '5/s',
        CONC: value,
      });
    const r = withConcurrency('1');
    expect(r.ok && r.target.concurrency).toBe(1);
    expect(r.ok && r.secrets).toContainEqual({ name: 'CONC', value: '1' });
    for (const bad of ['abc', '0', '-3', '2.5', '', '99999999999999999999']) {
      const wrong = withConcurrency(bad);
      expect(!wrong.ok && wrong.diagnostics.map((d) => [d.path, d.message])).toEqual([
        [
          '/targets/prod/concurrency',
          'concurrency `${CONC}` must resolve to a whole number, 1 or more',
        ],
      ]);
    }
    const missing = resolveTarget(spec({ concurrency: '${CONC}', rate: '${RATE}' }), env);
    expect(!missing.ok && missing.diagnostics.map((d) => d.message)).toEqual([
      'missing environment variable CONC (referenced at /targets/prod/concurrency; set it in the environment or in .env)',
      'missing environment variable RATE (referenced at /targets/prod/rate; set it in the environment or in .env)',
    ]);
  });

  it('under --env-file, names that file and .env where to set a missing variable', () => {
    const r = resolveTarget(spec({ rate: '${RATE}' }), env, 'prod.env');
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'missing environment variable RATE (referenced at /targets/prod/rate; set it in the environment, in .env or in prod.env (--env-file))',
    ]);
  });

  it('treats a literal api key as a secret all the same', () => {
    const r = resolveTarget(spec({ api_key: 'k1' }), env);
    expect(r.ok && r.secrets).toContainEqual({
      name: 'api_key of target prod',
      value: 'k1',
      always: true,
    });
  });

  it('names every missing variable with its place', () => {
    const r = resolveTarget(spec({ base_url: '${VG_URL}' }), {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnostics.map((d) => [d.line, d.path, d.message])).toEqual([
      [
        3,
        '/targets/prod/base_url',
        'missing environment variable VG_URL (referenced at /targets/prod/base_url; set it in the environment or in .env)',
      ],
      [
        3,
        '/targets/prod/account_sid',
        'missing environment variable VG_ACCOUNT_SID (referenced at /targets/prod/account_sid; set it in the environment or in .env)',
      ],
      [
        5,
        '/targets/prod/api_key',
        'missing environment variable VG_API_KEY (referenced at /targets/prod/api_key; set it in the environment or in .env)',
      ],
    ]);
  });

  it('requires https except to loopback or with allow_insecure', () => {
    const message = (r: ReturnType<typeof resolveTarget>) =>
      (!r.ok && r.diagnostics[0]?.message) || 'ok';
    expect(message(resolveTarget(spec({ base_url: 'http://vg.example.com' }), env))).toContain(
      'uses plain http:// to another machine',
    );
    expect(
      message(
        resolveTarget(spec({ base_url: 'http://vg.example.com', allow_insecure: true }), env),
      ),
    ).toBe('ok');
    expect(message(resolveTarget(spec({ base_url: 'http://127.0.0.1:3000/' }), env))).toBe('ok');
    expect(message(resolveTarget(spec({ base_url: 'http://localhost:3000' }), env))).toBe('ok');
    expect(message(resolveTarget(spec({ base_url: 'http://[::1]:3000' }), env))).toBe('ok');
    expect(message(resolveTarget(spec({ base_url: 'ftp://vg.example.com' }), env))).toContain(
      'https://',
    );
  });

  it('tells the user to remove a trailing /v1', () => {
    const r = resolveTarget(spec({ base_url: 'https://vg.example.com/api/v1/' }), env);
    expect(!r.ok && r.diagnostics[0]?.message).toBe(
      'base_url `https://vg.example.com/api/v1/` must not end in /v1: remove it, callops adds /v1/Accounts/… itself',
    );
    const kept = resolveTarget(spec({ base_url: 'https://vg.example.com/api/' }), env);
    expect(kept.ok && kept.target.baseUrl).toBe('https://vg.example.com/api');
  });

  it('shows the reference, not the value, when a resolved value is wrong', () => {
    const r = resolveTarget(spec({ base_url: '${VG_URL}', rate: '${RATE}' }), {
      ...env,
      VG_URL: 'http://internal-gw.corp:8080',
      RATE: 'lots',
    });
    const text = JSON.stringify(r);
    expect(text).not.toContain('internal-gw');
    expect(text).not.toContain('lots');
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'base_url `${VG_URL}` uses plain http:// to another machine; use https:// or set `allow_insecure: true`',
      'rate `${RATE}` must be calls per time, e.g. 5/s, 600/5m or 100/1h',
    ]);
  });

  it('refuses empty credentials and bad durations', () => {
    const r = resolveTarget(spec({ request_timeout: '0s', max_pause: 'soon' }), {
      VG_ACCOUNT_SID: '',
      VG_API_KEY: 'key-abcdef',
    });
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'account_sid `${VG_ACCOUNT_SID}` is empty',
      'request_timeout `0s` must be a duration longer than 0, e.g. 15s, 2m or 1h',
      'max_pause `soon` must be a duration longer than 0, e.g. 15s, 2m or 1h',
    ]);
  });

  it('says a reference resolving to a bare number lacks a unit, never quoting its value', () => {
    const r = resolveTarget(spec({ request_timeout: '${RT}', max_pause: '${MP}' }), {
      ...env,
      RT: '88123',
      MP: '0',
    });
    const text = JSON.stringify(r);
    expect(text).not.toContain('88123');
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'request_timeout `${RT}` resolves to a number without a unit: a duration needs one, e.g. 15s, 2m or 1h',
      'max_pause `${MP}` resolves to a number without a unit: a duration needs one, e.g. 15s, 2m or 1h',
    ]);
  });

  it('refuses a value for the URL or a header holding a control character or white space at an end', () => {
    const r = resolveTarget(spec({ base_url: '${VG_URL}' }), {
      VG_URL: ' https://vg.example.com',
      VG_ACCOUNT_SID: 'acct\t1234',
      VG_API_KEY: 'sekr1tKEY\n',
    });
    expect(r.ok).toBe(false);
    const text = JSON.stringify(r);
    for (const value of ['sekr1tKEY', 'acct', 'vg.example.com']) expect(text).not.toContain(value);
    expect(
      !r.ok && r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.path}: ${d.message}`),
    ).toEqual([
      'callops.yaml:3:14 /targets/prod/base_url: base_url `${VG_URL}` resolves to a value that begins with white space, which does not belong in the request URL: remove it',
      'callops.yaml:3:14 /targets/prod/account_sid: account_sid `${VG_ACCOUNT_SID}` resolves to a value that holds \\t, which does not belong in the request URL: remove it',
      'callops.yaml:5:14 /targets/prod/api_key: api_key `${VG_API_KEY}` resolves to a value that ends with \\n, which does not belong in the Authorization header: remove it (a value read whole from a file, as `kubectl create secret --from-file` reads one, ends in a line break)',
    ]);
    // Written in the file, the key is named, never quoted; white space inside a value is kept.
    const literal = resolveTarget(spec({ api_key: ' k1' }), env);
    expect(!literal.ok && literal.diagnostics.map((d) => d.message)).toEqual([
      'api_key begins with white space, which does not belong in the Authorization header: remove it',
    ]);
    const inside = resolveTarget(spec(), { ...env, VG_API_KEY: 'key with spaces' });
    expect(inside.ok).toBe(true);
  });

  it('never quotes a key written as the fallback of the reference the api_key resolves', () => {
    const written = spec({ api_key: '${VG_API_KEY:-FallbackSecretKey99}' });
    for (const value of ['EnvKey€€Secret42', ' padded']) {
      const r = resolveTarget(written, { ...env, VG_API_KEY: value });
      const text = JSON.stringify(r);
      expect(r.ok).toBe(false);
      expect(text).toContain('${VG_API_KEY:-***}');
      expect(text).not.toContain('FallbackSecretKey99');
    }
  });

  it('refuses an api key holding a character beyond Latin-1, which no header can carry, never showing it', () => {
    for (const key of ['kéy-€uro', 'key-\u{1F511}', 'ключ']) {
      const r = resolveTarget(spec(), { ...env, VG_API_KEY: key });
      expect(!r.ok && r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
        '5:14 api_key `${VG_API_KEY}` resolves to a value that holds a character beyond Latin-1 (an HTTP header carries bytes, not such characters), which does not belong in the Authorization header: remove it',
      ]);
      const text = JSON.stringify(r);
      for (const ch of key) if (ch > '\u00ff') expect(text).not.toContain(ch);
    }
    // Latin-1 (é) goes into a header as its byte: taken, as the gateway may have issued it.
    expect(resolveTarget(spec(), { ...env, VG_API_KEY: 'kéy' }).ok).toBe(true);
  });

  it('refuses CALLOPS_API_KEY ending in a line break, as any other key', () => {
    const vars = {
      CALLOPS_BASE_URL: 'https://gw.example.net',
      CALLOPS_ACCOUNT_SID: 'acct-env-0001',
      CALLOPS_API_KEY: 'env-key-0001\r\n',
    };
    const s = envTarget(vars).spec;
    const r = s && resolveTarget(s, vars);
    expect(r !== undefined && !r.ok && r.diagnostics.map((d) => [d.file, d.message])).toEqual([
      [
        'environment',
        expect.stringMatching(
          /^api_key `\$\{CALLOPS_API_KEY\}` resolves to a value that ends with \\n,/,
        ),
      ],
    ]);
  });

  it('refuses durations and rate windows from ${VAR} longer than a timer takes, where written', () => {
    const r = resolveTarget(
      spec({ request_timeout: '${RT}', max_pause: '${MP}', rate: '${RATE}' }),
      { ...env, RT: '25d', MP: '99999999h', RATE: '1/25d' },
    );
    expect(r.ok).toBe(false);
    const messages = r.ok
      ? []
      : r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
    expect(messages).toEqual([
      expect.stringMatching(
        /^callops\.yaml:3:14: rate `\$\{RATE\}` has a window longer than 2147483647 ms/,
      ),
      expect.stringMatching(
        /^callops\.yaml:3:14: request_timeout `\$\{RT\}` is too long: at most 2147483647 ms/,
      ),
      expect.stringMatching(
        /^callops\.yaml:3:14: max_pause `\$\{MP\}` is too long: at most 2147483647 ms/,
      ),
    ]);
    // The longest a timer takes is still accepted.
    const longest = resolveTarget(spec({ request_timeout: '${RT}', rate: '1/24d' }), {
      ...env,
      RT: '2147483647ms',
    });
    expect(longest.ok && longest.target.requestTimeoutMs).toBe(2_147_483_647);
  });
});

describe('envTarget', () => {
  const full = {
    CALLOPS_BASE_URL: 'https://gw.example.net',
    CALLOPS_ACCOUNT_SID: 'acct-env-0001',
    CALLOPS_API_KEY: 'env-key-0001',
  };

  it('is absent when no variable is set', () => {
    expect(envTarget({ HOME: '/root' })).toEqual({ diagnostics: [] });
  });

  it('defines the target `env` whose values are all secrets', () => {
    const { spec: s, diagnostics } = envTarget(full);
    expect(diagnostics).toEqual([]);
    expect(s?.name).toBe('env');
    const r = s && resolveTarget(s, full);
    expect(r?.ok && r.target.baseUrl).toBe('https://gw.example.net');
    expect(r?.ok && r.secrets.map((x) => x.name)).toEqual([
      'CALLOPS_BASE_URL',
      'CALLOPS_ACCOUNT_SID',
      'CALLOPS_API_KEY',
    ]);
  });

  it('names the missing variables when only some are set', () => {
    const { spec: s, diagnostics } = envTarget({
      CALLOPS_BASE_URL: full.CALLOPS_BASE_URL,
      CALLOPS_API_KEY: '',
    });
    expect(s).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]?.severity).toBe('error');
    expect(diagnostics[0]?.message).toMatch(/^CALLOPS_ACCOUNT_SID and CALLOPS_API_KEY are not set/);
  });
});

describe('secretsOf', () => {
  it('keeps each value once and remembers it is always secret', () => {
    expect(
      secretsOf(
        [{ name: 'A', value: 'same-value' }],
        [
          { name: 'B', value: 'same-value', always: true },
          { name: 'C', value: 'other' },
        ],
      ),
    ).toEqual([
      { name: 'A', value: 'same-value', always: true },
      { name: 'C', value: 'other' },
    ]);
  });
});

describe('env files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callops-env-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a dotenv file without touching process.env', async () => {
    const file = join(dir, '.env');
    await writeFile(
      file,
      '# comment\nCALLOPS_TEST_ONLY_KEY=from-file\nQUOTED="two\\nlines"\nexport_NOT=1\n',
    );
    const read = await readEnvFile(file);
    expect(read).toEqual({
      env: { CALLOPS_TEST_ONLY_KEY: 'from-file', QUOTED: 'two\nlines', export_NOT: '1' },
    });
    expect(process.env.CALLOPS_TEST_ONLY_KEY).toBeUndefined();
  });

  it('reports a missing file with its code', async () => {
    const read = await readEnvFile(join(dir, 'absent.env'));
    expect(read).toEqual({ code: 'ENOENT', error: 'no such file' });
  });

  it('lets the real environment win', () => {
    expect(mergeEnv({ A: 'file', B: 'file' }, { A: 'real', C: 'real', D: undefined })).toEqual({
      A: 'real',
      B: 'file',
      C: 'real',
    });
  });
});
