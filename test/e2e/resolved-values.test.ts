// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { APP_SID, callsYaml, type Gateway, output, startGateway, waitFor } from './helpers.js';

/** line:column (1-based) of the first occurrence of `needle` in `text`. */
const at = (text: string, needle: string): string => {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the file`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
};

const FILE = [
  'defaults:',
  `  application_sid: ${APP_SID}`,
  '  from: "${CALLER}"',
  'calls:',
  '  - name: phone',
  '    to: { type: phone, number: "${TO}" }',
  '    timeout: ${RING}',
  '  - name: sip',
  '    to: { type: sip, sipUri: "${SIP}" }',
  '    actionHook: "${HOOK}"',
  '',
].join('\n');

const GOOD = {
  CALLER: '+15550001111',
  TO: '+15550002222',
  RING: '30',
  SIP: 'sip:probe@example.com',
  HOOK: 'https://hooks.example.com/end',
};

describe('resolved values pass the rules of literals', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('places the calls when every value is well-formed', async () => {
    gw = await startGateway({ 'calls/a.yaml': FILE });
    const r = await gw.run(['apply', '--yes'], GOOD);
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
  });

  const BAD: readonly [string, string, string][] = [
    ['TO', '', '"${TO}"'],
    ['TO', 'hello', '"${TO}"'],
    ['TO', '+49 151 1234; DROP', '"${TO}"'],
    ['CALLER', '', '"${CALLER}"'],
    ['RING', 'soon', '${RING}'],
    ['SIP', 'not a uri', '"${SIP}"'],
    ['HOOK', 'http://exa mple.com/ x', '"${HOOK}"'],
  ];

  for (const [name, value, written] of BAD) {
    it(`${name}=${JSON.stringify(value)} is an error at the reference, naming ${name}, and nothing is sent`, async () => {
      gw = await startGateway({ 'calls/a.yaml': FILE });
      const r = await gw.run(['apply', '--yes'], { ...GOOD, [name]: value });
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr).toContain(`calls/a.yaml:${at(FILE, written)}: error:`);
      expect(r.stderr).toMatch(new RegExp(`\\$\\{${name}\\}`));
      if (value.length >= 4) expect(output(r)).not.toContain(value);
      expect(r.stdout).not.toContain('placed');
      expect(gw.sim.received()).toHaveLength(0);
      // plan warns, and says under its due list that apply would send none of it.
      const plan = await gw.run(['plan'], { ...GOOD, [name]: value });
      expect(plan.code, output(plan)).toBe(0);
      expect(plan.stderr).toContain(`calls/a.yaml:${at(FILE, written)}: warning:`);
      expect(plan.stdout).toContain(
        'apply would send nothing as things stand: a value warned about above does not resolve (set or fix it first)',
      );
    });
  }

  it('plan with every value well-formed says nothing of apply refusing', async () => {
    gw = await startGateway({ 'calls/a.yaml': FILE });
    const plan = await gw.run(['plan'], GOOD);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toContain('Plan: 2 to place');
    expect(plan.stdout).not.toContain('apply would send nothing');
  });

  it('a body that resolves past 100 KiB is an error at the option, naming its reference, and nothing is sent', async () => {
    const file = FILE.replace('    actionHook: "${HOOK}"', '    tag: { note: "${NOTE}" }');
    gw = await startGateway({ 'calls/a.yaml': file });
    const note = 'canary-'.repeat(16_000);
    const r = await gw.run(['apply', '--yes'], { ...GOOD, NOTE: note });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      `calls/a.yaml:${at(file, '{ note')}: error: the request body of this call is 109.6 KiB as JSON once references are resolved, most of it \`tag\` (\${NOTE}); a gateway accepts up to 100 KiB (jambonz answers 413 past it)`,
    );
    expect(output(r)).not.toContain('canary-canary');
    expect(gw.sim.received()).toHaveLength(0);
    // The same value, short enough, is sent.
    const ok = await gw.run(['apply', '--yes'], { ...GOOD, NOTE: 'canary-'.repeat(100) });
    expect(ok.code, output(ok)).toBe(0);
    expect(gw.placed()).toHaveLength(2);
  });

  it('a sipUri that is not a sip: or sips: URI is refused by validate', async () => {
    gw = await startGateway({
      'calls/a.yaml': FILE.replace('"${SIP}"', '"not a uri"'),
    });
    const r = await gw.run(['validate']);
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/calls\/a\.yaml:9:\d+: error: .*sip: or sips:/);
  });

  it('target values are checked once resolved, at the reference', async () => {
    gw = await startGateway({ 'calls/a.yaml': FILE });
    const r = await gw.run(['apply', '--yes'], { ...GOOD, VG_ACCOUNT_SID: '' });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/callops\.yaml:4:\d+: error: .*VG_ACCOUNT_SID/);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a variable missing from defaults is reported once, at the defaults, by apply and plan', async () => {
    const file = [
      'defaults:',
      `  application_sid: ${APP_SID}`,
      '  from: "${NO_SUCH_CALLER}"',
      'calls:',
      '  - { name: one, to: { type: phone, number: "+15550002001" } }',
      '  - { name: two, to: { type: phone, number: "+15550002002" } }',
      '  - { name: three, to: { type: phone, number: "${NO_SUCH_NUMBER}" } }',
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/a.yaml': file });
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code, output(apply)).toBe(1);
    expect(
      apply.stderr.match(/error: missing environment variable NO_SUCH_CALLER/g) ?? [],
    ).toHaveLength(1);
    expect(apply.stderr).toContain(
      'calls/a.yaml:3:9: error: missing environment variable NO_SUCH_CALLER',
    );
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(file, '"${NO_SUCH_NUMBER}')}: error: missing environment variable NO_SUCH_NUMBER`,
    );
    expect(gw.sim.received()).toHaveLength(0);

    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(
      plan.stderr.match(/warning: missing environment variable NO_SUCH_CALLER/g) ?? [],
    ).toHaveLength(1);
    expect(plan.stderr).toContain(
      'calls/a.yaml:3:9: warning: missing environment variable NO_SUCH_CALLER',
    );
    expect(plan.stderr).toContain(
      `calls/a.yaml:${at(file, '"${NO_SUCH_NUMBER}')}: warning: missing environment variable NO_SUCH_NUMBER`,
    );
    const json = await gw.run(['plan', '--format', 'json']);
    expect(json.code, output(json)).toBe(0);
    const warnings = (JSON.parse(json.stdout) as { warnings?: { message: string }[] }).warnings;
    expect(warnings?.map((w) => w.message)).toEqual([
      expect.stringContaining('NO_SUCH_CALLER'),
      expect.stringContaining('NO_SUCH_NUMBER'),
    ]);
  });

  it('a value still holding ${ once resolved is checked as a literal, and nothing is sent', async () => {
    const file = callsYaml([
      { name: 'escaped', to: '{ type: phone, number: "$${LIT}" }' },
      { name: 'ring', extra: ['timeout: "$${X}"'] },
      { name: 'from-env', to: '{ type: phone, number: "${TO}" }' },
    ]);
    gw = await startGateway({ 'calls/a.yaml': file });
    const env = { TO: '+1555${x}' };
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(file, '"$${LIT}"')}: error: to.number: $\${LIT} must resolve to a phone number`,
    );
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(file, '"$${X}"')}: error: timeout: $\${X} must resolve to`,
    );
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(file, '"${TO}"')}: error: to.number: \${TO} must resolve to a phone number`,
    );
    expect(output(apply)).not.toContain('+1555${x}');
    expect(gw.sim.received()).toHaveLength(0);
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr.match(/warning: /g) ?? []).toHaveLength(3);
  });

  it('a character that does not print, from a variable or a CSV cell, is an error at the reference or the cell, and nothing is sent', async () => {
    const why = 'a character that does not print: it would be sent and dialled as written';
    gw = await startGateway({
      'calls/a.yaml': FILE,
      'calls/b.yaml': [
        'calls:',
        '  - name: camp',
        '    recipients: ../people.csv',
        `    application_sid: ${APP_SID}`,
        '    from: "${row.from}"',
        '    to: { type: sip, sipUri: "${row.uri}" }',
        '',
      ].join('\n'),
      'people.csv': 'id,from,uri\na,+15550001111,sip:ok@example.com\n',
    });
    const env = { ...GOOD, CALLER: '+1555\n0001111', SIP: 'sip:probe@example.com\u001b[2J' };
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(FILE, '"${CALLER}"')}: error: from: \${CALLER} resolves to a value that holds \\n, ${why}`,
    );
    expect(apply.stderr).toContain(
      `calls/a.yaml:${at(FILE, '"${SIP}"')}: error: to.sipUri: \${SIP} resolves to a value that holds \\u001b, ${why}`,
    );
    expect(output(apply)).not.toContain('0001111');
    expect(output(apply)).not.toContain('probe@');
    expect(gw.sim.received()).toHaveLength(0);
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr.match(/warning: .*does not print/g) ?? []).toHaveLength(2);

    await writeFile(
      join(gw.project.dir, 'people.csv'),
      'id,from,uri\na,"+1555\n0001111",sip:a@example.com\nb,+15550001111,sip:b@example.com\u202e\n',
    );
    const rows = await gw.run(['apply', '--yes'], GOOD);
    expect(rows.code, output(rows)).toBe(1);
    expect(rows.stderr).toContain(
      `people.csv:2:3: error: \`from\` (\`\${row.from}\`) holds \\n here, ${why}`,
    );
    expect(rows.stderr).toContain(
      `people.csv:4:16: error: \`to.sipUri\` (\`\${row.uri}\`) holds \\u202e here, ${why}`,
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a number resolving without a leading + draws the warning a literal draws, at the reference, and is placed', async () => {
    gw = await startGateway({ 'calls/a.yaml': FILE });
    const env = { ...GOOD, TO: '15550005002' };
    const warning = `calls/a.yaml:${at(FILE, '"${TO}"')}: warning: to.number: \${TO} resolves to a number with no leading + — the gateway may dial it as a local number`;

    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain(warning);
    const json = JSON.parse((await gw.run(['plan', '--format', 'json'], env)).stdout) as {
      warnings: { message: string; severity: string }[];
    };
    expect(json.warnings).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(
          /^to\.number: \$\{TO\} resolves to a number with no leading \+/,
        ),
        severity: 'warning',
      }),
    );

    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stderr).toContain(warning);
    expect(gw.placed().map((p) => (p.body as { to: { number?: string } }).to.number)).toContain(
      '15550005002',
    );
    // The value came from the environment: never printed.
    expect(output(plan) + output(apply)).not.toContain('15550005002');
  });

  it('under github and json, the warning is an annotation, and json stays one object', async () => {
    gw = await startGateway({ 'calls/a.yaml': FILE });
    const env = { ...GOOD, TO: '15550005002' };
    const github = await gw.run(['apply', '--yes', '--format', 'github'], env);
    expect(github.code, output(github)).toBe(0);
    const [line, column] = at(FILE, '"${TO}"').split(':');
    expect(github.stdout).toContain(
      `::warning file=calls/a.yaml,line=${line},col=${column},title=callops%3A /calls/0/to/number::to.number: \${TO} resolves to a number with no leading +`,
    );
    await gw.project.write('calls/a.yaml', FILE.replace('name: phone', 'name: phone2'));
    const json = await gw.run(['apply', '--yes', '--format', 'json'], env);
    expect(json.code, output(json)).toBe(0);
    expect((JSON.parse(json.stdout) as { placed: number }).placed).toBe(1);
    expect(output(github) + output(json)).not.toContain('15550005002');
  });

  it("a campaign's rows whose number resolves without + draw one warning with their count", async () => {
    gw = await startGateway({
      'calls/b.yaml': [
        'calls:',
        '  - name: camp',
        '    recipients: ../people.csv',
        `    application_sid: ${APP_SID}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "${CC}${row.phone}" }',
        '  - name: cells',
        '    recipients: ../people.csv',
        `    application_sid: ${APP_SID}`,
        '    from: "+15550001111"',
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
      'people.csv': 'id,phone\na,5550007001\nb,5550007002\nc,5550007003\n',
    });
    const env = { CC: '1' };
    const warning = (rows: string) =>
      `calls/b.yaml:6:32: warning: to.number: \${CC}\${row.phone} resolves to a number with no leading + in ${rows} of campaign camp`;
    // A cell dialled as written is counted once per campaign when the CSV is read.
    const cells =
      'people.csv:2:3: warning: 3 rows dial a number with no leading + (the first here) — the gateway may dial it as a local number';
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stderr).toContain(warning('row a'));
    expect(plan.stderr).toContain(cells);
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stderr).toContain(`${warning('3 rows')} (the first: row a) — the gateway`);
    expect(apply.stderr.match(/resolves to a number with no leading \+/g)).toHaveLength(1);
    expect(apply.stderr).toContain(cells);
    expect(gw.placed()).toHaveLength(6);
  });

  it('a fallback naming a variable dials that variable, and the number is counted', async () => {
    const file = callsYaml([
      { name: 'backup', to: '{ type: phone, number: "${PRIMARY:-${BACKUP}}" }' },
    ]);
    gw = await startGateway({ 'calls/a.yaml': file });
    const missing = await gw.run(['apply', '--yes']);
    expect(missing.code, output(missing)).toBe(1);
    expect(missing.stderr).toContain(
      `calls/a.yaml:${at(file, '"${PRIMARY')}: error: missing environment variable BACKUP`,
    );
    expect(missing.stderr).not.toMatch(/variable PRIMARY/);
    expect(gw.sim.received()).toHaveLength(0);
    const r = await gw.run(['apply', '--yes'], { BACKUP: '+15550003333' });
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed().map((p) => (p.body as { to: { number: string } }).to.number)).toEqual([
      '+15550003333',
    ]);
    expect(output(r)).not.toContain('+15550003333');
    const lock = (await gw.project.lock()) as unknown as {
      calls: Record<string, { number?: string }>;
    };
    expect(lock.calls['sim/backup']?.number).toBe(numberDigest('+15550003333'));
  });

  it('reports values that break a rule together with the missing variables, in one run', async () => {
    const file = callsYaml([
      {
        name: 'both',
        to: '{ type: phone, number: "${TO2:-}" }',
        extra: ['timeout: ${TMO}', 'timeLimit: ${NO_LIMIT}'],
      },
      { name: 'other', to: '{ type: phone, number: "${NO_NUMBER}" }' },
    ]);
    gw = await startGateway({ 'calls/a.yaml': file });
    const r = await gw.run(['apply', '--yes'], { TO2: '', TMO: 'abc' });
    expect(r.code, output(r)).toBe(1);
    const errors = r.stderr.match(/^calls\/a\.yaml:\d+:\d+: error: .*$/gm) ?? [];
    expect(errors).toEqual([
      `calls/a.yaml:${at(file, '"${TO2')}: error: to.number: \${TO2:-} must resolve to a phone number: an optional + and 3–15 digits`,
      `calls/a.yaml:${at(file, '${TMO}')}: error: timeout: \${TMO} must resolve to an integer`,
      `calls/a.yaml:${at(file, '${NO_LIMIT}')}: error: missing environment variable NO_LIMIT (referenced at /timeLimit; set it in the environment or in .env)`,
      `calls/a.yaml:${at(file, '"${NO_NUMBER}')}: error: missing environment variable NO_NUMBER (referenced at /to/number; set it in the environment or in .env)`,
    ]);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('concurrency given by reference is resolved and checked like rate', async () => {
    const file = callsYaml([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const target = ['concurrency: ${CONC}'];
    gw = await startGateway({ 'calls/a.yaml': file }, { targetExtra: target });
    for (const bad of ['abc', '0', '-3', '2.5']) {
      const r = await gw.run(['apply', '--yes'], { CONC: bad });
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr).toMatch(
        /callops\.yaml:6:18: error: concurrency `\$\{CONC\}` must resolve to a whole number, 1 or more/,
      );
    }
    await gw.project.write(
      'calls/b.yaml',
      callsYaml([{ name: 'd', extra: ['timeout: ${NO_RING}'] }]),
    );
    const unset = await gw.run(['apply', '--yes']);
    expect(unset.code, output(unset)).toBe(1);
    expect(unset.stderr).toMatch(/callops\.yaml:6:18: error: missing environment variable CONC/);
    expect(unset.stderr).toMatch(
      /calls\/b\.yaml:\d+:\d+: error: missing environment variable NO_RING/,
    );
    expect(gw.sim.received()).toHaveLength(0);
    await gw.close();

    // CONC=1: one request at a time, while the gateway holds each call.
    const waiting: (() => void)[] = [];
    let open = false;
    gw = await startGateway(
      { 'calls/a.yaml': file },
      {
        targetExtra: target,
        latencyMs: 1,
        wait: () => new Promise<void>((go) => (open ? go() : waiting.push(go))),
      },
    );
    const run = gw.run(['apply', '--yes'], { CONC: '1' });
    await waitFor('a request at the gateway', () => (waiting.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(waiting).toHaveLength(1);
    open = true;
    for (const go of waiting.splice(0)) go();
    const r = await run;
    expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(3);
  });
});
