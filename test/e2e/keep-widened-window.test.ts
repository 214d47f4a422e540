import { afterEach, describe, expect, it } from 'vitest';
import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const NUMBER = '+15552300001';

interface Lock {
  calls: Record<string, unknown>;
  schedules?: Record<string, { prunedThrough?: string; rang?: unknown }>;
}

/**
 * A one-off slot placed two hours ago (its deadline long past), under `per_number: 1/1h` and
 * `keep: 1h`: the next apply lets its entry go. Then the limit is widened to 1/24h and a call
 * to the same number is added: the window reaches back over the call let go.
 */
const setUp = async (lockfile: (slotKey: string, placedAt: string) => object) => {
  const slot = new Date(Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000);
  const at = slot.toISOString().replace('.000Z', 'Z');
  const once = {
    name: 'once',
    to: `{ type: phone, number: "${NUMBER}" }`,
    extra: [`schedule: { at: "${at}" }`],
  };
  gw = await startGateway({ 'calls/a.yaml': callsYaml([once]) });
  const config = await gw.project.read('callops.yaml');
  await gw.project.write(
    'callops.yaml',
    `${config}limits: { per_number: 1/1h }\nstate:\n  keep: 1h\n`,
  );
  const placedAt = new Date(slot.getTime() + 30_000).toISOString();
  await gw.project.write(
    'callops.lock',
    `${JSON.stringify(lockfile(`sim/once@${at}`, placedAt), null, 2)}\n`,
  );
  const widen = async () => {
    const g = gw as Gateway;
    await g.project.write(
      'callops.yaml',
      `${config}limits: { per_number: 1/24h }\nstate:\n  keep: 1h\n`,
    );
    await g.project.write(
      'calls/a.yaml',
      callsYaml([once, { name: 'again', to: `{ type: phone, number: "${NUMBER}" }` }]),
    );
  };
  return { widen, placedAt };
};

describe('a per-number window widened after state.keep let entries go', () => {
  it('still counts the call let go: the second call waits, and the lockfile keeps only a digest', async () => {
    const { widen, placedAt } = await setUp((key, placedAt) => ({
      calls: {
        [key]: {
          at: placedAt,
          callId: '1459be02-424e-447d-82e9-5362ffe12301',
          definition: 'sha256:0',
          file: 'calls/a.yaml',
          number: numberDigest(NUMBER),
          sid: 'f5323c91-5cf1-4253-8928-9270e4fb4d31',
          status: 'placed',
        },
      },
      lockfileVersion: 1,
    }));
    const g = gw as Gateway;
    // Under 1/1h and keep 1h the entry is let go.
    const first = await g.run(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    const text = await g.project.read('callops.lock');
    const pruned = JSON.parse(text) as Lock;
    expect(pruned.calls).toEqual({});
    await widen();
    const r = await g.run(['apply', '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { placed: number; waiting: number };
    expect(out).toMatchObject({ placed: 0, waiting: 1 });
    expect(g.placed()).toHaveLength(0);
    const plan = await g.run(['plan']);
    expect(plan.stdout).toMatch(/Waiting/);
    expect(plan.stdout).toMatch(/sim\/again.*per-number limit 1\/24h reached/s);
    // What let it wait: the call let go, kept in its memory as a digest, never the number.
    expect(pruned.schedules?.['sim/once']?.rang).toEqual({
      numbers: { [numberDigest(NUMBER)]: [placedAt] },
    });
    expect(text).not.toContain(NUMBER.slice(1));
  });

  it('holds the call when what an earlier release let go is not remembered, and says until when', async () => {
    // As an earlier release left it: the entry let go, only `prunedThrough` remembered.
    const { widen } = await setUp((key) => {
      const slot = key.slice(key.indexOf('@') + 1).replace('Z', '.000Z');
      return {
        calls: {},
        lockfileVersion: 1,
        schedules: { 'sim/once': { since: slot, prunedThrough: slot } },
      };
    });
    const g = gw as Gateway;
    await widen();
    const r = await g.run(['apply', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    // The slot plus its default deadline (10m): a call let go then may have rung until it.
    expect(r.stdout).toMatch(
      /waiting\s+sim\/again\s+per-number limit 1\/24h: its window reaches back before \S+, and calls made until then whose entries state.keep let go are no longer remembered/,
    );
    expect(g.placed()).toHaveLength(0);
  });
});
