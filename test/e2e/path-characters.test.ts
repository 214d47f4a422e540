// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, callsYaml, FROM, type Gateway, output, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUL = 'it holds \\u0000, which no file name can hold';
const LOOKALIKE = (looks: string) =>
  `it holds \\u200b, which shows as nothing: it looks like ${looks} and is another name`;

/** validate, plan and apply each exit 1 with `expected` in stderr, Node's words in none; nothing is sent. */
const refused = async (g: Gateway, expected: string) => {
  for (const command of [['validate'], ['plan'], ['apply', '--yes']]) {
    const r = await g.run(command);
    expect(r.code, `${command.join(' ')}\n${output(r)}`).toBe(1);
    expect(r.stderr, command.join(' ')).toContain(expected);
    expect(r.stderr).not.toMatch(/null bytes|ERR_INVALID_ARG/);
  }
  expect(g.sim.received()).toHaveLength(0);
};

describe('a file path of another setting holding a NUL or a character that does not show', () => {
  it('a `suppress:` entry is an error at the entry; the list is never looked up, nothing is sent', async () => {
    gw = await startGateway({
      'calls/one.yaml': callsYaml([
        { name: 'listed', to: '{ type: phone, number: "+15550100001" }' },
      ]),
      'lists/dnc.csv': 'number\n+15550100001\n',
    });
    const config = await gw.project.read('callops.yaml');
    const line = config.split('\n').length;
    for (const [value, why] of [
      ['"lists/dnc.csv\\u0000"', NUL],
      ['"lists/dn\\u200bc.csv"', LOOKALIKE('lists/dnc.csv')],
    ] as const) {
      await gw.project.write('callops.yaml', `${config}suppress: [${value}]\n`);
      await refused(
        gw,
        `callops.yaml:${line}:12: error: \`suppress\` must list file paths of visible characters: ${why}`,
      );
    }
  });

  it('a campaign `recipients:` is an error at the value; nothing is sent', async () => {
    gw = await startGateway({
      'lists/people.csv': 'id,phone\na,+15550100002\n',
      'calls/campaign.yaml': [
        'calls:',
        '  - name: remind',
        '    recipients: "../lists/people.csv\\u0000"',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
    });
    await refused(
      gw,
      `calls/campaign.yaml:3:17: error: recipients \`../lists/people.csv\\u0000\` (lists/people.csv\\u0000): the path must be of visible characters: ${NUL}`,
    );
  });

  it('a `calls` pattern is an error at the pattern', async () => {
    gw = await startGateway({ 'calls/one.yaml': callsYaml([{ name: 'one' }]) });
    const config = await gw.project.read('callops.yaml');
    await gw.project.write(
      'callops.yaml',
      `${config}calls: ["calls/**/*.yaml", "calls/\\u200b*.yaml"]\n`,
    );
    await refused(
      gw,
      `callops.yaml:${config.split('\n').length}:28: error: \`calls\` must be glob patterns of visible characters: ${LOOKALIKE('calls/*.yaml')}`,
    );
  });

  it('`plan --out` is a usage error naming the flag; no file is written', async () => {
    gw = await startGateway({ 'calls/one.yaml': callsYaml([{ name: 'one' }]) });
    const before = (await readdir(gw.project.dir)).sort();
    for (const [name, why] of [
      [
        'plan\n.json',
        "it holds \\n, a control character: the file's name would not show as written",
      ],
      ['pl\u200ban.json', LOOKALIKE('plan.json')],
      [
        'plan.json ',
        "it ends with white space, which would be part of the file's name though it shows as nothing",
      ],
    ] as const) {
      const r = await gw.run(['plan', '--out', name]);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toContain(`: the plan file needs a file name of visible characters: ${why}`);
      expect((await readdir(gw.project.dir)).sort()).toEqual(before);
    }
  });
});
