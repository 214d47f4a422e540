import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  APP_SID,
  callsYaml,
  collect,
  holdCalls,
  makeProject,
  plainText,
  spawnCli,
  spawnOnTerminal,
  startGateway,
  startHeldApply,
  waitFor,
  watch,
} from './helpers.js';

// Each test runs the CLI several times; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 60_000 });

const open: { close(): Promise<void> }[] = [];
let release: () => void = () => {};
afterEach(async () => {
  release();
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i + 1}`);

describe('calls a stop kept from being sent', () => {
  it('are "not sent — still due" and get no lockfile entry (SIGTERM mid-burst, no terminal)', async () => {
    const all = names(300);
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(all.map((name) => ({ name }))) },
      { targetExtra: ['concurrency: 60'], latencyMs: 100 },
    );
    open.push(gw);
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 40_000);
    await waitFor('the first placed call', () => (/^placed /m.test(soFar()) ? true : undefined), {
      timeoutMs: 30_000,
    });
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(130);
    const entries = Object.entries((await gw.project.lock())?.calls ?? {});
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(all.length);
    for (const [key, e] of entries) expect(e.status, `${key}: ${e.message}`).toBe('placed');
    expect(entries).toHaveLength(gw.placed().length);
    expect(r.stdout).not.toMatch(/interrupted before the request was sent/);
    const notSent = r.stdout.split('\n').filter((l) => /^not sent .* still due$/.test(l));
    expect(notSent).toHaveLength(all.length - entries.length);
    expect(r.stdout).toContain(`${all.length - entries.length} not sent (still due)`);

    // The next apply places exactly the rest.
    const next = await gw.run(['apply', '--yes']);
    expect(next.code).toBe(0);
    expect(gw.placed()).toHaveLength(all.length);
    expect(new Set(gw.placed().map((p) => JSON.stringify(p.body))).size).toBe(all.length);
  });
});

describe('run stopped while calls are in flight', () => {
  it('records them and exits 0: a scheduler stopped on request', async () => {
    const held = await startHeldApply(
      (args, options) => spawnCli(['run', ...args.slice(1)], options),
      names(4),
    );
    open.push(held.gw);
    release = held.release;
    held.child.kill('SIGTERM');
    await waitFor('the stop to be acknowledged', () =>
      /stopping/.test(held.soFar()) ? true : undefined,
    );
    held.release();
    const r = await held.done;
    expect(r.code).toBe(0);
    const entries = Object.values((await held.gw.project.lock())?.calls ?? {});
    expect(entries).toHaveLength(2);
    for (const e of entries) expect(e.status).toBe('placed');
  });

  it('exits 1 when the calls it recorded ended unknown', async () => {
    // The gateway holds both calls past the request timeout: each ends unknown.
    const hold = holdCalls();
    release = hold.release;
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(names(2).map((name) => ({ name }))) },
      { targetExtra: ['concurrency: 2', 'request_timeout: 1s'], latencyMs: 1, wait: hold.wait },
    );
    open.push(gw);
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined), {
      timeoutMs: 30_000,
    });
    child.kill('SIGTERM');
    const r = await done;
    expect(soFar()).toMatch(/Interrupted: 0 placed, 0 failed, 2 unknown/);
    expect(r.code, r.stderr).toBe(1);
    const entries = Object.values((await gw.project.lock())?.calls ?? {});
    expect(entries.map((e) => e.status)).toEqual(['unknown', 'unknown']);
  });

  it('exits 1 when a call of the batch failed before the stop', async () => {
    // Due calls go in key order, two at a time: `bad` is refused at once (400), c1 and c2 are
    // then held at the gateway until released, and c3 is not started when the stop comes.
    const hold = holdCalls();
    release = hold.release;
    const gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'bad', extra: ['application_sid: 00000000-0000-4000-8000-0000000000ff'] },
          ...names(3).map((name) => ({ name })),
        ]),
      },
      {
        targetExtra: ['concurrency: 2'],
        latencyMs: 1,
        wait: hold.wait,
        applicationSids: [APP_SID],
      },
    );
    open.push(gw);
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor(
      'the refusal and two requests held',
      () =>
        hold.held() === 2 && gw.sim.received().some((x) => x.status === 400) ? true : undefined,
      { timeoutMs: 30_000 },
    );
    child.kill('SIGTERM');
    await waitFor('the stop to be acknowledged', () =>
      /stopping/.test(soFar()) ? true : undefined,
    );
    hold.release();
    const r = await done;
    expect(soFar()).toMatch(/Interrupted: 2 placed, 1 failed, 0 unknown, 1 not sent \(still due\)/);
    expect(r.code, r.stderr).toBe(1);
    expect((await gw.project.lock())?.calls['sim/bad']?.status).toBe('failed');
  });
});

describe('apply stopped while calls are in flight', () => {
  it('exits 130 also when the calls it recorded ended unknown', async () => {
    const hold = holdCalls();
    release = hold.release;
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(names(3).map((name) => ({ name }))) },
      { targetExtra: ['concurrency: 2', 'request_timeout: 1s'], latencyMs: 1, wait: hold.wait },
    );
    open.push(gw);
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('two requests at the gateway', () => (hold.held() === 2 ? true : undefined), {
      timeoutMs: 30_000,
    });
    child.kill('SIGINT');
    const r = await done;
    expect(soFar()).toMatch(/0 placed, 0 failed, 2 unknown, 1 not sent \(still due\)/);
    expect(r.code, r.stderr).toBe(130);
  });
});

describe('progress at a terminal', () => {
  it('an aggregated line that was stopping does not end with ✔', async () => {
    const held = await startHeldApply(spawnOnTerminal, names(14));
    open.push(held.gw);
    release = held.release;
    held.child.stdin?.write('\x03');
    await waitFor('the stop shown in the progress', () =>
      /stopping: no new calls/.test(plainText(held.soFar())) ? true : undefined,
    );
    held.release();
    const r = await held.done;
    expect(r.code).toBe(130);
    const text = plainText(r.stdout);
    const ticked = text.split('\n').filter((l) => l.startsWith('✔'));
    expect(ticked.filter((l) => /stopping/.test(l))).toEqual([]);
    expect(text).toMatch(/2 placed, 0 failed, 0 unknown, 12 not sent \(still due\)/);
  });

  it('a call in flight is never shown (queued)', async () => {
    const held = await startHeldApply(spawnOnTerminal, names(5));
    open.push(held.gw);
    release = held.release;
    // The last frame drawn while c1 and c2 are at the gateway shows them without (queued).
    await waitFor('c1 and c2 drawn in flight', () => {
      const text = plainText(held.soFar());
      const last = (name: string) => {
        const at = text.lastIndexOf(`sim/${name} → `);
        return at < 0 ? '' : (text.slice(at).split('\n')[0] ?? '');
      };
      return ['c1', 'c2'].every((n) => last(n) !== '' && !last(n).includes('(queued)')) &&
        last('c3').includes('(queued)')
        ? true
        : undefined;
    });
    held.release();
    const r = await held.done;
    expect(r.code).toBe(0);
  });
});

describe('the first line names where calls go', () => {
  it('the env target shows its base URL: scheme, host and path, never userinfo or a query', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    const project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push({ close: () => project.cleanup() });
    const url = new URL(gw.sim.url);
    const env = {
      CALLOPS_BASE_URL: `http://user:pa55word@${url.host}/?token=qq77secret`,
      CALLOPS_ACCOUNT_SID: ACCOUNT_SID,
      CALLOPS_API_KEY: API_KEY,
    };
    // plan and status read no value but the URL; apply refuses one with credentials.
    const runs = [['plan'], ['status']];
    expect(runs).toHaveLength(2);
    for (const args of runs) {
      const r = await collect(spawnCli(args, { cwd: project.dir, env }));
      const first = r.stdout.split('\n')[0] ?? '';
      expect(first, args.join(' ')).toContain(`target env: http://${url.host} (from`);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/pa55word|qq77secret|user:/);
    }
    const clean = { ...env, CALLOPS_BASE_URL: gw.sim.url };
    const r = await collect(spawnCli(['apply', '--yes'], { cwd: project.dir, env: clean }));
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain(`target env: http://${url.host} (from`);
  });

  it('a configured target whose base_url is a reference shows the URL it resolves to', async () => {
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    const yaml = (await gw.project.read('callops.yaml')).replace(
      /base_url: \S+/,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal reference
      'base_url: ${VG_URL}',
    );
    await gw.project.write('callops.yaml', yaml);
    const r = await gw.run(['plan'], { VG_URL: `${gw.sim.url}/vg` });
    expect(r.stdout.split('\n')[0]).toBe(`target sim: ${gw.sim.url}/vg`);
  });
});

describe('a stop during a 429 pause, before the retry leaves', () => {
  // Every request is answered 429 with Retry-After 60 s: the target pauses, the call waits
  // for its second try. The gateway placed nothing, and the stop comes before the retry.
  const pausedGateway = async (calls: Parameters<typeof callsYaml>[0]) => {
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(calls) },
      { failStatus: 429, retryAfterS: 60 },
    );
    open.push(gw);
    return gw;
  };
  const retryWaiting = /^retry +\S+ +429 .*; try 2 in /m;

  it('run: the call is "not sent — still due", gets no entry, and run exits 0', async () => {
    const gw = await pausedGateway([
      { name: 'tick', extra: ['schedule: { cron: "*/2 * * * * *", deadline: 30s }'] },
    ]);
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 40_000);
    await waitFor(
      'a retry waiting out the pause',
      () => (retryWaiting.test(soFar()) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.stdout).not.toMatch(/^failed /m);
    expect(r.stdout).not.toMatch(/interrupted before retrying/);
    expect(r.stdout).toMatch(/^not sent sim\/tick@\S+ {2}still due$/m);
    // Its first attempt left (answered 429): not "not started", but not sent, still due.
    expect(r.stdout).toMatch(
      /Interrupted: 0 placed, 0 failed, 0 unknown, (\d+ missed, )?1 not sent \(still due\) in /,
    );
    expect(r.stdout).not.toContain('not started');
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(gw.sim.received().length).toBeGreaterThan(0);
    expect(gw.sim.received().filter((x) => x.status !== 429)).toEqual([]);
    const keys = Object.keys((await gw.project.lock())?.calls ?? {});
    expect(keys.filter((k) => k.startsWith('sim/tick@'))).toEqual([]);
  });

  it('apply: the call is "not sent — still due", gets no entry, and is due again', async () => {
    const gw = await pausedGateway([{ name: 'c1' }]);
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 40_000);
    await waitFor(
      'a retry waiting out the pause',
      () => (retryWaiting.test(soFar()) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(130);
    expect(r.stdout).not.toMatch(/^failed /m);
    expect(r.stdout).toMatch(/^not sent sim\/c1 {2}still due$/m);
    expect(r.stdout).toMatch(
      /Interrupted: 0 placed, 0 failed, 0 unknown, 1 not sent \(still due\) in /,
    );
    expect(r.stdout).not.toContain('not started');
    expect(gw.sim.received().map((x) => x.status)).toEqual([429]);
    expect((await gw.project.lock())?.calls['sim/c1']).toBeUndefined();
    // Nothing recorded: the next apply places it (plan, which sends nothing, says it is due).
    const plan = await gw.run(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout).toBe(2);
  });
});
