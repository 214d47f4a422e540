// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${row.X} templates
import { describe, expect, it } from 'vitest';
import { callsYaml, makeProject, output, runCli, startGateway } from './helpers.js';

interface JsonError {
  file: string;
  line: number;
  column: number;
  message: string;
}

const ONLY = 'only works in a call with `recipients` (a campaign) and cannot be used in';
const ONE_VALUE = 'is one value for every call it places, not one per row';

const errorsOf = (stdout: string): string[] =>
  (JSON.parse(stdout) as { errors: JsonError[] }).errors.map(
    (e) => `${e.file}:${e.line}:${e.column}: ${e.message}`,
  );

describe('a row template (`${row.X}`) in callops.yaml outside `defaults`', () => {
  it('is an error at the template in a target, and nothing is sent by plan or apply', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'hello' }]) });
    try {
      await gw.project.write(
        'callops.yaml',
        [
          'targets:',
          '  sim:',
          `    base_url: ${gw.sim.url}/\${row.region}`,
          '    account_sid: ${row.acct}',
          '    api_key: "${VG_API_KEY}${row.key}"',
          '    rate: "${row.r}"',
          '    max_pause: "${row.p}"',
          'default_target: sim',
          '',
        ].join('\n'),
      );
      const column = `    base_url: ${gw.sim.url}/`.length + 1;
      const v = await gw.run(['validate', '--format', 'json']);
      expect(v.code, output(v)).toBe(1);
      expect(errorsOf(v.stdout)).toEqual([
        `callops.yaml:3:${column}: \`\${row.region}\` ${ONLY} a target: \`base_url\` of target \`sim\` ${ONE_VALUE}; write the value, or an environment reference such as \${NAME}`,
        `callops.yaml:4:18: \`\${row.acct}\` ${ONLY} a target: \`account_sid\` of target \`sim\` ${ONE_VALUE}; write the value, or an environment reference such as \${NAME}`,
        // A secret's value: nothing of it is quoted.
        `callops.yaml:5:28: a row template ${ONLY} a target: \`api_key\` of target \`sim\` ${ONE_VALUE}; write the value, or an environment reference such as \${NAME}`,
        `callops.yaml:6:12: \`\${row.r}\` ${ONLY} a target: \`rate\` of target \`sim\` ${ONE_VALUE}; write the value, or an environment reference such as \${NAME}`,
        `callops.yaml:7:17: \`\${row.p}\` ${ONLY} a target: \`max_pause\` of target \`sim\` ${ONE_VALUE}; write the value, or an environment reference such as \${NAME}`,
      ]);
      for (const args of [['plan'], ['apply', '--yes']]) {
        const r = await gw.run(args);
        expect(r.code, `${args[0]}\n${output(r)}`).toBe(1);
        expect(r.stderr).toContain(`callops.yaml:3:${column}: error: \`\${row.region}\` ${ONLY}`);
        expect(r.stderr).toContain(`callops.yaml:6:12: error: \`\${row.r}\` ${ONLY}`);
      }
      expect(gw.sim.received()).toEqual([]);
      expect(gw.project.exists('callops.lock')).toBe(false);
    } finally {
      await gw.close();
    }
  });

  it('is an error at the template in `state.url` and a `calls` pattern; `defaults` stay a call’s', async () => {
    const p = await makeProject({
      'callops.yaml': [
        'state:',
        '  backend: postgres',
        '  url: "postgres://ops@127.0.0.1/${row.db}"',
        'calls: ["calls/*.yaml", "calls/${row.c}.yaml"]',
        'defaults:',
        '  tag: { who: "${row.name}" }',
        '',
      ].join('\n'),
      'calls/a.yaml': callsYaml([{ name: 'hello' }]),
    });
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: p.dir });
      expect(r.code, output(r)).toBe(1);
      expect(errorsOf(r.stdout)).toEqual([
        `callops.yaml:3:34: \`\${row.db}\` ${ONLY} \`state\`: \`state.url\` is the one store of the whole project, not one per row; write it as an environment reference such as \${CALLOPS_DATABASE_URL}`,
        `callops.yaml:4:32: \`\${row.c}\` ${ONLY} a \`calls\` pattern: call files are found before any campaign's rows are read; write the pattern out, e.g. calls/**/*.yaml`,
        // In defaults, as a call without `recipients` takes them.
        'callops.yaml:6:16: `${row.name}` only works in a call with `recipients` (a campaign): it is written in the defaults of callops.yaml, which calls without `recipients` take too (write it in the campaign itself)',
      ]);
    } finally {
      await p.cleanup();
    }
  });
});
