import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

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
});
