import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATE_BACKENDS } from '../support/state-backends.js';
import {
  callsYaml,
  type Gateway,
  holdCalls,
  makeProject,
  type Project,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

/*
 * `state push` of a checkout's callops.lock into a database that another checkout's runner
 * placed some of the same keys in already: the conflicting keys are refused with a way on,
 * and no other entry stays out of the database (where a runner would place it again).
 */

let backend: Awaited<ReturnType<typeof STATE_BACKENDS.postgres.start>>;
const gateways: Gateway[] = [];
const projects: Project[] = [];
const releases: (() => void)[] = [];

beforeAll(async () => {
  backend = await STATE_BACKENDS.postgres.start();
}, 60_000);

afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(gateways.splice(0).map((g) => g.close()));
  await Promise.all(projects.splice(0).map((p) => p.cleanup()));
});

afterAll(async () => {
  await backend?.stop();
});

const url = () => backend.env.CALLOPS_DATABASE_URL as string;

interface StoredRow {
  key: string;
  status: string;
  sid: string | null;
  history: { sid: string; at: string; joinedFrom?: string }[] | null;
}

const rows = async (schema: string): Promise<StoredRow[]> => {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    return (
      await client.query<StoredRow>(
        `SELECT key, status, sid, history FROM "${schema}".placements ORDER BY key`,
      )
    ).rows;
  } finally {
    await client.end();
  }
};

const sidOf = (stored: readonly StoredRow[], key: string): string =>
  stored.find((r) => r.key === key)?.sid as string;

/** How many requests the gateway accepted for each key (the call carries its name in its tag). */
const placedPerKey = (gw: Gateway): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of gw.placed()) {
    const key = `sim/${(r.body as { tag?: { call?: string } }).tag?.call}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

/**
 * A file-store checkout (the gateway's project) that placed `names`, switched to the database
 * with `schema`, and a second checkout of the same calls on that database, with no lockfile.
 */
const twoCheckouts = async (
  names: readonly string[],
  schema: string,
  options: Parameters<typeof startGateway>[1] = {},
) => {
  const calls = callsYaml(names.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })));
  const gw = await startGateway({ 'calls/a.yaml': calls }, options);
  gateways.push(gw);
  const placed = await gw.run(['apply', '--yes']);
  expect(placed.code, placed.stderr).toBe(0);
  const config = `${await gw.project.read('callops.yaml')}${[...backend.state, `  schema: ${schema}`].join('\n')}\n`;
  await gw.project.write('callops.yaml', config);
  const other = await makeProject({ 'callops.yaml': config, 'calls/a.yaml': calls });
  projects.push(other);
  const env = { ...gw.env, ...backend.env };
  return { gw, other, env, fileSids: await rowsOfLockfile(gw.project) };
};

const rowsOfLockfile = async (project: Project): Promise<Record<string, string>> => {
  const lock = JSON.parse(await project.read('callops.lock')) as {
    calls: Record<string, { sid: string }>;
  };
  return Object.fromEntries(Object.entries(lock.calls).map(([k, e]) => [k, e.sid]));
};

describe('state push into a database that placed some keys already', () => {
  it('imports every other entry, refuses the conflict with a way on; --keep-database settles it keeping both sids', {
    timeout: 90_000,
  }, async () => {
    const { gw, other, env, fileSids } = await twoCheckouts(['y1', 'y2'], 'push_conflict');
    // A runner of the other checkout places y1 on the database before the push: a second call.
    const early = await gw.run(['-C', other.dir, 'apply', '--yes', '--only', 'y1'], backend.env);
    expect(early.code, early.stderr).toBe(0);
    const dbSid = sidOf(await rows('push_conflict'), 'sim/y1');
    expect(dbSid).not.toBe(fileSids['sim/y1']);

    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code).toBe(1);
    expect(push.stdout).toBe('imported 1 entry of callops.lock into the state database\n');
    expect(push.stderr).toContain(
      'callops.lock conflicts with the state database in 1 entry; it was not imported (every other entry was):\n' +
        `  sim/y1: the database has placed (sid ${dbSid}), callops.lock has placed (sid ${fileSids['sim/y1']})\n` +
        'To settle it, run `callops state push --keep-database`',
    );
    // y2 is in the database: no runner places it again.
    expect(await rows('push_conflict')).toEqual([
      { key: 'sim/y1', status: 'placed', sid: dbSid, history: null },
      { key: 'sim/y2', status: 'placed', sid: fileSids['sim/y2'], history: null },
    ]);
    const apply = spawnCli(['apply', '--yes'], { cwd: other.dir, env });
    const applied = await watch(apply, 30_000).done;
    expect(applied.code, applied.stderr).toBe(0);
    expect(placedPerKey(gw)).toEqual({ 'sim/y1': 2, 'sim/y2': 1 });

    // The way it names: the database's entry stays, the lockfile's call is in its history.
    const keep = await gw.run(['state', 'push', '--keep-database'], backend.env);
    expect(keep.code, keep.stderr).toBe(0);
    expect(keep.stdout).toBe(
      'imported 0 entries of callops.lock into the state database (1 already there)\n' +
        'settled 1 entry that conflicted with the state database (--keep-database):\n' +
        `  sim/y1: kept the database's placed (sid ${dbSid}); callops.lock's placed (sid ${fileSids['sim/y1']}) is kept in its history: this call was placed twice\n`,
    );
    const settled = await rows('push_conflict');
    const [y1] = settled;
    expect(y1?.sid).toBe(dbSid);
    expect(y1?.history?.map((h) => h.sid)).toEqual([fileSids['sim/y1']]);
    // Settled: callops.lock's sid is in the database's entry, so pushing again, with the flag
    // or without, finds no conflict and changes nothing.
    for (const args of [['--keep-database'], []]) {
      const again = await gw.run(['state', 'push', ...args], backend.env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(
        "imported 0 entries of callops.lock into the state database (2 already there, 1 of them as an earlier placement the database's entry keeps in its history)\n",
      );
      expect(again.stderr).not.toContain('conflict');
      expect(await rows('push_conflict')).toEqual(settled);
    }
    expect(placedPerKey(gw)).toEqual({ 'sim/y1': 2, 'sim/y2': 1 });
    expect(y1?.history?.[0]).toMatchObject({ joinedFrom: 'lockfile' });
    // status says the call was placed twice, not that anyone replaced it; so does the
    // lockfile `state pull` writes, which callops reads back.
    const status = await gw.run(['status'], backend.env);
    expect(status.stdout).toMatch(
      new RegExp(
        `  sim/y1  sid ${dbSid}  at \\S+  \\(also placed ${fileSids['sim/y1']} \\(from callops\\.lock at state push: placed twice\\)\\)\n`,
      ),
    );
    expect(status.stdout).not.toContain('replaced');
    const pulled = await gw.run(['state', 'pull'], backend.env);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await gw.project.read('callops.lock')).toContain('"joinedFrom": "lockfile"');
    const read = await gw.run(['status'], backend.env);
    expect(read.stdout).toBe(status.stdout);

    // The flag is push's alone, and its help names it.
    const pull = await gw.run(['state', 'pull', '--keep-database'], backend.env);
    expect(pull.code).toBe(64);
    expect(pull.stderr).toContain('--keep-database settles the conflicts of an import');
    const help = await gw.run(['state', '--help']);
    expect(help.stdout).toContain('callops state push [--keep-database]');
  });

  it('says a key a live runner is placing is in flight, and to wait for it', {
    timeout: 90_000,
  }, async () => {
    const hold = holdCalls();
    releases.push(hold.release);
    let holding = false;
    const { gw, other, env, fileSids } = await twoCheckouts(['k1'], 'push_in_flight', {
      latencyMs: 1,
      wait: () => (holding ? hold.wait() : Promise.resolve()),
    });
    holding = true;
    const runner = spawnCli(['apply', '--yes'], { cwd: other.dir, env });
    const { done } = watch(runner, 60_000);
    await waitFor('the runner to be placing k1', () => (hold.held() === 1 ? true : undefined));

    const push = await gw.run(['state', 'push'], backend.env);
    expect(push.code).toBe(1);
    expect(push.stderr).toContain(
      `  sim/k1: in flight (a live runner is placing it now and records its outcome), callops.lock has placed (sid ${fileSids['sim/k1']})\n` +
        'A key in flight is being placed by a live runner: wait for it to record the outcome',
    );
    expect(push.stderr).not.toContain('the database has unknown');
    expect(push.stderr).not.toContain('--keep-database');
    // --keep-database does not settle it either: the runner records its outcome.
    const keep = await gw.run(['state', 'push', '--keep-database'], backend.env);
    expect(keep.code).toBe(1);
    expect(keep.stderr).toContain('sim/k1: in flight');

    hold.release();
    expect((await done).code).toBe(0);
    const settled = await gw.run(['state', 'push', '--keep-database'], backend.env);
    expect(settled.code, settled.stderr).toBe(0);
    expect(settled.stdout).toContain(
      `callops.lock's placed (sid ${fileSids['sim/k1']}) is kept in its history`,
    );
  });
});
