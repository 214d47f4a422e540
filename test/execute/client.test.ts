import { afterEach, describe, expect, it } from 'vitest';
import { ATTEMPT_HEADER, createGatewayClient, deadlineQueue } from '../../src/execute/client.js';
import { MAX_ANSWER_BYTES } from '../../src/execute/policy.js';
import type { CallRequest } from '../../src/execute/target.js';
import { closedPort, created, makeTarget, reply, startServer, type TestServer } from './fixture.js';

const request: CallRequest = {
  key: 'vg/welcome',
  target: 'vg',
  body: { application_sid: 'app-1', from: '+15550001111', to: { type: 'phone', number: '+1555' } },
};

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Parameters<typeof startServer>[0]) {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

describe('createGatewayClient', () => {
  it('posts JSON with the bearer token and a fresh attempt id to the calls endpoint', async () => {
    const server = await serve((_req, res) => created(res, 'sid-42', 'cid-42'));
    const client = createGatewayClient(makeTarget('vg', server.url, { accountSid: 'AC 1' }));
    try {
      const first = await client.post(request);
      await client.post(request);
      expect(first).toMatchObject({ kind: 'response', status: 201 });
      expect(first.kind === 'response' && JSON.parse(first.bodyText)).toEqual({
        sid: 'sid-42',
        callId: 'cid-42',
      });
      const [one, two] = server.received;
      expect(one?.url).toBe('/v1/Accounts/AC%201/Calls');
      expect(one?.headers.authorization).toBe('Bearer key-test');
      expect(one?.headers['content-type']).toBe('application/json');
      expect(one?.headers.accept).toBe('application/json');
      expect(JSON.parse(one?.body ?? '')).toEqual(request.body);
      expect(one?.headers[ATTEMPT_HEADER]).toMatch(/^[0-9a-f-]{36}$/);
      expect(two?.headers[ATTEMPT_HEADER]).not.toBe(one?.headers[ATTEMPT_HEADER]);
    } finally {
      await client.close();
    }
  });

  it('keeps a path prefix of the base URL', async () => {
    const server = await serve((_req, res) => created(res));
    const client = createGatewayClient(makeTarget('vg', `${server.url}/gateway/`));
    try {
      await client.post(request);
      expect(server.received[0]?.url).toBe('/gateway/v1/Accounts/AC-test/Calls');
    } finally {
      await client.close();
    }
  });

  it('returns error bodies as text with the Retry-After header', async () => {
    const server = await serve((_req, res) =>
      reply(res, 429, '<html>Too many requests</html>', { 'retry-after': '300' }),
    );
    const client = createGatewayClient(makeTarget('vg', server.url));
    try {
      const result = await client.post(request);
      expect(result).toMatchObject({
        kind: 'response',
        status: 429,
        bodyText: '<html>Too many requests</html>',
        headers: { 'retry-after': '300' },
      });
    } finally {
      await client.close();
    }
  });

  it('reports a connection cut after the request was read as sent', async () => {
    const server = await serve((_req, _res, raw) => raw.socket.destroy());
    const client = createGatewayClient(makeTarget('vg', server.url));
    try {
      const result = await client.post(request);
      expect(result).toMatchObject({ kind: 'error', sent: true });
      expect(server.received).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('reports a kept-alive socket cut after the request was read as sent, and sends it once', async () => {
    const sockets = new Set<unknown>();
    const server = await serve((_req, res, raw) => {
      // The second request comes on the socket the first one left open: cut it there.
      if (sockets.has(raw.socket)) return raw.socket.destroy();
      sockets.add(raw.socket);
      created(res);
    });
    const client = createGatewayClient(makeTarget('vg', server.url, { concurrency: 1 }));
    try {
      expect(await client.post(request)).toMatchObject({ kind: 'response', status: 201 });
      const second = await client.post(request);
      expect(second).toMatchObject({ kind: 'error', sent: true });
      expect(server.received).toHaveLength(2);
      expect(sockets.size).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('reports a refused connection as not sent', async () => {
    const port = await closedPort();
    const client = createGatewayClient(makeTarget('vg', `http://127.0.0.1:${port}`));
    try {
      const result = await client.post(request);
      expect(result).toMatchObject({ kind: 'error', sent: false, code: 'ECONNREFUSED' });
    } finally {
      await client.close();
    }
  });

  it('answers every attempt after one undici refused to write at once, never leaving it pending', async () => {
    const server = await serve((_req, res) => created(res));
    const client = createGatewayClient(
      makeTarget('vg', server.url, { apiKey: 'key-test\n', concurrency: 1 }),
    );
    try {
      // After the first refusal undici left every later request of the pool pending.
      const results = [await client.post(request), await client.post(request)];
      for (const result of results)
        expect(result).toMatchObject({ kind: 'error', sent: false, code: 'UND_ERR_INVALID_ARG' });
      expect(server.received).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('reports a request timeout before the headers as sent', async () => {
    const server = await serve(() => {});
    const client = createGatewayClient(makeTarget('vg', server.url, { requestTimeoutMs: 300 }));
    try {
      const result = await client.post(request);
      expect(result).toEqual({
        kind: 'error',
        sent: true,
        code: 'TIMEOUT',
        message: 'the request timeout of 300 ms passed',
      });
      expect(server.received).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('bounds the whole body by the request timeout, however steadily it trickles', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"sid":');
      // A byte every 50 ms: far within any gap a per-chunk timeout would allow.
      const timer = setInterval(() => res.write(' '), 50);
      timers.push(timer);
      res.on('close', () => clearInterval(timer));
    });
    const client = createGatewayClient(makeTarget('vg', server.url, { requestTimeoutMs: 400 }));
    try {
      const result = await client.post(request);
      expect(result).toMatchObject({
        kind: 'response',
        status: 201,
        bodyError: 'the request timeout of 400 ms passed',
      });
      expect(result.kind === 'response' && result.bodyText.startsWith('{"sid":')).toBe(true);
    } finally {
      for (const timer of timers) clearInterval(timer);
      await client.close();
    }
  });

  it('reads an answer up to the cap and marks the rest unread', async () => {
    const big = 'z'.repeat(MAX_ANSWER_BYTES * 4);
    const server = await serve((_req, res) => reply(res, 201, big));
    const small = await serve((_req, res) => reply(res, 201, 'y'.repeat(MAX_ANSWER_BYTES)));
    const client = createGatewayClient(makeTarget('vg', server.url));
    const exact = createGatewayClient(makeTarget('vg', small.url));
    try {
      const result = await client.post(request);
      expect(result.kind === 'response' && result.bodyText.length).toBe(MAX_ANSWER_BYTES);
      expect(result).toMatchObject({ kind: 'response', status: 201, truncated: true });
      const whole = await exact.post(request);
      expect(whole.kind === 'response' && whole.bodyText.length).toBe(MAX_ANSWER_BYTES);
      expect(whole).not.toHaveProperty('truncated');
    } finally {
      await client.close();
      await exact.close();
    }
  });

  it('reports an abort before the request was written as not sent', async () => {
    const server = await serve((_req, res) => created(res));
    const client = createGatewayClient(makeTarget('vg', server.url));
    try {
      const result = await client.post(request, AbortSignal.abort());
      expect(result).toMatchObject({ kind: 'error', sent: false, code: 'ABORTED' });
      expect(server.received).toHaveLength(0);
    } finally {
      await client.close();
    }
  });
});

describe('deadlineQueue', () => {
  it('times out each attempt at its own deadline, by one timer, and lets go when none is left', async () => {
    const deadlines = deadlineQueue(40);
    const aborted: string[] = [];
    const start = (name: string) => {
      const signal = deadlines.start();
      signal.addEventListener('abort', () => aborted.push(name));
      return signal;
    };
    const first = start('first');
    const second = start('second');
    const third = start('third');
    expect(deadlines.armed()).toBe(true);
    expect(deadlines.size()).toBe(3);
    deadlines.settle(first);
    expect(deadlines.size()).toBe(2);
    const thirdDone = new Promise<void>((resolve) => {
      third.addEventListener('abort', () => {
        aborted.push('third');
        resolve();
      });
    });
    // The second settles while the third waits: only the third times out.
    deadlines.settle(second);
    await thirdDone;
    expect(aborted).toEqual(['third']);
    expect([first.timedOut, second.timedOut, third.timedOut]).toEqual([false, false, true]);
    expect(deadlines.size()).toBe(0);
    expect(deadlines.armed()).toBe(false);
  });

  it('keeps no timer once every attempt settled before its deadline', () => {
    const deadlines = deadlineQueue(60_000);
    const signals = Array.from({ length: 5 }, () => deadlines.start());
    expect(deadlines.armed()).toBe(true);
    // Settled out of order: the front leaves only once it is settled, and what is behind it
    // with it.
    for (const i of [3, 1, 4, 0]) deadlines.settle(signals[i] as (typeof signals)[number]);
    expect(deadlines.size()).toBe(3);
    deadlines.settle(signals[2] as (typeof signals)[number]);
    expect(deadlines.size()).toBe(0);
    expect(deadlines.armed()).toBe(false);
    expect(signals.every((s) => !s.aborted)).toBe(true);
  });
});
