// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { CALL, error, oneCall, validate, warning, yaml } from './fixtures.js';

const A = 'calls/a.yaml';

describe('call names', () => {
  it('are unique across files: the second use is an error pointing at the first', () => {
    const result = validate({
      'calls/a.yaml': oneCall('welcome'),
      'calls/b.yaml': yaml('# another file', ...oneCall('welcome').trimEnd().split('\n')),
    });
    expect(result.diagnostics).toEqual([
      error(
        'calls/b.yaml',
        3,
        11,
        '/calls/0/name',
        'duplicate call name `welcome` (first defined at calls/a.yaml:2:11)',
      ),
    ]);
  });

  it('are unique within a file and across documents of one file', () => {
    const text = `${oneCall('x')}---\n${oneCall('x')}`;
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        8,
        11,
        '/calls/0/name',
        'duplicate call name `x` (first defined at calls/a.yaml:2:11)',
      ),
    ]);
  });

  it('repeated by a YAML alias: the error is at the alias, the first one at the anchor', () => {
    const text = yaml(
      'calls:',
      '  - &c',
      '    name: x',
      ...CALL.map((l) => `    ${l}`),
      '  - name: y',
      ...CALL.map((l) => `    ${l}`),
      '  - *c',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        11,
        5,
        '/calls/2/name',
        'duplicate call name `x` (first defined at calls/a.yaml:3:11)',
      ),
    ]);
  });

  it('repeated by an alias of a whole list item written on one line: anchor and alias told apart', () => {
    const text = yaml(
      'calls:',
      '  - &c { name: x, application_sid: app-1, from: "+15550001111", to: { type: user, name: bob } }',
      '  - *c',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        3,
        5,
        '/calls/1/name',
        'duplicate call name `x` (first defined at calls/a.yaml:2:16)',
      ),
    ]);
  });

  it('cannot hold a reference', () => {
    expect(validate({ [A]: oneCall('${NAME}') }).diagnostics).toContainEqual(
      error(
        A,
        2,
        11,
        '/calls/0/name',
        "`name` cannot use a reference (`${…}`): a call's name is its identity in the lockfile",
      ),
    );
  });
});

describe('required options after merging defaults', () => {
  const bare = (...lines: string[]) =>
    yaml('calls:', '  - name: bare', ...lines.map((l) => `    ${l}`));

  it('reports each missing option at the call name', () => {
    expect(validate({ [A]: bare('tag: { a: b }') }).diagnostics).toEqual([
      error(
        A,
        2,
        11,
        '/calls/0/name',
        'call `bare` has no `application_sid` (set it on the call or in defaults, or give a `call_hook`)',
      ),
      error(
        A,
        2,
        11,
        '/calls/0/name',
        'call `bare` has no `from` (set it on the call or in defaults)',
      ),
      error(
        A,
        2,
        11,
        '/calls/0/name',
        'call `bare` has no `to` (set it on the call or in defaults)',
      ),
    ]);
  });

  it('accepts `call_hook` in place of application_sid', () => {
    const text = bare(
      'call_hook: https://app.example.com/hook',
      'from: "+15550001111"',
      'to: { type: user, name: bob }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
  });

  it('takes them from file and project defaults', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  application_sid: ${APP_SID}'),
      [A]: yaml(
        'defaults:',
        '  from: "+15550001111"',
        'calls:',
        '  - name: ok',
        '    to: { type: user, name: bob }',
      ),
    });
    expect(result.diagnostics).toEqual([]);
  });

  it('reports a call without a name at the call item', () => {
    const text = yaml('calls:', '  - tag: { a: b }');
    expect(validate({ [A]: text }).diagnostics).toContainEqual(
      error(A, 2, 5, '/calls/0', 'this call has no `from` (set it on the call or in defaults)'),
    );
  });
});

describe('pinned targets', () => {
  const config = yaml(
    'targets:',
    '  staging:',
    '    base_url: https://staging.example.com',
    '    account_sid: ${SID}',
    '    api_key: ${KEY}',
  );

  it('must be defined in callops.yaml, with a suggestion when close', () => {
    const result = validate({ 'callops.yaml': config, [A]: oneCall('x', 'target: stagin') });
    expect(result.diagnostics).toEqual([
      error(
        A,
        6,
        13,
        '/calls/0/target',
        'target `stagin` is not defined in callops.yaml — did you mean `staging`?',
      ),
    ]);
  });

  it('lists the defined targets when nothing is close', () => {
    const result = validate({ 'callops.yaml': config, [A]: oneCall('x', 'target: production') });
    expect(result.diagnostics).toEqual([
      error(
        A,
        6,
        13,
        '/calls/0/target',
        'target `production` is not defined in callops.yaml (it defines staging; also available: env, simulator)',
      ),
    ]);
  });

  it('says so when there is no callops.yaml', () => {
    expect(validate({ [A]: oneCall('x', 'target: production') }).diagnostics).toEqual([
      error(
        A,
        6,
        13,
        '/calls/0/target',
        'target `production` is not defined: there is no callops.yaml (available: env, simulator)',
      ),
    ]);
  });

  it('accepts the reserved names env and simulator', () => {
    expect(validate({ [A]: oneCall('x', 'target: env') }).diagnostics).toEqual([]);
    expect(validate({ [A]: oneCall('x', 'target: simulator') }).diagnostics).toEqual([]);
  });

  it('are reported where the target was written, in file defaults too', () => {
    const text = yaml('defaults:', '  target: stagin', ...oneCall('x').trimEnd().split('\n'));
    expect(validate({ 'callops.yaml': config, [A]: text }).diagnostics).toEqual([
      error(
        A,
        2,
        11,
        '/defaults/target',
        'target `stagin` is not defined in callops.yaml — did you mean `staging`?',
      ),
    ]);
  });

  it('cannot hold a reference', () => {
    expect(
      validate({ 'callops.yaml': config, [A]: oneCall('x', 'target: ${T}') }).diagnostics,
    ).toContainEqual(
      error(
        A,
        6,
        13,
        '/calls/0/target',
        '`target` cannot use a reference (`${…}`): write the target name',
      ),
    );
  });
});

describe('enabled', () => {
  it('cannot hold a reference', () => {
    expect(validate({ [A]: oneCall('x', 'enabled: ${ON}') }).diagnostics).toContainEqual(
      error(
        A,
        6,
        14,
        '/calls/0/enabled',
        '`enabled` cannot use a reference (`${…}`): write true or false',
      ),
    );
  });

  it('defaults to true and may come from defaults', () => {
    const result = validate({
      [A]: yaml('defaults: { enabled: false }', ...oneCall('x').trimEnd().split('\n')),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.calls[0]?.enabled).toBe(false);
    expect(validate({ [A]: oneCall('x') }).calls[0]?.enabled).toBe(true);
  });
});

describe('numbers', () => {
  it('without a leading + draw a warning at the number', () => {
    const text = yaml(
      'calls:',
      '  - name: x',
      '    application_sid: a',
      '    from: "5550001111"',
      '    to: { type: phone, number: "15550002222" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      warning(
        A,
        5,
        32,
        '/calls/0/to/number',
        'number has no leading + — the gateway may dial it as a local number',
      ),
    ]);
  });

  it('are checked for teams too, where they came from (project defaults)', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  to:', '    type: teams', '    number: "4930123456"'),
      [A]: yaml('calls:', '  - name: x', '    application_sid: a', '    from: "+15550001111"'),
    });
    expect(result.diagnostics).toEqual([
      warning(
        'callops.yaml',
        4,
        13,
        '/defaults/to/number',
        'number has no leading + — the gateway may dial it as a local number',
      ),
    ]);
  });

  it('are not judged when they hold a reference', () => {
    const text = yaml(
      'calls:',
      '  - name: x',
      '    application_sid: a',
      '    from: "+1555"',
      '    to: { type: phone, number: "${TO}" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
  });
});

describe('numbers JSON cannot carry', () => {
  const not = (what: string) =>
    `this value is ${what} and cannot be sent: JSON has no infinity or NaN (it would go as null); write a number, or quote it to send text`;
  const INF = not('infinity (`.inf`, or a number too large for a double)');
  const big = (sent: string) =>
    `this integer is beyond 2^53 and loses digits: it would be sent as ${sent}; quote it to send its digits as text`;

  it('infinity and NaN are errors, anywhere in the options, at the value', () => {
    const text = oneCall('x', 'tag: { d: .inf, list: [1, .nan], deep: { n: -.inf } }');
    const messages = validate({ [A]: text }).diagnostics.map((d) => [
      d.line,
      d.column,
      d.path,
      d.message,
    ]);
    expect(messages).toEqual([
      [6, 15, '/calls/0/tag/d', INF],
      [6, 31, '/calls/0/tag/list/1', not('not a number (`.nan`)')],
      [
        6,
        49,
        '/calls/0/tag/deep/n',
        not('minus infinity (`-.inf`, or a number too large for a double)'),
      ],
    ]);
  });

  it('an integer beyond 2^53 draws a warning with a hint to quote it', () => {
    const text = oneCall(
      'x',
      'tag: { i: 12345678901234567890, ok: 9007199254740991, q: "12345678901234567890" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      warning(A, 6, 15, '/calls/0/tag/i', big('12345678901234567000')),
    ]);
  });

  it('a round number beyond 2^53 (scientific notation) loses nothing: no warning', () => {
    const text = oneCall('x', 'tag: { b: 1.5e300, s: 6.02e23, t: -2.5e+300 }');
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
    // Written as JSON does not write them, they draw that warning alone.
    const other = oneCall('x', 'tag: { a: 1e16, c: 2.5E+20 }');
    expect(validate({ [A]: other }).diagnostics.map((d) => d.message)).toEqual([
      '`tag.a`: 1e16 is sent as the number 10000000000000000; quote it ("1e16") to send it as written',
      '`tag.c`: 2.5E+20 is sent as the number 250000000000000000000; quote it ("2.5E+20") to send it as written',
    ]);
    const huge = validate({ [A]: oneCall('x', 'tag: { h: 1e400 }') }).diagnostics;
    expect(huge.map((d) => d.message)).toEqual([INF]);
  });

  it('are found in file and project defaults, once at the place that wrote them', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  tag: { n: .nan }'),
      [A]: yaml(
        'defaults:',
        '  tag: { big: 9007199254740993 }',
        ...oneCall('x').split('\n').slice(0, -1),
        ...oneCall('y').split('\n').slice(1, -1),
      ),
    });
    expect(result.diagnostics).toEqual([
      error('callops.yaml', 2, 13, '/defaults/tag/n', not('not a number (`.nan`)')),
      warning(A, 2, 15, '/defaults/tag/big', big('9007199254740992')),
    ]);
  });

  it('a value the schema refuses is reported once, by the schema', () => {
    const text = oneCall('x', 'timeLimit: .inf');
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 6, 16, '/calls/0/timeLimit', 'must be an integer, got number Infinity'),
    ]);
  });
});

describe('numbers written otherwise than JSON writes them', () => {
  const sent = (path: string, written: string, value: string) =>
    `\`${path}\`: ${written} is sent as the number ${value}; quote it ("${written}") to send it as written`;
  const zero = (path: string, written: string, value: string, zeros = 'zero') =>
    `\`${path}\`: ${written} would be sent as the number ${value}, without its leading ${zeros}; quote it ("${written}") to send it as written`;

  it('in a tag: a leading zero is an error, another form a warning, each at the value', () => {
    const text = oneCall(
      'x',
      'tag:',
      '  phone: 015550100123',
      '  zip: 01234',
      '  octal: 0o17',
      '  hex: 0x1F',
      '  flt: 1.10',
      '  plus: +1',
      '  exp: 1e3',
      '  half: .5',
      '  neg: -007',
      '  ok: [0, 0.5, 42, -3, 1.5e-7, 1_000, "01234", \'0x1F\']',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 7, 14, '/calls/0/tag/phone', zero('tag.phone', '015550100123', '15550100123')),
      error(A, 8, 12, '/calls/0/tag/zip', zero('tag.zip', '01234', '1234')),
      warning(A, 9, 14, '/calls/0/tag/octal', sent('tag.octal', '0o17', '15')),
      warning(A, 10, 12, '/calls/0/tag/hex', sent('tag.hex', '0x1F', '31')),
      warning(A, 11, 12, '/calls/0/tag/flt', sent('tag.flt', '1.10', '1.1')),
      warning(A, 12, 13, '/calls/0/tag/plus', sent('tag.plus', '+1', '1')),
      warning(A, 13, 12, '/calls/0/tag/exp', sent('tag.exp', '1e3', '1000')),
      warning(A, 14, 13, '/calls/0/tag/half', sent('tag.half', '.5', '0.5')),
      error(A, 15, 12, '/calls/0/tag/neg', zero('tag.neg', '-007', '-7', 'zeros')),
    ]);
  });

  it('nested in a tag, and in defaults once at the place that wrote them', () => {
    const result = validate({
      'callops.yaml': yaml('defaults:', '  tag: { zip: 01234 }'),
      [A]: yaml(
        'defaults:',
        '  tag: { deep: { list: [1, 0x10] } }',
        ...oneCall('x', 'tag: { a: { b: [007] } }').split('\n').slice(0, -1),
        ...oneCall('y').split('\n').slice(1, -1),
      ),
    });
    expect(result.diagnostics).toEqual([
      error('callops.yaml', 2, 15, '/defaults/tag/zip', zero('tag.zip', '01234', '1234')),
      warning(A, 2, 28, '/defaults/tag/deep/list/1', sent('tag.deep.list.1', '0x10', '16')),
      error(A, 8, 21, '/calls/0/tag/a/b/0', zero('tag.a.b.0', '007', '7', 'zeros')),
    ]);
  });

  it('in every free-form object of an option, not where the option takes a number', () => {
    const text = oneCall(
      'x',
      'listen: { url: "wss://x.test/audio", metadata: { zip: 01234 } }',
      'amd: { actionHook: /amd, thresholdWordCount: 05 }',
      'timeout: 0x1E',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 6, 59, '/calls/0/listen/metadata/zip', zero('listen.metadata.zip', '01234', '1234')),
    ]);
  });

  it('through an alias: at the alias, as written at its anchor', () => {
    const text = yaml(
      'defaults:',
      '  tag: &t { zip: 01234 }',
      'calls:',
      '  - name: x',
      ...CALL.map((l) => `    ${l}`),
      '    tag: *t',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 8, 10, '/calls/0/tag/zip', zero('tag.zip', '01234', '1234')),
    ]);
  });
});

describe('characters that do not print in from and to', () => {
  const call = (from: string, to: string) =>
    yaml('calls:', '  - name: x', '    application_sid: a', `    from: ${from}`, `    to: ${to}`);

  it('are errors at the value, named as printed', () => {
    const text = call('"+1555\\t0001111"', '{ type: user, name: "bob\\e[2J\\nplaced" }');
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        4,
        11,
        '/calls/0/from',
        '`from` holds \\t, a character that does not print: it would be sent and dialled as written',
      ),
      error(
        A,
        5,
        29,
        '/calls/0/to/name',
        '`to.name` holds \\u001b, a character that does not print: it would be sent and dialled as written',
      ),
    ]);
  });

  it('are reported once where the schema already refuses the value', () => {
    const text = call('"+15550001111"', '{ type: phone, number: "+1555000\\n1111" }');
    const found = validate({ [A]: text }).diagnostics;
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/^must be a phone number/);
  });
});

describe('SIP headers', () => {
  const call = (headers: string) =>
    yaml(
      'calls:',
      '  - name: x',
      '    application_sid: a',
      '    from: "+15550001111"',
      '    to: { type: user, name: bob }',
      `    headers: ${headers}`,
    );
  const why =
    'a line break or control character: it would be sent in the SIP header as written (a line break there starts a header of its own)';

  it('a value holding a line break, NUL or another control character is an error at it; a tab is not', () => {
    const text = call('{ X-A: "a\\r\\nB: c", X-B: "a\\0", X-C: "a\\e[2J", X-Tab: "a\\tb" }');
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 6, 21, '/calls/0/headers/X-A', `\`headers.X-A\` holds \\r, ${why}`),
      error(A, 6, 39, '/calls/0/headers/X-B', `\`headers.X-B\` holds \\u0000, ${why}`),
      error(A, 6, 51, '/calls/0/headers/X-C', `\`headers.X-C\` holds \\u001b, ${why}`),
    ]);
  });

  it('a value may hold the format characters of real text (an emoji joiner, a right-to-left mark), not NEL, DEL or U+2028', () => {
    const text = call(
      '{ X-Agent: "👩\\u200d⚕️ Nurse line", X-Greeting: "مرحبا\\u200f 123", X-Bidi: "\\u202bab\\u202c\\u200c\\ufeff" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
    for (const [c, shown] of [
      ['\\x85', '\\u0085'],
      ['\\x7f', '\\u007f'],
      ['\\u2028', '\\u2028'],
      ['\\u2029', '\\u2029'],
      ['\\x9b', '\\u009b'],
      ['\\u200d\\x0b', '\\u000b'],
    ]) {
      const found = validate({ [A]: call(`{ X-A: "a${c}b" }`) }).diagnostics;
      expect(found.map((d) => d.message)).toEqual([`\`headers.X-A\` holds ${shown}, ${why}`]);
    }
  });

  it('a name that is not an RFC 3261 token is an error at the key', () => {
    const names = ['"Bad Name"', '"X-A:"', '"X-\\u00e9"', '""'];
    for (const name of names) {
      const found = validate({ [A]: call(`{ ${name}: v }`) }).diagnostics;
      expect(
        found.map((d) => [d.line, d.column, d.message]),
        name,
      ).toEqual([
        [
          6,
          16,
          expect.stringMatching(
            /^key must be a SIP header name: letters, digits and -\.!%\*_\+`'~ \(no space or colon\), got /,
          ),
        ],
      ]);
    }
    const tokens = '{ X-Ok: v, x.y_z: v, "a!%*+`\'~": v, P-Asserted-Identity: v }';
    expect(validate({ [A]: call(tokens) }).diagnostics).toEqual([]);
  });

  it("a name under `to.headers` is held to the same rule: in a call, its defaults and callops.yaml's defaults", () => {
    const to = (headers: string) =>
      `{ type: sip, sipUri: "sip:bob@example.com", headers: { ${headers}: v } }`;
    const config = ['  to:', to('"X-C\\nX-Injected"')].join(' ');
    const defaults = ['  to:', to('"Bad Name:"')].join(' ');
    const inCall = ['    to:', to('"X-A\\r\\nP-Asserted-Identity"')].join(' ');
    /** The 1-based column of the header name on the line. */
    const key = (line: string) => line.indexOf('headers: { ') + 'headers: { '.length + 1;
    const rule =
      /^key must be a SIP header name: letters, digits and -\.!%\*_\+`'~ \(no space or colon\), got /;
    const found = validate({
      'callops.yaml': yaml(
        'targets: { t: { base_url: "https://vg.example.com", account_sid: a, api_key: "${K}" } }',
        'defaults:',
        config,
      ),
      [A]: yaml(
        'defaults:',
        defaults,
        'calls:',
        '  - name: x',
        '    application_sid: a',
        '    from: "+15550001111"',
        inCall,
      ),
    }).diagnostics.filter((d) => d.severity === 'error');
    expect(found.map((d) => [d.file, d.line, d.column, d.path, d.message])).toEqual([
      [
        'callops.yaml',
        3,
        key(config),
        '/defaults/to/headers/X-C\nX-Injected',
        expect.stringMatching(rule),
      ],
      [A, 2, key(defaults), '/defaults/to/headers/Bad Name:', expect.stringMatching(rule)],
      [
        A,
        7,
        key(inCall),
        '/calls/0/to/headers/X-A\r\nP-Asserted-Identity',
        expect.stringMatching(rule),
      ],
    ]);
    expect(found[2]?.message).toContain('got "X-A\\r\\nP-Asserted-Identity"');
    const tokens = 'X-Ok: v, x.y_z: v, "a!%*+`\'~": v, P-Asserted-Identity';
    const tokensCall = yaml(
      'calls:',
      '  - name: y',
      '    application_sid: a',
      '    from: "+15550001111"',
      `    to: ${to(tokens)}`,
    );
    expect(validate({ [A]: tokensCall }).diagnostics).toEqual([]);
  });
});

describe('text sent in the From header or below `to`', () => {
  const call = (...lines: string[]) =>
    yaml(
      'calls:',
      '  - name: x',
      '    application_sid: a',
      '    from: "+15550001111"',
      ...lines.map((l) => `    ${l}`),
    );
  const into = (header: string) =>
    `a line break or control character: it would be sent in ${header} as written (a line break there starts a header of its own)`;
  const host =
    'which a host name does not hold (white space, or a character that does not print): it would be sent in the From header as written';
  const dialled = 'a character that does not print: it would be sent and dialled as written';

  it('a line break in callerName or fromHost is an error at it', () => {
    const text = call(
      'to: { type: user, name: bob }',
      'callerName: "Example Clinic\\r\\nP-Asserted-Identity: <sip:+15550009999@evil.example>"',
      'fromHost: "sip.example.com\\r\\nX-Injected: 1"',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        6,
        17,
        '/calls/0/callerName',
        `\`callerName\` holds \\r, ${into('the From header')}`,
      ),
      error(A, 7, 15, '/calls/0/fromHost', `\`fromHost\` holds \\r, ${host}`),
    ]);
  });

  it('fromHost is a host name: a format character or white space is an error too', () => {
    for (const [value, shown] of [
      ['sip.example.com\\u200b', '\\u200b'],
      ['sip.example .com', '\\u0020'],
      ['\\u00a0sip.example.com', '\\u00a0'],
      ['sip.example.com\\t', '\\t'],
    ]) {
      const found = validate({
        [A]: call('to: { type: user, name: bob }', `fromHost: "${value}"`),
      });
      expect(found.diagnostics.map((d) => d.message)).toEqual([
        `\`fromHost\` holds ${shown}, ${host}`,
      ]);
    }
    const ok = call('to: { type: user, name: bob }', 'fromHost: "sip.example.com"');
    expect(validate({ [A]: ok }).diagnostics).toEqual([]);
  });

  it('callerName takes what a header value takes: a tab and the format characters of real text', () => {
    const text = call(
      'to: { type: user, name: bob }',
      'callerName: "👩\\u200d⚕️\\tعيادة\\u200f 123"',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
  });

  it('the headers, From user and host and auth username of `to` are refused as the options are', () => {
    const text = call(
      'to:',
      '  type: sip',
      '  sipUri: "sip:bob@example.com"',
      '  headers: { X-T: "a\\nB: c", X-Ok: "مرحبا\\u200f" }',
      '  from: { user: "u\\u200b", host: "h\\rY: 2" }',
      '  auth: { username: "u\\r\\nZ: 3", password: "p\\r\\nw" }',
    );
    expect(validate({ [A]: text }).diagnostics.map((d) => [d.path, d.message])).toEqual([
      ['/calls/0/to/headers/X-T', `\`to.headers.X-T\` holds \\n, ${into('the SIP header')}`],
      ['/calls/0/to/from/user', `\`to.from.user\` holds \\u200b, ${dialled}`],
      ['/calls/0/to/from/host', `\`to.from.host\` holds \\r, ${host}`],
      [
        '/calls/0/to/auth/username',
        `\`to.auth.username\` holds \\r, ${into('the Authorization header')}`,
      ],
    ]);
  });
});

describe('a `to` or a `schedule` written as one value', () => {
  const call = (...lines: string[]) =>
    yaml(
      'calls:',
      '  - name: a',
      '    application_sid: app-1',
      '    from: "+15550001111"',
      ...lines.map((l) => `    ${l}`),
    );
  const at = (text: string) => validate({ [A]: text }).diagnostics.map((d) => d.message);

  it('shows the object it stands for: phone, sip, a reference, a cron or an instant', () => {
    const cases: [string[], string][] = [
      [
        ['to: "+15550002222"'],
        'must be an object, got string "+15550002222" — write it as to: { type: phone, number: "+15550002222" }',
      ],
      [
        ['to: +15550002222'],
        'must be an object, got number 15550002222 — write it as to: { type: phone, number: "+15550002222" }',
      ],
      [
        ['to: "sip:probe@example.com"'],
        'must be an object, got string "sip:probe@example.com" — write it as to: { type: sip, sipUri: "sip:probe@example.com" }',
      ],
      [
        ['to: "${TO}"'],
        'must be an object, got string "${TO}" — write it as to: { type: phone, number: "${TO}" } (a SIP address: { type: sip, sipUri: "${TO}" })',
      ],
      [
        ['to: { type: phone, number: "+15550002222" }', 'schedule: "0 9 * * 1-5"'],
        'must be an object, got string "0 9 * * 1-5" — write it as schedule: { cron: "0 9 * * 1-5" }',
      ],
      [
        ['to: { type: phone, number: "+15550002222" }', 'schedule: "2026-12-01T09:00:00Z"'],
        'must be an object, got string "2026-12-01T09:00:00Z" — write it as schedule: { at: "2026-12-01T09:00:00Z" }',
      ],
    ];
    for (const [lines, message] of cases)
      expect(at(call(...lines)), lines.join(' ')).toEqual([message]);
  });

  it('guesses nothing for a value that is none of those', () => {
    expect(at(call('to: bob'))).toEqual(['must be an object, got string "bob"']);
    expect(at(call('to: { type: user, name: bob }', 'tag: "x"'))).toEqual([
      'must be an object, got string "x"',
    ]);
  });
});
