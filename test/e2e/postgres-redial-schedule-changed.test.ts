import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  APP_SID,
  callsPerNumber,
  campaignYaml,
  makeProject,
  output,
  type Project,
  recipientNumber,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { advisoryWaiters, postgresForFile } from './postgres-project.js';

/**
 * A campaign row that redials, whose first attempt was refused, and two checkouts sharing one
 * PostgreSQL schema applied at once: one gives the campaign an `at` in place of its redial,
 * the other still redials and tries the refused attempt again. Neither sees the other's claim
 * when it plans; the claim of the attempt tried again, checked in the database under the
 * row's lock against its keys of another schedule, holds it: the person is called once. The
 * `at` checkout's `apply` holds its claim's commit (the failpoint) until the other's claim
 * waits behind it. The real CLI, the built-in simulator over loopback, a real server.
 */

const db = postgresForFile();

const checkouts: Project[] = [];
afterEach(async () => {
  await Promise.all(checkouts.splice(0).map((c) => c.cleanup()));
});

/** The simulator knows this application only: a request with APP_SID is refused (400). */
const OTHER = '0b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b';
const AT = '2026-12-03T10:00:00Z';
const NOW = '2026-12-03T10:00:30Z';
const ANN = recipientNumber(71);
const CSV = `id,name,phone\nr1,Ann,${ANN}\n`;
const REDIAL = 'redial: { on: [no-answer], after: 0s, max_attempts: 3 }';

const reminders = (extra: readonly string[], app = OTHER): Record<string, string> => ({
  'calls/rem.yaml': campaignYaml(extra).replace(APP_SID, app),
  'lists/reminders.csv': CSV,
});

describe('a row that redials, its refused attempt tried again while another checkout gives it `at`', () => {
  it('is called once: the attempt tried again is held at its claim', {
    timeout: 60_000,
  }, async () => {
    const gw = await db.gateway(reminders([REDIAL], APP_SID), {
      schema: 'redial_at_given',
      applicationSids: [OTHER],
    });
    const env = { ...gw.env, ...db.env };
    const refused = await gw.run(['apply', '--yes', '--now', '2026-12-03T09:00:00Z'], db.env);
    expect(refused.code).not.toBe(0);
    expect(callsPerNumber(gw)).toEqual({});

    // The first checkout gives the campaign an `at`; the second redials, its application fixed.
    for (const [rel, text] of Object.entries(reminders([`schedule: { at: "${AT}" }`])))
      await gw.project.write(rel, text);
    const checkout = await makeProject({
      'callops.yaml': await gw.project.read('callops.yaml'),
      ...reminders([REDIAL]),
    });
    checkouts.push(checkout);
    const gate = join(gw.project.dir, 'gate');
    const args = ['apply', '--yes', '--now', NOW];
    const one = watch(
      spawnCli(args, { cwd: gw.project.dir, env: { ...env, [HOLD_SYNC_ENV]: gate } }),
      30_000,
    );
    await waitFor('the `at` checkout holding its claim', async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).length > 0 ? true : undefined,
    );
    const two = watch(spawnCli(args, { cwd: checkout.dir, env }), 30_000);
    await waitFor('the redialling checkout claiming the same row', async () =>
      (await advisoryWaiters(db.url)) >= 1 || gw.placed().length > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const [r1, r2] = await Promise.all([one.done, two.done]);
    for (const r of [r1, r2]) expect(r.code, output(r)).toBe(0);
    expect(callsPerNumber(gw)).toEqual({ [ANN]: 1 });
    expect(output(r1)).toMatch(/1 placed, 0 failed, 0 unknown/);
    expect(r2.stdout).toMatch(
      new RegExp(
        `^skipped sim/reminders/r1 {2}(may have been|already) placed as sim/reminders/r1@${AT.replace('.', '\\.')}`,
        'm',
      ),
    );
  });
});
