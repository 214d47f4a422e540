import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { type CliResult, callsYaml, output, spawnCli, waitFor, watch } from './helpers.js';
import { advisoryWaiters, postgresForFile, queryDatabase } from './postgres-project.js';

const db = postgresForFile();

const NUMBER = '+15550004001';

describe('per-number limits on the postgres store', () => {
  it('two runners placing calls to one number at once take its last slot once', {
    timeout: 60_000,
  }, async () => {
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml(
          ['r1', 'r2', 'r3'].map((name) => ({ name, to: `{ type: phone, number: "${NUMBER}" }` })),
        ),
      },
      { schema: 'per_number', extra: ['limits: { per_number: 1/24h }'] },
    );
    // Each claim's commit is held until the gate file exists: the first runner holds the
    // slot uncommitted while the second, whose plan saw the number free, claims too.
    const gate = join(gw.project.dir, 'gate');
    const env = { ...gw.env, ...db.env, [HOLD_SYNC_ENV]: gate };
    const reached = async () =>
      (await readFile(`${gate}.reached`, 'utf8').catch(() => '')).split('\n').filter(Boolean)
        .length;
    const start = (only: string) =>
      watch(spawnCli(['apply', '--yes', '--only', only], { cwd: gw.project.dir, env }), 30_000);
    const first = start('r1');
    await waitFor('the first claim held before its commit', async () =>
      (await reached()) === 1 ? true : undefined,
    );
    const second = start('r2');
    // The second claim now waits for the number's lock (or, were there none, reaches the hold).
    await waitFor('the second claim to wait for the first', async () =>
      (await reached()) === 2 || (await advisoryWaiters(db.url)) > 0 ? true : undefined,
    );
    await writeFile(gate, '');
    const results = await Promise.all([first.done, second.done]);
    for (const r of results) expect(r.code, output(r)).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    expect(output(results[0] as CliResult)).toMatch(/1 placed/);
    expect(output(results[1] as CliResult)).toMatch(/0 placed, 0 failed, 0 unknown, 1 waiting/);
    const { rows } = await query<{ key: string; number: string }>(
      'SELECT key, number FROM "per_number".placements ORDER BY key',
    );
    expect(rows).toEqual([{ key: 'sim/r1', number: numberDigest(NUMBER) }]);
    // Later applies wait too: the slot is taken for 24 hours.
    const again = await gw.run(['apply', '--yes'], db.env);
    expect(again.code, output(again)).toBe(0);
    expect(output(again)).toMatch(/2 waiting/);
    expect(gw.placed()).toHaveLength(1);
  });

  it('a retry the limit holds back gives up its first claim: waiting, never left unknown', {
    timeout: 30_000,
  }, async () => {
    const number = '+15550004002';
    const schema = 'per_number_retry';
    // Runner 1's gateway answers every call 503, asking to wait a second before the retry.
    const first = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'a', to: `{ type: phone, number: "${number}" }` }]) },
      {
        failStatus: 503,
        failRate: 1,
        retryAfterS: 1,
        schema,
        extra: ['limits: { per_number: 1/24h }'],
      },
    );
    // Runner 2 is another project on the same state, which sets no limit of its own.
    const second = await db.gateway(
      { 'calls/b.yaml': callsYaml([{ name: 'b', to: `{ type: phone, number: "${number}" }` }]) },
      { schema },
    );
    // Runner 1's first claim is held before its commit (the number is free then, so it is
    // taken) while runner 2 places its call to the number: what a runner may do while the
    // other waits out a 503's Retry-After, made certain to come before runner 1's retry.
    const gate = join(first.project.dir, 'gate');
    const runner1 = watch(
      spawnCli(['apply', '--yes'], {
        cwd: first.project.dir,
        env: { ...first.env, ...db.env, [HOLD_SYNC_ENV]: gate },
      }),
      20_000,
    );
    await waitFor('runner 1 holding its first claim', () =>
      existsSync(`${gate}.reached`) ? true : undefined,
    );
    const runner2 = await second.run(['apply', '--yes'], db.env);
    expect(runner2.code, output(runner2)).toBe(0);
    expect(second.placed()).toHaveLength(1);
    // The first attempt goes, is answered 503, and its retry is refused by the limit.
    await writeFile(gate, '');
    const r1 = await runner1.done;
    expect(r1.code, output(r1)).toBe(0);
    expect(output(r1)).toMatch(/retry\s+sim\/a\s+503/);
    expect(output(r1)).toMatch(/0 placed, 0 failed, 0 unknown, 1 waiting/);
    expect(first.sim.received()).toHaveLength(1);
    // No claim is left for the call runner 1 held back: only runner 2's call is stored.
    const { rows } = await query<{ key: string; status: string }>(
      'SELECT key, status FROM "per_number_retry".placements ORDER BY key',
    );
    expect(rows).toEqual([{ key: 'sim/b', status: 'placed' }]);
    const status = await first.run(['status'], db.env);
    expect(status.code, output(status)).toBe(0);
    expect(output(status)).toMatch(/1 placed, 0 failed, 0 unknown/);
    expect(output(status)).not.toMatch(/sim\/a|in flight|callops resolve/);
    // Still due: a later apply holds it back again, nothing sent.
    const again = await first.run(['apply', '--yes'], db.env);
    expect(again.code, output(again)).toBe(0);
    expect(output(again)).toMatch(/^waiting sim\/a {2}per-number limit/m);
    expect(output(again)).toMatch(/Held back: 1 waiting/);
    expect(output(again)).not.toMatch(/unknown/);
    expect(first.sim.received()).toHaveLength(1);
  });
});

const query = <T extends pg.QueryResultRow>(sql: string) => queryDatabase<T>(db.url, sql);
