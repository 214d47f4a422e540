import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { createCall, goodCall, json, send } from './client.js';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('listening', () => {
  it('listens on 127.0.0.1 on a free port and gives its base URL without a trailing slash', async () => {
    const sim = await startSimulator();
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(Number(new URL(sim.url).port)).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it('refuses a port already taken', async () => {
    const first = await startSimulator();
    try {
      const port = Number(new URL(first.url).port);
      await expect(startSimulator({ port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('keeps connections alive between requests, and closes with idle ones open', async () => {
    const sim = await startSimulator();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const replies = [];
      for (let i = 0; i < 3; i++) replies.push(await createCall(sim, goodCall(), { agent }));
      expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(replies.map((r) => r.reused)).toEqual([false, true, true]);
      expect(replies[2]?.headers.connection).toBe('keep-alive');
      await sim.close();
    } finally {
      agent.destroy();
      await sim.close();
    }
  });
});

describe('latency', () => {
  it('lets 32 requests wait at once without a listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const sim = await startSimulator({ latencyMs: 50 });
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 32 }, () => createCall(sim, goodCall(), { agent })),
      );
      expect(replies.every((r) => r.status === 201)).toBe(true);
      // Warnings are emitted on the next tick.
      await sleep(10);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
      await sim.close();
    }
  });

  it('lets accepted calls wait side by side, each answered when its own wait ends', async () => {
    const held: { ms: number; release: () => void }[] = [];
    const allHeld = deferred();
    const n = 4;
    const sim = await startSimulator({
      latencyMs: 250,
      wait: (ms) => {
        const d = deferred();
        held.push({ ms, release: d.resolve });
        if (held.length === n) allHeld.resolve();
        return d.promise;
      },
    });
    try {
      const order: number[] = [];
      const calls = Array.from({ length: n }, (_, i) =>
        createCall(sim, goodCall({ tag: { i } })).then((reply) => {
          order.push(i);
          return reply;
        }),
      );
      await allHeld.promise;
      expect(held.map((h) => h.ms)).toEqual([250, 250, 250, 250]);

      // other requests are answered while the calls wait
      const list = await send(sim.url, {
        path: `/v1/Accounts/${sim.accountSid}/Calls`,
        headers: { authorization: `Bearer ${sim.apiKey}` },
      });
      expect(json(list)).toEqual([]);
      expect((await createCall(sim, {})).status).toBe(400);
      expect(order).toEqual([]);

      // which request each hold belongs to: the body's tag, logged in answer order
      for (const hold of [...held].reverse()) {
        hold.release();
        const before = sim.received().length;
        while (sim.received().length === before) await sleep(5);
      }
      const replies = await Promise.all(calls);
      expect(replies.every((r) => r.status === 201)).toBe(true);
      const accepted = sim.received().filter((r) => r.status === 201);
      const answered = accepted.map((r) => (r.body as { tag: { i: number } }).tag.i);
      expect(order).toEqual(answered);
      expect(new Set(order).size).toBe(n);
    } finally {
      await sim.close();
    }
  });

  it('does not hold up requests that are not accepted calls (real timers)', async () => {
    let waiting = 0;
    const allWaiting = deferred();
    const sim = await startSimulator({
      latencyMs: 1000,
      wait: (ms, signal) => {
        waiting += 1;
        if (waiting === 3) allWaiting.resolve();
        return sleep(ms, undefined, { signal });
      },
    });
    try {
      const events: string[] = [];
      const calls = [0, 1, 2].map((i) =>
        createCall(sim, goodCall()).then((r) => events.push(`call${i}:${r.status}`)),
      );
      // The three calls are waiting their latency before the refused request is sent.
      await allWaiting.promise;
      const refused = await createCall(sim, {});
      events.push(`refused:${refused.status}`);
      await Promise.all(calls);
      expect(events[0]).toBe('refused:400');
      expect(events.slice(1).sort()).toEqual(['call0:201', 'call1:201', 'call2:201']);
      expect(sim.received().map((r) => r.status)).toEqual([400, 201, 201, 201]);
    } finally {
      await sim.close();
    }
  });

  it('answers reads of calls after readLatencyMs, leaving create-call requests unslowed', async () => {
    const held: { ms: number; release: () => void }[] = [];
    const reading = deferred();
    const sim = await startSimulator({
      readLatencyMs: 3_600_000,
      wait: (ms) => {
        const d = deferred();
        held.push({ ms, release: d.resolve });
        reading.resolve();
        return d.promise;
      },
    });
    try {
      const auth = { authorization: `Bearer ${sim.apiKey}` };
      let answered = false;
      const list = send(sim.url, {
        path: `/v1/Accounts/${sim.accountSid}/Calls`,
        headers: auth,
      }).then((reply) => {
        answered = true;
        return reply;
      });
      await reading.promise;
      expect(held.map((h) => h.ms)).toEqual([3_600_000]);
      // A call is placed while the read waits, which is answered only once its wait ends.
      expect((await createCall(sim, goodCall())).status).toBe(201);
      expect(held).toHaveLength(1);
      expect(answered).toBe(false);
      held[0]?.release();
      expect((await list).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('on close, drops calls still waiting without recording them', async () => {
    const waiting = deferred();
    const sim = await startSimulator({
      latencyMs: 60_000,
      wait: (ms, signal) => {
        waiting.resolve();
        return sleep(ms, undefined, { signal });
      },
    });
    const call = createCall(sim, goodCall());
    await waiting.promise;
    await sim.close();
    await expect(call).rejects.toThrow();
    expect(sim.received()).toEqual([]);
  });
});

describe('GET of calls', () => {
  it('answers an unknown call 404, a bad sid 400, and needs the token and the account', async () => {
    const sim = await startSimulator();
    const auth = { authorization: `Bearer ${sim.apiKey}` };
    const base = `/v1/Accounts/${sim.accountSid}/Calls`;
    try {
      const missing = await send(sim.url, {
        path: `${base}/2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e`,
        headers: auth,
      });
      expect(missing.status).toBe(404);
      expect(missing.text).toBe('Not Found');
      const bad = await send(sim.url, { path: `${base}/nope`, headers: auth });
      expect(json(bad)).toEqual({ msg: 'Bad request' });
      expect((await send(sim.url, { path: base })).status).toBe(401);
      const other = '/v1/Accounts/2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e/Calls';
      expect((await send(sim.url, { path: other, headers: auth })).status).toBe(403);
      expect((await send(sim.url, { path: '/v1/Accounts/x/Calls', headers: auth })).status).toBe(
        400,
      );
      expect(sim.received()).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
