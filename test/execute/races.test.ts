import { describe, expect, it } from 'vitest';
import type { ExecuteEvent } from '../../src/execute/context.js';
import type { RateLimiter } from '../../src/execute/rate.js';
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

describe('executeCalls: what arrives while an intent is being recorded', () => {
  it('sends nothing more once a 401 stopped the target, even a call already past its turn', async () => {
    const server = await serve((_req, res) => reply(res, 401, 'Unauthorized'));
    const events: ExecuteEvent[] = [];
    const { outcomes } = await run(
      makeRequests('vg', 2),
      [makeTarget('vg', server.url, { concurrency: 2 })],
      {
        // The second call's intent is durable only after the first call's 401 stopped the target.
        beforeSend: async (request) => {
          if (request.key === 'vg/call-1') {
            await until(() => events.some((e) => e.type === 'target:stopped'));
          }
        },
        onEvent: (event) => {
          events.push(event);
        },
      },
    );
    expect(server.received.map((r) => r.key)).toEqual(['vg/call-0']);
    expect(outcomes[0]).toMatchObject({ status: 'failed', httpStatus: 401 });
    expect(outcomes[1]).toMatchObject({ status: 'failed', attempts: 0 });
    expect(outcomes[1]?.message).toMatch(/^not sent: target `vg` refused the credential/);
  });

  it('holds a call already past its turn when a 429 paused the target meanwhile', async () => {
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const receivedAt: number[] = [];
    const server = await serve((_req, res) => {
      receivedAt.push(clock);
      if (server.received.length === 1) reply(res, 429, 'Too many', { 'retry-after': '5' });
      else created(res, sidOf(server.received.length));
    });
    const events: ExecuteEvent[] = [];
    // Waits are held until both calls wait on the pause, or the second one went out anyway.
    const gates: (() => void)[] = [];
    let holding = true;
    const running = run(makeRequests('vg', 2), [makeTarget('vg', server.url, { concurrency: 2 })], {
      now: () => new Date(clock),
      sleep: (ms) =>
        holding
          ? new Promise<void>((release) =>
              gates.push(() => {
                clock += ms;
                release();
              }),
            )
          : Promise.resolve(),
      beforeSend: async (request) => {
        if (request.key === 'vg/call-1' && receivedAt.length === 0) {
          await until(() => events.some((e) => e.type === 'target:paused'));
        }
      },
      onEvent: (event) => {
        events.push(event);
      },
    });
    await until(() => gates.length === 2 || server.received.length === 2);
    holding = false;
    for (const gate of gates.splice(0)) gate();
    const { outcomes } = await running;
    expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed']);
    const pause = events.find((e) => e.type === 'target:paused');
    const untilMs = pause?.type === 'target:paused' ? pause.untilMs : 0;
    expect(untilMs).toBeGreaterThan(receivedAt[0] ?? 0);
    // Nothing reached the gateway during the pause.
    expect(receivedAt).toHaveLength(3);
    for (const at of receivedAt.slice(1)) expect(at).toBeGreaterThanOrEqual(untilMs);
  });
});

describe('executeCalls: a scheduled slot is never placed past its deadline', () => {
  it('misses, unsent, a call whose deadline passed before its turn came', async () => {
    const server = await serve((_req, res) => created(res));
    const clock = Date.parse('2026-11-24T10:00:00Z');
    // The first one's deadline is now (it may start only before it), the second's a ms later.
    const requests = makeRequests('vg', 2).map((r, i) => ({ ...r, notAfterMs: clock + i }));
    const intents: string[] = [];
    const { outcomes } = await run(requests, [makeTarget('vg', server.url)], {
      now: () => new Date(clock),
      beforeSend: async (request) => {
        intents.push(request.key);
      },
    });
    expect(server.received.map((r) => r.key)).toEqual(['vg/call-1']);
    expect(intents).toEqual(['vg/call-1']);
    expect(outcomes[0]).toMatchObject({ key: 'vg/call-0', status: 'missed', attempts: 0 });
    expect(outcomes[0]?.message).toMatch(
      /^not sent: the deadline of its slot passed — never placed late$/,
    );
    expect(outcomes[1]).toMatchObject({ key: 'vg/call-1', status: 'placed' });
  });

  it('does not retry past the deadline: the refusal it had stands (failed)', async () => {
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const server = await serve((_req, res) =>
      reply(res, 503, { msg: 'busy' }, { 'retry-after': '3' }),
    );
    const requests = makeRequests('vg', 1).map((r) => ({ ...r, notAfterMs: clock + 2_000 }));
    const { outcomes } = await run(requests, [makeTarget('vg', server.url)], {
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(server.received).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ status: 'failed', attempts: 1, httpStatus: 503 });
    expect(outcomes[0]?.message).toMatch(/^not retried: the deadline of its slot passed .*busy/);
  });
});

describe('executeCalls: rate across runs', () => {
  it('keeps the rate across runs that share their limiters', async () => {
    const server = await serve((_req, res) => created(res));
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const sentAt: number[] = [];
    const limiters = new Map<string, RateLimiter>();
    const target = makeTarget('vg', server.url, {
      concurrency: 1,
      rate: { count: 1, perMs: 1000 },
    });
    for (const prefix of ['first', 'second']) {
      const { outcomes } = await run(makeRequests('vg', 2, prefix), [target], {
        limiters,
        now: () => new Date(clock),
        sleep: async (ms) => {
          clock += ms;
        },
        beforeSend: async () => {
          sentAt.push(clock);
        },
      });
      expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed']);
    }
    expect(sentAt).toHaveLength(4);
    for (let i = 1; i < sentAt.length; i++) {
      expect((sentAt[i] ?? 0) - (sentAt[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
  });
});
