import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ExecuteEvent } from '../../src/execute/context.js';
import {
  created,
  makeRequests,
  makeTarget,
  reply,
  run,
  serverPerTest,
  sidOf,
  until,
} from './fixture.js';

const serve = serverPerTest();

describe('executeCalls: pacing', () => {
  it('never has more requests in flight than the target allows', async () => {
    const held: ServerResponse[] = [];
    const total = 10;
    const server = await serve((_req, res) => {
      held.push(res);
      // Answer once the limit is reached (or nothing more can come), so it is reached.
      if (held.length === 3 || server.received.length === total) {
        for (const waiting of held.splice(0)) created(waiting);
      }
    });
    let engineInFlight = 0;
    let engineMax = 0;
    const { outcomes } = await run(
      makeRequests('vg', total),
      [makeTarget('vg', server.url, { concurrency: 3 })],
      {
        beforeSend: async () => {
          engineInFlight += 1;
          engineMax = Math.max(engineMax, engineInFlight);
        },
        onEvent: (event) => {
          if (event.type === 'call:done') engineInFlight -= 1;
        },
      },
    );
    expect(outcomes.filter((o) => o.status === 'placed')).toHaveLength(total);
    expect(server.maxInFlight()).toBe(3);
    expect(engineMax).toBe(3);
  });

  it('paces on a clock that only goes forward: a wall clock stepped back stalls nothing', async () => {
    const server = await serve((_req, res) => created(res));
    // The wall clock goes back a minute after the third request (NTP, a VM restored).
    let wall = Date.parse('2026-11-24T10:00:00Z');
    let elapsed = 0;
    let sent = 0;
    const slept: number[] = [];
    const { outcomes } = await run(
      makeRequests('vg', 8),
      [makeTarget('vg', server.url, { concurrency: 8, rate: { count: 2, perMs: 1000 } })],
      {
        now: () => new Date(wall),
        elapsed: () => elapsed,
        beforeSend: async () => {
          sent += 1;
          if (sent === 3) wall -= 60_000;
        },
        sleep: async (ms) => {
          await new Promise((resolve) => setImmediate(resolve));
          slept.push(ms);
          elapsed += ms;
          wall += ms;
        },
      },
    );
    expect(outcomes.filter((o) => o.status === 'placed')).toHaveLength(8);
    // 8 requests at 2 a second: a few waits of at most a second each, never the minute.
    expect(Math.max(...slept)).toBeLessThanOrEqual(1000);
    expect(elapsed).toBeLessThanOrEqual(4000);
  });

  it('starts no more new requests per window than the target rate', async () => {
    const server = await serve((_req, res) => created(res));
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const sentAt: number[] = [];
    const { outcomes } = await run(
      makeRequests('vg', 7),
      [makeTarget('vg', server.url, { concurrency: 7, rate: { count: 2, perMs: 1000 } })],
      {
        now: () => new Date(clock),
        // Time moves only here, a turn of the event loop after the waiter asked.
        sleep: async (ms) => {
          await new Promise((resolve) => setImmediate(resolve));
          clock += ms;
        },
        beforeSend: async () => {
          sentAt.push(clock);
        },
      },
    );
    expect(outcomes.filter((o) => o.status === 'placed')).toHaveLength(7);
    expect(sentAt).toHaveLength(7);
    for (const start of sentAt) {
      const inWindow = sentAt.filter((t) => t >= start && t < start + 1000);
      expect(inWindow.length).toBeLessThanOrEqual(2);
    }
  });

  it('pauses every call to a target answering 429 until Retry-After, then resumes', async () => {
    let heldRes: ServerResponse | undefined;
    const server = await serve((_req, res) => {
      const n = server.received.length;
      if (n === 1) reply(res, 429, 'Too many requests', { 'retry-after': '1' });
      else if (n === 2) heldRes = res;
      else created(res, sidOf(n));
    });
    const gates: { ms: number; release: () => void }[] = [];
    let holding = true;
    const events: ExecuteEvent[] = [];
    const running = run(makeRequests('vg', 4), [makeTarget('vg', server.url, { concurrency: 2 })], {
      // Waits are held until the test has looked, then end at once.
      sleep: (ms) =>
        holding ? new Promise<void>((release) => gates.push({ ms, release })) : Promise.resolve(),
      onEvent: (event) => {
        events.push(event);
        // The second request is answered only once the pause has begun.
        if (event.type === 'target:paused')
          until(() => heldRes !== undefined).then(() => created(heldRes as ServerResponse));
      },
    });
    // Both workers end up waiting on the pause, the one that got 429 and the one that did not.
    await until(() => gates.length === 2 && events.some((e) => e.type === 'call:done'));
    expect(server.received).toHaveLength(2);
    expect(gates).toHaveLength(2);
    for (const gate of gates) expect(gate.ms).toBeGreaterThan(0);
    for (const gate of gates) expect(gate.ms).toBeLessThanOrEqual(1000);
    holding = false;
    for (const gate of gates.splice(0)) gate.release();

    const { outcomes } = await running;
    expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed', 'placed', 'placed']);
    expect(server.received).toHaveLength(5);
    expect(outcomes.map((o) => o.attempts).sort()).toEqual([1, 1, 1, 2]);
    const paused = events.filter((e) => e.type === 'target:paused');
    expect(paused).toEqual([
      expect.objectContaining({ target: 'vg', reason: '429 Too Many Requests: Too many requests' }),
    ]);
  });

  it('fails the remaining calls when the 429 pause would be longer than allowed', async () => {
    const server = await serve((_req, res) =>
      reply(res, 429, 'Too many requests', { 'retry-after': '300' }),
    );
    const target = makeTarget('vg', server.url, { concurrency: 1, maxPauseMs: 60_000 });
    const { outcomes, events } = await run(makeRequests('vg', 3), [target]);
    expect(server.received).toHaveLength(1);
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'failed']);
    expect(outcomes[0]).toMatchObject({ httpStatus: 429, attempts: 1 });
    expect(outcomes[0]?.message).toContain(
      'the gateway asked to wait 300 s (Retry-After), longer than the 60 s target `vg` allows (max_pause)',
    );
    expect(outcomes[1]?.message).toMatch(/^not sent: the gateway asked to wait 300 s/);
    expect(events.some((e) => e.type === 'target:stopped')).toBe(true);
  });

  // callops's own backoff is no request of the gateway's: cut to max_pause, it stops nothing.
  for (const [status, headers] of [
    [429, {}],
    [429, { 'retry-after': '1.5' }],
    [503, { 'retry-after': 'soon' }],
  ] as const) {
    it(`retries a ${status} ${'retry-after' in headers ? `with Retry-After ${headers['retry-after']}` : 'without Retry-After'} within a max_pause shorter than the backoff`, async () => {
      const server = await serve((_req, res) => {
        if (server.received.length === 1) reply(res, status, 'Too many requests', headers);
        else created(res, sidOf(server.received.length));
      });
      const target = makeTarget('vg', server.url, { concurrency: 1, maxPauseMs: 100 });
      const sleeps: number[] = [];
      const { outcomes, events } = await run(makeRequests('vg', 2), [target], {
        // The most a backoff draws: the second attempt's ceiling, 500 ms, past max_pause.
        random: () => 0.999,
        maxAttempts: 4,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed']);
      expect(server.received).toHaveLength(3);
      expect(events.some((e) => e.type === 'target:stopped')).toBe(false);
      const retry = events.find((e) => e.type === 'call:retry');
      expect(retry).toMatchObject({ delayMs: 100 });
    });
  }

  it('says a max_pause under a second as it is, not rounded up to a second', async () => {
    const server = await serve((_req, res) =>
      reply(res, 429, 'Too many requests', { 'retry-after': '1' }),
    );
    const target = makeTarget('vg', server.url, { concurrency: 1, maxPauseMs: 100 });
    const { outcomes } = await run(makeRequests('vg', 1), [target]);
    expect(outcomes[0]?.message).toBe(
      'the gateway asked to wait 1 s (Retry-After), longer than the 100 ms target `vg` allows (max_pause): 429 Too Many Requests: Too many requests',
    );
  });
});

describe('executeCalls: intents, secrets, interruption', () => {
  it('awaits the intent before every attempt, retries included', async () => {
    const log: string[] = [];
    const seen = new Set<string>();
    const server = await serve((req, res) => {
      log.push(`request ${req.key}`);
      if (seen.has(req.key)) return created(res);
      seen.add(req.key);
      reply(res, 503, 'busy', { 'retry-after': '0' });
    });
    const { outcomes } = await run(makeRequests('vg', 2), [makeTarget('vg', server.url)], {
      beforeSend: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`intent ${request.key}`);
      },
    });
    expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed']);
    for (const key of ['vg/call-0', 'vg/call-1']) {
      expect(log.filter((line) => line.endsWith(key))).toEqual([
        `intent ${key}`,
        `request ${key}`,
        `intent ${key}`,
        `request ${key}`,
      ]);
    }
  });

  it('redacts every message that reaches an outcome or an event', async () => {
    const canary = 'CANARY-7f3a9';
    const server = await serve((req, res) => {
      const attempt = server.received.filter((r) => r.key === req.key).length;
      const msg = { msg: `echo ${canary}` };
      if (req.key === 'vg/call-0')
        reply(res, attempt === 1 ? 503 : 400, msg, { 'retry-after': '0' });
      else if (req.key === 'vg/call-1') reply(res, 500, msg);
      else if (attempt === 1) reply(res, 429, msg, { 'retry-after': '0' });
      else reply(res, 201, {});
    });
    const result = await run(makeRequests('vg', 3), [makeTarget('vg', server.url)], {
      redact: (text) => text.replaceAll(canary, '***'),
    });
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'unknown', 'unknown']);
    const everything = JSON.stringify({ outcomes: result.outcomes, events: result.events });
    expect(everything).not.toContain(canary);
    expect(everything).toContain('echo ***');
  });

  it('on abort starts nothing new and leaves requests already sent unknown', async () => {
    const server = await serve(() => {});
    const controller = new AbortController();
    const running = run(makeRequests('vg', 5), [makeTarget('vg', server.url, { concurrency: 2 })], {
      signal: controller.signal,
    });
    await until(() => server.received.length === 2);
    controller.abort();
    const { outcomes, intents } = await running;
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'unknown', attempts: 1 });
      expect(outcome.message).toMatch(/^interrupted after the request was sent/);
    }
    expect(intents).toHaveLength(2);
    expect(server.received).toHaveLength(2);
  });

  it('on abort during a backoff ends the call unsent (the engine keeps it due) and leaves the rest alone', async () => {
    const server = await serve((_req, res) =>
      reply(res, 503, { msg: 'busy' }, { 'retry-after': '1' }),
    );
    const controller = new AbortController();
    const { outcomes } = await run(
      makeRequests('vg', 3),
      [makeTarget('vg', server.url, { concurrency: 1 })],
      {
        signal: controller.signal,
        sleep: (_ms, signal) =>
          new Promise<void>((_resolve, reject) =>
            signal?.addEventListener('abort', () => reject(signal.reason)),
          ),
        onEvent: (event) => {
          if (event.type === 'call:retry') controller.abort();
        },
      },
    );
    expect(outcomes).toHaveLength(1);
    // The 503 placed nothing and the retry never left: as a call stopped before its first
    // request, whatever the earlier answer was.
    expect(outcomes[0]).toMatchObject({ key: 'vg/call-0', status: 'failed', attempts: 1 });
    expect(outcomes[0]?.httpStatus).toBeUndefined();
    expect(outcomes[0]?.message).toBe('interrupted before the request was sent');
    expect(server.received).toHaveLength(1);
  });
});
