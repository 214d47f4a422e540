import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, type Gateway, recipientNumber as number, output } from './helpers.js';

const startGateway = gatewaysClosedAfterEach();

interface EntryJson {
  readonly status: string;
  readonly sid?: string;
  readonly callId?: string;
  readonly at: string;
  /** The digest of the number it dialled. */
  readonly number?: string;
  readonly history?: readonly { sid: string; callId?: string; at: string; number?: string }[];
}

/** A campaign with calling hours only: no redial, no cron/at (each row is called once). */
const hoursCampaign = async (csv: string): Promise<Gateway> => {
  const gw = await startGateway({
    'calls/reminders.yaml': campaignYaml(['schedule: { window: "00:00-23:59", timezone: UTC }']),
    'lists/reminders.csv': csv,
  });
  return gw;
};

const dialled = (gw: Gateway): string[] =>
  gw.placed().map((r) => (r.body as { to: { number: string } }).to.number);

describe('a row of a campaign with calling hours only, edited after it was placed', () => {
  it('shows as changed since placed in plan, apply and status, is not placed again, and --replace places it to its new number', async () => {
    const gw = await hoursCampaign(`id,name,phone\nr1,Ann,${number(1)}\n`);
    const first = await gw.run(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    expect(dialled(gw)).toEqual([number(1)]);
    const before = (await gw.project.lock())?.calls['sim/reminders/r1'] as EntryJson | undefined;
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1,Ann,${number(999)}\n`);

    const plan = await gw.run(['plan']);
    expect(plan.code, output(plan)).toBe(0);
    expect(plan.stdout).toMatch(/Changed since placed — not placed again \(1\):/);
    expect(plan.stdout).toMatch(
      /~ sim\/reminders\/r1 {2}→ \+15557000999 .* — changed since placed \(already placed .*\); `callops apply --replace reminders\/r1` places it again/,
    );
    expect(plan.stdout).toMatch(/Plan: 0 to place, .*1 changed since placed/);

    const json = await gw.run(['plan', '--format', 'json']);
    const read = JSON.parse(json.stdout) as {
      due: unknown[];
      changed: string[];
      skipped: { key: string; changed?: boolean }[];
    };
    expect(read.due).toEqual([]);
    expect(read.changed).toEqual(['sim/reminders/r1']);
    expect(read.skipped.find((i) => i.key === 'sim/reminders/r1')?.changed).toBe(true);

    const markdown = await gw.run(['plan', '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/\*\*Changed since placed \(1\)\*\*/);

    const status = await gw.run(['status', '--format', 'json']);
    expect((JSON.parse(status.stdout) as { changed: string[] }).changed).toEqual([
      'sim/reminders/r1',
    ]);
    const human = await gw.run(['status']);
    expect(human.stdout).toContain(
      'changed since placed: `callops apply --replace reminders/r1` places it again',
    );

    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toMatch(/Changed since placed/);
    expect(dialled(gw)).toEqual([number(1)]);

    const replaced = await gw.run(['apply', '--yes', '--replace', 'reminders/r1']);
    expect(replaced.code, output(replaced)).toBe(0);
    expect(dialled(gw)).toEqual([number(1), number(999)]);
    const after = (await gw.project.lock())?.calls['sim/reminders/r1'] as EntryJson | undefined;
    expect(after?.status).toBe('placed');
    expect(after?.sid).toBe(gw.placed()[1]?.sid);
    expect(after?.history).toEqual([
      { sid: before?.sid, callId: before?.callId, at: before?.at, number: before?.number },
    ]);

    // Replaced: as it is defined now, nothing changed and nothing is placed again.
    const settled = await gw.run(['plan', '--format', 'json']);
    expect((JSON.parse(settled.stdout) as { changed: string[] }).changed).toEqual([]);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(dialled(gw)).toHaveLength(2);
  }, 40_000);
});
