import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  makeProject,
  output,
  type Project,
  runCli,
} from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };
/** The number call `c<i>` dials (callsYaml numbers its calls from 2000). */
const numberOf = (i: number): string => `+1555000${2000 + i - 1}`;

/** An HTTP/1.1 answer as bytes. */
const answerBytes = (status: number, headers: Record<string, string>, body: string): string =>
  [
    `HTTP/1.1 ${status} ${status === 201 ? 'Created' : 'OK'}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: keep-alive',
    'keep-alive: timeout=30',
    '',
    body,
  ].join('\r\n');

/**
 * A proxy in front of the simulator whose answer queue goes out of step, as a buggy proxy's
 * does: every request of a connection is passed on and its answer queued, one answer is
 * sent per request, and the answer to the `dupAfter`th create-call is queued twice. From
 * then on, each request of that connection is sent the answer to the one before it.
 */
const startDesyncProxy = async (sim: RunningSimulator, dupAfter: number) => {
  const upstream = new URL(sim.url);
  let posts = 0;
  const sockets = new Set<Socket>();
  const forward = (head: string, body: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const [line, ...fields] = head.split('\r\n');
      const [method, path] = (line ?? '').split(' ');
      const headers: Record<string, string> = {};
      for (const field of fields) {
        const at = field.indexOf(':');
        const name = field.slice(0, at).trim().toLowerCase();
        if (!['host', 'connection', 'keep-alive'].includes(name))
          headers[name] = field.slice(at + 1).trim();
      }
      const req = httpRequest(
        { host: upstream.hostname, port: upstream.port, method, path, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve(
              answerBytes(
                res.statusCode ?? 500,
                { 'content-type': String(res.headers['content-type'] ?? 'application/json') },
                Buffer.concat(chunks).toString('utf8'),
              ),
            ),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const queue: string[] = [];
    // One request of the connection at a time, in order.
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length);
        buffered = buffered.subarray(end + 4 + length);
        chain = chain.then(async () => {
          const answer = await forward(head, body);
          queue.push(answer);
          if (head.startsWith('POST ') && ++posts === dupAfter) queue.push(answer);
          if (!socket.destroyed) socket.write(queue.shift() as string);
        });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
};

const N = 6;

const setUp = async (): Promise<{ project: Project; sim: RunningSimulator }> => {
  const sim = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY, seed: 7 });
  cleanups.push(() => sim.close());
  const proxy = await startDesyncProxy(sim, 2);
  cleanups.push(() => proxy.close());
  const project = await makeProject({
    // One connection: every answer of the run comes on it, until it is found out of step.
    'callops.yaml': configYaml(proxy.url, ['concurrency: 1']),
    'calls/a.yaml': callsYaml(Array.from({ length: N }, (_, i) => ({ name: `c${i + 1}` }))),
  });
  cleanups.push(() => project.cleanup());
  return { project, sim };
};

/** The sid the simulator gave the call to each number. */
const sidsByNumber = (sim: RunningSimulator): Map<string, string> =>
  new Map(
    sim
      .received()
      .filter((r) => r.status === 201)
      .map((r) => [(r.body as { to: { number: string } }).to.number, r.sid as string]),
  );

describe('a connection whose answers go out of step', () => {
  it('is left once an answer repeats a sid: no later answer on it is recorded for another call', async () => {
    const { project, sim } = await setUp();

    const applied = await runCli(['apply', '--yes'], { cwd: project.dir, env });

    const calls = (await project.lock())?.calls ?? {};
    const real = sidsByNumber(sim);
    expect(real.size, output(applied)).toBe(N);
    // The answer repeated on the connection: c3 may have been placed (it was).
    expect(calls['sim/c3']?.status).toBe('unknown');
    expect(calls['sim/c3']?.message).toMatch(/which it already gave to sim\/c2/);
    // Every sid recorded is the one the gateway gave the call to that entry's number.
    for (let i = 1; i <= N; i++) {
      const entry = calls[`sim/c${i}`];
      if (i === 3) continue;
      expect({ key: `sim/c${i}`, status: entry?.status, sid: entry?.sid }).toEqual({
        key: `sim/c${i}`,
        status: 'placed',
        sid: real.get(numberOf(i)),
      });
    }
    // Each number was dialled once: nothing was sent again.
    expect(sim.received().filter((r) => r.status === 201)).toHaveLength(N);
  });
});
