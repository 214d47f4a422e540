import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { observeCycle, waitForOutcomes } from '../../src/execute/observe.js';
import { createGatewayReader, type ReaderOptions } from '../../src/execute/reader.js';
import type { ResolvedTarget } from '../../src/execute/target.js';
import { makeRedactor } from '../../src/report/redact.js';
import {
  type OutcomeMix,
  outcomeFor,
  type RunningSimulator,
  startSimulator,
} from '../../src/simulator/index.js';
import { createCall, goodCall, json, send } from '../simulator/client.js';
import { manualClock } from '../simulator/clock.js';

const ACCOUNT = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const KEY = 'reader-key-canary-7d1e2f';
const MIX: OutcomeMix = { answered: 0.5, busy: 0.2, 'no-answer': 0.2, failed: 0.1 };
const FINAL = { answered: 'completed', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed' };
const redact = makeRedactor([{ name: 'VG_API_KEY', value: KEY, always: true }]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const targetAt = (url: string, extra: Partial<ResolvedTarget> = {}): ResolvedTarget => ({
  name: 'sim',
  baseUrl: url,
  accountSid: ACCOUNT,
  apiKey: KEY,
  concurrency: 1,
  requestTimeoutMs: 2_000,
  maxPauseMs: 60_000,
  ...extra,
});

const simulator = async (options: Parameters<typeof startSimulator>[0] = {}) => {
  const sim = await startSimulator({
    accountSid: ACCOUNT,
    apiKey: KEY,
    outcomes: MIX,
    seed: 11,
    ringMs: 0,
    talkMs: 0,
    ...options,
  });
  cleanups.push(() => sim.close());
  return sim;
};

const reader = (
  url: string,
  extra: Partial<ResolvedTarget> = {},
  more: Partial<ReaderOptions> = {},
) => {
  const r = createGatewayReader(targetAt(url, extra), { redact, ...more });
  cleanups.push(() => r.close());
  return r;
};

/** Places n calls (`extra` in each body); resolves once the simulator has ended each of them. */
const place = async (sim: RunningSimulator, n: number, extra: Record<string, unknown> = {}) => {
  const at = new Date().toISOString();
  const watched = [];
  for (let i = 0; i < n; i++) {
    const reply = await createCall(
      { url: sim.url, accountSid: ACCOUNT, apiKey: KEY },
      goodCall({ to: { type: 'phone', number: `+1555000${String(3000 + i)}` }, ...extra }),
    );
    expect(reply.status).toBe(201);
    watched.push({ key: `sim/call-${i}`, sid: (json(reply) as { sid: string }).sid, at });
  }
  for (let tries = 0; sim.calls().some((c) => c.cdr === undefined); tries++) {
    if (tries > 200) throw new Error('calls did not end');
    await new Promise((r) => setTimeout(r, 10));
  }
  return watched;
};

/** A live call record as a gateway lists it, of the call `sid`. */
const recordLike = (sid: string) => ({
  call_sid: sid,
  direction: 'outbound',
  from: '+15550001111',
  to: '+15550002222',
  call_status: 'completed',
  sip_status: 200,
  duration: 1,
});

/** A server on 127.0.0.1 answering every request with `handler`. */
const fakeGateway = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('gateway reader against the simulator', () => {
  it('reads every ended call in one cycle of two requests, as the seed drew it', async () => {
    const n = 30;
    // create-calls plus exactly two GETs fit the limit: a third GET would be refused
    const sim = await simulator({ rateLimit: { count: n + 2, windowMs: 60_000 } });
    const watched = await place(sim, n);
    const cycle = await observeCycle(reader(sim.url), watched, new Date());
    expect(cycle.problem).toBeUndefined();
    expect(cycle.requests).toBe(2);
    expect(cycle.observations).toHaveLength(n);
    const bySid = new Map(sim.calls().map((c) => [c.call_sid, c]));
    for (const [i, o] of cycle.observations.entries()) {
      const call = bySid.get(watched[i]?.sid ?? '');
      expect(o.key).toBe(watched[i]?.key);
      expect(o.outcome.status).toBe(FINAL[outcomeFor(11, call?.k ?? 0, MIX)]);
      expect(o.outcome.sip_status).toBe(call?.cdr?.sip_status);
      expect(o.outcome.ended_at).toBe(call?.cdr?.terminated_at);
      expect(o.outcome.answered).toBe(call?.cdr?.answered);
    }
    // a mix of this size shows each outcome
    expect(new Set(cycle.observations.map((o) => o.outcome.status)).size).toBe(4);
  });

  it('reads a list past 8 MiB of every call, holding only the records of the calls asked about', async () => {
    const sim = await simulator();
    // Records of some 4 KiB (a long call_hook URL is the record's service_url): 2,200 of
    // them are past the 8 MiB that was once the bound of the whole list.
    const n = 2_200;
    const hook = `http://127.0.0.1:9/hook?token=${'t'.repeat(3_600)}`;
    const watched = await place(sim, n, { call_hook: hook });
    const list = await send(sim.url, {
      path: `/v1/Accounts/${ACCOUNT}/Calls?direction=outbound`,
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(Buffer.byteLength(list.text)).toBeGreaterThan(8 * 1024 * 1024);

    const asked = [watched[0], watched[1_000], watched[n - 1]].flatMap((w) => w ?? []);
    const r = reader(sim.url);
    const cycle = await observeCycle(r, asked, new Date());
    expect(cycle.problem).toBeUndefined();
    const bySid = new Map(sim.calls().map((c) => [c.call_sid, c]));
    expect(cycle.observations.map((o) => [o.key, o.outcome.status])).toEqual(
      asked.map((w) => [w.key, FINAL[outcomeFor(11, bySid.get(w.sid)?.k ?? 0, MIX)]]),
    );
    // The list itself: of its 2,200 records, the three asked about are held.
    const sids = new Set(asked.map((w) => w.sid));
    const read = await r.listCalls({ keep: (record) => sids.has(record.call_sid) });
    expect(read.ok && read.value.map((record) => record.call_sid)).toEqual(asked.map((w) => w.sid));
  });

  it('past the bound of the list, says so and what to do instead, and reads nothing of it', async () => {
    const sim = await simulator();
    const watched = await place(sim, 40);
    const cycle = await observeCycle(
      reader(sim.url, {}, { maxListBytes: 16 * 1024 }),
      watched,
      new Date(),
    );
    expect(cycle.observations).toEqual([]);
    expect(cycle.requests).toBe(1);
    expect(cycle.problem).toEqual({
      ok: false,
      kind: 'error',
      message:
        "GET /Calls: the list of the account's live call records is larger than 16 KiB; nothing was read from it. " +
        'The gateway keeps a record for an hour after its call ended: ask again when fewer are alive, ' +
        'or record outcomes as they happen with `callops receive` (the call_status_hook needs no list)',
    });
  });

  it('calls still ringing are in progress, and need no CDR page', async () => {
    let rang: () => void = () => {};
    const ringing = new Promise<void>((resolve) => {
      rang = resolve;
    });
    const sim = await simulator({
      ringMs: 3_600_000,
      onStatus: (change) => {
        if (change.call_status === 'ringing') rang();
      },
    });
    const reply = await createCall({ url: sim.url, accountSid: ACCOUNT, apiKey: KEY }, goodCall());
    const sid = (json(reply) as { sid: string }).sid;
    // The call is trying (100) until its next tick; what is asked of is a ringing call.
    await ringing;
    const cycle = await observeCycle(
      reader(sim.url),
      [{ key: 'sim/a', sid, at: new Date().toISOString() }],
      new Date(),
    );
    expect(cycle.requests).toBe(1);
    expect(cycle.observations).toEqual([
      {
        key: 'sim/a',
        outcome: { status: 'in-progress', sip_status: 180, duration: 0, answered: false },
      },
    ]);
  });

  it('a 429 ends the cycle at once and says when to come back', async () => {
    const sim = await simulator({ rateLimit: { count: 1, windowMs: 60_000 } });
    const watched = await place(sim, 1);
    const cycle = await observeCycle(reader(sim.url), watched, new Date());
    expect(cycle.requests).toBe(1);
    expect(cycle.observations).toEqual([]);
    expect(cycle.problem?.kind).toBe('rate-limited');
    expect(cycle.problem?.kind === 'rate-limited' && cycle.problem.retryAfterMs).toBeGreaterThan(0);
  });

  it('a wait records each outcome once and ends when every call ended', async () => {
    const sim = await simulator({ ringMs: 200 });
    const watched = await place(sim, 0);
    for (let i = 0; i < 3; i++) {
      const reply = await createCall(
        { url: sim.url, accountSid: ACCOUNT, apiKey: KEY },
        goodCall(),
      );
      watched.push({
        key: `sim/w${i}`,
        sid: (json(reply) as { sid: string }).sid,
        at: new Date().toISOString(),
      });
    }
    const recorded: string[] = [];
    const result = await waitForOutcomes({
      reader: reader(sim.url),
      watched,
      forMs: 10_000,
      everyMs: 50,
      record: async (updates) => {
        for (const u of updates) recorded.push(`${u.key} ${u.outcome.status}`);
        return updates.map((u) => u.key);
      },
    });
    expect(result.pending).toEqual([]);
    expect(result.outcomes.size).toBe(3);
    const finals = recorded.filter((r) => !r.endsWith('in-progress'));
    expect(finals).toHaveLength(3);
  });
});

describe('a wait against the simulator on a clock the test drives', () => {
  /**
   * `--wait D` with D between two polls: a call placed on the simulator's clock that ends
   * busy at `ringMs`, waited for `forMs`, asked every 2 s; each pause moves the clock.
   */
  const waitOnClock = async (ringMs: number, forMs: number) => {
    const time = manualClock();
    const sim = await simulator({
      clock: time.clock,
      ringMs,
      outcomes: { answered: 0, busy: 1, 'no-answer': 0, failed: 0 },
    });
    const reply = await createCall({ url: sim.url, accountSid: ACCOUNT, apiKey: KEY }, goodCall());
    const started = time.clock.now();
    const watched = [
      {
        key: 'sim/a',
        sid: (json(reply) as { sid: string }).sid,
        at: new Date(started).toISOString(),
      },
    ];
    const result = await waitForOutcomes({
      reader: reader(sim.url),
      watched,
      forMs,
      everyMs: 2_000,
      record: async (updates) => updates.map((u) => u.key),
      now: () => new Date(time.clock.now()),
      sleep: async (ms) => time.advance(ms),
    });
    return { result, waited: time.clock.now() - started };
  };

  it('asks once more at the deadline: an outcome final before it is seen', async () => {
    // Polls at 0, 2, 4, 6 and 8 s; the call ends busy at 8.5 s; the wait ends at 9 s.
    const { result, waited } = await waitOnClock(8_500, 9_000);
    expect(result.outcomes.get('sim/a')?.status).toBe('busy');
    expect(result.pending).toEqual([]);
    // Never beyond the deadline (the simulator's clock moves only while the wait pauses).
    expect(waited).toBe(9_000);
  });

  it('--wait 1s waits: a call that ended within the second is seen', async () => {
    const { result, waited } = await waitOnClock(500, 1_000);
    expect(result.outcomes.get('sim/a')?.status).toBe('busy');
    expect(waited).toBe(1_000);
  });

  it('a call still ringing at the deadline stays pending, and the wait ends there', async () => {
    const { result, waited } = await waitOnClock(9_500, 9_000);
    expect(result.outcomes.get('sim/a')?.status).toBe('in-progress');
    expect(result.pending).toEqual(['sim/a']);
    expect(waited).toBe(9_000);
  });
});

describe('gateway reader bounds', () => {
  it('bounds a request that never ends by the request timeout', async () => {
    const url = await fakeGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    // The body never ends: only the request timeout can end the read, and it says so.
    const read = await reader(url, { requestTimeoutMs: 300 }).listCalls();
    expect(read.ok === false && read.message).toContain('the request timeout of 300 ms passed');
  });

  it('bounds a list that trickles in steadily by the request timeout', async () => {
    const url = await fakeGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write(`${JSON.stringify(recordLike('t'))},`), 20);
      res.once('close', () => clearInterval(timer));
    });
    const read = await reader(url, { requestTimeoutMs: 300 }).listCalls();
    expect(read.ok === false && read.message).toBe(
      'GET /Calls: the request timeout of 300 ms passed',
    );
  });

  it('refuses a list longer than its bound without reading it whole (no length given)', async () => {
    let sent = 0;
    const url = await fakeGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const chunk = Buffer.from(`${JSON.stringify(recordLike('x'))},`.repeat(512));
      const more = () => {
        while (sent < 64 * 128 && res.write(chunk)) sent++;
        if (sent < 64 * 128) res.once('drain', more);
        else res.end('1]');
      };
      more();
    });
    const read = await reader(url, {}, { maxListBytes: 1024 * 1024 }).listCalls();
    expect(read.ok === false && read.message).toContain(
      "GET /Calls: the list of the account's live call records is larger than 1 MiB; nothing was read from it",
    );
    // Some 64 MiB were on offer: the socket went once the bound was passed.
    expect(sent).toBeLessThan(64 * 128);
  });

  it('refuses a record longer than 64 KiB: a list of such is not read on', async () => {
    const url = await fakeGateway((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([recordLike('a'), { ...recordLike('b'), to: 'x'.repeat(70_000) }]));
    });
    const read = await reader(url).listCalls();
    expect(read.ok === false && read.message).toBe(
      'GET /Calls: a record of the answer is larger than 64 KiB; nothing was read from it',
    );
  });

  it('never lets the api key out in a message, whatever the gateway echoes', async () => {
    const url = await fakeGateway((req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ msg: `bad token ${req.headers.authorization}` }));
    });
    const read = await reader(url).listCalls();
    expect(read.ok).toBe(false);
    expect(read.ok === false && read.message).toContain('500');
    expect(read.ok === false && read.message).not.toContain(KEY);
  });

  it('says a compressed answer is not read, whatever it holds', async () => {
    const url = await fakeGateway((req, res) => {
      const body = (req.url ?? '').includes('/RecentCalls') ? '{"data":[]}' : '[]';
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(body));
    });
    const read = await reader(url).listCalls();
    expect(read.ok === false && read.message).toBe(
      'GET /Calls: the answer was compressed (Content-Encoding gzip), and callops does not read compressed answers',
    );
    const page = await reader(url).recentCalls(1);
    expect(page.ok === false && page.message).toBe(
      'GET /RecentCalls: the answer was compressed (Content-Encoding gzip), and callops does not read compressed answers',
    );
  });

  it('says of an error answer compressed that its body was not read', async () => {
    const url = await fakeGateway((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      res.end(gzipSync('<html>bad gateway</html>'));
    });
    const read = await reader(url).listCalls();
    expect(read.ok === false && read.message).toBe(
      'GET /Calls: the gateway answered 502 Bad Gateway, its body compressed (Content-Encoding gzip), which callops does not read',
    );
  });

  it('says which credential to check on a 401', async () => {
    const sim = await simulator();
    const read = await reader(sim.url, { apiKey: 'wrong-key-1234' }).listCalls();
    expect(read.ok === false && read.message).toContain('check the api_key and account_sid');
  });
});
