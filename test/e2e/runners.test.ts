import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { callsYaml, collect, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * Several runners on one project and one database, killed at random moments: each key is
 * placed at most once, and every call the gateway accepted is recorded placed or unknown.
 */

const db = postgresForFile();

/** mulberry32: a small seeded generator, so that a failing run can be repeated. */
const random = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const SEED = 20_261_124;
const CALLS = 1000;
const KILLS = 20;
const NAMES = Array.from({ length: CALLS }, (_, i) => `c${i}`);

const keyOf = (body: unknown): string =>
  `sim/${(body as { tag?: { call?: string } } | undefined)?.tag?.call}`;

describe('three runners (run and apply) on one database', () => {
  it(`${CALLS} calls, ${KILLS} SIGKILLs at random moments, then a final apply: no call twice, none unrecorded`, {
    timeout: 120_000,
  }, async () => {
    const next = random(SEED);
    let why = `seed ${SEED}`;
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml(
          NAMES.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })),
        ),
      },
      { targetExtra: ['concurrency: 4'], latencyMs: 50 },
    );
    const env = { ...gw.env, ...db.env };
    const commands = [
      ['run', '--yes'],
      ['apply', '--yes'],
      ['apply', '--yes'],
    ] as const;
    const slots: (ChildProcess | undefined)[] = [undefined, undefined, undefined];
    const start = (i: number) => {
      const child = spawnCli([...(commands[i] ?? [])], { cwd: gw.project.dir, env });
      child.stdout?.resume();
      child.stderr?.resume();
      slots[i] = child;
      // An apply that finished is started again, as a scheduler would.
      child.once('exit', () => {
        if (slots[i] === child) slots[i] = undefined;
      });
    };
    let kills = 0;
    while (kills < KILLS) {
      for (let i = 0; i < slots.length; i++) if (slots[i] === undefined) start(i);
      // Each kill comes once the gateway accepted some more calls: the runners are at work.
      const threshold = (kills + 1) * 40 + Math.floor(next() * 30);
      const until = Date.now() + 10_000;
      while (gw.placed().length < threshold && Date.now() < until) {
        for (let i = 0; i < slots.length; i++) if (slots[i] === undefined) start(i);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const victim = slots[Math.floor(next() * slots.length)];
      if (victim === undefined || victim.exitCode !== null) continue;
      const exited = once(victim, 'exit');
      victim.kill('SIGKILL');
      await exited;
      kills++;
    }
    for (const child of slots) {
      if (child === undefined || child.exitCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    const beforeFinal = gw.placed().length;
    const final = await collect(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    expect([0, 1], `${why}\n${final.stderr}`).toContain(final.code);

    const accepted = gw.placed();
    const keys = accepted.map((r) => keyOf(r.body));
    // 0 duplicates at the gateway.
    expect(new Set(keys).size, why).toBe(keys.length);
    const client = new pg.Client({ connectionString: db.env.CALLOPS_DATABASE_URL });
    await client.connect();
    let rows: { key: string; status: string; sid: string | null }[];
    try {
      rows = (
        await client.query<{ key: string; status: string; sid: string | null }>(
          'SELECT key, status, sid FROM callops.placements',
        )
      ).rows;
    } finally {
      await client.end();
    }
    const byKey = new Map(rows.map((r) => [r.key, r]));
    why = `${why}: ${beforeFinal} accepted before the final apply, ${accepted.length} in all, ${rows.filter((r) => r.status !== 'placed').length} unknown`;
    // The kills came while the runners were at work.
    expect(beforeFinal, why).toBeGreaterThanOrEqual(KILLS * 40);
    // Every accepted call is recorded placed with its sid, or unknown (its runner was killed).
    expect(accepted.length, why).toBeGreaterThan(0);
    const unrecorded = accepted.filter((r) => {
      const row = byKey.get(keyOf(r.body));
      return !(row?.status === 'placed'
        ? row.sid === r.sid
        : row?.status === 'unknown' || row?.status === 'claimed');
    });
    expect(unrecorded, why).toEqual([]);
    // 0 missing: after the final apply every call is placed, or unknown awaiting a decision.
    expect(rows, why).toHaveLength(CALLS);
    const unsettled = rows.filter(
      (r) => r.status !== 'placed' && r.status !== 'claimed' && r.status !== 'unknown',
    );
    expect(unsettled, why).toEqual([]);
    // A placed row's sid is one the gateway gave.
    const sids = new Set(accepted.map((r) => r.sid));
    const invented = rows.filter((r) => r.status === 'placed' && !sids.has(r.sid ?? ''));
    expect(invented, why).toEqual([]);
  });

  it('the database restarted mid-apply: a clear error, nothing sent twice, every accepted call recorded or unknown', {
    timeout: 90_000,
  }, async () => {
    const names = NAMES.slice(0, 300);
    const gw = await db.gateway(
      {
        'calls/a.yaml': callsYaml(
          names.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })),
        ),
      },
      { targetExtra: ['concurrency: 4'], latencyMs: 20, schema: 'cut' },
    );
    const env = { ...gw.env, ...db.env };
    const url = db.url;
    const { done } = watch(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    await waitFor('50 calls accepted', () => (gw.placed().length >= 50 ? true : undefined), {
      timeoutMs: 40_000,
    });
    // A real restart: the server shuts down (every connection ends), stays down a moment,
    // and comes back with its data.
    const restarted = db.server.restart(500);
    expect(restarted).toBeDefined();
    const cut = await done;
    await restarted;
    expect(cut.code, cut.stderr).toBe(1);
    expect(cut.stderr).toMatch(/state database/);
    expect(cut.stderr).not.toContain('callops-test');
    const before = gw.placed().length;
    expect(before).toBeLessThan(names.length);
    const final = await collect(spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env }), 60_000);
    expect([0, 1], final.stderr).toContain(final.code);
    const accepted = gw.placed();
    const keys = accepted.map((r) => keyOf(r.body));
    expect(new Set(keys).size).toBe(keys.length);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = await client
      .query<{ key: string; status: string; sid: string | null }>(
        'SELECT key, status, sid FROM cut.placements',
      )
      .finally(() => client.end());
    const byKey = new Map(rows.rows.map((r) => [r.key, r]));
    expect(rows.rows).toHaveLength(names.length);
    const unrecorded = accepted.filter((r) => {
      const row = byKey.get(keyOf(r.body));
      return !(row?.status === 'placed' ? row.sid === r.sid : row?.status !== 'failed');
    });
    expect(unrecorded).toEqual([]);
  });
});
