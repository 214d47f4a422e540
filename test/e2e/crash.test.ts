import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, jsonLines, spawnCli, startHeldApply, waitFor } from './helpers.js';

const NAMES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];

let gw: Gateway | undefined;
let release: () => void = () => {};
afterEach(async () => {
  release();
  await gw?.close();
  gw = undefined;
});

/** The key each received request was for (the call carries its name in its tag). */
const keyOf = (body: unknown): string =>
  `sim/${(body as { tag?: { call?: string } } | undefined)?.tag?.call}`;

describe('apply killed with SIGKILL mid-run', () => {
  it('leaves in-flight calls unknown, never places a call twice, and status/resolve settle them', async () => {
    // 1. apply at concurrency 2 against a gateway that holds every request it takes: killed
    //    outright once two requests are provably in flight (held there).
    const held = await startHeldApply(spawnCli, NAMES);
    gw = held.gw;
    release = held.release;
    const { project, sim } = held.gw;
    const run = held.gw.run;
    held.child.kill('SIGKILL');
    expect((await held.done).signal).toBe('SIGKILL');
    const left = await jsonLines(join(project.dir, '.callops', 'journal.jsonl'));
    const inFlight = new Set(left.filter((l) => l.type === 'intent').map((l) => String(l.key)));
    expect(inFlight.size).toBe(2);
    expect(left.filter((l) => l.type === 'outcome')).toEqual([]);

    // 2. The gateway answers what reached it (the kill does not un-place a call).
    release();
    await waitFor('the gateway to answer the two requests in flight', () =>
      sim.received().length === 2 ? true : undefined,
    );
    expect(new Set(sim.received().map((r) => keyOf(r.body)))).toEqual(inFlight);

    // 3. The next apply folds the journal: in-flight calls become unknown, the rest are placed.
    const second = await run(['apply', '--yes']);
    // This run's own calls were all placed; what the killed run left is reported as a note.
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`interrupted run.*${inFlight.size} unknown`));
    expect(second.stderr).toContain('callops resolve');
    const placed = sim.received().filter((r) => r.status === 201);
    expect(placed).toHaveLength(NAMES.length);
    const counts = new Map<string, number>();
    for (const r of placed) counts.set(keyOf(r.body), (counts.get(keyOf(r.body)) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(NAMES.map((n) => `sim/${n}`));
    expect([...counts.values()]).toEqual(NAMES.map(() => 1));

    const lock = await project.lock();
    expect(Object.keys(lock?.calls ?? {})).toHaveLength(NAMES.length);
    for (const name of NAMES) {
      const key = `sim/${name}`;
      const entry = lock?.calls[key];
      if (inFlight.has(key)) {
        expect(entry?.status, key).toBe('unknown');
        expect(entry?.message).toMatch(/interrupted|crashed/);
      } else {
        expect(entry?.status, key).toBe('placed');
        expect(entry?.sid).toBe(placed.find((r) => keyOf(r.body) === key)?.sid);
      }
    }

    // 4. status lists the unknown ones with the commands that settle them.
    const status = await run(['status']);
    expect(status.code).toBe(3); // an unknown entry needs a person
    for (const key of inFlight) {
      expect(status.stdout).toContain(`callops resolve ${key} --placed SID`);
      expect(status.stdout).toContain(`callops resolve ${key} --not-placed`);
    }
    expect(status.stdout).toMatch(new RegExp(`${inFlight.size} unknown`));

    // 5. Unknown entries are never retried automatically.
    const third = await run(['apply', '--yes']);
    expect(third.code).toBe(0);
    expect(sim.received()).toHaveLength(NAMES.length);

    // 6. resolve KEY --placed SID settles one, with the sid the gateway gave it.
    const [first = ''] = [...inFlight].sort();
    const sid = placed.find((r) => keyOf(r.body) === first)?.sid;
    expect(sid).toBeDefined();
    const resolved = await run(['resolve', first, '--placed', String(sid)]);
    expect(resolved.code).toBe(0);
    const settled = (await project.lock())?.calls[first];
    expect(settled?.status).toBe('placed');
    expect(settled?.sid).toBe(sid);
    const after = await run(['status', '--format', 'json']);
    const json = JSON.parse(after.stdout) as { unknown: number; placed: number };
    expect(json.unknown).toBe(inFlight.size - 1);
    expect(json.placed).toBe(NAMES.length - inFlight.size + 1);
    // Only unknown entries can be settled by hand.
    const again = await run(['resolve', first, '--not-placed']);
    expect(again.code).toBe(1);
    expect((await project.lock())?.calls[first]?.status).toBe('placed');
  }, 40_000);
});
