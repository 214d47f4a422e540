// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import {
  BIN,
  type CliResult,
  callsYaml,
  cliEnv,
  collect,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

/** `bin/callops.js ARGS` executed directly, through its shebang, as a linked `callops` is. */
const runBin = (args: readonly string[], cwd: string, env: Record<string, string> = {}) =>
  collect(
    track(spawn(BIN, [...args], { cwd, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })),
  );

const NUMBER = '+15550009999';

describe('--env-file', () => {
  let gw: Gateway | undefined;
  let elsewhere: Project | undefined;
  afterEach(async () => {
    await gw?.close();
    await elsewhere?.cleanup();
    gw = undefined;
    elsewhere = undefined;
  });

  const setUp = async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'from-file', to: '{ type: phone, number: "${TO}" }' },
        // No leading +: a warning, printed as a ::warning annotation in the github format.
        { name: 'local', to: '{ type: phone, number: "15550001234" }' },
      ]),
    });
    // The env file sits in another directory: the one the user works in, not the project.
    elsewhere = await makeProject({
      'vars/call.env': `TO=${NUMBER}\nGITHUB_ACTIONS=true\n`,
    });
    return { gw, elsewhere };
  };

  const expectPlaced = (r: CliResult, g: Gateway) => {
    expect(r.code, output(r)).toBe(0);
    const placed = g.placed();
    expect(placed).toHaveLength(2);
    const numbers = placed.map((p) => (p.body as { to: { number: string } }).to.number);
    expect(numbers).toContain(NUMBER);
    // Its variables are for references only: GITHUB_ACTIONS=true in it does not switch to
    // the github format, as it would if the file were loaded into the process environment.
    expect(r.stdout).not.toMatch(/^::/m);
  };

  it('reads FILE relative to the working directory, with -C naming the project', async () => {
    const { gw: g, elsewhere: e } = await setUp();
    const r = await runCli(['-C', g.project.dir, 'apply', '--yes', '--env-file', 'vars/call.env'], {
      cwd: e.dir,
      env: g.env,
    });
    expectPlaced(r, g);
  });

  it('works through the shebang of bin/callops.js, as an installed or linked callops runs', async () => {
    const { gw: g, elsewhere: e } = await setUp();
    const r = await runBin(
      ['apply', '-C', g.project.dir, '--env-file', 'vars/call.env', '--yes'],
      e.dir,
      g.env,
    );
    expectPlaced(r, g);
  });

  it('a missing FILE is a usage error (64) naming the flag, and nothing is sent', async () => {
    const { gw: g, elsewhere: e } = await setUp();
    for (const run of [
      () =>
        runCli(['-C', g.project.dir, 'apply', '--yes', '--env-file', 'nope.env'], {
          cwd: e.dir,
          env: g.env,
        }),
      () => runBin(['apply', '-C', g.project.dir, '--yes', '--env-file', 'nope.env'], e.dir, g.env),
    ]) {
      const r = await run();
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toMatch(/--env-file nope\.env: .*no such file/);
      expect(r.stderr).not.toMatch(/^node:/m);
    }
    expect(g.sim.received()).toHaveLength(0);
  });
});
