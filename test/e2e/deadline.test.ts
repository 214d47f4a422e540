import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

describe('apply never places a slot past its deadline', () => {
  it('a slot whose deadline passes while it waits its turn is missed: unsent, unrecorded, not an error', async () => {
    let seen = 0;
    gw = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'first' },
          { name: 'slot', extra: ['schedule: { at: "2026-03-10T09:00:00Z", deadline: 2s }'] },
        ]),
      },
      {
        targetExtra: ['concurrency: 1'],
        latencyMs: 1,
        // The first request (the unscheduled call, planned first) is held 2.5 s: longer than
        // what is left of the slot's deadline (1 s at --now), so the slot's turn comes too late.
        wait: async () => {
          seen += 1;
          if (seen === 1) await sleep(2_500);
        },
      },
    );
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:00:01Z']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /^missed +sim\/slot@2026-03-10T09:00:00Z +not sent: the deadline of its slot passed — never placed late$/m,
    );
    expect(r.stdout).toMatch(/^Done: 1 placed, 0 failed, 0 unknown, 1 missed /m);
    expect(gw.sim.received()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/first']?.status).toBe('placed');
    expect(Object.keys(lock?.calls ?? {})).toEqual(['sim/first']);
    // Not due again: the slot is over, and the plan says it was missed.
    const plan = await gw.run(['plan', '--format', 'json', '--now', '2026-03-10T09:00:30Z']);
    expect(JSON.parse(plan.stdout).missed.map((i: { key: string }) => i.key)).toEqual([
      'sim/slot@2026-03-10T09:00:00Z',
    ]);
    const again = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:00:30Z']);
    expect(again.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
  });
});
