import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { createCall, goodCall, send } from './client.js';
import { manualClock } from './clock.js';

describe('rate limit', () => {
  it('is off by default: no RateLimit headers', async () => {
    const sim = await startSimulator();
    try {
      const reply = await createCall(sim, goodCall());
      expect(reply.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await sim.close();
    }
  });

  it('answers 429 past N requests per window, first of all checks, with RateLimit headers', async () => {
    const sim = await startSimulator({ rateLimit: { count: 3, windowMs: 60_000 } });
    try {
      const first = await createCall(sim, goodCall());
      expect(first.status).toBe(201);
      expect(first.headers['ratelimit-limit']).toBe('3');
      expect(first.headers['ratelimit-remaining']).toBe('2');
      expect(first.headers['ratelimit-policy']).toBe('3;w=60');
      // every request counts, whatever its route or answer
      expect((await createCall(sim, goodCall(), { headers: { authorization: '' } })).status).toBe(
        401,
      );
      expect((await send(sim.url, { path: '/elsewhere' })).status).toBe(404);

      const limited = await createCall(sim, goodCall(), { headers: { authorization: 'Bearer x' } });
      expect(limited.status).toBe(429);
      expect(limited.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(limited.text).toBe('Too many requests, please try again later.');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['ratelimit-remaining']).toBe('0');
      expect(limited.headers['ratelimit-reset']).toBe(String(retryAfter));

      const list = await send(sim.url, {
        path: `/v1/Accounts/${sim.accountSid}/Calls`,
        headers: { authorization: `Bearer ${sim.apiKey}` },
      });
      expect(list.status).toBe(429);
      expect(sim.received().map((r) => r.status)).toEqual([201, 401, 429]);
    } finally {
      await sim.close();
    }
  });

  it('lets requests through again once the window has passed', async () => {
    const sim = await startSimulator({ rateLimit: { count: 1, windowMs: 200 } });
    try {
      expect((await createCall(sim, goodCall())).status).toBe(201);
      const limited = await createCall(sim, goodCall());
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('1');
      await sleep(Number(limited.headers['retry-after']) * 1000);
      expect((await createCall(sim, goodCall())).status).toBe(201);
    } finally {
      await sim.close();
    }
  });

  it('gives as Retry-After the seconds left in the current fixed window', async () => {
    const time = manualClock();
    const sim = await startSimulator({
      rateLimit: { count: 1, windowMs: 300_000 },
      clock: time.clock,
    });
    try {
      expect((await createCall(sim, goodCall())).status).toBe(201);
      time.advance(116_000);
      const limited = await createCall(sim, goodCall());
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('184');
      time.advance(183_500);
      const last = await send(sim.url, { path: `/v1/Accounts/${sim.accountSid}/Calls` });
      expect(last.status).toBe(429);
      expect(last.headers['retry-after']).toBe('1');
      time.advance(500);
      expect((await createCall(sim, goodCall())).status).toBe(201);
    } finally {
      await sim.close();
    }
  });

  it('counts reads of calls and call records like create-call', async () => {
    const sim = await startSimulator({ rateLimit: { count: 3, windowMs: 60_000 } });
    try {
      const auth = { authorization: `Bearer ${sim.apiKey}` };
      const base = `/v1/Accounts/${sim.accountSid}`;
      expect((await send(sim.url, { path: `${base}/Calls`, headers: auth })).status).toBe(200);
      const recent = `${base}/RecentCalls?page=1&count=25`;
      expect((await send(sim.url, { path: recent, headers: auth })).status).toBe(200);
      const one = await send(sim.url, { path: `${base}/Calls/${sim.accountSid}`, headers: auth });
      expect(one.status).toBe(404);
      const limited = await send(sim.url, { path: `${base}/Calls`, headers: auth });
      expect(limited.status).toBe(429);
      expect((await createCall(sim, goodCall())).status).toBe(429);
    } finally {
      await sim.close();
    }
  });
});
