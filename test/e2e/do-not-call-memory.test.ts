import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

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
