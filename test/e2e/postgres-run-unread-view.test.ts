import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { callsYaml, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * `run` never plans from a state it could not read: after a batch whose state read failed it
 * keeps the last view, waits for the database, and reads it again before it plans. A slot it
 * placed is never said missed, nor claimed again, and the next slot is placed once.
 */

const db = postgresForFile();

describe('run after a batch whose state read failed', () => {
  it('plans from the state read once the database answers, not from an empty one', {
    timeout: 150_000,
  }, async () => {
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'm1', extra: ['schedule: { cron: "* * * * *", deadline: 10m }'] },
        ]),
      },
      // The gateway is slow to say what became of a call: no refresh records an outcome (and
      // reads the state again) meanwhile.
      { schema: 'unread_view', readLatencyMs: 120_000 },
    );
    const env = { ...gw.env, ...db.env, CALLOPS_RUN_REFRESH_SECONDS: '3600' };
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    // Without the gate, the batch's first claim is held before its commit.
    const gate = join(gw.project.dir, 'gate');
    const child = spawnCli(['run', '--yes'], {
      cwd: gw.project.dir,
      env: { ...env, [HOLD_SYNC_ENV]: gate },
    });
    const { done, soFar } = watch(child, 140_000);
    // Another session holds the schedules table while the batch ends: the view, which reads
    // it, gets no answer within its time limit; claims and outcomes do not touch it.
    const blocker = new pg.Client({ connectionString: db.url });
    let blocking = false;
    try {
      await waitFor(
        'a claim held before its commit',
        async () =>
          (await readFile(`${gate}.reached`, 'utf8').catch(() => '')) ? true : undefined,
        { timeoutMs: 30_000 },
      );
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE unread_view.schedules IN ACCESS EXCLUSIVE MODE');
      blocking = true;
      await writeFile(gate, '');
      await waitFor(
        'the state not read after the batch',
        () =>
          /^Unknown: not known — the state could not be read/m.test(soFar()) ? true : undefined,
        { timeoutMs: 30_000 },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; it said:\n${soFar()}`);
      });
      // Let go at once: the next wake's writes (its schedule memory) go through, and only a
      // plan made from the state as read shows nothing placed as missed, nor due again.
      await blocker.query('ROLLBACK');
      blocking = false;

      // The next slot, placed after the database answered again.
      await waitFor('a second call placed', () => (gw.placed().length >= 2 ? true : undefined), {
        timeoutMs: 90_000,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; it said:\n${soFar()}`);
      });
      // Its batch summary printed.
      await waitFor(
        'the second summary',
        () => ((soFar().match(/^Done: /gm) ?? []).length >= 2 ? true : undefined),
        { timeoutMs: 20_000 },
      );
    } finally {
      if (blocking) await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end().catch(() => undefined);
      child.kill('SIGTERM');
    }
    const result = await done;
    const said = output(result);
    // Missed ones are those before the first slot placed (its catch-up), said at the start.
    const first = /^placed {2}sim\/m1@(\S+)/m.exec(result.stdout)?.[1] ?? '';
    expect(first, said).not.toBe('');
    const missed = [...said.matchAll(/^missed sim\/m1@(\S+)/gm)].map((m) => m[1] ?? '');
    for (const slot of missed) expect(slot < first, said).toBe(true);
    expect(said).not.toMatch(/missed sim\/m1@\S+ — deadline passed/);
    expect(said).not.toContain('placed by another runner');
    expect(said).not.toMatch(/^skipped/m);
    // Each slot called once, each one placed once.
    const placed = gw.placed();
    expect(placed).toHaveLength(2);
    expect((result.stdout.match(/^placed /gm) ?? []).length).toBe(2);
    expect(said).toMatch(/state database/);
  });
});
