// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import {
  ACCOUNT_SID,
  API_KEY,
  APP_SID,
  BIN,
  type CliResult,
  callsYaml,
  cliEnv,
  collect,
  FROM,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
  startRun,
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

  it('a missing variable is to be set in an env file read: .env, and FILE under --env-file', async () => {
    elsewhere = await makeProject({
      'calls/a.yaml': callsYaml([{ name: 'one', to: '{ type: phone, number: "${TO}" }' }]),
      'vars/ci.env': 'OTHER=1\n',
    });
    const said = (where: string) =>
      `missing environment variable TO (referenced at /to/number; set it in the environment or in ${where})`;
    const both =
      'missing environment variable TO (referenced at /to/number; set it in the environment, in .env or in vars/ci.env (--env-file))';
    // No env file at all: .env is where callops would read it.
    const none = await runCli(['plan'], { cwd: elsewhere.dir });
    expect(none.code, output(none)).toBe(0);
    expect(none.stderr).toContain(said('.env'));
    // With --env-file, .env is read too (when there): either is a place.
    const named = await runCli(['plan', '--env-file', 'vars/ci.env'], { cwd: elsewhere.dir });
    expect(named.code, output(named)).toBe(0);
    expect(named.stderr).toContain(both);
    await elsewhere.write('.env', 'OTHER=2\n');
    const implicit = await runCli(['plan'], { cwd: elsewhere.dir });
    expect(implicit.stderr).toContain(said('.env'));
    const withDotEnv = await runCli(['plan', '--env-file', 'vars/ci.env'], { cwd: elsewhere.dir });
    expect(withDotEnv.stderr).toContain(both);
  });

  describe('with .env beside callops.yaml', () => {
    // The target's credentials and the application in .env, the numbers and a token in
    // another file, as a CI job adds its own to what the project keeps.
    const TOKEN = 'tok-9c2e5f-not-shown';
    const DOT_NUMBER = '+15550003333';
    const CALLS = callsYaml(
      [{ name: 'one', to: '{ type: phone, number: "${NUM1}" }' }],
      ['application_sid: ${APP_SID}', 'from: "${FROM_NUM}"', 'tag: { note: "${SECRET_TOKEN}" }'],
    );

    const withBoth = async () => {
      gw = await startGateway({
        'calls/a.yaml': CALLS,
        '.env': [
          `VG_API_KEY=${API_KEY}`,
          `VG_ACCOUNT_SID=${ACCOUNT_SID}`,
          'APP_SID=00000000-0000-4000-8000-000000000000',
          `FROM_NUM=+15550001111`,
          `NUM1=${DOT_NUMBER}`,
          '',
        ].join('\n'),
        'other.env': `NUM1=${NUMBER}\nSECRET_TOKEN=${TOKEN}\n`,
      });
      return gw;
    };
    /** The environment of a machine that sets none of the project's variables. */
    const bare = { VG_API_KEY: undefined, VG_ACCOUNT_SID: undefined };

    it('reads both: .env, then FILE over it, the real environment over both', async () => {
      const g = await withBoth();
      const plan = await g.run(['plan', '--env-file', 'other.env'], bare);
      expect(plan.code, output(plan)).toBe(0);
      expect(plan.stderr).not.toContain('missing environment variable');
      const r = await g.run(['apply', '--yes', '--env-file', 'other.env'], {
        ...bare,
        APP_SID,
      });
      expect(r.code, output(r)).toBe(0);
      const [placed] = g.placed();
      const body = placed?.body as {
        to: { number: string };
        application_sid: string;
        tag: unknown;
      };
      // NUM1 is the file's, over .env's; APP_SID the environment's, over .env's.
      expect(body.to.number).toBe(NUMBER);
      expect(body.application_sid).toBe(APP_SID);
      expect(body.tag).toEqual({ note: TOKEN });
      for (const res of [plan, r]) {
        expect(output(res)).not.toContain(TOKEN);
        expect(output(res)).not.toContain(API_KEY);
      }
    });

    it('a FILE that is not there stays a usage error naming the flag, and nothing is sent', async () => {
      const g = await withBoth();
      const r = await g.run(['apply', '--yes', '--env-file', 'nope.env'], bare);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toMatch(/--env-file nope\.env: .*no such file/);
      expect(g.sim.received()).toHaveLength(0);
    });

    it('run reads .env again under --env-file when it is edited', { timeout: 60_000 }, async () => {
      const g = await withBoth();
      const tick = callsYaml(
        [
          {
            name: 'tick',
            to: '{ type: phone, number: "${NUM2}" }',
            extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'],
          },
        ],
        [`application_sid: ${APP_SID}`, `from: "${FROM}"`],
      );
      await g.project.write('calls/a.yaml', tick);
      await g.project.write(
        '.env',
        `VG_API_KEY=${API_KEY}\nVG_ACCOUNT_SID=${ACCOUNT_SID}\nNUM2=+15550004001\n`,
      );
      const run = startRun(g, ['--env-file', 'other.env'], { env: {} });
      const dialled = () => g.placed().map((p) => (p.body as { to: { number: string } }).to.number);
      await run.until("a tick to .env's number", () =>
        dialled().includes('+15550004001') ? true : undefined,
      );
      await g.project.write(
        '.env',
        `VG_API_KEY=${API_KEY}\nVG_ACCOUNT_SID=${ACCOUNT_SID}\nNUM2=+15550004002\n`,
      );
      await run.until('a tick to the edited number', () =>
        dialled().includes('+15550004002') ? true : undefined,
      );
      run.child.kill('SIGTERM');
      const r = await run.done;
      expect(r.code, run.soFar()).toBe(0);
      expect(run.soFar()).toMatch(/definitions reloaded: /);
      expect(run.soFar()).not.toContain(API_KEY);
    });
  });

  describe('a line that is not a variable', () => {
    const CALL = callsYaml(
      [{ name: 'one', to: '{ type: phone, number: "${TO:-+15550009999}" }' }],
      [`application_sid: ${APP_SID}`, 'from: "${FROM}"'],
    );

    const cases: readonly [string, string, RegExp][] = [
      [
        'FROM=+15550001111\n# numbers for the test\nreal customer line\nTO=+15550002222\n',
        '3:1',
        /not a variable: write NAME=value/,
      ],
      ['=novar\nFROM=+15550001111\nTO=+15550002222\n', '1:1', /not a variable/],
      ['FROM="+15550001111\nTO=+15550002222\n', '1:6', /opening " is never closed/],
    ];

    for (const [text, where, message] of cases) {
      it(`${JSON.stringify(text.split('\n')[0])}… is refused at ${where}, and nothing is sent`, async () => {
        gw = await startGateway({ 'calls/a.yaml': CALL, 's.env': text });
        const r = await gw.run(['apply', '--yes', '--env-file', 's.env']);
        expect(r.code, output(r)).toBe(64);
        expect(r.stderr).toMatch(new RegExp(`--env-file s\\.env:${where}: `));
        expect(r.stderr).toMatch(message);
        expect(output(r)).not.toContain('+15550001111');
        expect(gw.sim.received()).toHaveLength(0);
        // The same lines in .env: invalid input (1), at the file's place.
        await gw.project.write('.env', text);
        const implicit = await gw.run(['apply', '--yes']);
        expect(implicit.code, output(implicit)).toBe(1);
        expect(implicit.stderr).toMatch(new RegExp(`\\.env:${where}: `));
        expect(gw.sim.received()).toHaveLength(0);
      });
    }

    it('every such line is reported at once', async () => {
      const text = 'oops\nFROM=+15550001111\nA="x" y\nTO=+15550002222\n=z\n';
      gw = await startGateway({ 'calls/a.yaml': CALL, 's.env': text });
      const r = await gw.run(['apply', '--yes', '--env-file', 's.env']);
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr.match(/--env-file s\.env:\d+:\d+/g)).toEqual([
        '--env-file s.env:1:1',
        '--env-file s.env:3:7',
        '--env-file s.env:5:1',
      ]);
      expect(gw.sim.received()).toHaveLength(0);
    });
  });
});
