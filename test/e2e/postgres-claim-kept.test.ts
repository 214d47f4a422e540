// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { placementRows } from '../support/postgres.js';
import {
  ACCOUNT_SID,
  API_KEY,
  bodyOf,
  callsYaml,
  configYaml,
  listenLoopback,
  makeProject,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';
import { postgresForFile } from './postgres-project.js';

/**
 * A call's first request is refused with a retry; before the retry, its number joins the
 * do-not-call list and the state database stops. The retry is never sent, and its claim
 * cannot be given up: the run names the key with the command that settles it.
 */

const A = '+15550003001';
const B = '+15550003002';
const SID = '0ca110b5-0000-4000-8000-00000000b002';

const db = postgresForFile();
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A release the test gives, and whether it was asked for. */
const gate = () => {
  let open: () => void = () => undefined;
  let asked = false;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return {
    open: () => open(),
    asked: () => asked,
    wait: () => {
      asked = true;
      return opened;
    },
  };
};

/**
 * A gateway that holds A's first request until `a.open()`, then answers it 503 (retry at
 * once), and holds B's until `b.open()`, then places it.
 */
const startGateway = async () => {
  const a = gate();
  const b = gate();
  let posts = 0;
  const gw = await listenLoopback(
    createServer(async (req, res) => {
      const text = await bodyOf(req);
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST') {
        res.writeHead(200).end(/\/RecentCalls\?/.test(req.url ?? '') ? '{"data":[]}' : '[]');
        return;
      }
      posts += 1;
      const to = (JSON.parse(text) as { to: { number: string } }).to.number;
      if (to === B) {
        await b.wait();
        res.writeHead(201).end(JSON.stringify({ sid: SID, callId: 'b@x' }));
        return;
      }
      await a.wait();
      res.setHeader('retry-after', '0');
      res.writeHead(503).end('{"msg":"try again"}');
    }),
  );
  cleanups.push(() => gw.close());
  return { ...gw, a, b, posts: () => posts };
};

const project = async (schema: string, calls: readonly string[], gatewayUrl: string) => {
  const p = await makeProject({
    'callops.yaml': `${configYaml(gatewayUrl, ['concurrency: 2'])}suppress: [lists/dnc.csv]\nstate:\n  backend: postgres\n  url: \${CALLOPS_DATABASE_URL}\n  schema: ${schema}\n`,
    'calls/a.yaml': callsYaml(
      calls.map((number, i) => ({
        name: i === 0 ? 'a' : 'b',
        to: `{ type: phone, number: "${number}" }`,
      })),
    ),
    'lists/dnc.csv': 'number\n+15550009999\n',
  });
  cleanups.push(() => p.cleanup());
  const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY, CALLOPS_DATABASE_URL: db.url };
  return {
    ...p,
    env,
    run: (args: readonly string[]) => runCli(args, { cwd: p.dir, env }),
  };
};

/** A's number joins the list and the database stops; then A's first request is answered. */
const listAndHalt = async (p: { write(rel: string, text: string): Promise<void> }) => {
  await p.write('lists/dnc.csv', `number,reason\n+15550009999,\n${A},complaint\n`);
  await db.server.halt();
};

describe('a claim that could not be given up, its request never sent', () => {
  it('is named with `callops resolve KEY --not-placed`, which settles it once the database is back', {
    timeout: 90_000,
  }, async () => {
    const gw = await startGateway();
    const p = await project('kept_human', [A], gw.url);
    const { done } = watch(spawnCli(['apply', '--yes'], { cwd: p.dir, env: p.env }), 40_000);
    await waitFor('the first request at the gateway', () => (gw.a.asked() ? true : undefined), {
      timeoutMs: 20_000,
    });
    await listAndHalt(p);
    gw.a.open();
    const result = await done;
    await db.server.resume();

    // The state error's exit code, as for any write the database refused.
    expect(result.code, result.stderr).toBe(1);
    expect(gw.posts()).toBe(1);
    expect(result.stdout).toMatch(
      /^claimed sim\/a {2}do-not-call: complaint \(lists\/dnc\.csv:3\); never sent, but the claim of sim\/a could not be given up: the state database failed \(.+\); the state still holds its claim: once the state database is back, settle it: callops resolve sim\/a --not-placed$/m,
    );
    expect(result.stdout).toMatch(/Done: 0 placed, 0 failed, 0 unknown, 1 not sent, still claimed/);
    // Counted once: neither suppressed nor still due.
    expect(result.stdout).not.toMatch(/^(suppressed|not sent) /m);
    expect(result.stdout + result.stderr).not.toContain('callops-test');

    // Back up, the database holds the claim: status says it may have been placed.
    expect(await placementRows(db.url, 'kept_human')).toEqual([
      { key: 'sim/a', status: 'claimed', sid: null },
    ]);
    // Its runner ended with the database down, so could not end its lease: the claim is in
    // flight until the lease runs out (15 s after its last renewal), then unknown.
    const before = await waitFor(
      'the lease to run out',
      async () => {
        const status = await p.run(['status']);
        return status.code === 3 ? status : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    expect(before.stdout).toMatch(/sim\/a/);

    // The printed command settles it.
    const resolve = await p.run(['resolve', 'sim/a', '--not-placed']);
    expect(resolve.code, resolve.stderr).toBe(0);
    expect(await placementRows(db.url, 'kept_human')).toEqual([
      { key: 'sim/a', status: 'failed', sid: null },
    ]);
    const after = await p.run(['status']);
    expect(after.code, after.stdout).not.toBe(3);
    expect(after.stdout).not.toMatch(/unknown\s+sim\/a/);
  });

  it('is given up at the end of the run when the database is back by then', {
    timeout: 90_000,
  }, async () => {
    const gw = await startGateway();
    const p = await project('kept_back', [A, B], gw.url);
    const { done, soFar } = watch(spawnCli(['apply', '--yes'], { cwd: p.dir, env: p.env }), 40_000);
    await waitFor(
      'both requests at the gateway',
      () => (gw.a.asked() && gw.b.asked() ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await listAndHalt(p);
    gw.a.open();
    // A's retry is held back by the list, and giving up its claim fails meanwhile.
    await waitFor('the retry of sim/a', () => (/^retry +sim\/a/m.test(soFar()) ? true : undefined));
    await delay(1_500);
    await db.server.resume();
    gw.b.open();
    const result = await done;

    // Giving up failed once: the run says the state could not be written.
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/^placed +sim\/b/m);
    expect(result.stdout).toMatch(/^suppressed sim\/a {2}do-not-call: complaint/m);
    expect(result.stdout).not.toMatch(/still claimed|--not-placed/);
    // Tried again at the end: the state holds no claim of sim/a.
    expect(await placementRows(db.url, 'kept_back')).toEqual([
      { key: 'sim/b', status: 'placed', sid: SID },
    ]);
    const status = await p.run(['status']);
    expect(status.code, status.stdout).toBe(0);
  });
});
