// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { describe, expect, it } from 'vitest';
import type { PathSegments } from '../../src/config/types.js';
import { interpolate, requestsFor, resolveCall, resolveCalls } from '../../src/resolve/index.js';
import type { CallDefinition } from '../../src/validate/model.js';

describe('interpolate', () => {
  it('expands references at any depth and collects the values as secrets', () => {
    const input = {
      a: '${ALPHA}',
      list: ['x-${BETA}-y', { deep: '${GAMMA:-fallback}' }],
      n: 5,
      yes: true,
      none: null,
    };
    const r = interpolate(input, { ALPHA: 'alpha-value', BETA: 'beta-value', GAMMA: '' });
    expect(r.value).toEqual({
      a: 'alpha-value',
      list: ['x-beta-value-y', { deep: 'fallback' }],
      n: 5,
      yes: true,
      none: null,
    });
    expect(r.missing).toEqual([]);
    expect(r.secrets).toEqual([
      { name: 'ALPHA', value: 'alpha-value' },
      { name: 'BETA', value: 'beta-value' },
    ]);
    expect(input.a).toBe('${ALPHA}');
  });

  it('uses the fallback when unset or empty, the value otherwise', () => {
    const v = (env: Record<string, string | undefined>) => interpolate('${X:-60}', env).value;
    expect(v({})).toBe('60');
    expect(v({ X: '' })).toBe('60');
    expect(v({ X: '45' })).toBe('45');
    expect(interpolate('${X:-}', {}).value).toBe('');
  });

  it('resolves references in a fallback, as the shell does, when the fallback is used', () => {
    const v = (env: Record<string, string | undefined>) => interpolate('${A:-${B}}', env);
    expect(v({ B: '+15550003333' }).value).toBe('+15550003333');
    expect(v({ B: '+15550003333' }).secrets).toEqual([{ name: 'B', value: '+15550003333' }]);
    expect(v({ A: '+15550001111' }).value).toBe('+15550001111');
    // B is needed only when A is unset or empty.
    expect(v({ A: '+15550001111' }).missing).toEqual([]);
    expect(v({}).missing).toEqual([{ name: 'B', path: [] }]);
    expect(interpolate('x${A:-${B:-${C:-deep}}-b}y', {}).value).toBe('xdeep-by');
    expect(interpolate('${A:-$${B}}', {}).value).toBe('${B}');
    expect(interpolate('${A:-a}b}', {}).value).toBe('ab}');
  });

  it('finds a malformed fallback whether or not it is used', () => {
    for (const text of ['${A:-${1B}}', '${A:-${B}', '${A:-x']) {
      expect(interpolate(text, { A: 'set' }).malformed).toHaveLength(1);
      expect(interpolate(text, {}).malformed).toHaveLength(1);
    }
    const nested = (depth: number) => `${'${A:-'.repeat(depth)}x${'}'.repeat(depth)}`;
    expect(interpolate(nested(8), {})).toMatchObject({ value: 'x', malformed: [] });
    expect(interpolate(nested(9), {}).malformed).toHaveLength(1);
    expect(interpolate(nested(100_000), {}).malformed).toHaveLength(1);
    // Unclosed, each level is read once: read again from each `${`, this would not end.
    expect(interpolate('${A:-'.repeat(200_000), {}).malformed).toHaveLength(1);
  });

  it('keeps an empty value without fallback (set is not missing)', () => {
    const r = interpolate({ tag: '${EMPTY}' }, { EMPTY: '' });
    expect(r.value).toEqual({ tag: '' });
    expect(r.missing).toEqual([]);
    expect(r.secrets).toEqual([]);
  });

  it('writes $${ as a literal ${', () => {
    const r = interpolate('cost: $${PRICE} and ${PRICE}', { PRICE: '9.99' });
    expect(r.value).toBe('cost: ${PRICE} and 9.99');
    expect(interpolate('$$${A}', { A: 'xx' }).value).toBe('$${A}');
  });

  it('keeps a string a string, whatever it holds', () => {
    expect(interpolate({ timeout: '${T}', flag: '${F}' }, { T: '45', F: 'true' }).value).toEqual({
      timeout: '45',
      flag: 'true',
    });
  });

  it('reports every missing variable with its path', () => {
    const r = interpolate(
      { application_sid: '${APP}', to: { number: '${N1}${N2}' }, list: ['${APP}'] },
      { N1: 'here' },
    );
    expect(r.missing).toEqual([
      { name: 'APP', path: ['application_sid'] },
      { name: 'N2', path: ['to', 'number'] },
      { name: 'APP', path: ['list', 0] },
    ]);
  });

  it('reports malformed references', () => {
    const r = interpolate({ a: '${1A}', b: '${OPEN', c: '${ SPACED }', d: 'fine' }, {});
    expect(r.malformed.map((m) => m.path)).toEqual([['a'], ['b'], ['c']]);
    expect(r.missing).toEqual([]);
  });
});

const positions: Record<string, { line: number; column: number }> = {
  '': { line: 3, column: 5 },
  application_sid: { line: 4, column: 22 },
  'to/number': { line: 6, column: 15 },
  timeout: { line: 7, column: 14 },
};
const def = (name: string, options: Record<string, unknown>): CallDefinition => ({
  name,
  file: `calls/${name}.yaml`,
  line: 3,
  column: 5,
  enabled: true,
  options,
  definition: `sha256:${name}`,
  locate: (path: PathSegments) => ({
    file: `calls/${name}.yaml`,
    path: path.map((p) => `/${p}`).join(''),
    ...(positions[path.join('/')] ?? { line: 3, column: 5 }),
  }),
});

describe('resolveCall', () => {
  const options = {
    application_sid: '${VG_APP_SID}',
    from: '+15550001111',
    to: { type: 'phone', number: '${ALICE_NUMBER}' },
  };

  it('resolves a body and its secrets', () => {
    const r = resolveCall(def('welcome', options), {
      VG_APP_SID: 'app-sid-1234',
      ALICE_NUMBER: '+15550002222',
    });
    expect(r).toEqual({
      ok: true,
      body: {
        application_sid: 'app-sid-1234',
        from: '+15550001111',
        to: { type: 'phone', number: '+15550002222' },
      },
      secrets: [
        { name: 'VG_APP_SID', value: 'app-sid-1234' },
        { name: 'ALICE_NUMBER', value: '+15550002222' },
      ],
    });
  });

  it('names each missing variable at its position', () => {
    const r = resolveCall(def('welcome', options), {});
    expect(r).toEqual({
      ok: false,
      diagnostics: [
        {
          file: 'calls/welcome.yaml',
          line: 4,
          column: 22,
          path: '/application_sid',
          message:
            'missing environment variable VG_APP_SID (referenced at /application_sid; set it in the environment or in .env)',
          severity: 'error',
        },
        {
          file: 'calls/welcome.yaml',
          line: 6,
          column: 15,
          path: '/to/number',
          message:
            'missing environment variable ALICE_NUMBER (referenced at /to/number; set it in the environment or in .env)',
          severity: 'error',
        },
      ],
    });
  });

  it('under --env-file, names that file and .env (read under it) where to set a missing variable', () => {
    const r = resolveCall(def('welcome', options), { VG_APP_SID: 'app' }, 'vars/prod.env');
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'missing environment variable ALICE_NUMBER (referenced at /to/number; set it in the environment, in .env or in vars/prod.env (--env-file))',
    ]);
  });

  it('points into the defaults a reference was inherited from', () => {
    const inherited: CallDefinition = {
      ...def('welcome', options),
      locate: (path: PathSegments) =>
        path[0] === 'application_sid'
          ? { file: 'callops.yaml', line: 9, column: 20, path: '/defaults/application_sid' }
          : { line: 3, column: 5 },
    } as CallDefinition;
    const r = resolveCall(inherited, { ALICE_NUMBER: '+15550002222' });
    expect(!r.ok && r.diagnostics).toEqual([
      {
        file: 'callops.yaml',
        line: 9,
        column: 20,
        path: '/defaults/application_sid',
        message:
          'missing environment variable VG_APP_SID (referenced at /application_sid; set it in the environment or in .env)',
        severity: 'error',
      },
    ]);
  });

  it('turns an integer option given by reference into a number', () => {
    const r = resolveCall(
      def('t', { timeout: '${T}', timeLimit: '${L:-600}', tag: { n: '${T}' } }),
      {
        T: '45',
      },
    );
    expect(r.ok && r.body).toEqual({ timeout: 45, timeLimit: 600, tag: { n: '45' } });
  });

  it('refuses an integer option that does not resolve to a positive integer', () => {
    for (const value of ['4a', '0', '-3', '1.5', '']) {
      const r = resolveCall(def('t', { timeout: '${T}' }), { T: value });
      expect(r).toEqual({
        ok: false,
        diagnostics: [
          expect.objectContaining({
            line: 7,
            column: 14,
            message: expect.stringMatching(
              /^timeout: \$\{T\} must resolve to (a positive integer|an integer)$/,
            ),
          }),
        ],
      });
    }
  });

  it('checks resolved values against the schema of literals, naming the reference only', () => {
    const r = resolveCall(
      def('v', {
        from: '${F}',
        to: { type: 'phone', number: '${N}' },
        amd: { actionHook: '/amd', thresholdWordCount: '${W}' },
      }),
      { F: 'x'.repeat(300), N: '+49 151 1234; DROP', W: 'five' },
    );
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      'from: ${F} resolves to a value that must be at most 256 characters long',
      'to.number: ${N} must resolve to a phone number: an optional + and 3–15 digits',
      'amd.thresholdWordCount: ${W} must resolve to a number',
    ]);
  });

  it('sends a nested number given by reference as a number, other strings as written', () => {
    const r = resolveCall(
      def('n', {
        amd: { actionHook: '/amd', thresholdWordCount: '${W}' },
        headers: { 'X-A': '${W}' },
      }),
      { W: '5' },
    );
    expect(r.ok && r.body).toEqual({
      amd: { actionHook: '/amd', thresholdWordCount: 5 },
      headers: { 'X-A': '5' },
    });
  });

  it('checks a resolved value holding ${ as a literal, wherever the ${ came from', () => {
    const cases: [Record<string, unknown>, Record<string, string>, string][] = [
      [{ to: { type: 'phone', number: '$${LIT}' } }, {}, 'to.number: $${LIT} must resolve to'],
      [{ to: { type: 'phone', number: '${TO}' } }, { TO: '+1555${x}' }, 'to.number: ${TO} must'],
      [{ to: { type: 'phone', number: '${A:-$${B}}' } }, {}, 'to.number: ${A:-$${B}} must'],
      [{ timeout: '$${X}' }, {}, 'timeout: $${X} must resolve to'],
      [{ timeout: '${T}' }, { T: '${X}' }, 'timeout: ${T} must resolve to'],
      [{ actionHook: '${H}' }, { H: 'https://x.example.com/${a}' }, 'actionHook: ${H} must'],
    ];
    for (const [options, env, message] of cases) {
      const r = resolveCall(def('lit', options), env);
      expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
        expect.stringContaining(message),
      ]);
    }
  });

  it('sends a resolved ${ as it is where any text is allowed', () => {
    const r = resolveCall(def('tag', { tag: { note: '$${NOT_A_VAR}', v: '${V}' } }), {
      V: 'a${b}',
    });
    expect(r.ok && r.body).toEqual({ tag: { note: '${NOT_A_VAR}', v: 'a${b}' } });
  });

  it('dials the variable a fallback names', () => {
    const r = resolveCall(def('f', { to: { type: 'phone', number: '${PRIMARY:-${BACKUP}}' } }), {
      BACKUP: '+15550003333',
    });
    expect(r.ok && r.body).toEqual({ to: { type: 'phone', number: '+15550003333' } });
  });

  it('reports values that break a rule together with the missing variables', () => {
    const r = resolveCall(
      def('both', {
        application_sid: '${VG_APP_SID}',
        to: { type: 'phone', number: '${TO2:-}' },
        timeout: '${TMO}',
      }),
      { TO2: '', TMO: 'abc' },
    );
    expect(!r.ok && r.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [
        4,
        'missing environment variable VG_APP_SID (referenced at /application_sid; set it in the environment or in .env)',
      ],
      [6, expect.stringMatching(/^to\.number: \$\{TO2:-\} must resolve to a phone number/)],
      [7, expect.stringMatching(/^timeout: \$\{TMO\} must resolve to/)],
    ]);
  });

  it('refuses a character that does not print in from or a destination, at the reference, never quoting the value', () => {
    const options = {
      from: '${FROM}',
      to: {
        type: 'sip',
        sipUri: 'sip:${USER}@example.com',
        auth: { username: 'u', password: '${PW}' },
      },
    };
    const env = { FROM: '+1555\n0001111', USER: 'a\u001b[2J\u202e', PW: 'p\u0000w' };
    const r = resolveCall(def('c', options), env);
    expect(!r.ok && r.diagnostics.map((d) => [d.path, d.message])).toEqual([
      [
        '/from',
        'from: ${FROM} resolves to a value that holds \\n, a character that does not print: it would be sent and dialled as written',
      ],
      [
        '/to/sipUri',
        'to.sipUri: sip:${USER}@example.com resolves to a value that holds \\u001b, a character that does not print: it would be sent and dialled as written',
      ],
    ]);
    for (const d of !r.ok ? r.diagnostics : []) expect(d.message).not.toContain('0001111');
    for (const c of ['\u0000', '\u007f', '\u0085', '\u2028', '\u202e', '\u2066']) {
      const one = resolveCall(
        def('c', { from: '+15550001111', to: { type: 'user', name: '${N}' } }),
        {
          N: `bob${c}`,
        },
      );
      expect(one.ok).toBe(false);
    }
    // A secret is not a destination: a password may hold any character.
    const ok = resolveCall(def('c', options), { ...env, FROM: '+15550001111', USER: 'a' });
    expect(ok.ok).toBe(true);
  });

  it('refuses a line break in callerName or fromHost, or white space in fromHost, at the reference, never quoting the value', () => {
    const options = {
      from: '+15550001111',
      to: { type: 'user', name: 'bob' },
      callerName: '${LF}',
      fromHost: '${HOST}',
      headers: { 'X-Agent': '${AGENT}' },
    };
    const env = {
      LF: 'Clinic\nP-Asserted-Identity: <sip:evil@x>',
      HOST: 'sip.example.com\u200b',
      AGENT: '👩\u200d⚕️ Nurse line',
    };
    const r = resolveCall(def('c', options), env);
    expect(!r.ok && r.diagnostics.map((d) => [d.path, d.message])).toEqual([
      [
        '/fromHost',
        'fromHost: ${HOST} resolves to a value that holds \\u200b, which a host name does not hold (white space, or a character that does not print): it would be sent in the From header as written',
      ],
      [
        '/callerName',
        'callerName: ${LF} resolves to a value that holds \\n, a line break or control character: it would be sent in the From header as written (a line break there starts a header of its own)',
      ],
    ]);
    for (const d of !r.ok ? r.diagnostics : []) expect(d.message).not.toContain('Asserted');
    // A display name and a header value are text: an emoji's joiner and an RLM are sent.
    const ok = resolveCall(def('c', options), {
      ...env,
      LF: 'عيادة\u200f 123',
      HOST: 'sip.example.com',
    });
    expect(ok.ok && ok.body).toMatchObject({
      callerName: 'عيادة\u200f 123',
      fromHost: 'sip.example.com',
      headers: { 'X-Agent': '👩\u200d⚕️ Nurse line' },
    });
  });

  it('refuses a $NAME a reference puts into from or application_sid, at the reference, never quoting the value', () => {
    const options = {
      application_sid: '${AS}',
      from: '${NOPE:-${V}}',
      to: { type: 'sip', sipUri: 'sip:${AGENT}@example.com' },
      tag: { note: '${NOTE}' },
    };
    const env = { AS: '$APP_SID', V: '$FROM', AGENT: '$agent', NOTE: 'costs $USD' };
    const r = resolveCall(def('b', options), env);
    const why = 'it is sent as written, as no reference is read inside a value';
    expect(!r.ok && r.diagnostics.map((d) => [d.path, d.severity, d.message])).toEqual([
      [
        '/application_sid',
        'error',
        `application_sid: \${AS} resolves to a value that holds a \`$NAME\`: ${why} (no application sid holds a \`$\`)`,
      ],
      [
        '/from',
        'error',
        `from: \${NOPE:-\${V}} resolves to a value that holds a \`$NAME\`: ${why} (no calling number holds a \`$\`)`,
      ],
    ]);
    for (const d of !r.ok ? r.diagnostics : []) {
      expect(d.message).not.toContain('FROM');
      expect(d.message).not.toContain('APP_SID');
    }
    // Made of pieces, or put together with text written beside the reference, alike.
    const pieces = resolveCall(def('p', { ...options, application_sid: 'a', from: '${D}FROM' }), {
      ...env,
      D: '$',
    });
    expect(!pieces.ok && pieces.diagnostics.map((d) => d.path)).toEqual(['/from']);
    // A `$` before no name, a doubled one, or a `${` from `$${`, is no `$NAME`; elsewhere
    // (a SIP URI, a tag) a value's `$NAME` is the value's own, and the call is sent with it.
    for (const from of ['$5', '$$FROM', 'US$', '$${FROM}']) {
      const ok = resolveCall(def('ok', { ...options, application_sid: 'a', from: '${F}' }), {
        ...env,
        F: from,
      });
      expect(ok.ok && ok.body, from).toMatchObject({
        from,
        to: { sipUri: 'sip:$agent@example.com' },
        tag: { note: 'costs $USD' },
      });
      expect(ok.ok && ok.warnings, from).toBeUndefined();
    }
  });

  it('reports a malformed reference', () => {
    const r = resolveCall(def('m', { from: '${FROM' }), {});
    expect(!r.ok && r.diagnostics[0]?.message).toMatch(/^malformed reference in `\$\{FROM`/);
  });

  it('says a reference nests its fallbacks too deep, not that it is malformed', () => {
    const nested = (n: number): string =>
      `${Array.from({ length: n }, (_, i) => `\${A${i + 1}:-`).join('')}x${'}'.repeat(n)}`;
    expect(resolveCall(def('d', { tag: { d: nested(8) } }), {}).ok).toBe(true);
    const r = resolveCall(def('d', { tag: { d: nested(9) } }), {});
    expect(!r.ok && r.diagnostics.map((d) => d.message)).toEqual([
      `reference in \`${nested(9)}\` nests fallbacks 9 deep: callops reads up to 8 (\${A:-\${B:-…}} is 2)`,
    ]);
  });
});

describe('resolveCalls', () => {
  it('reports every missing variable of every call at once and keeps good bodies', () => {
    const r = resolveCalls(
      [
        def('a', { application_sid: '${APP}', from: '${FROM_A}' }),
        def('b', { application_sid: '${APP}', from: '+1555' }),
        def('c', { application_sid: '${MISSING_C}' }),
      ],
      { APP: 'app-secret' },
    );
    expect(r.diagnostics.map((d) => [d.file, d.message])).toEqual([
      [
        'calls/a.yaml',
        'missing environment variable FROM_A (referenced at /from; set it in the environment or in .env)',
      ],
      [
        'calls/c.yaml',
        'missing environment variable MISSING_C (referenced at /application_sid; set it in the environment or in .env)',
      ],
    ]);
    expect([...r.bodies.keys()]).toEqual(['b']);
    expect(r.secrets).toEqual([{ name: 'APP', value: 'app-secret' }]);
    const items = [
      { key: 'prod/b', name: 'b', target: 'prod', file: '', line: 1, to: '', definition: '' },
      { key: 'prod/a', name: 'a', target: 'prod', file: '', line: 1, to: '', definition: '' },
    ];
    expect(requestsFor(items, r.bodies)).toEqual([
      { key: 'prod/b', target: 'prod', body: { application_sid: 'app-secret', from: '+1555' } },
    ]);
  });
});
