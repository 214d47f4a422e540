import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { jambonzSignature } from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
import {
  ACCOUNT_SID,
  API_KEY,
  bodyOf,
  callsYaml,
  configYaml,
  FROM,
  listenLoopback,
  makeProject,
  output,
  type Project,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

/** The one sid this gateway answers to every call. */
const SID = '0ca110b5-0000-4000-8000-00000000abcd';
const N = 20;
/** The number the first call dials (callsYaml numbers its calls from 2000). */
const FIRST = '+15550002000';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A gateway that answers every create-call with 201 and the same sid, and lists one live
 * record for that sid: a busy call to the first number.
 */
const startOneSidGateway = async () => {
  let posts = 0;
  const gw = await listenLoopback(
    createServer(async (req, res) => {
      await bodyOf(req);
      const url = req.url ?? '';
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST') {
        posts += 1;
        res.writeHead(201).end(JSON.stringify({ sid: SID, callId: 'x@y' }));
      } else if (/\/Calls\?/.test(url)) {
        const record = { call_sid: SID, call_status: 'busy', sip_status: 486, duration: 0 };
        res.writeHead(200).end(JSON.stringify([{ ...record, from: FROM, to: FIRST }]));
      } else if (/\/RecentCalls\?/.test(url)) {
        res.writeHead(200).end(JSON.stringify({ data: [] }));
      } else {
        res.writeHead(404).end('{"msg":"not found"}');
      }
    }),
  );
  cleanups.push(() => gw.close());
  return { ...gw, posts: () => posts };
};

const setUp = async (): Promise<{ project: Project; posts: () => number }> => {
  const gw = await startOneSidGateway();
  const names = Array.from({ length: N }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const project = await makeProject({
    'callops.yaml': configYaml(gw.url, ['concurrency: 4']),
    'calls/a.yaml': callsYaml(names.map((name) => ({ name }))),
  });
  cleanups.push(() => project.cleanup());
  return { project, posts: gw.posts };
};

const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };

/**
 * Applies, then makes every entry placed with SID, as a lockfile written before a sid was
 * refused twice has it.
 */
const sharedSidLock = async (project: Project): Promise<void> => {
  await runCli(['apply', '--yes'], { cwd: project.dir, env });
  const lock = await project.lock();
  const calls = Object.fromEntries(
    Object.entries(lock?.calls ?? {}).map(([key, e]) => {
      const { httpStatus: _h, message: _m, ...rest } = e;
      return [key, { ...rest, status: 'placed', sid: SID, callId: 'x@y' }];
    }),
  );
  await project.write('callops.lock', `${JSON.stringify({ ...lock, calls }, null, 2)}\n`);
};

describe('a gateway that answers one sid to different calls', () => {
  it('records it placed once; the other calls are unknown, naming the key that has it', async () => {
    const { project, posts } = await setUp();

    const applied = await runCli(['apply', '--yes'], { cwd: project.dir, env });

    expect(posts()).toBe(N);
    expect(output(applied)).toMatch(/1 placed/);
    const entries = Object.entries((await project.lock())?.calls ?? {});
    expect(entries).toHaveLength(N);
    const placed = entries.filter(([, e]) => e.status === 'placed');
    const unknown = entries.filter(([, e]) => e.status === 'unknown');
    expect(placed).toHaveLength(1);
    expect(unknown).toHaveLength(N - 1);
    // The lockfile's sids stay unique.
    const sids = entries.flatMap(([, e]) => (e.sid === undefined ? [] : [e.sid]));
    expect(sids).toEqual([SID]);
    const [owner] = placed[0] ?? [];
    for (const [, e] of unknown) {
      expect(e.httpStatus).toBe(201);
      expect(e.message).toBe(
        `the gateway answered 201 Created with sid ${SID}, which it already gave to ${owner} — the call may have been placed`,
      );
    }

    // The one record of that sid goes to the one entry that has it, not to every call.
    const refreshed = await runCli(['status', '--refresh'], { cwd: project.dir, env });
    expect(refreshed.stderr, output(refreshed)).toMatch(/asked target sim about 1 call/);
    const after = Object.values((await project.lock())?.calls ?? {}) as {
      outcome?: { status: string };
    }[];
    expect(after.filter((e) => e.outcome !== undefined).map((e) => e.outcome?.status)).toEqual([
      'busy',
    ]);
  });

  it('a later apply given the sid again records that call unknown too', async () => {
    const { project } = await setUp();
    await runCli(['apply', '--yes'], { cwd: project.dir, env });
    const later = callsYaml([{ name: 'later', to: '{ type: phone, number: "+15550009999" }' }]);
    await project.write('calls/b.yaml', later);

    await runCli(['apply', '--yes'], { cwd: project.dir, env });

    const entry = (await project.lock())?.calls['sim/later'];
    expect(entry?.status).toBe('unknown');
    expect(entry?.message).toMatch(/which it already gave to sim\/c\d\d/);
  });

  it('a lockfile that already holds one sid for several entries gets no outcome for any', async () => {
    const { project } = await setUp();
    await sharedSidLock(project);

    const refreshed = await runCli(['status', '--refresh'], { cwd: project.dir, env });

    expect(refreshed.code, output(refreshed)).toBe(0);
    const after = Object.values((await project.lock())?.calls ?? {}) as { outcome?: unknown }[];
    expect(after).toHaveLength(N);
    expect(after.filter((e) => e.outcome !== undefined)).toEqual([]);
  });

  it('receive records a signed status of that sid on none of them, and says why', async () => {
    const { project } = await setUp();
    await sharedSidLock(project);
    const before = await project.read('callops.lock');
    const secret = 'whsec-sid-reuse-5b1e';
    const child = spawnCli(['receive', '--port', '0'], {
      cwd: project.dir,
      env: { ...env, CALLOPS_WEBHOOK_SECRET: secret },
    });
    const { done, soFar } = watch(child, 30_000);
    const url = await waitFor(
      'the receiver to print its URL',
      () => /(http:\/\/127\.0\.0\.1:\d+)/.exec(soFar())?.[1],
    );
    const body = JSON.stringify({ call_sid: SID, call_status: 'busy', sip_status: 486 });
    const now = Math.floor(Date.now() / 1000);
    const reply = await send(url, {
      method: 'POST',
      path: '/',
      body,
      headers: { 'jambonz-signature': jambonzSignature(secret, now, body) },
    });
    expect(reply.status).toBe(204);
    await waitFor('the receiver to say why', () =>
      soFar().includes('more than one entry has that sid') ? true : undefined,
    );
    child.kill('SIGTERM');
    const result = await done;

    expect(result.code, output(result)).toBe(0);
    expect(result.stderr).toContain(
      `receive: the status of call ${SID} is not recorded: more than one entry has that sid`,
    );
    expect(await project.read('callops.lock')).toBe(before);
  });
});
