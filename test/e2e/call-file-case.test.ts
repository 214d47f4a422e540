import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, campaignYaml, type Gateway, output, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('a call file whose extension is not in lower case', () => {
  it('is named by validate, plan and apply, which read it not; the calls that are read are placed', async () => {
    gw = await startGateway({
      'calls/welcome.yaml': callsYaml([{ name: 'welcome-alice' }]),
      'calls/X.YAML': callsYaml([{ name: 'shouted' }]),
      'calls/sub/y.Yml': callsYaml([{ name: 'mixed' }]),
      // Outside the folder the `calls` patterns cover: not a call file, in any case.
      'notes/Z.YAML': callsYaml([{ name: 'elsewhere' }]),
    });
    const warnings = [
      'calls/X.YAML: warning: is not read: call files end in .yaml or .yml (lower case); rename it calls/X.yaml',
      'calls/sub/y.Yml: warning: is not read: call files end in .yaml or .yml (lower case); rename it calls/sub/y.yml',
    ];
    for (const command of [['validate'], ['plan'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, `${command.join(' ')}\n${output(r)}`).toBe(0);
      for (const warning of warnings) expect(r.stderr, command.join(' ')).toContain(warning);
      expect(r.stderr).not.toContain('Z.YAML');
    }
    expect(gw.placed()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/welcome-alice']);
  });

  it('under `calls` patterns of callops.yaml, where they look, naming their extension', async () => {
    gw = await startGateway({
      'ops/a.yml': callsYaml([{ name: 'a' }]),
      'ops/B.YML': callsYaml([{ name: 'b' }]),
      'ops/deeper/C.YML': callsYaml([{ name: 'c' }]),
    });
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}calls: ["ops/*.yml"]\n`,
    );
    const r = await gw.run(['validate']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr).toContain(
      'ops/B.YML: warning: is not read: call files end in .yml (lower case); rename it ops/B.yml',
    );
    expect(r.stderr).not.toContain('C.YML');
  });

  it('under a brace list of extensions, the same warning for each', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'a' }]),
      'calls/B.YAML': callsYaml([{ name: 'b' }]),
      'calls/sub/c.Yml': callsYaml([{ name: 'c' }]),
    });
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}calls: ["calls/**/*.{yaml,yml}"]\n`,
    );
    for (const command of [['validate'], ['plan']]) {
      const r = await gw.run(command);
      expect(r.code, output(r)).toBe(0);
      expect(r.stderr, command[0]).toContain(
        'calls/B.YAML: warning: is not read: call files end in .yaml or .yml (lower case); rename it calls/B.yaml',
      );
      expect(r.stderr, command[0]).toContain(
        'calls/sub/c.Yml: warning: is not read: call files end in .yaml or .yml (lower case); rename it calls/sub/c.yml',
      );
    }
  });

  it('is never said of a file callops reads as something else: the lockfile, a list, a CSV, the env file', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'a' }]),
      'calls/reminders.yaml': campaignYaml().replace('../lists/reminders.csv', 'people.YAML'),
      'calls/people.YAML': 'id,name,phone\nr1,Ann,+15557000001\n',
      'calls/dnc.YAML': 'number,reason\n+15557000009,asked\n',
      'calls/ci.YAML': 'NOTE=hello\n',
      'calls/X.YAML': callsYaml([{ name: 'shouted' }]),
    });
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}lockfile: calls/state.YAML\nsuppress: [calls/dnc.YAML]\n`,
    );
    const env = ['--env-file', 'calls/ci.YAML'];
    const first = await gw.run(['apply', '--yes', ...env]);
    expect(first.code, output(first)).toBe(0);
    expect(gw.project.exists('calls/state.YAML')).toBe(true);
    expect(gw.placed()).toHaveLength(2);
    // The env file is one only where --env-file names it.
    for (const command of [
      ['validate', ...env],
      ['plan', ...env],
      ['status', ...env],
      ['apply', '--yes', ...env],
    ]) {
      const r = await gw.run(command);
      expect(r.code, `${command[0]}\n${output(r)}`).toBe(0);
      // The call file that is one is still named; no other.
      expect(r.stderr, command[0]).toContain('calls/X.YAML: warning: is not read');
      expect(r.stderr.match(/is not read/g) ?? [], command[0]).toHaveLength(1);
    }
  }, 60_000);
});
