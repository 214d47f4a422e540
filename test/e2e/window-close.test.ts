import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  campaignYaml,
  collect,
  type Gateway,
  recipientNumber as number,
  output,
  plainText,
  spawnOnTerminal,
  startGateway,
  waitFor,
} from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/**
 * A gateway at concurrency 1 whose first request is held `holdMs`: the calls after it get
 * their turn only then. The runs below start (at `--now`) 3 s before 21:00 in Berlin
 * (20:00Z in December), so that turn comes after the window closed.
 */
const heldFirst = (holdMs: number) => {
  let seen = 0;
  return {
    targetExtra: ['concurrency: 1'],
    latencyMs: 1,
    wait: async () => {
      seen += 1;
      if (seen === 1) await sleep(holdMs);
    },
  };
};

describe('a window closes before the request leaves', () => {
  it('a slot whose window closes while it waits its turn is missed, never placed late', async () => {
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'first' },
          {
            name: 'slot',
            // 20:59:57 in Berlin: its 10-minute deadline outlasts its window by far.
            extra: [
              'schedule: { at: "2026-12-01T19:59:57Z", window: "00:00-21:00", timezone: Europe/Berlin, deadline: 10m }',
            ],
          },
        ]),
      },
      heldFirst(4_500),
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^missed +sim\/slot@2026-12-01T19:59:57Z +not sent: its window 00:00-21:00 closed at 21:00 Europe\/Berlin — never placed late$/m,
    );
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 1 missed /m);
    // Only the first call reached the gateway; the slot has no entry.
    expect(gw.sim.received()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/first']);
    // Not due again within its deadline: its window is closed.
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-12-01T20:05:00Z']);
    const json = JSON.parse(plan.stdout);
    expect(json.due).toEqual([]);
    expect(json.missed.map((i: { key: string }) => i.key)).toEqual([
      'sim/slot@2026-12-01T19:59:57Z',
    ]);
    const again = await gw.run(['apply', '--yes', '--now', '2026-12-01T20:05:00Z']);
    expect(again.code, output(again)).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
  });

  it('a slot refused with a 503 is not retried once its window has closed', async () => {
    let answers = 0;
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          {
            name: 'slot',
            extra: [
              'schedule: { at: "2026-12-01T19:59:57Z", window: "00:00-21:00", timezone: Europe/Berlin, deadline: 10m }',
            ],
          },
        ]),
      },
      {
        latencyMs: 1,
        // The first request is refused (503, retry after 4 s); any later one would be placed.
        failStatus: 503,
        failRate: 0.5,
        retryAfterS: 4,
        random: () => (answers++ === 0 ? 0 : 0.99),
      },
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(1);
    expect(r.stdout).toMatch(
      /^failed +sim\/slot@2026-12-01T19:59:57Z +503 +not retried: its window 00:00-21:00 closed at 21:00 Europe\/Berlin — never placed late; last answer: /m,
    );
    expect(gw.sim.received()).toHaveLength(1);
    expect(gw.placed()).toHaveLength(0);
  });

  it('a campaign stops calling when its hours close, and its other rows wait for them to open', async () => {
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { window: "08:00-21:00", timezone: Europe/Berlin }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,${number(2)}\nr3,Cid,${number(3)}\n`,
      },
      heldFirst(4_500),
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    const held =
      'calling hours 08:00-21:00 closed at 21:00 Europe/Berlin; still due, placed when they open';
    expect(r.stdout).toContain(`waiting sim/reminders/r2  ${held}`);
    expect(r.stdout).toContain(`waiting sim/reminders/r3  ${held}`);
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 2 waiting /m);
    // Only the first row was sent; the others have no entry.
    expect(gw.sim.received()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/reminders/r1']);
    // After 21:00 they wait for the next opening; inside the hours they are placed.
    const after = await gw.run(['plan', '--format', 'json', '--now', '2026-12-01T20:05:00Z']);
    const waiting = JSON.parse(after.stdout).upcoming.filter((i: { waiting?: true }) => i.waiting);
    expect(waiting.map((i: { key: string }) => i.key)).toEqual([
      'sim/reminders/r2',
      'sim/reminders/r3',
    ]);
    const next = await gw.run(['apply', '--yes', '--now', '2026-12-02T08:30:00Z']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toMatch(/^Done: 2 placed, 0 failed, 0 unknown /m);
    expect(gw.sim.received()).toHaveLength(3);
    expect(Object.keys((await gw.project.lock())?.calls ?? {}).sort()).toEqual([
      'sim/reminders/r1',
      'sim/reminders/r2',
      'sim/reminders/r3',
    ]);
  });

  it('a campaign whose hours close for the last time before its end: the rows not reached expire, never said to wait', async () => {
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { window: "09:00-20:00", end: "2026-12-03", timezone: Europe/London }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,${number(2)}\nr3,Cid,${number(3)}\n`,
      },
      heldFirst(4_500),
    );
    // 19:59:57 in London on the end's day: the hours close at 20:00, the end comes at midnight.
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-03T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    const expired =
      'not sent: calling hours 09:00-20:00 closed at 20:00 Europe/London, with no opening before end 2026-12-03 (2026-12-04T00:00:00Z): expired — never placed late';
    const line = (key: string) =>
      new RegExp(`^missed +${key} +${expired.replace(/[()]/g, '\\$&')}$`, 'm');
    expect(r.stdout).toMatch(line('sim/reminders/r2'));
    expect(r.stdout).toMatch(line('sim/reminders/r3'));
    expect(r.stdout).not.toContain('placed when they open');
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 2 missed /m);
    expect(gw.sim.received()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/reminders/r1']);
    // The plan says the same of them once the hours closed: expired, never placed.
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-12-03T20:00:30Z']);
    const json = JSON.parse(plan.stdout);
    expect(json.due).toEqual([]);
    expect(
      json.missed.filter((i: { expired?: true }) => i.expired).map((i: { key: string }) => i.key),
    ).toEqual(['sim/reminders/r2', 'sim/reminders/r3']);
  });

  it('a campaign stops calling at its end: the rows not reached are expired, never sent', async () => {
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { end: "2026-12-01T20:00:00Z", timezone: Europe/Berlin }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,${number(2)}\n`,
      },
      heldFirst(4_500),
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^missed +sim\/reminders\/r2 +not sent: campaign reminders ended at 2026-12-01T20:00:00Z \(end 2026-12-01T20:00:00Z\) — never placed late$/m,
    );
    expect(gw.sim.received()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/reminders/r1']);
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-12-01T20:05:00Z']);
    const json = JSON.parse(plan.stdout);
    expect(json.due).toEqual([]);
    expect(
      json.missed.filter((i: { expired?: true }) => i.expired).map((i: { key: string }) => i.key),
    ).toEqual(['sim/reminders/r2']);
  });

  it('a campaign with a cron stops calling at its end: a slot still waiting its turn is missed', async () => {
    gw = await startGateway(
      {
        // Its 19:59 slot is due until 20:09 by its deadline, but the campaign ends at 20:00.
        'calls/reminders.yaml': campaignYaml([
          'schedule: { cron: "59 19 * * *", end: "2026-12-01T20:00:00Z", deadline: 10m }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\nr2,Bob,${number(2)}\n`,
      },
      heldFirst(4_500),
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^missed +sim\/reminders\/r2@2026-12-01T19:59:00Z +not sent: campaign reminders ended at 2026-12-01T20:00:00Z \(end 2026-12-01T20:00:00Z\) — never placed late$/m,
    );
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 1 missed /m);
    expect(gw.sim.received()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual([
      'sim/reminders/r1@2026-12-01T19:59:00Z',
    ]);
    // After the end, within the slot's deadline, nothing of it is due again.
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-12-01T20:05:00Z']);
    expect(JSON.parse(plan.stdout).due).toEqual([]);
  });

  it("a call with a cron stops at its schedule's end: a slot still waiting its turn is missed", async () => {
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'first' },
          {
            name: 'slot',
            extra: [
              'schedule: { cron: "59 20 * * *", end: "2026-12-01T20:00:00Z", timezone: Europe/Berlin, deadline: 10m }',
            ],
          },
        ]),
      },
      heldFirst(4_500),
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-01T19:59:57Z']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^missed +sim\/slot@2026-12-01T19:59:00Z +not sent: its schedule ended at 2026-12-01T20:00:00Z \(end 2026-12-01T20:00:00Z\) — never placed late$/m,
    );
    expect(gw.sim.received()).toHaveLength(1);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['sim/first']);
  });

  it('a campaign held at the question past its hours names their close, not the answer', async () => {
    gw = await startGateway(
      {
        'calls/reminders.yaml': campaignYaml([
          'schedule: { window: "08:00-21:00", timezone: Europe/Berlin }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${number(1)}\n`,
      },
      { latencyMs: 1 },
    );
    // 20:59:58 in Berlin: the question is answered after 21:00.
    const child = spawnOnTerminal(['apply', '--now', '2026-12-01T19:59:58Z'], {
      cwd: gw.project.dir,
      env: gw.env,
    });
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
    });
    const done = collect(child, 20_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(seen)) ? true : undefined,
    );
    await sleep(3_000);
    child.stdin?.write('yes\r');
    const r = await done;
    const text = plainText(r.stdout);
    expect(r.code, text).toBe(0);
    expect(text).toContain(
      'waiting sim/reminders/r1  calling hours 08:00-21:00 closed at 21:00 Europe/Berlin; still due, placed when they open',
    );
    expect(gw.sim.received()).toHaveLength(0);
  });
});

describe('an unknown slot once its window closed, before its deadline', () => {
  it('plan, status and apply agree that --retry-unknown does not place it again', async () => {
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          {
            name: 'late',
            extra: [
              'schedule: { cron: "59 20 * * *", window: "08:00-21:00", timezone: Europe/Berlin, deadline: 30m }',
            ],
          },
        ]),
      },
      { latencyMs: 1, failStatus: 500, failRate: 1 },
    );
    const key = 'sim/late@2026-12-02T19:59:00Z';
    const r = await gw.run(['apply', '--yes', '--now', '2026-12-02T19:59:50Z']);
    expect(r.code, output(r)).toBe(1);
    expect((await gw.project.lock())?.calls[key]?.status).toBe('unknown');
    const now = ['--now', '2026-12-02T20:05:00Z'];
    const over =
      'not placed again: its window 08:00-21:00 closed at 2026-12-02T20:00:00.000Z (21:00 Europe/Berlin); a slot is never placed late';
    const plan = await gw.run(['plan', ...now]);
    expect(plan.stdout).toContain(over);
    expect(plan.stdout).not.toContain('apply --retry-unknown places it again');
    const status = await gw.run(['status', ...now]);
    expect(status.stdout).toContain(over);
    expect(status.stdout).not.toContain('apply --retry-unknown places it again');
    const retry = await gw.run(['plan', '--retry-unknown', '--detailed-exitcode', ...now]);
    expect(retry.code, output(retry)).toBe(0);
    expect(retry.stdout).not.toMatch(/Due now/);
    const apply = await gw.run(['apply', '--yes', '--retry-unknown', ...now]);
    expect(apply.code, output(apply)).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    expect((await gw.project.lock())?.calls[key]?.status).toBe('unknown');
  });
});
