import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  closedPort,
  created,
  makeRequests,
  makeTarget,
  reply,
  run,
  serverPerTest,
  sidOf,
} from './fixture.js';

const serve = serverPerTest();

describe('executeCalls: what each answer means', () => {
  it('places a call answered 201, with sid and callId, after recording its intent', async () => {
    const server = await serve((_req, res) => created(res, sidOf(7), 'cid-7'));
    const requests = makeRequests('vg', 1);
    const at = new Date('2026-11-24T10:00:01.123Z');
    const { outcomes, events, intents } = await run(requests, [makeTarget('vg', server.url)], {
      now: () => at,
    });
    expect(outcomes).toEqual([
      {
        key: 'vg/call-0',
        status: 'placed',
        sid: sidOf(7),
        callId: 'cid-7',
        httpStatus: 201,
        attempts: 1,
        at: '2026-11-24T10:00:01.123Z',
      },
    ]);
    expect(intents).toEqual(['vg/call-0']);
    expect(events.map((e) => e.type)).toEqual(['call:start', 'call:done']);
    expect(server.received).toHaveLength(1);
  });

  it('fails 400, 404 and 422 with the gateway message, without retrying', async () => {
    const answers: Record<string, [number, string]> = {
      'vg/call-0': [400, 'missing from parameter'],
      'vg/call-1': [404, 'application_sid not found app'],
      'vg/call-2': [422, 'unprocessable'],
    };
    const server = await serve((req, res) => {
      const [status, msg] = answers[req.key] ?? [500, 'unexpected'];
      reply(res, status, { msg });
    });
    const { outcomes } = await run(makeRequests('vg', 3), [makeTarget('vg', server.url)]);
    expect(outcomes.map((o) => [o.status, o.httpStatus, o.message, o.attempts])).toEqual([
      ['failed', 400, 'missing from parameter', 1],
      ['failed', 404, 'application_sid not found app', 1],
      ['failed', 422, 'unprocessable', 1],
    ]);
    expect(server.received).toHaveLength(3);
  });

  it.each([
    [401, 'Unauthorized', 'api_key'],
    [403, '{"msg":"insufficient permissions"}', 'account_sid'],
  ])('stops a target answering %i and goes on with the others', async (status, body, what) => {
    const refusing = await serve((_req, res) =>
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body),
    );
    const healthy = await serve((req, res) => created(res, sidOf(req.key)));
    const requests = [...makeRequests('bad', 4), ...makeRequests('good', 3)];
    const { outcomes, events } = await run(requests, [
      makeTarget('bad', refusing.url, { concurrency: 1 }),
      makeTarget('good', healthy.url),
    ]);
    expect(refusing.received).toHaveLength(1);
    expect(healthy.received).toHaveLength(3);
    const bad = outcomes.filter((o) => o.key.startsWith('bad/'));
    expect(bad.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(bad[0]).toMatchObject({ httpStatus: status, attempts: 1 });
    expect(bad[0]?.message).toContain(`check ${what} of target \`bad\``);
    for (const skipped of bad.slice(1)) {
      expect(skipped.attempts).toBe(0);
      expect(skipped.message).toMatch(
        new RegExp(`^not sent: target \`bad\` refused the credential \\(${status}`),
      );
    }
    expect(outcomes.filter((o) => o.status === 'placed')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'target:stopped')).toEqual([
      expect.objectContaining({ type: 'target:stopped', target: 'bad' }),
    ]);
  });

  it('retries 503 after its Retry-After and 480 after a target pause, then places the call', async () => {
    const server = await serve((_req, res) => {
      const n = server.received.length;
      if (n === 1) reply(res, 503, 'Service Unavailable', { 'retry-after': '1' });
      else if (n === 2) reply(res, 480, { msg: 'no available feature servers at this time' });
      else created(res);
    });
    const sleeps: number[] = [];
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const { outcomes, events, intents } = await run(
      makeRequests('vg', 1),
      [makeTarget('vg', server.url)],
      {
        sleep: async (ms) => {
          sleeps.push(ms);
          clock += ms;
        },
        now: () => new Date(clock),
        random: () => 0.5,
      },
    );
    expect(outcomes[0]).toMatchObject({ status: 'placed', attempts: 3 });
    expect(server.received).toHaveLength(3);
    expect(intents).toHaveLength(3);
    expect(sleeps).toEqual([1000, 750]);
    expect(events.filter((e) => e.type === 'call:retry')).toMatchObject([
      { attempt: 2, delayMs: 1000, reason: '503 Service Unavailable: Service Unavailable' },
      { attempt: 3, delayMs: 750, reason: '480: no available feature servers at this time' },
    ]);
    expect(events.filter((e) => e.type === 'target:paused')).toHaveLength(1);
  });

  it('pauses the target once for 480s answered to requests in flight together', async () => {
    const waiting: ServerResponse[] = [];
    const server = await serve((_req, res) => {
      if (server.received.length > 2) return created(res);
      waiting.push(res);
      // Both requests are at the gateway before either is answered.
      if (waiting.length === 2) {
        for (const held of waiting) reply(held, 480, { msg: 'no available feature servers' });
      }
    });
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const { outcomes, events } = await run(
      makeRequests('vg', 2),
      [makeTarget('vg', server.url, { concurrency: 2 })],
      {
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => new Date(clock),
        random: () => 0,
      },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['placed', 'placed']);
    expect(server.received).toHaveLength(4);
    expect(events.filter((e) => e.type === 'target:paused')).toMatchObject([
      { target: 'vg', reason: '480: no available feature servers' },
    ]);
  });

  it('ends an outage longer than max_pause: the rest are not sent, whatever maxAttempts', async () => {
    const server = await serve((_req, res) => reply(res, 480, { msg: 'no feature server' }));
    let clock = Date.parse('2026-11-24T10:00:00Z');
    const { outcomes, events } = await run(
      makeRequests('vg', 3),
      [makeTarget('vg', server.url, { concurrency: 1, maxPauseMs: 20_000 })],
      {
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => new Date(clock),
        random: () => 0,
        maxAttempts: 2,
      },
    );
    // Pauses of 0.5, 1, 2, 4 and 8 s fit in 20 s; the next, 15 s, would not.
    expect(server.received).toHaveLength(6);
    expect(events.filter((e) => e.type === 'target:paused')).toHaveLength(5);
    const reason =
      'target `vg` has had no feature server for 16 s; waiting 15 s more would pass its max_pause of 20 s (480: no feature server)';
    expect(outcomes).toMatchObject([
      { status: 'failed', httpStatus: 480, attempts: 6, message: `not retried: ${reason}` },
      { status: 'failed', attempts: 0, message: `not sent: ${reason}` },
      { status: 'failed', attempts: 0, message: `not sent: ${reason}` },
    ]);
  });

  it('fails a call whose retries ran out, with the last answer', async () => {
    const server = await serve((_req, res) =>
      reply(res, 503, { msg: 'busy' }, { 'retry-after': '0' }),
    );
    const { outcomes } = await run(makeRequests('vg', 1), [makeTarget('vg', server.url)], {
      maxAttempts: 3,
    });
    expect(outcomes[0]).toMatchObject({ status: 'failed', httpStatus: 503, attempts: 3 });
    expect(outcomes[0]?.message).toBe('gave up after 3 attempts: 503 Service Unavailable: busy');
    expect(server.received).toHaveLength(3);
  });

  it.each([500, 502, 503])('leaves a %i unknown and never sends it again', async (status) => {
    const server = await serve((_req, res) => reply(res, status, { msg: 'fetch failed' }));
    const { outcomes } = await run(makeRequests('vg', 1), [makeTarget('vg', server.url)]);
    expect(outcomes[0]).toMatchObject({ status: 'unknown', httpStatus: status, attempts: 1 });
    expect(outcomes[0]?.message).toContain('fetch failed');
    expect(server.received).toHaveLength(1);
  });

  it('leaves a call unknown when the connection is cut after the request was read', async () => {
    const server = await serve((_req, _res, raw) => raw.socket.destroy());
    const { outcomes } = await run(makeRequests('vg', 1), [makeTarget('vg', server.url)]);
    expect(outcomes[0]).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(server.received).toHaveLength(1);
  });

  it('retries a refused connection, then fails the call as not placed', async () => {
    const port = await closedPort();
    const target = makeTarget('vg', `http://127.0.0.1:${port}`);
    const { outcomes, events, intents } = await run(makeRequests('vg', 1), [target]);
    expect(outcomes[0]).toMatchObject({ status: 'failed', attempts: 4 });
    expect(outcomes[0]?.message).toMatch(/^gave up after 4 attempts: .*ECONNREFUSED/);
    expect(outcomes[0]?.httpStatus).toBeUndefined();
    expect(intents).toHaveLength(4);
    expect(events.filter((e) => e.type === 'call:retry')).toHaveLength(3);
  });

  it('leaves a call unknown when no answer comes within the request timeout', async () => {
    const server = await serve(() => {});
    const target = makeTarget('vg', server.url, { requestTimeoutMs: 1000 });
    const { outcomes } = await run(makeRequests('vg', 1), [target]);
    expect(outcomes[0]).toMatchObject({ status: 'unknown', attempts: 1 });
    expect(outcomes[0]?.message).toContain('the request timeout of 1 s passed');
    expect(server.received).toHaveLength(1);
  });

  it('leaves a 2xx without a sid unknown', async () => {
    const server = await serve((_req, res) => reply(res, 200, { status: 'ok' }));
    const { outcomes } = await run(makeRequests('vg', 1), [makeTarget('vg', server.url)]);
    expect(outcomes[0]).toMatchObject({ status: 'unknown', httpStatus: 200, attempts: 1 });
    expect(server.received).toHaveLength(1);
  });

  it('fails calls for a target it has no client for, sending nothing', async () => {
    const { outcomes, intents } = await run(makeRequests('ghost', 2), []);
    expect(outcomes.map((o) => [o.status, o.message])).toEqual([
      ['failed', 'not sent: no target named `ghost`'],
      ['failed', 'not sent: no target named `ghost`'],
    ]);
    expect(intents).toEqual([]);
  });

  it('does not send a call whose intent could not be recorded', async () => {
    const server = await serve((_req, res) => created(res));
    const { outcomes } = await run(makeRequests('vg', 1), [makeTarget('vg', server.url)], {
      beforeSend: async () => {
        throw new Error('ENOSPC: no space left on device');
      },
    });
    expect(outcomes[0]).toMatchObject({ status: 'failed', attempts: 0 });
    expect(outcomes[0]?.message).toContain('ENOSPC');
    expect(server.received).toHaveLength(0);
  });
});
