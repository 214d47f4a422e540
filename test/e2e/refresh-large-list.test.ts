import { describe, expect, it } from 'vitest';
import { type OutcomeMix, outcomeFor } from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import {
  ACCOUNT_SID,
  API_KEY,
  campaignYaml,
  type LockEntryJson,
  output,
  recipientNumber,
  runCli,
} from './helpers.js';

const gateway = gatewaysClosedAfterEach();

/** As many calls as one campaign placed within the hour when refresh could not read them. */
const ROWS = 20_000;
const MIX: OutcomeMix = { answered: 0.6, busy: 0.15, 'no-answer': 0.2, failed: 0.05 };
const SEED = 23;
const FINAL = { answered: 'completed', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed' };

const csvOf = (rows: number): string =>
  [
    'id,name,phone',
    ...Array.from(
      { length: rows },
      (_, i) => `r${i + 1},Patient ${i + 1},${recipientNumber(i + 1)}`,
    ),
    '',
  ].join('\n');

type Entry = LockEntryJson & { readonly outcome?: { readonly status: string } };

describe('outcomes of a campaign whose calls list is larger than 8 MiB', () => {
  it('status --refresh reads 20,000 outcomes from one list; apply --wait then reads the one call it placed from the same list', async () => {
    const gw = await gateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': csvOf(ROWS) },
      { ringMs: 0, talkMs: 0, outcomes: MIX, seed: SEED },
    );
    // Past the 15 s of gw.run: 20,000 rows on a loaded machine.
    const run = (args: readonly string[]) =>
      runCli(args, { cwd: gw.project.dir, env: gw.env, timeoutMs: 120_000 });
    const applied = await run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    expect(gw.placed()).toHaveLength(ROWS);

    // The gateway's list of live records holds every call, and is past the 8 MiB of old.
    const list = await send(gw.sim.url, {
      path: `/v1/Accounts/${ACCOUNT_SID}/Calls?direction=outbound`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(list.status).toBe(200);
    expect(Buffer.byteLength(list.text)).toBeGreaterThan(8 * 1024 * 1024);
    const records = JSON.parse(list.text) as { call_status: string }[];
    expect(records).toHaveLength(ROWS);
    // Every call has ended (no ring, no talk): its live record says how.
    expect(
      records.filter((r) => r.call_status === 'in-progress' || r.call_status === 'trying'),
    ).toEqual([]);

    const refreshed = await run(['status', '--refresh', '--format', 'json']);
    expect(refreshed.stderr).not.toContain('larger than');
    expect(refreshed.code, output(refreshed)).toBe(0);
    expect(refreshed.stderr).toContain(`asked target sim about ${ROWS} calls`);
    const calls = ((await gw.project.lock())?.calls ?? {}) as Readonly<Record<string, Entry>>;
    // The k-th accepted call ended as the k-th draw says, and its entry holds that outcome.
    const outcomeOf = new Map(Object.values(calls).map((e) => [e.sid, e.outcome?.status]));
    const accepted = gw.placed();
    expect(accepted.map((a) => outcomeOf.get(a.sid))).toEqual(
      accepted.map((_, i) => FINAL[outcomeFor(SEED, i + 1, MIX)]),
    );

    // One more row: apply --wait asks about that one call, and the list still holds 20,001.
    await gw.project.write('lists/reminders.csv', csvOf(ROWS + 1));
    const waited = await run(['apply', '--yes', '--wait', '30s', '--format', 'json']);
    expect(waited.stderr).not.toContain('larger than');
    expect(waited.code, output(waited)).toBe(0);
    const report = JSON.parse(waited.stdout) as {
      placed: number;
      pending: string[];
      results: { key: string; outcome?: { status: string } }[];
    };
    expect(report.placed).toBe(1);
    expect(report.pending).toEqual([]);
    const expected = FINAL[outcomeFor(SEED, ROWS + 1, MIX)];
    expect(report.results.map((r) => [r.key, r.outcome?.status])).toEqual([
      [`sim/reminders/r${ROWS + 1}`, expected],
    ]);
    const after = (await gw.project.lock())?.calls as Readonly<Record<string, Entry>>;
    expect(after[`sim/reminders/r${ROWS + 1}`]?.outcome?.status).toBe(expected);
  }, 240_000);
});
