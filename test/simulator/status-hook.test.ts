import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  jambonzSignature,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/simulator/index.js';
import { createCall, goodCall, json } from './client.js';
import { manualClock } from './clock.js';

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly raw: string;
}

/** A status-hook receiver on 127.0.0.1 that resolves `waitFor(n)` once n requests arrived. */
const receiver = async (status = 200) => {
  const got: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = status;
      res.end();
      for (const w of waiters.filter((w) => got.length >= w.n)) w.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/status?x=1`,
    got,
    waitFor: (n: number) =>
      new Promise<void>((resolve) => {
        if (got.length >= n) resolve();
        else waiters.push({ n, resolve });
      }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

const sim = async (options: SimulatorOptions): Promise<RunningSimulator> => {
  const s = await startSimulator({ ringMs: 0, talkMs: 0, ...options });
  cleanups.push(() => s.close());
  return s;
};

describe('the status hook', () => {
  it('POSTs every status change, signed with the webhook secret (HMAC recomputed here)', async () => {
    const hook = await receiver();
    cleanups.push(hook.close);
    const secret = 'whsec-test-1';
    const s = await sim({ statusHook: hook.url, webhookSecret: secret });
    const reply = await createCall(s, goodCall({ tag: { customer: 'alice', n: 1 } }));
    const { sid } = json(reply) as { sid: string };
    await hook.waitFor(4);
    expect(hook.got).toHaveLength(4);
    const bodies = hook.got.map((g) => JSON.parse(g.raw) as Record<string, unknown>);
    expect(bodies.map((b) => b.call_status)).toEqual([
      'trying',
      'ringing',
      'in-progress',
      'completed',
    ]);
    for (const [i, got] of hook.got.entries()) {
      expect(got.headers['content-type']).toBe('application/json');
      const header = String(got.headers['jambonz-signature']);
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
      expect(match).not.toBeNull();
      const t = Number(match?.[1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      const expected = createHmac('sha256', secret).update(`${t}.${got.raw}`).digest('hex');
      expect(match?.[2]).toBe(expected);
      expect(bodies[i]).toMatchObject({ call_sid: sid, customerData: { customer: 'alice', n: 1 } });
      expect(got.raw).not.toContain(s.apiKey);
      expect(got.raw).not.toContain(secret);
    }
    expect(bodies[3]).toEqual({
      ...s.calls()[0]?.record,
      customerData: { customer: 'alice', n: 1 },
    });
  });

  it('sends no signature without a secret, and no customerData without a tag', async () => {
    const hook = await receiver();
    cleanups.push(hook.close);
    const s = await sim({
      statusHook: hook.url,
      outcomes: { answered: 0, busy: 0, 'no-answer': 0, failed: 1 },
    });
    await createCall(s, goodCall());
    await hook.waitFor(2);
    expect(hook.got).toHaveLength(2);
    for (const got of hook.got) {
      expect(got.headers['jambonz-signature']).toBeUndefined();
      expect(JSON.parse(got.raw)).not.toHaveProperty('customerData');
    }
    expect(hook.got.map((g) => (JSON.parse(g.raw) as { call_status: string }).call_status)).toEqual(
      ['trying', 'failed'],
    );
  });

  it('tries each change once: a failing hook changes nothing and is not retried', async () => {
    const hook = await receiver(500);
    cleanups.push(hook.close);
    const s = await sim({ statusHook: hook.url });
    await createCall(s, goodCall());
    await hook.waitFor(4);
    expect(s.calls()[0]?.statuses.at(-1)).toBe('completed');
    // a second call's four changes arrive after; nothing of the first is sent again
    await createCall(s, goodCall());
    await hook.waitFor(8);
    expect(hook.got).toHaveLength(8);
  });

  it('signs with the clock of the simulator', () => {
    const body = '{"call_sid":"x"}';
    const v1 = createHmac('sha256', 's').update(`1700000000.${body}`).digest('hex');
    expect(jambonzSignature('s', 1_700_000_000, body)).toBe(`t=1700000000,v1=${v1}`);
  });

  it.each([
    'http://10.0.0.1/status',
    'http://example.com/status',
    'https://127.0.0.1/status',
    'http://127.0.0.2/status',
    'not a url',
  ])('refuses the hook %s at start: the simulator never posts off this machine', async (url) => {
    await expect(startSimulator({ statusHook: url })).rejects.toThrow(
      'statusHook must be an http URL on 127.0.0.1 or localhost',
    );
  });
});

describe('status lines in the log', () => {
  it('adds one line per status change beside the unchanged create-call lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callops-sim-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const logFile = join(dir, 'calls.jsonl');
    const time = manualClock();
    const s = await sim({
      logFile,
      clock: time.clock,
      outcomes: { answered: 0, busy: 1, 'no-answer': 0, failed: 0 },
      ringMs: 1500,
    });
    const { sid } = json(await createCall(s, goodCall())) as { sid: string };
    time.advance(1500);
    const lines = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      'at',
      'account_sid',
      'status',
      'sid',
      'callId',
      'body',
    ]);
    const start = time.clock.now() - 1500;
    expect(lines.slice(1)).toEqual([
      {
        at: new Date(start).toISOString(),
        event: 'status',
        call_sid: sid,
        call_status: 'trying',
        sip_status: 100,
        duration: 0,
      },
      {
        at: new Date(start).toISOString(),
        event: 'status',
        call_sid: sid,
        call_status: 'ringing',
        sip_status: 180,
        duration: 0,
      },
      {
        at: new Date(start + 1500).toISOString(),
        event: 'status',
        call_sid: sid,
        call_status: 'busy',
        sip_status: 486,
        duration: 0,
      },
    ]);
    expect(s.received()).toHaveLength(1);
  });
});
