import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15550150002';
const LISTED = `number,reason\n+15550009999,moved away\n${NUMBER},asked\n`;

interface PlanJson {
  due: { key: string }[];
  missed: { key: string }[];
  suppressed: { key: string; reason?: string }[];
}

describe('a scheduled call whose number is put on a do-not-call list', () => {
  it('has its slots suppressed, never missed: apply and plan agree', {
    timeout: 60_000,
  }, async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([
        {
          name: 'dnc-tick',
          to: `{ type: phone, number: "${NUMBER}" }`,
          extra: ['schedule: { cron: "* * * * *", deadline: 50s }'],
        },
      ]),
      'lists/dnc.csv': 'number,reason\n+15550009999,moved away\n',
    });
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}suppress: [lists/dnc.csv]\n`);
    const first = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:00:10Z']);
    expect(first.stdout).toContain('placed  sim/dnc-tick@2025-01-01T09:00:00Z');

    await gw.project.write('lists/dnc.csv', LISTED);
    const listed = await gw.run(['apply', '--yes', '--now', '2025-01-01T09:01:10Z']);
    expect(listed.code, output(listed)).toBe(0);
    expect(output(listed)).toMatch(
      /suppressed sim\/dnc-tick@2025-01-01T09:01:00Z .*do-not-call: asked \(lists\/dnc\.csv:3\)/,
    );
    // Each apply of the next minutes: the slot due is suppressed, the earlier ones are not
    // missed; plan says so before (the slot due among those suppressed) and after it.
    const planShows = async (now: string, due: boolean) => {
      const plan = await gw?.run(['plan', '--now', now]);
      expect(plan?.stdout).not.toMatch(/Missed/);
      expect(plan?.stdout).toMatch(/Plan: 0 to place, 0 missed, /);
      const json = JSON.parse(
        (await gw?.run(['plan', '--now', now, '--format', 'json']))?.stdout ?? '',
      ) as PlanJson;
      expect(json.missed).toEqual([]);
      const keys = json.suppressed.map((i) => i.key);
      // Said suppressed by apply, the slot is settled: no longer due, held back or listed.
      if (due) expect(keys).toContain(`sim/dnc-tick@${now.slice(0, 17)}00Z`);
      else expect(keys).not.toContain(`sim/dnc-tick@${now.slice(0, 17)}00Z`);
    };
    for (const now of ['2025-01-01T09:02:10Z', '2025-01-01T09:05:10Z']) {
      await planShows(now, true);
      const r = await gw.run(['apply', '--yes', '--now', now, '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { missed: number; held: { key: string }[] };
      expect(summary.missed, r.stdout).toBe(0);
      // The slot due now is held back as suppressed (the next ones only once due).
      expect(summary.held.map((h) => h.key)).toEqual([`sim/dnc-tick@${now.slice(0, 17)}00Z`]);
      expect(output(r)).not.toMatch(/never placed late/);
      await planShows(now, false);
    }
    expect(gw.placed()).toHaveLength(1);
  });
});
