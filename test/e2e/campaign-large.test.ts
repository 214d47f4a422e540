import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewaysClosedAfterEach } from './gateways-per-test.js';
import { campaignYaml, output, recipientNumber, spawnCli, watch } from './helpers.js';

const gateway = gatewaysClosedAfterEach();

/** Rows enough for a large run (LARGE_PROJECT_CALLS): its placed entries go to a spool. */
const ROWS = 20_000;

const csv = [
  'id,name,phone',
  ...Array.from({ length: ROWS }, (_, i) => `r${i + 1},Patient ${i + 1},${recipientNumber(i + 1)}`),
  '',
].join('\n');

const rowOf = (body: unknown): string =>
  String((body as { tag?: { row?: string } } | undefined)?.tag?.row);

describe('a campaign of 20,000 rows (placed entries spooled in .callops/ until the lockfile is written)', () => {
  it('killed midway, leaves no spool; the next apply places the rest; each row rang once and holds the sid the gateway gave', async () => {
    let created = 0;
    let kill = () => {};
    const gw = await gateway(
      { 'calls/reminders.yaml': campaignYaml(), 'lists/reminders.csv': csv },
      {
        // Killed outright as the 6,000th request arrives, others in flight.
        onCreate: () => {
          created += 1;
          if (created === 6000) kill();
        },
      },
    );
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    kill = () => child.kill('SIGKILL');
    const { done } = watch(child, 120_000);
    const first = await done;
    expect(first.signal, output(first)).toBe('SIGKILL');
    const state = join(gw.project.dir, '.callops');
    expect((await readdir(state)).filter((f) => f.startsWith('spool.'))).toEqual([]);

    // Past the 15 s of gw.run: 14,000 rows on a loaded machine.
    const apply = () =>
      watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env }), 120_000).done;
    const second = await apply();
    expect(second.code, output(second)).toBe(0);
    expect((await readdir(state)).filter((f) => f.startsWith('spool.'))).toEqual([]);

    // Every row once at the gateway; every row in the lockfile, placed with the gateway's
    // sid, but those in flight at the kill, which are unknown.
    const sent = new Map<string, string | undefined>();
    for (const r of gw.sim.received()) {
      const row = rowOf(r.body);
      expect(sent.has(row), `row ${row} sent twice`).toBe(false);
      sent.set(row, r.sid);
    }
    const calls = (await gw.project.lock())?.calls ?? {};
    expect(Object.keys(calls)).toHaveLength(ROWS);
    let unknown = 0;
    for (let i = 1; i <= ROWS; i++) {
      const entry = calls[`sim/reminders/r${i}`];
      if (entry?.status === 'unknown') unknown += 1;
      else expect(entry?.sid, `r${i}`).toBe(sent.get(`r${i}`));
    }
    expect(unknown).toBeLessThanOrEqual(64);
    const again = await apply();
    expect(again.code, output(again)).toBe(0);
    expect(gw.sim.received()).toHaveLength(sent.size);
  }, 240_000);
});
