import { createServer, type OutgoingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  bodyOf,
  callsYaml,
  configYaml,
  listenLoopback,
  makeProject,
  output,
  runCli,
} from './helpers.js';

/** The sid of the call the gateway placed behind each odd answer. */
const SID = '7a1c2d3e-0000-4000-8000-0000000000a1';
const ENVOY =
  'upstream connect error or disconnect/reset before headers. reset reason: connection termination';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Answer {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: string | Buffer;
}

/**
 * A gateway whose every create-call is placed, then answered `answer` (a proxy in front of
 * it, or the gateway itself speaking HTTP its own way); its reads list no call.
 */
const startGateway = async (answer: (origin: string) => Answer) => {
  let posts = 0;
  const gw = await listenLoopback(
    createServer(async (req, res) => {
      await bodyOf(req);
      if (req.method !== 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(/\/RecentCalls\?/.test(req.url ?? '') ? '{"data":[]}' : '[]');
        return;
      }
      posts += 1;
      const { status, headers, body } = answer(`http://${req.headers.host}`);
      res.writeHead(status, headers).end(body);
    }),
  );
  cleanups.push(() => gw.close());
  return { ...gw, posts: () => posts };
};

const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };

/** Applies one call against `answer` twice; gives the posts and the entry after each. */
const applyTwice = async (answer: (origin: string) => Answer) => {
  const gw = await startGateway(answer);
  const project = await makeProject({
    'callops.yaml': configYaml(gw.url),
    'calls/a.yaml': callsYaml([{ name: 'remind' }]),
  });
  cleanups.push(() => project.cleanup());
  const first = await runCli(['apply', '--yes'], { cwd: project.dir, env });
  const entry = (await project.lock())?.calls['sim/remind'];
  const postsFirst = gw.posts();
  const second = await runCli(['apply', '--yes'], { cwd: project.dir, env });
  const status = await runCli(['status'], { cwd: project.dir, env });
  return { first, second, status, entry, postsFirst, posts: gw.posts(), project };
};

describe('an answer after which the call may have been placed is never sent again', () => {
  it('a 503 without Retry-After, as Envoy answers once its upstream connection dropped', async () => {
    const r = await applyTwice(() => ({
      status: 503,
      headers: { server: 'envoy', 'content-type': 'text/plain' },
      body: ENVOY,
    }));

    expect(r.postsFirst, output(r.first)).toBe(1);
    expect(r.entry).toMatchObject({ status: 'unknown', httpStatus: 503 });
    expect(r.entry?.message).toBe(
      `the gateway answered 503 Service Unavailable without Retry-After: ${ENVOY} — a proxy answers so when its connection to the gateway dropped after the gateway may have received the request: the call may have been placed; \`callops resolve --check\` looks it up on the gateway`,
    );
    expect(output(r.first)).not.toMatch(/^retry/m);
    // The next apply leaves it to a person.
    expect(r.posts, output(r.second)).toBe(1);
    expect((await r.project.lock())?.calls['sim/remind']?.status).toBe('unknown');
    // status offers the look-up on the gateway first.
    expect(r.status.code).toBe(3);
    expect(r.status.stdout).toContain(
      'settle: callops resolve --check sim/remind looks it up on the gateway; or callops resolve sim/remind --placed SID, or callops resolve sim/remind --not-placed',
    );
  });

  it('a 303 See Other, the POST handled and its result elsewhere', async () => {
    const r = await applyTwice((origin) => ({
      status: 303,
      headers: { location: `${origin}/v1/Accounts/${ACCOUNT_SID}/Calls/${SID}` },
      body: '',
    }));

    expect(r.postsFirst, output(r.first)).toBe(1);
    expect(r.entry).toMatchObject({ status: 'unknown', httpStatus: 303 });
    // The account sid in the Location is redacted, as everywhere else.
    expect(r.entry?.message).toMatch(
      new RegExp(
        `^the gateway answered 303 See Other, pointing at http://127\\.0\\.0\\.1:\\d+/v1/Accounts/\\$\\{VG_ACCOUNT_SID\\}/Calls/${SID}: a 303 after a POST says the request was handled — the call may have been placed$`,
      ),
    );
    expect(r.posts, output(r.second)).toBe(1);
    expect((await r.project.lock())?.calls['sim/remind']?.status).toBe('unknown');
  });

  it('a 201 compressed with gzip, its sid unread', async () => {
    const r = await applyTwice(() => ({
      status: 201,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ sid: SID, callId: 'x@y' })),
    }));

    expect(r.entry).toMatchObject({ status: 'unknown', httpStatus: 201 });
    expect(r.entry?.message).toBe(
      'the gateway answered 201 Created compressed (Content-Encoding gzip), which callops does not read: its call sid is not known — the call may have been placed',
    );
    expect(r.posts, output(r.second)).toBe(1);
  });
});
