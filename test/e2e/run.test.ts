import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  APP_SID,
  callsYaml,
  collect,
  type Gateway,
  spawnCli,
  startGateway,
  startRun,
  waitFor,
  watch,
} from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const CALLS = {
  'calls/a.yaml': callsYaml([
    { name: 'at-start' },
    // Every second. The deadline is far longer than a loaded machine could stall between the
    // plan and the send (a slot still unsent when its deadline passes ends failed).
    { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] },
  ]),
};

/** Start-up of a child process on a loaded CI machine has been seen to take 13 s. */
const SLOW = { timeoutMs: 30_000 };

describe('callops run', () => {
  it('places the unscheduled call at start and each slot as it falls due, once; SIGTERM stops it', {
    timeout: 90_000,
  }, async () => {
    gw = await startGateway(CALLS);
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const done = collect(child, 60_000);
    const project = gw.project;
    const ticks = async () =>
      Object.keys((await project.lock())?.calls ?? {}).filter((k) => k.startsWith('sim/tick@'));
    // The first batch: at-start and the slots of the last 30 s, together.
    const first = await waitFor(
      'the first batch in the lockfile',
      async () => {
        const lock = await project.lock();
        return lock?.calls['sim/at-start'] ? (await ticks()).length : undefined;
      },
      SLOW,
    );
    // Later batches: each slot as it falls due. Stop it right after a batch was recorded.
    await waitFor(
      'three later slots of tick in the lockfile',
      async () => ((await ticks()).length >= first + 3 ? true : undefined),
      SLOW,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(r.stderr).toMatch(/stopped/);
    expect(gw.sim.received().length).toBeGreaterThan(0);
    expect(gw.sim.received().filter((x) => x.status !== 201)).toEqual([]);

    const lock = await gw.project.lock();
    const keys = Object.keys(lock?.calls ?? {});
    expect(keys).toContain('sim/at-start');
    for (const key of keys.filter((k) => k.startsWith('sim/tick@')))
      expect(key).toMatch(/^sim\/tick@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Every placement the gateway saw is in the lockfile under its own key: none twice.
    expect(keys).toHaveLength(gw.sim.received().length);
    expect(new Set(Object.values(lock?.calls ?? {}).map((e) => e.sid))).toEqual(
      new Set(gw.placed().map((p) => p.sid)),
    );
  });

  it('a call that fails during run is not sent again by that run', {
    timeout: 90_000,
  }, async () => {
    // The gateway knows no application but this one: `wrong-app` gets 400 every time.
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'wrong-app', extra: ['application_sid: 00000000-0000-4000-8000-0000000000ff'] },
          { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] },
        ]),
      },
      { applicationSids: [APP_SID] },
    );
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const done = collect(child, 60_000);
    const sim = gw.sim;
    const placed = () => sim.received().filter((r) => r.status === 201).length;
    // The first batch: wrong-app and the slots of the last 30 s.
    const project = gw.project;
    const first = await waitFor(
      'the first batch in the lockfile',
      async () => ((await project.lock())?.calls['sim/wrong-app'] ? placed() : undefined),
      SLOW,
    );
    // Several loops later (one per tick slot), the failed call was still sent only once.
    await waitFor(
      'three later ticks placed: several loops',
      () => (placed() >= first + 3 ? true : undefined),
      SLOW,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(1);
    expect(sim.received().filter((x) => x.status === 400)).toHaveLength(1);
    expect((await gw.project.lock())?.calls['sim/wrong-app']?.status).toBe('failed');
  });

  it('a batch that outlasts the next slot does not make it sleep past that slot', async () => {
    // Each request takes 1.5 s, longer than the 1 s to the next slot: when a batch ends, the
    // slot it had looked up as next is already due, and must be placed before its deadline.
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 10s }'] },
        ]),
      },
      { latencyMs: 1_500 },
    );
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const done = collect(child, 60_000);
    const project = gw.project;
    const count = async () => Object.keys((await project.lock())?.calls ?? {}).length;
    try {
      // The first batch: the slots of the last 10 s (the deadline), placed together.
      const first = await waitFor(
        'the first batch in the lockfile',
        async () => {
          const n = await count();
          return n > 0 ? n : undefined;
        },
        SLOW,
      );
      // Later batches: each slot as it falls due.
      await waitFor(
        'two more slots of tick in the lockfile',
        async () => ((await count()) >= first + 2 ? true : undefined),
        SLOW,
      );
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    expect(r.code, r.stdout).toBe(0);
    const lock = await gw.project.lock();
    const entries = Object.values(lock?.calls ?? {});
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) expect(entry.status).toBe('placed');
  }, 90_000);

  it('without --yes is a usage error (64) and sends nothing', async () => {
    gw = await startGateway(CALLS);
    const r = await gw.run(['run']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--yes');
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('--max-calls refuses a batch larger than N before sending it (exit 1)', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }, { name: 'three' }]),
    });
    const r = await gw.run(['run', '--yes', '--max-calls', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--max-calls 2');
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(gw.project.exists('.callops/run.lock')).toBe(false);
  });

  it('picks up edited definitions at its next wake: a removed call stops, a fixed one is placed', {
    timeout: 90_000,
  }, async () => {
    const wrongApp = 'application_sid: 00000000-0000-4000-8000-0000000000ff';
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'fixed-later', extra: [wrongApp] },
          { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] },
        ]),
      },
      { applicationSids: [APP_SID] },
    );
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar: output } = watch(child, 60_000);
    const project = gw.project;
    const sim = gw.sim;
    await waitFor(
      'the first batch in the lockfile',
      async () => ((await project.lock())?.calls['sim/fixed-later'] ? true : undefined),
      SLOW,
    );
    expect((await project.lock())?.calls['sim/fixed-later']?.status).toBe('failed');
    // The schedule of tick is removed and the application fixed, as a reviewed change would;
    // tock, every second too, shows the run still waking each second to place slots.
    const tock = {
      name: 'tock',
      to: '{ type: phone, number: "+15550009999" }',
      extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'],
    };
    await project.write('calls/a.yaml', callsYaml([{ name: 'fixed-later' }, tock]));
    await waitFor(
      'the reload',
      () => (/definitions reloaded: 2 calls \(were 2\)/.test(output()) ? true : undefined),
      SLOW,
    );
    const ticksAtReload = sim
      .received()
      .filter((r) => JSON.stringify(r.body).includes('+15550002001')).length;
    await waitFor('the fixed call placed', async () =>
      (await project.lock())?.calls['sim/fixed-later']?.status === 'placed' ? true : undefined,
    );
    // Two later wakes that placed a slot of tock: a slot of tick would have gone with them.
    const tocks = async () =>
      Object.keys((await project.lock())?.calls ?? {}).filter((k) => k.startsWith('sim/tock@'));
    const tocksAtFix = (await tocks()).length;
    await waitFor(
      'two more slots of tock in the lockfile',
      async () => ((await tocks()).length >= tocksAtFix + 2 ? true : undefined),
      SLOW,
    );
    child.kill('SIGTERM');
    const r = await done;
    // The run had a call fail (before its fix): exit 1.
    expect(r.code, r.stderr).toBe(1);
    // No slot of the removed schedule was sent after the reload.
    expect(
      sim.received().filter((x) => JSON.stringify(x.body).includes('+15550002001')),
    ).toHaveLength(ticksAtReload);
    expect(sim.received().filter((x) => x.status === 400)).toHaveLength(1);
  });

  it('places nothing while the definitions are invalid, says where, and resumes once fixed', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar: output } = watch(child, 60_000);
    const project = gw.project;
    const sim = gw.sim;
    await waitFor('the first batch', () => (sim.received().length > 0 ? true : undefined), SLOW);
    await project.write('calls/a.yaml', `${callsYaml([tick])}  - name: broken\n    to: 12\n`);
    await waitFor(
      'the pause',
      () =>
        /are invalid: no call is placed until they are fixed/.test(output()) ? true : undefined,
      SLOW,
    );
    expect(output()).toMatch(/calls\/a\.yaml:\d+:\d+: error: /);
    const atPause = sim.received().length;
    // Another invalid edit: once the run has seen it, it has woken at least once more while
    // paused, after ticks fell due (each second) that a run not paused would have placed.
    await project.write('calls/a.yaml', `${callsYaml([tick])}  - name: broken-too\n    to: 12\n`);
    await waitFor(
      'the second pause',
      () => (output().match(/are invalid: no call is placed/g)?.length === 2 ? true : undefined),
      SLOW,
    );
    expect(sim.received()).toHaveLength(atPause);
    await project.write('calls/a.yaml', callsYaml([tick]));
    await waitFor('the resume', () => (/valid again/.test(output()) ? true : undefined), SLOW);
    const placedAtPause = Object.keys((await project.lock())?.calls ?? {}).length;
    // Stopped right after a batch was recorded, so that the stop cuts nothing short.
    await waitFor(
      'a slot placed again, in the lockfile',
      async () =>
        Object.keys((await project.lock())?.calls ?? {}).length > placedAtPause ? true : undefined,
      SLOW,
    );
    child.kill('SIGTERM');
    const r = await done;
    // The run went on, but it was not all well: exit 1.
    expect(r.code, r.stderr).toBe(1);
    const lock = await project.lock();
    const entries = Object.values(lock?.calls ?? {});
    expect(entries.length).toBeGreaterThan(placedAtPause);
    for (const entry of entries) expect(entry.status).toBe('placed');
  });

  it('a changed base_url of its target pauses it until it changes back, as another target does', {
    timeout: 90_000,
  }, async () => {
    const tick = { name: 'tick', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] };
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick]) });
    const other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    try {
      const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
      const { done, soFar: output } = watch(child, 60_000);
      const { project, sim } = gw;
      await waitFor('the first batch', () => (sim.received().length > 0 ? true : undefined), SLOW);
      const config = await project.read('callops.yaml');
      await project.write('callops.yaml', config.replace(sim.url, other.url));
      await waitFor(
        'the pause',
        () =>
          /changed where target `sim` places calls \(its base_url, account_sid or flavor\): no call is placed until run is restarted/.test(
            output(),
          )
            ? true
            : undefined,
        SLOW,
      );
      const atPause = sim.received().length;
      // Ticks fall due each second: a run not paused would place them at the other gateway.
      await project.write('calls/a.yaml', `${callsYaml([tick])}# touched\n`);
      await waitFor(
        'the pause seen again',
        () =>
          (output().match(/changed where target `sim`/g)?.length ?? 0) >= 2 ? true : undefined,
        SLOW,
      );
      expect(other.received()).toHaveLength(0);
      expect(sim.received()).toHaveLength(atPause);
      await project.write('callops.yaml', config);
      await waitFor(
        'a slot placed again',
        () => (sim.received().length > atPause ? true : undefined),
        SLOW,
      );
      // The resume says what changed back (written before the reload's line): the
      // definitions were valid all along.
      await waitFor('the reload once resumed', () =>
        /definitions reloaded/.test(output()) ? true : undefined,
      );
      expect(output()).toContain(
        'target `sim` places calls where it did again: its base_url, account_sid and flavor are back to what run started with\n',
      );
      expect(output()).not.toMatch(/valid again/);
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, r.stderr).toBe(1);
      expect(other.received()).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('a change that leaves --only naming no call pauses it, rather than ending it', {
    timeout: 60_000,
  }, async () => {
    const tick = (name: string) => ({
      name,
      extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'],
    });
    gw = await startGateway({ 'calls/a.yaml': callsYaml([tick('tick')]) });
    const child = spawnCli(['run', '--yes', '--only', 'tick'], {
      cwd: gw.project.dir,
      env: gw.env,
    });
    const { done, soFar: output } = watch(child, 40_000);
    const sim = gw.sim;
    await waitFor('the first batch', () => (sim.received().length > 0 ? true : undefined), SLOW);
    await gw.project.write('calls/a.yaml', callsYaml([tick('tock')]));
    await waitFor(
      'the pause',
      () =>
        /are invalid \(--only tick: no call of that name.*\): no call is placed until they are fixed/.test(
          output(),
        )
          ? true
          : undefined,
      SLOW,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/stopped\n$/);
  });

  it('says how many calls it runs as --only selects them, not how many the project has', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'once-a' },
        { name: 'on-b', extra: ['schedule: { cron: "* * * * * *", deadline: 30s }'] },
      ]),
    });
    const { child, done, until } = startRun(gw, ['--only', 'on-b']);
    const project = gw.project;
    await until('a slot of on-b in the lockfile', async () =>
      Object.keys((await project.lock())?.calls ?? {}).some((k) => k.startsWith('sim/on-b@'))
        ? true
        : undefined,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('running: 1 call; stop with Ctrl-C or SIGTERM\n');
    // once-a is not what this run places: it was never sent.
    expect(Object.keys((await project.lock())?.calls ?? {})).not.toContain('sim/once-a');
  });
});
