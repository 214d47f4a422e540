// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import {
  callsPerNumber,
  campaignYaml,
  output,
  recipientNumber,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';
import { postSigned, startReceive } from './receiver.js';

/**
 * A campaign row's redial, planned by one runner while another (`callops receive`) records
 * that an earlier attempt of the row was answered after all (its answer arriving after its
 * no-answer), before the redial's claim: the claim reads the row's earlier attempts in the
 * state database and refuses, so the person who answered is not called again. The real CLI,
 * the built-in simulator, a real PostgreSQL server; `apply` (one call at a time) holds the
 * commit of its first claim (the failpoint) while the answer is recorded, so that its plan is
 * made before the answer and the redial's claim after it.
 */

const db = postgresForFile();

const SECRET = 'whsec-e2e-redial-answered-5c1e9a';

describe('a redial whose row was answered between its plan and its claim', () => {
  it('is not placed, and is said as the plan says an answered row', {
    timeout: 90_000,
  }, async () => {
    const row = (i: number) => `r${i},${recipientNumber(40 + i)}`;
    const gw = await db.gateway(
      {
        'calls/reminders.yaml': campaignYaml(
          ['redial: { on: [no-answer], after: 0s, max_attempts: 3 }'],
          '{ row: "${row.id}" }',
        ),
        'lists/reminders.csv': ['id,phone', row(1), ''].join('\n'),
      },
      { schema: 'redial_answered' },
    );
    const env = { ...gw.env, ...db.env, CALLOPS_WEBHOOK_SECRET: SECRET };
    const first = await gw.run(['apply', '--yes'], env);
    expect(first.code, output(first)).toBe(0);
    const sid = gw.placed()[0]?.sid ?? '';
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);

    const receiver = await startReceive(gw.project.dir, env);
    const post = async (fields: Record<string, unknown>, status: string) => {
      const body = JSON.stringify({ call_sid: sid, duration: 0, ...fields });
      expect((await postSigned(receiver.url, SECRET, body)).status, body).toBe(204);
      const recorded = new RegExp(`recorded \\d+ outcomes?: [^\\n]*sim/reminders/r1 ${status}`);
      await waitFor(`the ${status} of r1 recorded`, () =>
        recorded.test(receiver.stderr()) ? true : undefined,
      );
    };
    const gate = join(gw.project.dir, 'gate');
    try {
      await post({ call_status: 'no-answer', sip_status: 487 }, 'no-answer');
      // A row added above it: its first call is the apply's first request, r1's redial the next.
      await gw.project.write('lists/reminders.csv', ['id,phone', row(0), row(1), ''].join('\n'));
      const plan = await gw.run(['plan', '--format', 'json'], env);
      expect(plan.code, output(plan)).toBe(0);
      const due = (JSON.parse(plan.stdout) as { due: { key: string }[] }).due.map((d) => d.key);
      expect(due).toEqual(['sim/reminders/r0', 'sim/reminders/r1#2']);

      const apply = watch(
        spawnCli(['apply', '--yes', '--concurrency', '1'], {
          cwd: gw.project.dir,
          env: { ...env, [HOLD_SYNC_ENV]: gate },
        }),
        60_000,
      );
      // Planned, its first claim held: r1's redial is on its way to its claim.
      await waitFor('the apply holding its first claim', async () =>
        (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).length > 0 ? true : undefined,
      );
      // The gateway's status of r1's first call, late: it was answered, 42 s.
      await post({ call_status: 'completed', sip_status: 200, duration: 42 }, 'completed');
      await writeFile(gate, '');
      const r = await apply.done;
      expect(r.code, output(r)).toBe(0);
      // r0 called once, r1 never again.
      expect(callsPerNumber(gw)).toEqual({ [recipientNumber(40)]: 1, [recipientNumber(41)]: 1 });
      expect(r.stdout).toContain(
        `\nskipped sim/reminders/r1#2  done after attempt 1 (completed ${sid}): answered\n`,
      );
      expect(r.stdout).toMatch(/1 placed, 0 failed, 0 unknown, 1 skipped in/);
    } finally {
      receiver.child.kill('SIGTERM');
    }
    const stopped = await receiver.done;
    expect(stopped.code, output(stopped)).toBe(0);
    // The plan says the same of the row now (at its latest attempt, the one that answered).
    const after = await gw.run(['plan', '--format', 'json'], env);
    expect(after.code, output(after)).toBe(0);
    const skipped = (JSON.parse(after.stdout) as { skipped: { key: string; reason: string }[] })
      .skipped;
    expect(skipped.find((i) => i.key === 'sim/reminders/r1')?.reason).toBe(
      `done after attempt 1 (completed ${sid}): answered`,
    );
  });
});
