// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsPerNumber,
  callsYaml,
  type Gateway,
  output,
  startGateway,
  startRun,
  waitFor,
  withoutRecordedGateways,
} from './helpers.js';

/**
 * `run` names, as apply does under its target line, each target whose entries its target
 * reads otherwise: one whose base_url does not resolve here (its calls are placed again),
 * one the project no longer defines. Once as it starts, before it places anything; again
 * only when a reload changes the set, never with every batch. The real CLI, the file store,
 * the built-in simulator.
 */

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const ONE = '+15550170001';
const TWO = '+15550170002';
const THREE = '+15550170003';

const call = (name: string, number: string) => ({
  name,
  to: `{ type: phone, number: "${number}" }`,
});

/** callops.yaml with `gw` (written `base_url`) and, when given, `prod` beside it. */
const config = (url: string, gwUrl: string, prod: boolean, target: string): string =>
  [
    'targets:',
    '  gw:',
    `    base_url: ${gwUrl}`,
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    ...(prod
      ? [
          '  prod:',
          `    base_url: ${url}`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
        ]
      : []),
    `default_target: ${target}`,
    '',
  ].join('\n');

/** Calls to the simulator wait while `closed` (a create-call request waits its latency). */
const gate = () => {
  let closed = false;
  const waiting: (() => void)[] = [];
  return {
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      for (const go of waiting.splice(0)) go();
    },
    held: () => waiting.length,
    wait: () => new Promise<void>((resolve) => (closed ? waiting.push(resolve) : resolve())),
  };
};

/** The project's two calls placed by `apply` under target `gw`, its only target. */
const placedUnderGw = async (hold?: ReturnType<typeof gate>): Promise<Gateway> => {
  const g = await startGateway(
    { 'calls/a.yaml': callsYaml([call('c1', ONE), call('c2', TWO)]) },
    hold === undefined ? {} : { latencyMs: 1, wait: hold.wait },
  );
  gw = g;
  await g.project.write('callops.yaml', config(g.sim.url, g.sim.url, false, 'gw'));
  const first = await g.run(['apply', '--yes']);
  expect(first.code, output(first)).toBe(0);
  expect(g.placed()).toHaveLength(2);
  return g;
};

const TICK_NUMBER = '+15550170009';
/** A call every second: run wakes (and looks at the definitions) every second, a batch each. */
const TICK = {
  name: 'tick',
  to: `{ type: phone, number: "${TICK_NUMBER}" }`,
  extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'],
};

const count = (text: string, words: string): number => text.split(words).length - 1;

const UNRESOLVED =
  "target gw does not resolve here (a variable in its base_url or account_sid is unset or empty, or its base_url is not a URL): its 2 entries are read as another gateway's, and what they placed is placed again under prod; were gw this gateway renamed, set its variables (or remove it from callops.yaml) before applying";
const GONE =
  "target gw is not defined in this checkout's callops.yaml: its 2 entries stay in the lockfile, and no call, slot or row placed under it is placed again under another target's name";

describe('run names the targets whose entries its target reads otherwise', () => {
  it('says a target that does not resolve here before it places, and again only when a reload changes the set', {
    timeout: 90_000,
  }, async () => {
    const hold = gate();
    const g = await placedUnderGw(hold);
    // Entries an earlier release wrote, recording no gateway: nothing tells whose they are.
    await withoutRecordedGateways(g.project);
    // `gw` now reads its base_url from a variable unset here; `prod`, written out, is the
    // same gateway: what `gw` placed is placed again under `prod`, and run must say so.
    await g.project.write('callops.yaml', config(g.sim.url, '${GW_URL}', true, 'prod'));
    await g.project.write('calls/a.yaml', callsYaml([call('c1', ONE), call('c2', TWO), TICK]));
    hold.close();
    const run = startRun(g);
    await run.until('a call of run at the gateway', () => (hold.held() > 0 ? true : undefined));
    // Said before anything was placed: the first request is still at the gateway.
    expect(run.soFar()).toContain(`target prod: ${g.sim.url}\n${UNRESOLVED}\nrunning: 3 calls`);
    hold.open();
    await run.until('both calls placed again under prod', async () => {
      const lock = await g.project.lock();
      return lock?.calls['prod/c1']?.status === 'placed' &&
        lock.calls['prod/c2']?.status === 'placed'
        ? true
        : undefined;
    });
    // A reload that leaves the set as it was, and batches after it: not said again.
    await g.project.write(
      'calls/a.yaml',
      callsYaml([call('c1', ONE), call('c2', TWO), call('c3', THREE), TICK]),
    );
    await run.until('the added call placed', async () =>
      (await g.project.lock())?.calls['prod/c3']?.status === 'placed' ? true : undefined,
    );
    // A reload that takes `gw` out of callops.yaml: its entries are a target no longer defined.
    await g.project.write(
      'callops.yaml',
      config(g.sim.url, g.sim.url, true, 'prod').replace(/ {2}gw:\n(?: {4}.*\n){3}/, ''),
    );
    await run.until('the target no longer defined named', () =>
      run.soFar().includes(GONE) ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(0);
    expect(count(r.stderr, UNRESOLVED)).toBe(1);
    expect(count(r.stderr, GONE)).toBe(1);
    // Each of them placed once under `gw` by apply, once again under `prod` by run.
    const once = g
      .placed()
      .filter((p) => (p.body as { to: { number: string } }).to.number !== TICK_NUMBER);
    expect(once).toHaveLength(5);
  });

  it('says a target whose variable is set but empty as one unset, before it places', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderGw();
    await withoutRecordedGateways(g.project);
    // GW_URL empty, as a CI job gives a secret missing in it: `gw` does not resolve here.
    await g.project.write('callops.yaml', config(g.sim.url, '${GW_URL}', true, 'prod'));
    const run = startRun(g, [], { env: { GW_URL: '' } });
    await run.until('both calls placed again under prod', async () => {
      const lock = await g.project.lock();
      return lock?.calls['prod/c1']?.status === 'placed' &&
        lock.calls['prod/c2']?.status === 'placed'
        ? true
        : undefined;
    });
    await waitFor('the batch summary', () => (/^Done: /m.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr).toContain(`target prod: ${g.sim.url}\n${UNRESOLVED}\nrunning: 2 calls`);
    expect(count(r.stderr, UNRESOLVED)).toBe(1);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 2, [TWO]: 2 });
  });

  it('holds what a target whose variable is empty placed on its gateway, as its entries record', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderGw();
    // The gateway renamed gw → prod, in a job whose GW_URL is empty (a missing CI secret).
    await g.project.write('callops.yaml', config(g.sim.url, '${GW_URL}', true, 'prod'));
    await g.project.write('calls/a.yaml', callsYaml([call('c1', ONE), call('c2', TWO), TICK]));
    const run = startRun(g, [], { env: { GW_URL: '' } });
    await run.until('a tick placed under prod', async () => {
      const lock = await g.project.lock();
      return Object.keys(lock?.calls ?? {}).some((k) => k.startsWith('prod/tick@'))
        ? true
        : undefined;
    });
    await waitFor('the batch summary', () => (/^Done: /m.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr).toContain(
      `target prod: ${g.sim.url}\ntarget gw does not resolve here (a variable in its base_url or account_sid is unset or empty, or its base_url is not a URL), but its entries record which gateway placed them: 2 entries placed on the gateway of prod are held, not placed again\n`,
    );
    // c1 and c2 called once, by apply under gw; run placed only the ticks.
    const counts = callsPerNumber(g);
    expect(counts[ONE]).toBe(1);
    expect(counts[TWO]).toBe(1);
    const lock = await g.project.lock();
    expect(lock?.calls['prod/c1']).toBeUndefined();
    expect(lock?.calls['prod/c2']).toBeUndefined();
  });

  it('says a target no longer defined as it starts, once, and places nothing of it again', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderGw();
    // `gw` renamed `prod` (the same gateway), and a call added: placed, the others held.
    await g.project.write(
      'callops.yaml',
      config(g.sim.url, g.sim.url, false, 'gw').replaceAll('gw', 'prod'),
    );
    await g.project.write(
      'calls/a.yaml',
      callsYaml([call('c1', ONE), call('c2', TWO), call('c3', THREE)]),
    );
    const run = startRun(g);
    await run.until('the added call placed', async () =>
      (await g.project.lock())?.calls['prod/c3']?.status === 'placed' ? true : undefined,
    );
    await waitFor('the batch summary', () => (/^Done: /m.test(run.soFar()) ? true : undefined));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr).toContain(`target prod: ${g.sim.url}\n${GONE}\nrunning: 3 calls`);
    expect(count(r.stderr, GONE)).toBe(1);
    expect(g.placed()).toHaveLength(3);
  });
});
