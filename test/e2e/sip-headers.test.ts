// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, FROM, type Gateway, output, startGateway } from './helpers.js';

/** line:column (1-based) of the first occurrence of `needle` in `text`. */
const at = (text: string, needle: string): string => {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the file`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
};

/** Why a line break is refused in free text sent in `header`. */
const into = (header: string): string =>
  `a line break or control character: it would be sent in ${header} as written (a line break there starts a header of its own)`;
const WHY = into('the SIP header');
const HOST =
  'which a host name does not hold (white space, or a character that does not print): it would be sent in the From header as written';

const call = (headers: string, ...more: string[]): string =>
  [
    'calls:',
    '  - name: a',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "+15550002001" }',
    `    headers: ${headers}`,
    ...more.map((l) => `    ${l}`),
    '',
  ].join('\n');

describe('SIP headers carry one header each', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('a line break in a value written, or a name that is no token, is an error at it, and nothing is sent', async () => {
    const file = call(
      '{ X-Lit: "a\\r\\nP-Asserted-Identity: <sip:+15559999999@evil>", "Bad Name:": "v" }',
    );
    gw = await startGateway({ 'calls/a.yaml': file });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"a\\r')}: error: \`headers.X-Lit\` holds \\r, ${WHY}`,
    );
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"Bad Name:"')}: error: key must be a SIP header name: letters, digits and -.!%*_+\`'~ (no space or colon), got "Bad Name:"`,
    );
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it("a name under `to.headers` that is no token, in a call or in callops.yaml's defaults, is an error at the key, and nothing is sent", async () => {
    const name = (got: string) =>
      `error: key must be a SIP header name: letters, digits and -.!%*_+\`'~ (no space or colon), got ${got}`;
    const file = [
      'calls:',
      '  - name: a',
      `    application_sid: ${APP_SID}`,
      `    from: "${FROM}"`,
      '    to:',
      '      type: sip',
      '      sipUri: "sip:bob@example.com"',
      '      headers:',
      '        "X-A\\r\\nP-Asserted-Identity": "<sip:+15559999999@evil>"',
      '        "Bad Name:": "x"',
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/a.yaml': file });
    const config = [
      (await gw.project.read('callops.yaml')).trimEnd(),
      'defaults:',
      '  to:',
      '    type: sip',
      '    sipUri: "sip:carol@example.com"',
      '    headers:',
      '      "X-B\\nX-Injected": "1"',
      '',
    ].join('\n');
    await gw.project.write('callops.yaml', config);
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"X-A')}: ${name('"X-A\\r\\nP-Asserted-Identity"')}`,
    );
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"Bad Name:"')}: ${name('"Bad Name:"')}`,
    );
    expect(validate.stderr).toContain(
      `callops.yaml:${at(config, '"X-B')}: ${name('"X-B\\nX-Injected"')}`,
    );
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a line break from a variable is an error at the reference, naming it, never the value, and nothing is sent', async () => {
    const file = call('{ X-Env: "${HV}" }');
    gw = await startGateway({ 'calls/a.yaml': file });
    const env = { HV: 'x\r\nX-Injected: 1' };
    const message = `calls/a.yaml:${at(file, '"${HV}"')}: %s: headers.X-Env: \${HV} resolves to a value that holds \\r, ${WHY}`;
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain(message.replace('%s', 'warning'));
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(message.replace('%s', 'error'));
    expect(output(plan) + output(apply)).not.toContain('X-Injected');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a line break from a CSV cell is an error at the cell, and nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': [
        'calls:',
        '  - name: camp',
        '    recipients: ../people.csv',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '    headers: { X-Row: "${row.note}" }',
        '',
      ].join('\n'),
      'people.csv':
        'id,phone,note\na,+15550007001,fine\nb,+15550007002,"line1\r\nP-Asserted-Identity: <sip:evil>"\n',
    });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      `people.csv:3:16: error: \`headers.X-Row\` (\`\${row.note}\`) holds \\r here, ${WHY}`,
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a tab in a value is white space to SIP, and the call is placed with it', async () => {
    gw = await startGateway({ 'calls/a.yaml': call('{ X-Tab: "a\\tb", X.Odd_Name~1: ok }') });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(0);
    const bodies = gw.placed().map((p) => p.body as { headers: unknown });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.headers).toEqual({
      'X-Tab': 'a\tb',
      'X.Odd_Name~1': 'ok',
    });
  });

  it('an emoji joiner or a right-to-left mark in a header value or callerName is text: the call is placed with it byte for byte', async () => {
    const agent = '👩\u200d⚕️ Nurse line';
    const greeting = 'مرحبا\u200f 123';
    const name = 'عيادة\u200f \u2067Dr. Ana\u2069';
    gw = await startGateway({
      'calls/a.yaml': call(
        '{ X-Agent: "👩\\u200d⚕️ Nurse line", X-Greeting: "${GREETING}" }',
        'callerName: "${NAME}"',
        'fromHost: sip.example.com',
      ),
    });
    const apply = await gw.run(['apply', '--yes'], { GREETING: greeting, NAME: name });
    expect(apply.code, output(apply)).toBe(0);
    const bodies = gw.placed().map((p) => p.body as Record<string, unknown>);
    expect(bodies).toHaveLength(1);
    const body = bodies[0] ?? {};
    expect(body.headers).toEqual({ 'X-Agent': agent, 'X-Greeting': greeting });
    const sent = body.headers as Record<string, string>;
    expect(Buffer.from(sent['X-Agent'] ?? '')).toEqual(Buffer.from(agent));
    expect(Buffer.from(sent['X-Greeting'] ?? '')).toEqual(Buffer.from(greeting));
    expect(Buffer.from(String(body.callerName))).toEqual(Buffer.from(name));
    expect(body.fromHost).toBe('sip.example.com');
  });
});

describe('callerName and fromHost go into the From header as written', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('a line break in callerName or fromHost written is an error at it, and nothing is sent', async () => {
    // The display name holds a right-to-left mark as written (a raw U+200F): text, shown escaped.
    const file = call(
      '{ X-Ok: v }',
      'callerName: "Example Clinic\u200f\\r\\nP-Asserted-Identity: <sip:+15550009999@evil.example>"',
      'fromHost: "sip.example.com\\r\\nX-Injected: 1"',
    );
    gw = await startGateway({ 'calls/a.yaml': file });
    const validate = await gw.run(['validate']);
    expect(validate.code, output(validate)).toBe(1);
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"Example')}: error: \`callerName\` holds \\r, ${into('the From header')}`,
    );
    expect(validate.stderr).toContain(
      `calls/a.yaml:${at(file, '"sip.example.com')}: error: \`fromHost\` holds \\r, ${HOST}`,
    );
    // callops's own output still shows the mark escaped, never raw.
    expect(validate.stderr).toContain('Example Clinic\\u200f\\r\\n');
    expect(output(validate)).not.toContain('\u200f');
    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(1);
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a line break or a format character from a variable is an error at the reference, never the value, and nothing is sent', async () => {
    const file = call('{ X-Ok: v }', 'callerName: ${LF}', 'fromHost: "${HOST}"');
    gw = await startGateway({
      'calls/a.yaml': file,
      '.env': 'LF="Clinic\\nP-Asserted-Identity: <sip:evil@x>"\n',
    });
    const env = { HOST: 'sip.example.com\u200b' };
    const host = `calls/a.yaml:${at(file, '"${HOST}"')}: %s: fromHost: \${HOST} resolves to a value that holds \\u200b, ${HOST}`;
    const name = `calls/a.yaml:${at(file, '${LF}')}: %s: callerName: \${LF} resolves to a value that holds \\n, ${into('the From header')}`;
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain(host.replace('%s', 'warning'));
    expect(plan.stderr).toContain(name.replace('%s', 'warning'));
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(host.replace('%s', 'error'));
    expect(apply.stderr).toContain(name.replace('%s', 'error'));
    expect(output(plan) + output(apply)).not.toContain('Asserted');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a line break from a CSV cell is an error at the cell, and nothing is sent', async () => {
    gw = await startGateway({
      'calls/a.yaml': [
        'calls:',
        '  - name: camp',
        '    recipients: ../people.csv',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '    callerName: "${row.clinic}"',
        '',
      ].join('\n'),
      'people.csv':
        'id,phone,clinic\na,+15550007001,Clinic\nb,+15550007002,"Clinic\r\nP-Asserted-Identity: <sip:evil>"\n',
    });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      `people.csv:3:16: error: \`callerName\` (\`\${row.clinic}\`) holds \\r here, ${into('the From header')}`,
    );
    expect(gw.sim.received()).toHaveLength(0);
  });
});
