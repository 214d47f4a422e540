import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

/** A hand-written gateway on 127.0.0.1 that answers every request with `handle`. */
const startRawGateway = async (
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; requests: () => number; close(): Promise<void> }> => {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => handle(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};

/** How an answer the gateway was writing ended: finished, or cut by the client. */
interface Written {
  bytes: number;
  finished: boolean;
  closedEarly: boolean;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const rawProject = async (url: string, targetExtra: readonly string[]): Promise<Project> => {
  const project = await makeProject({
    'callops.yaml': configYaml(url, targetExtra),
    'calls/a.yaml': callsYaml([{ name: 'a' }]),
  });
  cleanups.push(() => project.cleanup());
  return project;
};

const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };

describe('request_timeout bounds the whole request', () => {
  it('ends a 201 whose body trickles a byte a second as unknown, without waiting for it', async () => {
    const written: Written = { bytes: 0, finished: false, closedEarly: false };
    let timer: NodeJS.Timeout | undefined;
    // Headers at once, then one byte a second — each gap shorter than the 2 s timeout, so a
    // per-chunk body timeout never fires. Bounded: it would end after 40 bytes.
    const gw = await startRawGateway((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.flushHeaders();
      res.on('close', () => {
        clearInterval(timer);
        written.closedEarly = !written.finished;
      });
      timer = setInterval(() => {
        written.bytes += 1;
        if (written.bytes >= 40) {
          written.finished = true;
          clearInterval(timer);
          res.end(' ');
        } else res.write(' ');
      }, 1_000);
    });
    cleanups.push(() => gw.close());
    const project = await rawProject(gw.url, ['request_timeout: 2s']);

    const result = await runCli(['apply', '--yes'], { cwd: project.dir, env, timeoutMs: 30_000 });

    expect(result.signal, output(result)).toBeNull();
    expect(result.code, output(result)).toBe(1);
    const entry = (await project.lock())?.calls['sim/a'];
    expect(entry?.status).toBe('unknown');
    expect(entry?.message).toMatch(/request timeout/);
    expect(gw.requests()).toBe(1);
    // The CLI gave up on the answer while the gateway was still writing it.
    expect(written.finished).toBe(false);
    expect(written.closedEarly).toBe(true);
  }, 40_000);

  it('reads no more than a small cap of a huge 201 answer, and calls it unknown', async () => {
    const total = 200 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const written: Written = { bytes: 0, finished: false, closedEarly: false };
    // A valid JSON answer with a sid, padded to 200 MB: read whole, it would count as placed.
    const gw = await startRawGateway((_req, res) => {
      const head = Buffer.from('{"sid":"0a1b2c3d-0000-4000-8000-000000000001","pad":"');
      const tail = Buffer.from('"}');
      res.writeHead(201, {
        'content-type': 'application/json',
        'content-length': String(head.length + total + tail.length),
      });
      res.on('close', () => {
        written.closedEarly = !written.finished;
      });
      res.write(head);
      const pump = () => {
        while (written.bytes < total) {
          written.bytes += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        written.finished = true;
        res.end(tail);
      };
      pump();
    });
    cleanups.push(() => gw.close());
    const project = await rawProject(gw.url, []);

    const result = await runCli(['apply', '--yes'], { cwd: project.dir, env, timeoutMs: 30_000 });

    expect(result.code, output(result)).toBe(1);
    const entry = (await project.lock())?.calls['sim/a'];
    expect(entry?.status).toBe('unknown');
    expect(entry?.message).toMatch(/larger than 64 KiB/);
    expect(written.finished).toBe(false);
    expect(written.closedEarly).toBe(true);
    // Socket buffers hold a few MB at most: far from the 200 MB a whole read would take.
    expect(written.bytes).toBeLessThan(total / 4);
  }, 40_000);

  it('keeps the class of an error answer that is too large, with its message cut', async () => {
    const gw = await startRawGateway((_req, res) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`bad request: ${'y'.repeat(2 * 1024 * 1024)}`);
    });
    cleanups.push(() => gw.close());
    const project = await rawProject(gw.url, []);

    const result = await runCli(['apply', '--yes'], { cwd: project.dir, env });

    expect(result.code, output(result)).toBe(1);
    const entry = (await project.lock())?.calls['sim/a'];
    expect(entry?.status).toBe('failed');
    expect(entry?.httpStatus).toBe(400);
    expect(entry?.message).toMatch(/^bad request: y+…$/);
    expect(entry?.message?.length).toBeLessThan(400);
  });
});
describe('480: no feature server pauses the whole target', () => {
  /** A simulator answering 480 to the first `n` create-call requests, then placing calls. */
  const unavailableFor = async (
    n: number,
    names: readonly string[],
    targetExtra: readonly string[],
  ): Promise<Gateway> => {
    let draws = 0;
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
      {
        failStatus: 480,
        failRate: 0.5,
        random: () => (draws++ < n ? 0 : 0.99),
        targetExtra,
      },
    );
    cleanups.push(() => gw.close());
    return gw;
  };

  it('stops sending once the outage outlasts max_pause; the rest end failed, not sent', async () => {
    const names = ['c1', 'c2', 'c3', 'c4'];
    const gw = await unavailableFor(1_000, names, ['concurrency: 1', 'max_pause: 3s']);

    const result = await gw.run(['apply', '--yes', '--format', 'json']);

    expect(result.code, output(result)).toBe(1);
    const requests = gw.sim.received();
    // The target waits out the outage as a whole: not 4 quick attempts per call (16).
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.length).toBeLessThanOrEqual(3);
    expect(requests.every((r) => r.status === 480)).toBe(true);
    const lock = await gw.project.lock();
    const entries = names.map((name) => lock?.calls[`sim/${name}`]);
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      expect(entry?.status).toBe('failed');
      expect(entry?.message).toMatch(/max_pause/);
      expect(entry?.message).toMatch(/480/);
    }
    const notSent = entries.filter((e) => e?.message?.startsWith('not sent'));
    expect(notSent.length).toBeGreaterThanOrEqual(3);
  }, 20_000);

  it('rides out a short outage: every call placed, each sent until accepted', async () => {
    const names = ['c1', 'c2', 'c3'];
    const gw = await unavailableFor(2, names, ['concurrency: 1', 'max_pause: 30s']);

    const result = await gw.run(['apply', '--yes']);

    expect(result.code, output(result)).toBe(0);
    expect(gw.sim.received().map((r) => r.status)).toEqual([480, 480, 201, 201, 201]);
    const lock = await gw.project.lock();
    expect(names.map((name) => lock?.calls[`sim/${name}`]?.status)).toEqual([
      'placed',
      'placed',
      'placed',
    ]);
  }, 20_000);
});

describe('many calls waiting out a retry at once', () => {
  it('prints no MaxListenersExceededWarning: every wait listens on the run signal, however many', async () => {
    // The first 32 requests (one per worker, all at once) are answered 503 with Retry-After:
    // 1, so 32 calls wait out their retry side by side; every later request is placed.
    const names = Array.from({ length: 40 }, (_, i) => `c${i + 1}`);
    let draws = 0;
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) },
      {
        failStatus: 503,
        failRate: 0.5,
        random: () => (draws++ < 32 ? 0 : 0.99),
        targetExtra: ['concurrency: 32'],
      },
    );
    cleanups.push(() => gw.close());

    const result = await gw.run(['apply', '--yes']);

    expect(result.code, output(result)).toBe(0);
    const statuses = gw.sim.received().map((r) => r.status);
    expect(statuses.filter((s) => s === 503)).toHaveLength(32);
    expect(statuses.filter((s) => s === 201)).toHaveLength(40);
    expect(result.stdout).toMatch(/Done: 40 placed, 0 failed, 0 unknown/);
    expect(result.stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
    expect(result.stderr).toBe('');
  }, 30_000);
});
