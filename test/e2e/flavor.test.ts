import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_SID, DEFAULT_API_KEY } from '../../src/simulator/index.js';
import {
  APP_SID,
  callsYaml,
  type Gateway,
  makeProject,
  output,
  plainText,
  runCli,
  startChildSimulator,
  startGateway,
} from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const gateway = async (...args: Parameters<typeof startGateway>): Promise<Gateway> => {
  const gw = await startGateway(...args);
  cleanups.push(() => gw.close());
  return gw;
};

// calls/a.yaml: defaults on lines 1-3, `- name: streamed` on 5, its `listen:` key at 7:5.
const LISTENING = {
  'calls/a.yaml': callsYaml([
    { name: 'streamed', extra: ['listen: { url: "wss://audio.example.com/stream" }'] },
  ]),
};

describe('target flavor', () => {
  it('jambonz: validate and apply refuse `listen` at file:line:column with the fix; nothing is sent', async () => {
    const gw = await gateway(LISTENING, { targetExtra: ['flavor: jambonz'] });
    const message =
      "error: target `sim` has flavor: jambonz, and a stock jambonz feature server rejects `listen` on create-call (it is not a rest:dial property): move it into the application's verbs, or target a Cognigy Voice Gateway with flavor: cognigy";
    const validated = await gw.run(['validate']);
    expect(validated.code).toBe(1);
    expect(plainText(validated.stderr)).toContain(`calls/a.yaml:7:5: ${message}`);

    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code).toBe(1);
    expect(plainText(applied.stderr)).toContain(`calls/a.yaml:7:5: ${message}`);
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.lock()).toBeUndefined();
  });

  it('cognigy (written, or by default): `listen` is accepted and the call is placed', async () => {
    const written = await gateway(LISTENING, { targetExtra: ['flavor: cognigy'] });
    const validated = await written.run(['validate']);
    expect(output(validated)).not.toContain('rest:dial');
    expect(validated.code).toBe(0);
    const applied = await written.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(written.placed()).toHaveLength(1);
    expect(written.placed()[0]?.body).toMatchObject({
      listen: { url: 'wss://audio.example.com/stream' },
    });

    const unset = await gateway(LISTENING);
    expect((await unset.run(['validate'])).code).toBe(0);
  });

  it('--target naming a jambonz target checks the calls that go there; nothing is sent', async () => {
    const gw = await gateway(LISTENING);
    const config = await gw.project.read('callops.yaml');
    const lab = config
      .split('\n')
      .filter((l) => l.startsWith('    '))
      .join('\n');
    await gw.project.write(
      'callops.yaml',
      config.replace(
        'default_target: sim',
        `  lab:\n${lab}\n    flavor: jambonz\ndefault_target: sim`,
      ),
    );
    expect((await gw.run(['validate'])).code).toBe(0);
    // validate takes --target as plan and apply do.
    for (const command of [['validate'], ['plan']]) {
      const r = await gw.run([...command, '--target', 'lab']);
      expect(r.code, `${command[0]} ${output(r)}`).toBe(1);
      expect(plainText(r.stderr)).toContain(
        'calls/a.yaml:7:5: error: target `lab` has flavor: jambonz',
      );
    }
    expect((await gw.run(['validate', '--target', 'sim'])).code).toBe(0);
    const applied = await gw.run(['apply', '--yes', '--target', 'lab']);
    expect(applied.code, output(applied)).toBe(1);
    expect(plainText(applied.stderr)).toContain(
      'calls/a.yaml:7:5: error: target `lab` has flavor: jambonz',
    );
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('refuses an unknown flavor at its place, with a suggestion', async () => {
    const gw = await gateway(LISTENING, { targetExtra: ['flavor: jambnoz'] });
    const r = await gw.run(['validate']);
    expect(r.code).toBe(1);
    expect(plainText(r.stderr)).toContain(
      'callops.yaml:6:13: error: must be one of `cognigy`, `jambonz`, got string "jambnoz" — did you mean `jambonz`?',
    );
  });
});

describe('values the application replaces', () => {
  it('call_status_hook beside application_sid is a warning at the value, with what to do', async () => {
    const project = await makeProject({
      'calls/a.yaml': callsYaml([
        { name: 'hooked', extra: ['call_status_hook: https://hooks.example.com/status'] },
      ]),
    });
    cleanups.push(() => project.cleanup());
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code).toBe(0);
    expect(plainText(r.stderr)).toContain(
      "calls/a.yaml:7:5: warning: `call_status_hook` has no effect when `application_sid` is set: the gateway uses the application's instead; remove it, or drop application_sid and use call_hook",
    );
  });
});

describe('callops simulator --flavor', () => {
  const post = (url: string, body: Record<string, unknown>) =>
    fetch(`${url}/v1/Accounts/${DEFAULT_ACCOUNT_SID}/Calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEFAULT_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  const CALL = {
    application_sid: APP_SID,
    from: '+15550001111',
    to: { type: 'phone', number: '+15550002222' },
  };

  it('jambonz answers 500 text/plain for `listen`, as the real chain does, and 201 without', async () => {
    const project = await makeProject({});
    cleanups.push(() => project.cleanup());
    const sim = await startChildSimulator(['--flavor', 'jambonz'], project.dir);
    cleanups.push(() => sim.stop());

    const refused = await post(sim.url, { ...CALL, listen: { url: 'wss://a.example.com' } });
    expect(refused.status).toBe(500);
    expect(refused.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await refused.text()).toBe('Internal Server Error');

    const accepted = await post(sim.url, { ...CALL, timeLimit: 60, tag: { a: 'b' } });
    expect(accepted.status).toBe(201);
    expect(Object.keys((await accepted.json()) as object).sort()).toEqual(['callId', 'sid']);
  });

  it('the earlier checks still come first, and cognigy (the default) accepts `listen`', async () => {
    const project = await makeProject({});
    cleanups.push(() => project.cleanup());
    const jambonz = await startChildSimulator(['--flavor', 'jambonz'], project.dir);
    cleanups.push(() => jambonz.stop());
    const noFrom = await post(jambonz.url, { ...CALL, from: undefined, listen: {} });
    expect(noFrom.status).toBe(400);
    expect(await noFrom.json()).toEqual({ msg: 'missing from parameter' });

    const cognigy = await startChildSimulator([], project.dir);
    cleanups.push(() => cognigy.stop());
    const accepted = await post(cognigy.url, { ...CALL, listen: { url: 'wss://a.example.com' } });
    expect(accepted.status).toBe(201);
  });

  it('refuses an unknown --flavor', async () => {
    const r = await runCli(['simulator', '--flavor', 'asterisk'], { cwd: process.cwd() });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--flavor must be cognigy or jambonz');
  });
});
