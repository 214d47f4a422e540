import { readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  jambonzSignature,
  type RunningSimulator,
  startSimulator,
} from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  makeProject,
  output,
  type Project,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

/** Every file under the project's .callops/, joined. */
const readStateFiles = async (project: Project): Promise<string> => {
  const dir = join(project.dir, '.callops');
  const names = await readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(
    names.map((name) => readFile(join(dir, name), 'utf8').catch(() => '')),
  );
  return texts.join('\n');
};

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

/**
 * The lockfile an older release wrote after that connection went out of step: c3 unknown,
 * and each entry after it placed with the sid of the call before it (c4 holds c3's call).
 */
const shiftedLock = async (project: Project, sim: RunningSimulator): Promise<void> => {
  await runCli(['apply', '--yes'], { cwd: project.dir, env });
  const lock = await project.lock();
  const real = sidsByNumber(sim);
  const calls = { ...lock?.calls };
  for (let i = 4; i <= N; i++) {
    const entry = calls[`sim/c${i}`];
    if (entry !== undefined) calls[`sim/c${i}`] = { ...entry, sid: real.get(numberOf(i - 1)) };
  }
  await project.write('callops.lock', `${JSON.stringify({ ...lock, calls }, null, 2)}\n`);
  // As a checkout of it holds it: without this one's record of what it placed.
  await rm(join(project.dir, '.callops'), { recursive: true });
};

describe('a lockfile whose entries hold sids of calls to other numbers', () => {
  it('status --refresh records no outcome on them, and says the record names another number', async () => {
    const { project, sim } = await setUp();
    await shiftedLock(project, sim);

    const refreshed = await runCli(['status', '--refresh'], { cwd: project.dir, env });

    // c3 is unknown: status says so by its exit.
    expect(refreshed.code, output(refreshed)).toBe(3);
    const calls = (await project.lock())?.calls ?? {};
    expect(calls['sim/c1']?.outcome, output(refreshed)).toBeDefined();
    for (let i = 4; i <= N; i++) {
      expect(calls[`sim/c${i}`]?.outcome).toBeUndefined();
      expect(refreshed.stderr).toContain(
        `refresh: sim/c${i}: the gateway's record of call ${calls[`sim/c${i}`]?.sid} names another number than the one its entry dialled: not recorded on it`,
      );
    }
    expect(refreshed.stderr).toMatch(/3 to another number/);
  });

  it('receive records a status naming another number on no entry, and says why', async () => {
    const { project, sim } = await setUp();
    await shiftedLock(project, sim);
    const before = await project.read('callops.lock');
    // c5's entry holds the sid of the call to c4's number.
    const sid = sidsByNumber(sim).get(numberOf(4)) as string;
    const secret = 'whsec-desync-7c31';
    const child = spawnCli(['receive', '--port', '0'], {
      cwd: project.dir,
      env: { ...env, CALLOPS_WEBHOOK_SECRET: secret },
    });
    const { done, soFar } = watch(child, 30_000);
    const url = await waitFor(
      'the receiver to print its URL',
      () => /(http:\/\/127\.0\.0\.1:\d+)/.exec(soFar())?.[1],
    );
    const body = JSON.stringify({
      call_sid: sid,
      call_status: 'busy',
      sip_status: 486,
      from: '+15550001111',
      to: numberOf(4),
    });
    const now = Math.floor(Date.now() / 1000);
    const reply = await send(url, {
      method: 'POST',
      path: '/',
      body,
      headers: { 'jambonz-signature': jambonzSignature(secret, now, body) },
    });
    expect(reply.status).toBe(204);
    await waitFor('the receiver to say why', () =>
      soFar().includes('names another number') ? true : undefined,
    );
    child.kill('SIGTERM');
    const result = await done;

    expect(result.stderr).toContain(
      `receive: the status of call ${sid} is not recorded on sim/c5: it names another number than the one that entry dialled`,
    );
    expect((await project.lock())?.calls['sim/c5']?.outcome).toBeUndefined();
    // What it kept of the status names no number, only its digest.
    expect(await readStateFiles(project)).not.toContain(numberOf(4));
    expect(await project.read('callops.lock')).toBe(before);
  });

  it('resolve --check shows the call to its number whose sid another entry holds, and settles nothing', async () => {
    const { project, sim } = await setUp();
    await shiftedLock(project, sim);
    const before = await project.read('callops.lock');
    const c3 = sidsByNumber(sim).get(numberOf(3));

    const checked = await runCli(['resolve', '--check', 'sim/c3'], { cwd: project.dir, env });

    expect(checked.code, output(checked)).toBe(3);
    expect(checked.stdout).not.toMatch(/show no call/);
    expect(checked.stdout).toMatch(/sim\/c3: still unknown — one candidate, not certain/);
    expect(checked.stdout).toContain(`${c3}  to ${numberOf(3)}  from +15550001111`);
    expect(checked.stdout).toContain(
      '(its sid is recorded for sim/c4, which dialled another number)',
    );
    expect(await project.read('callops.lock')).toBe(before);
  });
});
