// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  callsYaml,
  collect,
  type Gateway,
  makeProject,
  plainText,
  runCli,
  spawnOnTerminal,
  startRun,
  waitFor,
} from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

const SIMULATED = 'target simulator: the built-in simulator — only the calls to it are simulated';

/**
 * The built-in simulator is the default target; `real-one` is pinned to `production`, a
 * gateway of its own (the test's simulator, standing in for a real one).
 */
const pinnedProject = async (): Promise<Gateway & { readonly production: string }> => {
  const gw = await startGateway({
    'calls/mine.yaml': callsYaml([
      { name: 'real-one', extra: ['target: production'] },
      { name: 'sim-one' },
    ]),
  });
  await gw.project.write(
    'callops.yaml',
    [
      'targets:',
      '  production:',
      `    base_url: ${gw.sim.url}`,
      '    account_sid: ${VG_ACCOUNT_SID}',
      '    api_key: ${VG_API_KEY}',
      'default_target: simulator',
      '',
    ].join('\n'),
  );
  return Object.assign(gw, { production: `target production: ${gw.sim.url}` });
};

/** The first lines of `text` up to the first that names no target. */
const header = (text: string): string[] => {
  const lines = plainText(text).split('\n');
  const end = lines.findIndex((l) => !l.startsWith('target '));
  return lines.slice(0, end);
};

describe('the target lines name every target the calls reach', () => {
  it('plan, status and apply name the pinned real gateway beside the simulator, never "nothing real is dialled"', async () => {
    const gw = await pinnedProject();
    const expected = [SIMULATED, gw.production];
    for (const args of [['plan'], ['status'], ['apply', '--yes']]) {
      const r = await gw.run(args);
      expect(r.code, r.stderr).toBe(0);
      expect(header(r.stdout), args[0]).toEqual(expected);
      expect(r.stdout + r.stderr).not.toContain('nothing real is dialled');
    }
    // What the lines said: the pinned call went to that gateway, the other nowhere real.
    expect(gw.placed().map((p) => (p.body as { to: { number: string } }).to.number)).toEqual([
      '+15550002000',
    ]);
    // status names a target its lockfile's entries were placed on, with nothing due.
    const status = await gw.run(['status']);
    expect(header(status.stdout)).toEqual(expected);
  });

  it('says the same in JSON, the pull-request comment and the step summary', async () => {
    const gw = await pinnedProject();
    const plan = await gw.run(['plan', '--format', 'json']);
    expect(JSON.parse(plan.stdout)).toMatchObject({
      target: 'simulator',
      targets: ['simulator', 'production'],
    });
    const markdown = await gw.run(['plan', '--format', 'markdown']);
    expect(markdown.stdout).toContain(`- ${SIMULATED}\n- ${gw.production}\n`);
    expect(markdown.stdout).not.toContain('nothing real is dialled');
    const summary = join(gw.project.dir, 'step-summary.md');
    const apply = await gw.run(['apply', '--yes', '--format', 'json'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout)).toMatchObject({
      target: 'simulator',
      targets: ['simulator', 'production'],
      placed: 2,
    });
    expect(await readFile(summary, 'utf8')).toContain(
      '### callops apply — targets `simulator`, `production`',
    );
  });

  it("names both in apply's question before anything is placed", async () => {
    const gw = await pinnedProject();
    const child = spawnOnTerminal(['apply'], { cwd: gw.project.dir, env: gw.env });
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
    });
    const done = collect(child, 20_000);
    await waitFor('the question', () =>
      /Place 2 calls\? Type yes to go on: $/.test(plainText(seen)) ? true : undefined,
    );
    const asked = plainText(seen);
    expect(asked).toContain(`${SIMULATED}\n${gw.production}\n  + `);
    expect(asked).not.toContain('nothing real is dialled');
    expect(gw.sim.received()).toHaveLength(0);
    child.stdin?.write('no\r');
    expect((await done).code).toBe(1);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('run names both as it starts, and with each batch', { timeout: 60_000 }, async () => {
    const gw = await pinnedProject();
    const run = startRun(gw);
    await run.until('both calls in the lockfile', async () => {
      const lock = await gw.project.lock();
      return lock?.calls['production/real-one'] && lock.calls['simulator/sim-one']
        ? true
        : undefined;
    });
    await waitFor('the batch summary', () => (/^Done: /m.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stderr)).toEqual([SIMULATED, gw.production]);
    expect(header(r.stdout)).toEqual([SIMULATED, gw.production]);
    expect(r.stdout + r.stderr).not.toContain('nothing real is dialled');
  });

  it('keeps a secret of the base URL hidden in every line', async () => {
    const project = await makeProject({
      'callops.yaml': [
        'targets:',
        '  production:',
        '    base_url: https://vg.example.com/gw/${GW_TOKEN}',
        '    account_sid: ${VG_ACCOUNT_SID}',
        '    api_key: ${VG_API_KEY}',
        'default_target: simulator',
        '',
      ].join('\n'),
      'calls/mine.yaml': callsYaml([{ name: 'real-one', extra: ['target: production'] }]),
    });
    try {
      const env = { GW_TOKEN: 'Zq8Kd7Wm2xTok', VG_ACCOUNT_SID: 'ac', VG_API_KEY: 'k3y-Zq8Kd7' };
      for (const format of ['human', 'markdown', 'json']) {
        const r = await runCli(['plan', '--format', format], { cwd: project.dir, env });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout + r.stderr).not.toContain('Zq8Kd7');
        if (format !== 'json')
          expect(r.stdout).toContain('target production: https://vg.example.com/gw/${GW_TOKEN}');
      }
    } finally {
      await project.cleanup();
    }
  });

  it("names the simulator beside init's project's own default target", async () => {
    const project = await makeProject({});
    try {
      const init = await runCli(['init'], { cwd: project.dir });
      expect(init.code, init.stderr).toBe(0);
      const config = await project.read('callops.yaml');
      await project.write(
        'callops.yaml',
        `${config}targets:\n  lab:\n    base_url: https://vg.example.com\n    account_sid: \${VG_ACCOUNT_SID}\n    api_key: \${VG_API_KEY}\ndefault_target: lab\n`,
      );
      const r = await runCli(['plan'], { cwd: project.dir });
      expect(r.code, r.stderr).toBe(0);
      expect(header(r.stdout)).toEqual(['target lab: https://vg.example.com', SIMULATED]);
      expect(r.stdout).toContain('simulator/example-call');
    } finally {
      await project.cleanup();
    }
  });
});

describe('--target env without CALLOPS_* set', () => {
  it('says which variables are not set, as without --target, exit 64, nothing sent', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    const message =
      '--target env: CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID and CALLOPS_API_KEY are not set: a target from the environment needs CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID, CALLOPS_API_KEY';
    for (const args of [
      ['plan'],
      ['plan', '--format', 'json'],
      ['apply', '--yes'],
      ['status'],
      ['run', '--yes'],
    ]) {
      const r = await gw.run([...args, '--target', 'env']);
      expect(r.stderr, args.join(' ')).toBe(`callops ${args[0]}: ${message}\n`);
      expect(r.code, args.join(' ')).toBe(64);
    }
    expect(gw.sim.received()).toHaveLength(0);
    // validate names `env` among the targets it knows, as before.
    const validate = await gw.run(['validate', '--target', 'labb']);
    expect(validate.stderr).toContain('(known: sim, env, simulator)');
  });

  it('a call pinned to `env` says in the target lines that its calls are not sent', async () => {
    const gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'here' }, { name: 'pinned', extra: ['target: env'] }]),
    });
    const r = await gw.run(['plan']);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout)).toEqual([
      `target sim: ${gw.sim.url}`,
      'target env: CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID and CALLOPS_API_KEY are not set — its calls are not sent',
    ]);
  });
});
