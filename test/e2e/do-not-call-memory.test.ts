import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  campaignStatus,
  campaignYaml,
  type Gateway,
  output,
  recipientNumber,
  startGateway,
  startRun,
} from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150012';
const LIST_BEFORE = 'number,reason\n+15550009999,moved away\n';
const LISTED = `${LIST_BEFORE}${NUMBER},asked\n`;

const withList = async (g: Gateway, list: string): Promise<void> => {
  const config = await g.project.read('callops.yaml');
  await g.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
  await g.project.write('lists/dnc.csv', list);
};

interface ApplyJson {
  missed: number;
  held: { key: string; status: string }[];
}

/** A daily call at 09:00 Berlin (07:00 UTC in summer), due for an hour. */
const DAILY = 'schedule: { cron: "0 9 * * *", timezone: Europe/Berlin, deadline: 1h }';

describe('a slot a do-not-call list held back, once its number is taken off the list', () => {
  it('is not reported missed by the next apply: the slot said suppressed was settled', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'd1', to: `{ type: phone, number: "${NUMBER}" }`, extra: [DAILY] },
      ]),
    });
    await withList(gw, LISTED);
    // Day 1 and day 2: the slot due is said suppressed, counted once.
    for (const day of ['2025-06-02', '2025-06-03']) {
      const r = await gw.run(['apply', '--yes', '--now', `${day}T07:05:00Z`, '--format', 'json']);
      expect(r.code, output(r)).toBe(0);
      const summary = JSON.parse(r.stdout) as ApplyJson;
      expect(summary.missed, r.stdout).toBe(0);
      expect(summary.held, r.stdout).toEqual([
        expect.objectContaining({ key: `sim/d1@${day}T07:00:00Z`, status: 'suppressed' }),
      ]);
    }
    // The apply that said day 2's slot suppressed remembers it as settled.
    const lock = await gw.project.lock();
    expect(lock?.schedules?.['sim/d1']?.reportedThrough).toBe('2025-06-03T07:00:00Z');
    // Taken off the list before day 3: day 3's slot is placed, day 2's is not missed.
    await gw.project.write('lists/dnc.csv', LIST_BEFORE);
    const third = await gw.run(['apply', '--yes', '--now', '2025-06-04T07:05:00Z']);
    expect(third.code, output(third)).toBe(0);
    expect(third.stdout).toContain('placed  sim/d1@2025-06-04T07:00:00Z');
    expect(output(third)).not.toMatch(/missed/);
    expect(output(third)).not.toMatch(/never placed late/);
    expect(gw.placed()).toHaveLength(1);
  });

  it('is not placed when the number is taken off the list within its deadline', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'd1', to: `{ type: phone, number: "${NUMBER}" }`, extra: [DAILY] },
      ]),
    });
    await withList(gw, LISTED);
    const said = await gw.run(['apply', '--yes', '--now', '2025-06-02T07:05:00Z']);
    expect(said.code, output(said)).toBe(0);
    expect(output(said)).toMatch(/suppressed\s+sim\/d1@2025-06-02T07:00:00Z/);
    await gw.project.write('lists/dnc.csv', LIST_BEFORE);
    // Within the slot's deadline, as a slot of a call seen disabled: not placed, not missed.
    const later = await gw.run(['apply', '--yes', '--now', '2025-06-02T07:20:00Z']);
    expect(later.code, output(later)).toBe(0);
    expect(output(later)).not.toMatch(/placed {2}|missed|suppressed/);
    expect(gw.placed()).toHaveLength(0);
    // The next slot is placed.
    const next = await gw.run(['apply', '--yes', '--now', '2025-06-03T07:05:00Z']);
    expect(next.stdout).toContain('placed  sim/d1@2025-06-03T07:00:00Z');
    expect(output(next)).not.toMatch(/missed/);
  });
});

describe('a campaign row a do-not-call list held back at its only slot', () => {
  it('stands suppressed, also once the slot is over, and is never reported missed', async () => {
    gw = await startGateway({
      'calls/c.yaml': campaignYaml(['schedule: { at: "2025-06-02T09:00:00Z", deadline: 2h }']),
      'lists/reminders.csv': `id,phone,name\nr1,${recipientNumber(1)},Ann\nr2,${recipientNumber(2)},Bo\n`,
    });
    await withList(gw, `${LIST_BEFORE}${recipientNumber(2)},asked\n`);
    const first = await gw.run(['apply', '--yes', '--now', '2025-06-02T09:05:00Z']);
    expect(first.stdout).toContain('placed  sim/reminders/r1@2025-06-02T09:00:00Z');
    expect(first.stdout).toMatch(/suppressed\s+sim\/reminders\/r2@2025-06-02T09:00:00Z/);
    // The next apply settles the slot r2 is held back at (r1 was due at it the first time).
    await gw.run(['apply', '--yes', '--now', '2025-06-02T09:06:00Z']);
    for (const now of ['2025-06-02T09:10:00Z', '2025-06-02T12:10:00Z']) {
      const status = await campaignStatus(gw, now);
      expect(
        (JSON.parse(status.stdout) as { states: Record<string, number> }).states,
        `${now}\n${status.stdout}`,
      ).toMatchObject({ suppressed: 1, expired: 0, placed: 1 });
    }
    // Taken off the list within the slot's deadline: neither placed nor reported missed.
    await gw.project.write('lists/dnc.csv', LIST_BEFORE);
    for (const now of ['2025-06-02T09:15:00Z', '2025-06-02T12:15:00Z']) {
      const r = await gw.run(['apply', '--yes', '--now', now]);
      expect(r.code, output(r)).toBe(0);
      expect(output(r)).not.toMatch(/missed|placed {2}/);
    }
    expect(gw.placed()).toHaveLength(1);
  });
});

describe('apply and the slots to come of a number on a do-not-call list', () => {
  it('says and counts suppressed only the placements due, not the slots to come', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'd1', to: `{ type: phone, number: "${NUMBER}" }`, extra: [DAILY] },
      ]),
    });
    await withList(gw, LISTED);
    // Before the first slot: nothing is due, so nothing is held back now.
    for (const now of ['2025-06-02T06:30:00Z', '2025-06-02T06:45:00Z']) {
      const r = await gw.run(['apply', '--yes', '--now', now, '--format', 'json']);
      expect(r.code, output(r)).toBe(0);
      expect((JSON.parse(r.stdout) as ApplyJson).held, r.stdout).toEqual([]);
      const plain = await gw.run(['apply', '--yes', '--now', now]);
      expect(plain.stdout).not.toMatch(/suppressed/);
    }
    // plan still lists the slots to come under "Suppressed".
    const plan = await gw.run(['plan', '--now', '2025-06-02T06:45:00Z']);
    expect(plan.stdout).toMatch(/Suppressed[^\n]*\n\s+\S+ sim\/d1@2025-06-02T07:00:00Z/);
    // Once due, the slot is said suppressed, counted once.
    const due = await gw.run(['apply', '--yes', '--now', '2025-06-02T07:05:00Z']);
    expect(due.stdout).toMatch(/suppressed\s+sim\/d1@2025-06-02T07:00:00Z/);
    expect(due.stdout).toMatch(/1 suppressed/);
    expect(due.stdout).not.toMatch(/sim\/d1@2025-06-03/);
    expect(gw.placed()).toHaveLength(0);
  });
});

/** Every two seconds; a deadline far longer than a loaded machine could stall. */
const EVERY_2S = 'schedule: { cron: "*/2 * * * * *", deadline: 30s }';

describe('callops run and a number taken off a do-not-call list', () => {
  it('never reports missed the slots it said suppressed', { timeout: 120_000 }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        { name: 'dnc', to: `{ type: phone, number: "${NUMBER}" }`, extra: [EVERY_2S] },
      ]),
    });
    await withList(gw, LISTED);
    const g = gw;
    const run = startRun(g);
    const said = () => [
      ...run
        .soFar()
        .matchAll(/suppressed (sim\/dnc@\S+) {2}do-not-call: asked \(lists\/dnc\.csv:3\)/g),
    ];
    await run.until('two slots of dnc said suppressed', () =>
      new Set(said().map((m) => m[1])).size >= 2 ? true : undefined,
    );
    await g.project.write('lists/dnc.csv', LIST_BEFORE);
    await run.until('a slot of dnc placed', async () =>
      Object.keys((await g.project.lock())?.calls ?? {}).length > 0 ? true : undefined,
    );
    run.child.kill('SIGTERM');
    const r = await run.done;
    const text = `${r.stdout}\n${r.stderr}`;
    expect(r.code, text).toBe(0);
    const keys = new Set(said().map((m) => m[1]));
    expect(keys.size, text).toBeGreaterThanOrEqual(2);
    // The latest slot said suppressed was still within its deadline when the number came
    // off the list: settled then, it is not reported missed (superseded) after.
    for (const key of keys) expect(text).not.toContain(`missed ${key}`);
    expect(text).not.toMatch(/Done: .* missed/);
  });
});
