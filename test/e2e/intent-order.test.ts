import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { STATE_BACKENDS, type StateBackend } from '../support/state-backends.js';
import { openSyncQuery, type SyncQuery } from '../support/sync-query.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  type Gateway,
  jsonLines,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

/**
 * The rule every sending command keeps: when a request reaches the gateway, its intent is
 * already durable in the journal. Checked where the commands wire the executor to the
 * journal, with the real CLI and the real journal file.
 */

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

/** Each call carries its name in its tag: the gateway can tell which call a request is. */
const calls = (list: readonly string[]) => ({
  'calls/a.yaml': callsYaml(list.map((name) => ({ name, extra: [`tag: { call: ${name} }`] }))),
});

const keyOf = (body: string): string => {
  const tag = (JSON.parse(body) as { tag?: { call?: string } }).tag;
  return `sim/${tag?.call}`;
};

/** The keys with an intent line in the journal right now (read synchronously). */
const intentsNow = (journal: string): Set<string> => {
  if (!existsSync(journal)) return new Set();
  const keys = readFileSync(journal, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const record = JSON.parse(line) as { type?: string; key?: string };
        return record.type === 'intent' ? [String(record.key)] : [];
      } catch {
        return []; // the line being written
      }
    });
  return new Set(keys);
};

/** Where the intents are: the file store's journal, or the Postgres store's claim rows. */
interface Store {
  readonly name: StateBackend['name'];
  /** The `state:` lines of callops.yaml, and the environment the commands need. */
  readonly state: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** True when `key`'s intent is durable right now (checked synchronously). */
  hasIntent(dir: string, key: string): boolean;
  /** How many keys are recorded (the lockfile's entries, or the rows). */
  recorded(gw: Gateway): Promise<number>;
}

const fileStore: Store = {
  name: 'file',
  state: [],
  env: {},
  hasIntent: (dir, key) => intentsNow(join(dir, '.callops', 'journal.jsonl')).has(key),
  recorded: async (gw) => Object.keys((await gw.project.lock())?.calls ?? {}).length,
};

let postgres: Awaited<ReturnType<typeof STATE_BACKENDS.postgres.start>> | undefined;
let sync: SyncQuery | undefined;
let schemas = 0;

beforeAll(async () => {
  postgres = await STATE_BACKENDS.postgres.start();
  sync = await openSyncQuery(postgres.env.CALLOPS_DATABASE_URL as string);
}, 60_000);

afterAll(async () => {
  await sync?.close();
  await postgres?.stop();
});

/** A Postgres store in a schema of its own (one per test). */
const postgresStore = (): Store => {
  if (postgres === undefined || sync === undefined) throw new Error('no PostgreSQL');
  const schema = `intent_${++schemas}`;
  const url = postgres.env.CALLOPS_DATABASE_URL as string;
  const query = sync;
  return {
    name: 'postgres',
    state: [...postgres.state, `  schema: ${schema}`],
    env: postgres.env,
    hasIntent: (_dir, key) =>
      query.count(`SELECT 1 FROM "${schema}".placements WHERE key = $1`, [key]) === 1,
    recorded: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${schema}".placements WHERE status <> 'claimed'`,
        );
        return Number(rows[0]?.n ?? 0);
      } catch {
        return 0; // the schema is not there yet
      } finally {
        await client.end();
      }
    },
  };
};

/**
 * A gateway that, as each create-call request arrives, looks in the project's store for
 * that call's intent: `late` lists the requests that arrived before it.
 */
const checkingGateway = async (
  list: readonly string[],
  store: Store = fileStore,
  options: SimulatorOptions = {},
) => {
  const arrived: string[] = [];
  const late: string[] = [];
  let dir = '';
  const gw = await startGateway(calls(list), {
    targetExtra: ['concurrency: 16'],
    ...options,
    onCreate: (body) => {
      const key = keyOf(body);
      arrived.push(key);
      if (!store.hasIntent(dir, key)) late.push(key);
    },
  });
  open.push(gw);
  dir = gw.project.dir;
  if (store.state.length > 0) {
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}${store.state.join('\n')}\n`);
  }
  const journal = join(dir, '.callops', 'journal.jsonl');
  return { gw, arrived, late, journal };
};

/** Every call placed once, and in the lockfile with the sid the gateway gave it. */
const expectAllPlacedOnce = async (gw: Gateway, list: readonly string[], store = fileStore) => {
  const placed = gw.placed();
  expect(placed).toHaveLength(list.length);
  if (store.name === 'postgres') {
    const pulled = await gw.run(['state', 'pull'], store.env);
    expect(pulled.code, pulled.stderr).toBe(0);
  }
  const lock = await gw.project.lock();
  const entries = Object.entries(lock?.calls ?? {});
  expect(entries.map(([key]) => key).sort()).toEqual(list.map((n) => `sim/${n}`).sort());
  expect(entries.filter(([, e]) => e.status !== 'placed')).toEqual([]);
  expect(new Set(entries.map(([, e]) => e.sid))).toEqual(new Set(placed.map((p) => p.sid)));
};

/** `run --yes`, stopped with SIGTERM once every call is in the lockfile. */
const runUntilRecorded = async (
  gw: Gateway,
  count: number,
  env: Record<string, string> = {},
  store = fileStore,
) => {
  const child = spawnCli(['run', '--yes'], {
    cwd: gw.project.dir,
    env: { ...gw.env, ...store.env, ...env },
  });
  const { done } = watch(child, 30_000);
  await waitFor(
    `${count} calls recorded`,
    async () => ((await store.recorded(gw)) === count ? true : undefined),
    { timeoutMs: 25_000 },
  );
  child.kill('SIGTERM');
  return done;
};

const held = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'callops-hold-'));
  open.push({ close: () => rm(dir, { recursive: true, force: true }) });
  const release = join(dir, 'release');
  return {
    env: { CALLOPS_FAILPOINT_HOLD_SYNC: release },
    reached: () =>
      waitFor(
        'the journal to hold its first sync',
        () => (existsSync(`${release}.reached`) ? true : undefined),
        // A child process on a loaded machine has been seen to take 13 s to start.
        { timeoutMs: 30_000 },
      ),
    /** Synchronous: no request can be taken in between an assertion and the release. */
    release: () => writeFileSync(release, ''),
    holds: async () => (await readFile(`${release}.reached`, 'utf8')).split('\n').length - 1,
  };
};

/**
 * At the hold: the batch is written (not yet durable) and no request has arrived. The hold
 * marks itself only after the CLI went round its event loop, and a round trip to the
 * gateway after that lets a request already on the wire be taken first.
 */
const expectHeld = async (
  gw: Gateway,
  journal: string,
  arrived: readonly string[],
  store = fileStore,
) => {
  const list = await fetch(`${gw.sim.url}/v1/Accounts/${ACCOUNT_SID}/Calls`, {
    headers: { authorization: `Bearer ${API_KEY}` },
  });
  expect(list.status).toBe(200);
  await list.arrayBuffer();
  if (store.name === 'file') {
    const lines = await jsonLines(journal);
    expect(lines.filter((l) => l.type === 'intent').length).toBeGreaterThan(0);
  }
  expect(arrived).toEqual([]);
};

const LIST = names(200);

const STORES: readonly { readonly name: StateBackend['name']; make(): Store }[] = [
  { name: 'file', make: () => fileStore },
  { name: 'postgres', make: postgresStore },
];

describe.each(STORES)(
  'a request reaches the gateway only once its intent is durable ($name store)',
  ({ make }) => {
    it('apply: nothing is sent while the first commit is held; then 200 calls at concurrency 16, each intent there before its request', async () => {
      const store = make();
      const { gw, arrived, late, journal } = await checkingGateway(LIST, store);
      const hold = await held();
      const child = spawnCli(['apply', '--yes'], {
        cwd: gw.project.dir,
        env: { ...gw.env, ...store.env, ...hold.env },
      });
      const { done } = watch(child, 30_000);
      await hold.reached();
      await expectHeld(gw, journal, arrived, store);
      hold.release();
      const r = await done;
      expect(r.code, r.stderr).toBe(0);
      expect(await hold.holds()).toBeGreaterThan(0);
      expect(arrived).toHaveLength(LIST.length);
      expect(late).toEqual([]);
      await expectAllPlacedOnce(gw, LIST, store);
      expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
    }, 60_000);

    it('run: nothing is sent while the first commit is held; then 200 calls at concurrency 16, each intent there before its request', async () => {
      const store = make();
      const { gw, arrived, late, journal } = await checkingGateway(LIST, store);
      const hold = await held();
      const running = runUntilRecorded(gw, LIST.length, hold.env, store);
      await hold.reached();
      await expectHeld(gw, journal, arrived, store);
      hold.release();
      const r = await running;
      expect(r.code, r.stderr).toBe(0);
      expect(await hold.holds()).toBeGreaterThan(0);
      expect(arrived).toHaveLength(LIST.length);
      expect(late).toEqual([]);
      await expectAllPlacedOnce(gw, LIST, store);
    }, 60_000);
  },
);
