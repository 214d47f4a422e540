// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  APP_SID,
  FROM,
  type Gateway,
  output,
  recipientNumber,
  spawnCli,
  startGateway,
  startRun,
  waitFor,
  watch,
} from './helpers.js';

let gw: Gateway | undefined;
let releaseAll: () => void = () => {};
afterEach(async () => {
  releaseAll();
  await gw?.close();
  gw = undefined;
});

const ROWS = 8;

/** A campaign of ROWS rows, each request tagged with its row and `v` (the file's version). */
const campaign = (extra: readonly string[], v: string): string =>
  [
    'calls:',
    '  - name: reminders',
    '    recipients: ../lists/reminders.csv',
    `    application_sid: ${APP_SID}`,
    `    from: "${FROM}"`,
    '    to: { type: phone, number: "${row.phone}" }',
    `    tag: { row: "\${row.id}", v: "${v}" }`,
    ...extra.map((l) => `    ${l}`),
    '',
  ].join('\n');

const rows = (): string =>
  [
    'id,phone',
    ...Array.from({ length: ROWS }, (_, i) => `r${i + 1},${recipientNumber(i + 1)}`),
    '',
  ].join('\n');

/** Calling hours that are closed now and for the next hours (UTC). */
const closedWindow = (): string => {
  const hour = (new Date().getUTCHours() + 3) % 24;
  const two = (h: number) => String(h).padStart(2, '0');
  return `${two(hour)}:00-${two(hour)}:30`;
};

/**
 * A gateway whose simulator holds the first request it gets until `release()`, and counts
 * the requests (and the `v` of their tag) as they arrive, answered or not.
 */
const heldGateway = async (calls: string) => {
  const arrived: string[] = [];
  let go: (() => void) | undefined;
  const first = new Promise<void>((resolve) => {
    go = resolve;
  });
  const release = () => go?.();
  releaseAll = release;
  gw = await startGateway(
    { 'calls/reminders.yaml': calls, 'lists/reminders.csv': rows() },
    {
      // One request at a time: the held one is the only one in flight.
      targetExtra: ['concurrency: 1'],
      latencyMs: 1,
      onCreate: (body) => {
        arrived.push((JSON.parse(body) as { tag: { v: string } }).tag.v);
      },
      wait: () => (arrived.length === 1 ? first : Promise.resolve()),
    },
  );
  return { g: gw, arrived, release };
};

/** Past the bound of how often the call files are looked at while a batch places (250 ms). */
const pastTheLook = () => new Promise((r) => setTimeout(r, 600));

describe('a call file edited while a batch places its calls', () => {
  it('run stops the batch before its next request, reads the definitions again and places the rest as they say now', {
    timeout: 90_000,
  }, async () => {
    const { g, arrived, release } = await heldGateway(campaign([], '1'));
    const run = startRun(g, ['--rate', '5/s']);
    await run.until('the first row at the gateway', () =>
      arrived.length === 1 ? true : undefined,
    );
    await g.project.write('calls/reminders.yaml', campaign([], '2'));
    await pastTheLook();
    release();
    await run.until('every row in the lockfile', async () => {
      const calls = (await g.project.lock())?.calls ?? {};
      return Object.keys(calls).length === ROWS ? true : undefined;
    });
    run.child.kill('SIGTERM');
    const r = await run.done;
    const out = run.soFar();
    // A scheduler that read edited definitions again: no failure of its own.
    expect(r.code, out).toBe(0);
    expect(out).toMatch(
      /stopping: calls\/reminders\.yaml changed after callops read it \(its size or modification time\) — no new calls; finishing and recording the ones in flight/,
    );
    expect(out).toMatch(
      /calls\/reminders\.yaml changed after callops read it \(its size or modification time\); 7 calls not sent, still due: run reads the definitions again before it places them/,
    );
    expect(out).toContain(`definitions reloaded: ${ROWS} calls (were ${ROWS})`);
    // Only the request in flight when the edit was seen went as the file was; every other
    // row went as it is now, each once.
    expect(arrived.filter((v) => v === '1')).toHaveLength(1);
    expect(arrived).toHaveLength(ROWS);
    const numbers = g.placed().map((p) => (p.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(ROWS);
  });

  it('run places nothing more once the calling hours are narrowed to hours that are closed now', {
    timeout: 90_000,
  }, async () => {
    const open = 'schedule: { window: "00:00-23:59", timezone: UTC }';
    const { g, arrived, release } = await heldGateway(campaign([open], '1'));
    const run = startRun(g, ['--rate', '5/s']);
    await run.until('the first row at the gateway', () =>
      arrived.length === 1 ? true : undefined,
    );
    const closed = `schedule: { window: "${closedWindow()}", timezone: UTC }`;
    await g.project.write('calls/reminders.yaml', campaign([closed], '1'));
    await pastTheLook();
    release();
    await run.until('the definitions reloaded', () =>
      run.soFar().includes('definitions reloaded') ? true : undefined,
    );
    // At the rate of 5/s the other seven rows would have gone by now.
    await new Promise((r) => setTimeout(r, 2_000));
    const plan = await g.run(['plan']);
    run.child.kill('SIGTERM');
    const r = await run.done;
    const out = run.soFar();
    expect(r.code, out).toBe(0);
    expect(arrived, out).toHaveLength(1);
    expect(out).toMatch(/stopping: calls\/reminders\.yaml changed after callops read it/);
    expect(plan.stdout, output(plan)).not.toMatch(/sim\/reminders\/r\d+ +due/);
    const lock = await g.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/r1']);
  });

  it('apply stops before its next request, as for a CSV edited: exit 1, the rest still due', {
    timeout: 60_000,
  }, async () => {
    const { g, arrived, release } = await heldGateway(campaign([], '1'));
    const child = spawnCli(['apply', '--yes', '--rate', '5/s'], { cwd: g.project.dir, env: g.env });
    const { done, soFar } = watch(child, 30_000);
    await waitFor('the first row at the gateway', () => (arrived.length === 1 ? true : undefined));
    await g.project.write('calls/reminders.yaml', campaign(['enabled: false'], '1'));
    await pastTheLook();
    release();
    const r = await done;
    expect(r.code, output(r)).toBe(1);
    expect(soFar()).toMatch(
      /stopping: calls\/reminders\.yaml changed after callops read it \(its size or modification time\) — no new calls; finishing and recording the ones in flight/,
    );
    expect(r.stdout).toMatch(/Stopped: 1 placed, 0 failed, 0 unknown, 7 not sent \(still due\)/);
    expect(r.stderr).toMatch(
      /callops apply: the run stopped: calls\/reminders\.yaml changed after callops read it \(its size or modification time\); 7 calls not sent, still due — run the command again\n$/,
    );
    expect(arrived).toHaveLength(1);
    const lock = await g.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/r1']);
    expect(lock?.calls['sim/reminders/r1']?.status).toBe('placed');
    // Run again, apply goes by the file as it is now: the campaign is disabled.
    const again = await g.run(['apply', '--yes']);
    expect(again.code, output(again)).toBe(0);
    expect(arrived).toHaveLength(1);
  });
});
