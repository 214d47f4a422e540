import { afterEach, describe, expect, it } from 'vitest';
import {
  type CliResult,
  callsYaml,
  collect,
  type Gateway,
  spawnCli,
  startGateway,
} from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const ROUNDS = 5;
const NAMES = Array.from({ length: 10 }, (_, i) => `c${i}`);
const KEYS = NAMES.map((n) => `sim/${n}`).sort();

const keyOf = (body: unknown): string =>
  `sim/${(body as { tag?: { call?: string } } | undefined)?.tag?.call}`;

/** Two `apply --yes` started together on one project; each result with its pid. */
const applyTwice = async (gw: Gateway) => {
  const start = () => {
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    return { pid: child.pid ?? -1, done: collect(child, 30_000) };
  };
  const both = [start(), start()];
  return Promise.all(both.map(async (c) => ({ pid: c.pid, result: await c.done })));
};

const describeRun = (r: CliResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

describe('two apply processes started at once on one project', () => {
  it(`one places the calls, the other is refused (75) or finds nothing due; no call twice (${ROUNDS} rounds)`, {
    timeout: 120_000,
  }, async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Each request takes a moment at the gateway, so the first apply holds the lock a while.
      const gw = await startGateway(
        {
          'calls/a.yaml': callsYaml(
            NAMES.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })),
          ),
        },
        { targetExtra: ['concurrency: 2'], latencyMs: 20 },
      );
      open.push(gw);
      const runs = await applyTwice(gw);
      expect(runs).toHaveLength(2);
      const seen = runs.map((r) => describeRun(r.result)).join('\n---\n');

      // "Nothing is due" is on stdout (and says "placed" too): a late second apply is idle.
      const idle = runs.filter(
        (r) => r.result.code === 0 && /Nothing is due/.test(r.result.stdout),
      );
      const winners = runs.filter(
        (r) => r.result.code === 0 && /placed/.test(r.result.stdout) && !idle.includes(r),
      );
      const refused = runs.filter((r) => r.result.code === 75);
      expect(winners, seen).toHaveLength(1);
      expect(refused.length + idle.length, seen).toBe(1);
      for (const loser of refused) {
        expect(loser.result.stderr, seen).toContain(`pid ${winners[0]?.pid}`);
        expect(loser.result.stderr).toContain('callops apply');
      }
      outcomes.push(refused.length === 1 ? 'refused' : 'nothing due');

      // The gateway saw every call exactly once.
      const received = gw.sim.received();
      expect(received.filter((r) => r.status !== 201)).toEqual([]);
      expect(received.map((r) => keyOf(r.body)).sort()).toEqual(KEYS);

      // The lockfile holds every call once, with the sid the gateway gave it; no lock is left.
      const lock = await gw.project.lock();
      const entries = Object.entries(lock?.calls ?? {});
      expect(entries.map(([key]) => key).sort()).toEqual(KEYS);
      expect(entries.filter(([, e]) => e.status !== 'placed')).toEqual([]);
      expect(new Set(entries.map(([, e]) => e.sid))).toEqual(new Set(received.map((r) => r.sid)));
      expect(gw.project.exists('.callops/run.lock')).toBe(false);
      expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
      await gw.close();
      open.splice(open.indexOf(gw), 1);
    }
    expect(outcomes).toHaveLength(ROUNDS);
  });
});
