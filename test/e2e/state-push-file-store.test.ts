import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import { STATE_BACKENDS } from '../support/state-backends.js';
import {
  callsYaml,
  type Gateway,
  holdCalls,
  jsonLines,
  spawnCli,
  startGateway,
  startHeldApply,
  waitFor,
  watch,
} from './helpers.js';

let backend: Awaited<ReturnType<typeof STATE_BACKENDS.postgres.start>>;
const gateways: Gateway[] = [];
const releases: (() => void)[] = [];

beforeAll(async () => {
  backend = await STATE_BACKENDS.postgres.start();
}, 60_000);

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

afterAll(async () => {
  await backend?.stop();
});

/** callops.yaml as the file store's project had it, and with `state:` on the database. */
const stateSwitch = async (gw: Gateway, schema: string) => {
  const file = await gw.project.read('callops.yaml');
  return {
    toDatabase: () =>
      gw.project.write(
        'callops.yaml',
        `${file}${[...backend.state, `  schema: ${schema}`].join('\n')}\n`,
      ),
    toFiles: () => gw.project.write('callops.yaml', file),
  };
};

/** The rows of `schema`, none when push never got as far as creating its tables. */
const rows = async (schema: string) =>
  placementRows(backend.env.CALLOPS_DATABASE_URL as string, schema).catch((error: Error) => {
    if (/does not exist/.test(error.message)) return [];
    throw error;
  });

/** The key each received request was for (the call carries its name in its tag). */
const keyOf = (body: unknown): string =>
  `sim/${(body as { tag?: { call?: string } } | undefined)?.tag?.call}`;

/** How many requests reached the gateway for each key. */
const requestsPerKey = (gw: Gateway): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of gw.sim.received())
    counts.set(keyOf(r.body), (counts.get(keyOf(r.body)) ?? 0) + 1);
  return counts;
};

const tagged = (names: readonly string[]) =>
  callsYaml(names.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })));

describe('state push from a file-store project', () => {
  it('after a killed apply, imports what its journal holds: nothing is placed twice', {
    timeout: 60_000,
  }, async () => {
    // The first two calls are answered at once, every later one is held at the gateway.
    const hold = holdCalls();
    releases.push(hold.release);
    let answered = 0;
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    const gw = await startGateway(
      { 'calls/a.yaml': tagged(names) },
      {
        targetExtra: ['concurrency: 2'],
        latencyMs: 1,
        wait: () => (answered++ < 2 ? Promise.resolve() : hold.wait()),
      },
    );
    gateways.push(gw);
    const state = await stateSwitch(gw, 'push_crash');
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done } = watch(child, 30_000);
    await waitFor('two requests held at the gateway', () => (hold.held() === 2 ? true : undefined));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const left = await jsonLines(join(gw.project.dir, '.callops', 'journal.jsonl'));
    const open = left.filter((l) => l.type === 'intent').map((l) => String(l.key));
    expect(open.length).toBeGreaterThanOrEqual(2);
    // The gateway answers what reached it: the kill does not un-place a call.
    hold.release();
    await waitFor('the gateway to answer the held requests', () =>
      gw.placed().length === 4 ? true : undefined,
    );
    const reached = [...requestsPerKey(gw).keys()].sort();
    expect(reached).toHaveLength(4);

    await state.toDatabase();
    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('recorded what an interrupted run left in its journal');
    expect(push.stdout).toContain('imported 4 entries of callops.lock into the state database');
    const stored = await rows('push_crash');
    expect(stored.map((r) => r.key)).toEqual(reached);
    // Those answered before the kill are placed, those held then unknown: settled by hand.
    expect(stored.filter((r) => r.status === 'placed')).toHaveLength(2);
    expect(stored.filter((r) => r.status === 'unknown')).toHaveLength(2);

    const apply = await gw.run(['apply', '--yes'], backend.env);
    expect(apply.code, apply.stderr).toBe(0);
    const counts = requestsPerKey(gw);
    expect([...counts.keys()].sort()).toEqual(names.map((n) => `sim/${n}`));
    expect([...counts.values()]).toEqual(names.map(() => 1));
  });

  it('refuses a deleted callops.lock that .callops/ recorded; the way it names brings it back', {
    timeout: 60_000,
  }, async () => {
    const names = ['c1', 'c2', 'c3'];
    const gw = await startGateway({ 'calls/a.yaml': tagged(names) });
    gateways.push(gw);
    const state = await stateSwitch(gw, 'push_deleted');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    expect(gw.placed()).toHaveLength(3);
    await rm(join(gw.project.dir, 'callops.lock'));

    await state.toDatabase();
    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain(
      'callops.lock is missing, but 3 placements recorded in .callops/ say calls were placed here',
    );
    expect(push.stderr).toContain('nothing was imported');
    expect(push.stderr).toContain(
      'Set `state:` back to the file store (`backend: file`, or no `state:`) and run `callops state pull`: it writes them back into callops.lock, keeping every entry it holds; then set `state:` to the database again and run `callops state push`.',
    );
    expect(push.stdout).not.toContain('imported');
    expect(await rows('push_deleted')).toEqual([]);

    // As it says: pull on the file store, then push again.
    await state.toFiles();
    const pull = await gw.run(['state', 'pull']);
    expect(pull.code, pull.stderr).toBe(0);
    await state.toDatabase();
    const again = await gw.run(['state', 'push'], backend.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('imported 3 entries');
    const apply = await gw.run(['apply', '--yes'], backend.env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(gw.sim.received()).toHaveLength(3);
  });

  it('refuses a callops.lock replaced by an older copy', { timeout: 60_000 }, async () => {
    const gw = await startGateway({ 'calls/a.yaml': tagged(['one', 'two']) });
    gateways.push(gw);
    const state = await stateSwitch(gw, 'push_older');
    expect((await gw.run(['apply', '--yes', '--only', 'one'])).code).toBe(0);
    const older = await gw.project.read('callops.lock');
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    await gw.project.write('callops.lock', older);

    await state.toDatabase();
    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code).toBe(1);
    expect(push.stderr).toMatch(
      /callops\.lock has moved backwards: 1 placement recorded in \.callops\/ is missing from callops\.lock or older there \(sim\/two\)/,
    );
    expect(push.stderr).toContain('nothing was imported');
    expect(await rows('push_older')).toEqual([]);
  });

  it('is refused (75) while a file-store apply holds the run lock', {
    timeout: 60_000,
  }, async () => {
    const held = await startHeldApply(spawnCli, ['c1', 'c2', 'c3']);
    gateways.push(held.gw);
    releases.push(held.release);
    const state = await stateSwitch(held.gw, 'push_live');
    await state.toDatabase();
    const push = await held.gw.run(['state', 'push'], backend.env);
    expect(push.code, push.stderr).toBe(75);
    expect(push.stderr).toContain(
      `callops.lock is in use: the run lock .callops/run.lock is held by pid ${held.child.pid} on host`,
    );
    expect(push.stderr).toContain('running `callops apply`');
    expect(await rows('push_live')).toEqual([]);

    held.release();
    // callops.yaml changed under it (its state moved): the apply records the two calls at the
    // gateway and sends no other, as for any edit of what it read.
    const done = await held.done;
    expect(done.code, done.stderr).toBe(1);
    expect(done.stdout + done.stderr).toContain('callops.yaml changed after callops read it');
    const again = await held.gw.run(['state', 'push'], backend.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('imported 2 entries');
  });

  it('without a lockfile or anything in .callops/, says there is nothing to import', {
    timeout: 60_000,
  }, async () => {
    const gw = await startGateway({ 'calls/a.yaml': tagged(['c1']) });
    gateways.push(gw);
    await (await stateSwitch(gw, 'push_nothing')).toDatabase();
    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toBe(
      'callops.lock does not exist and .callops/ records no placement: nothing to import\n',
    );
  });
});
