// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, FROM, type Gateway, output, startGateway } from './helpers.js';

/**
 * A `$NAME` is sent as written whatever put it there: in `from` and `application_sid`, where
 * no value holds a `$`, one that a `${VAR}` (the environment, `.env`) or a recipients CSV
 * cell puts there is refused as one written there is, and nothing is sent.
 */

/** line:column (1-based) of the first occurrence of `needle` in `text`. */
const at = (text: string, needle: string): string => {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in the file`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
};

const NUMBER = `no calling number holds a \`$\``;
const SID = `no application sid holds a \`$\``;

describe('a $NAME a value puts into from or application_sid', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('from .env, a fallback or the environment: an error of apply at the reference, never the value, and nothing is sent', async () => {
    const file = [
      'calls:',
      '  - name: env-file',
      '    application_sid: "${AS}"',
      '    from: "${V}"',
      '    to: { type: phone, number: "+15550007003" }',
      '  - name: fallback',
      `    application_sid: ${APP_SID}`,
      '    from: "${NOPE:-${V}}"',
      '    to: { type: phone, number: "+15550007004" }',
      '  - name: environment',
      `    application_sid: ${APP_SID}`,
      '    from: "${CALLER}"',
      '    to: { type: phone, number: "+15550007005" }',
      '',
    ].join('\n');
    gw = await startGateway({
      'calls/a.yaml': file,
      '.env': 'V=$FROM_NUMBER\nAS=$APP_SID_PROD\n',
    });
    const env = { CALLER: '$CALLER_ID' };
    const said = (where: string, written: string, why: string) =>
      `calls/a.yaml:${at(file, where)}: %s: ${written} resolves to a value that holds a \`$NAME\`: it is sent as written, as no reference is read inside a value (${why})`;
    const expected = [
      said('"${AS}"', 'application_sid: ${AS}', SID),
      said('"${V}"', 'from: ${V}', NUMBER),
      said('"${NOPE', 'from: ${NOPE:-${V}}', NUMBER),
      said('"${CALLER}"', 'from: ${CALLER}', NUMBER),
    ];
    const validate = await gw.run(['validate'], env);
    expect(validate.code, output(validate)).toBe(0);
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    for (const line of expected) expect(plan.stderr).toContain(line.replace('%s', 'warning'));
    const apply = await gw.run(['apply', '--yes'], env);
    expect(apply.code, output(apply)).toBe(1);
    for (const line of expected) expect(apply.stderr).toContain(line.replace('%s', 'error'));
    expect(apply.stderr).toContain('nothing was sent');
    for (const value of ['FROM_NUMBER', 'APP_SID_PROD', 'CALLER_ID'])
      expect(output(plan) + output(apply)).not.toContain(value);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('from a recipients CSV cell: an error of validate at the cell, and nothing is sent', async () => {
    const file = [
      'calls:',
      '  - name: camp',
      '    recipients: ../people.csv',
      '    application_sid: "${row.app}"',
      '    from: "${row.from}"',
      '    to: { type: phone, number: "${row.phone}" }',
      '',
    ].join('\n');
    gw = await startGateway({
      'calls/a.yaml': file,
      'people.csv': `id,phone,from,app\na,+15550007001,$FROM,${APP_SID}\nb,+15550007002,${FROM},$APP\n`,
    });
    const why = 'it is sent as written, as no reference is read inside a cell';
    const expected = [
      `people.csv:2:16: error: \`from\` (\`\${row.from}\`) holds \`$FROM\` here: ${why} (${NUMBER})`,
      `people.csv:3:${'b,+15550007002,'.length + FROM.length + 2}: error: \`application_sid\` (\`\${row.app}\`) holds \`$APP\` here: ${why} (${SID})`,
    ];
    for (const command of [['validate'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, output(r)).toBe(1);
      for (const line of expected) expect(r.stderr).toContain(line);
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a literal $NAME holding a value of .env is said with the value hidden inside it, never printed', async () => {
    const file = [
      'calls:',
      '  - name: a',
      `    application_sid: ${APP_SID}`,
      '    from: $FROM2',
      '    to: { type: phone, number: "+15550007006" }',
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/a.yaml': file, '.env': 'V=$FROM\n' });
    for (const command of [['validate'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr).toContain(
        `calls/a.yaml:${at(file, '$FROM2')}: error: \`\${V}2\` is sent as written: write \`\${FROM2}\` to use the variable FROM2 (${NUMBER})`,
      );
      expect(output(r)).not.toContain('$FROM');
    }
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('elsewhere a value is sent as it resolved, $NAME and all, with no warning', async () => {
    const file = [
      'calls:',
      '  - name: a',
      `    application_sid: ${APP_SID}`,
      `    from: "${FROM}"`,
      '    to: { type: sip, sipUri: "sip:${AGENT}@example.com" }',
      '    tag: { note: "${NOTE}" }',
      '',
    ].join('\n');
    gw = await startGateway({ 'calls/a.yaml': file, '.env': 'NOTE=costs $USD\n' });
    const apply = await gw.run(['apply', '--yes'], { AGENT: '$agent' });
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stderr).not.toContain('warning');
    const bodies = gw.placed().map((p) => p.body as Record<string, unknown>);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({
      to: { sipUri: 'sip:$agent@example.com' },
      tag: { note: 'costs $USD' },
    });
  });
});
