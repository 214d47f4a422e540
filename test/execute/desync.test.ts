import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRequests, makeTarget, run, sidOf } from './fixture.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const created = (sid: string): string => {
  const body = JSON.stringify({ sid, callId: `id-${sid.slice(0, 8)}` });
  return `HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\nkeep-alive: timeout=30\r\n\r\n${body}`;
};

/**
 * A gateway behind a proxy whose answer queue goes out of step on one connection: each
 * create-call is answered 201 with the sid of its key (sidOf), one answer per request, in
 * order, and the answer to the `dupAt`th request (over all connections) is queued twice.
 * From then on, each request of that connection is sent the answer to the one before it.
 */
const startGateway = async (dupAt: number) => {
  let posts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const queue: string[] = [];
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
        buffered = buffered.subarray(end + 4 + length);
        const answer = created(sidOf((JSON.parse(body) as { key: string }).key));
        queue.push(answer);
        if (++posts === dupAt) queue.push(answer);
        socket.write(queue.shift() as string);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

/**
 * The state's check of a 201's sid: the key a sid was accepted for, when another; `slowMs`
 * more when it finds one (a database asked), while the other calls go on.
 */
const ledger = (slowMs: number) => {
  const holders = new Map<string, string>();
  return async (key: string, sid: string): Promise<string | undefined> => {
    const holder = holders.get(sid);
    if (holder === undefined || holder === key) {
      holders.set(sid, key);
      return undefined;
    }
    await new Promise((r) => setTimeout(r, slowMs));
    return holder;
  };
};

describe('executeCalls: a connection whose answers go out of step', () => {
  it('with one connection: only the answer that repeats a sid is unknown, the calls after it are placed with their own', async () => {
    const gw = await startGateway(2);
    const requests = makeRequests('vg', 6);

    const { outcomes } = await run(requests, [makeTarget('vg', gw.url, { concurrency: 1 })], {
      sidHolder: ledger(0),
    });

    expect(outcomes.map((o) => [o.key, o.status, o.sid])).toEqual(
      requests.map((r, i) =>
        i === 2 ? [r.key, 'unknown', undefined] : [r.key, 'placed', sidOf(r.key)],
      ),
    );
    expect(outcomes[2]?.message).toMatch(/which it already gave to vg\/call-1/);
  });

  it('never takes an answer read on that connection after it for its call, while its sid is being checked', async () => {
    const gw = await startGateway(3);
    const requests = makeRequests('vg', 24);

    const { outcomes } = await run(requests, [makeTarget('vg', gw.url, { concurrency: 2 })], {
      sidHolder: ledger(300),
    });

    expect(outcomes).toHaveLength(requests.length);
    const wrong = outcomes.filter((o) => o.status === 'placed' && o.sid !== sidOf(o.key));
    expect(wrong).toEqual([]);
    const unknown = outcomes.filter((o) => o.status === 'unknown');
    expect(unknown.length).toBeGreaterThanOrEqual(1);
    for (const o of unknown) expect(o.message).toMatch(/the call may have been placed$/);
  });
});
