// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  envConfigYaml,
  makeProject,
  output,
  type Project,
  runCli,
} from './helpers.js';

// A password holding `@` and `#` (or `/`), written into a url unencoded: the URL parser reads
// what follows its `@` as the host (as reported: `Xy34Secret`, looked up and printed). Here the
// host so read is a loopback listener, which counts what connects; whatever callops prints, it
// names no piece of the password.
const HEAD = 'Ab12';
const TAIL = 'Xy34Secret';

/** A loopback port that counts the connections made to it, and drops each. */
const listener = async (): Promise<{ port: number; count(): number; close(): Promise<void> }> => {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    n += 1;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    count: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
};

const STATE = (url: string) => ['state:', '  backend: postgres', `  url: "${url}"`, ''].join('\n');

let project: Project;
let first: Awaited<ReturnType<typeof listener>>;
let second: Awaited<ReturnType<typeof listener>>;
beforeAll(async () => {
  project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) });
  [first, second] = await Promise.all([listener(), listener()]);
});
afterAll(async () => {
  await Promise.all([first.close(), second.close(), project.cleanup()]);
});

/** Runs `args` with the state url `url` in callops.yaml (line 3, column 8) and `env`. */
const run = async (url: string, args: readonly string[], env: Record<string, string>) => {
  await project.write('callops.yaml', STATE(url));
  return runCli(args, { cwd: project.dir, env, timeoutMs: 20_000 });
};

/** Neither piece of the password, in any case (a host is shown lower-cased), nor a connection's error. */
const noPiece = (text: string) => {
  const lower = text.toLowerCase();
  expect(lower).not.toContain(TAIL.toLowerCase());
  expect(lower).not.toContain(HEAD.toLowerCase());
  expect(text).not.toContain('could not be reached');
};

describe('a state url whose parts a value moves is refused, and nothing is connected to', () => {
  it('a ${PGPASS} holding `@` and `#` (or `/`) is an error at the url naming the variable and what to encode', {
    timeout: 60_000,
  }, async () => {
    const url = `postgres://canary:\${PGPASS}@127.0.0.1:${second.port}/postgres`;
    for (const [password, char, encoded] of [
      [`${HEAD}@127.0.0.1:${first.port}#${TAIL}`, '#', '%23'],
      [`${HEAD}@127.0.0.1:${first.port}/${TAIL}`, '/', '%2F'],
    ] as const) {
      for (const args of [['status'], ['plan', '--format', 'github']]) {
        const r = await run(url, args, { PGPASS: password });
        expect(r.code, output(r)).toBe(1);
        const said = output(r);
        noPiece(said);
        expect(said).toContain('`${PGPASS}` in the password of `state.url` holds `@`');
        const how = `\`@\` as %40 and \`${char}\` as ${encoded}`;
        if (args[0] === 'status') {
          expect(r.stderr).toContain('callops.yaml:3:8: error: ');
          expect(said).toContain(how);
        } else {
          // A workflow command writes `%` as %25.
          expect(r.stdout).toContain('::error file=callops.yaml,line=3,col=8');
          expect(said).toContain(how.replaceAll('%', '%25'));
        }
      }
    }
    expect(first.count()).toBe(0);
    expect(second.count()).toBe(0);
  });

  it('a whole-url variable with a raw `@`, `#` or `/` in its password is refused, naming the variable', {
    timeout: 60_000,
  }, async () => {
    for (const [value, says] of [
      [
        `postgres://canary:${HEAD}@127.0.0.1:${first.port}#${TAIL}@127.0.0.1:${second.port}/postgres`,
        'holds a `#`',
      ],
      [
        `postgres://canary:${HEAD}@${TAIL}@127.0.0.1:${second.port}/postgres`,
        'has more than one `@` before its host',
      ],
      [
        `postgres://127.0.0.1:${first.port}/${HEAD}${TAIL}@127.0.0.1:${second.port}/postgres`,
        'has a `/` before an `@`',
      ],
      [
        `postgres://127.0.0.1:${first.port}?${HEAD}${TAIL}=1@127.0.0.1:${second.port}/postgres`,
        'has a `?` before the `@`',
      ],
    ] as const) {
      for (const args of [['status'], ['plan', '--format', 'github']]) {
        const r = await run('${CALLOPS_DATABASE_URL}', args, { CALLOPS_DATABASE_URL: value });
        expect(r.code, output(r)).toBe(1);
        const said = output(r);
        noPiece(said);
        expect(said).toContain(`\`state.url\` (from CALLOPS_DATABASE_URL) ${says}`);
      }
    }
    expect(first.count()).toBe(0);
    expect(second.count()).toBe(0);
  });

  it('a webhook url of a call is read the same way: the gateway would call a piece of the password', {
    timeout: 60_000,
  }, async () => {
    // No target: the built-in simulator, which would accept the call and its hook as sent.
    await project.write('callops.yaml', 'defaults: { timeout: 30 }\n');
    for (const [hook, env, says] of [
      [
        '"https://hook:${PW}@hooks.example.com/cb"',
        { PW: `${HEAD}@${TAIL}#z` },
        '`${PW}` in the password of `actionHook` holds `@` and `#`',
      ],
      [
        '{ url: "${HOOK}", method: POST }',
        { HOOK: `https://hook:${HEAD}@${TAIL}#z@hooks.example.com/cb` },
        '`actionHook.url` (from HOOK) holds a `#`',
      ],
    ] as const) {
      await project.write(
        'calls/a.yaml',
        callsYaml([{ name: 'a', extra: [`actionHook: ${hook}`] }]),
      );
      const r = await runCli(['apply', '--yes'], { cwd: project.dir, env });
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr).toContain(says);
      expect(r.stderr).toContain('nothing was sent');
      noPiece(output(r));
      expect(project.exists('callops.lock')).toBe(false);
    }
    await project.write('calls/a.yaml', callsYaml([{ name: 'a' }]));
  });

  it('a base_url whose host a value would make of a secret is refused, and the target line shows no such host', {
    timeout: 60_000,
  }, async () => {
    await project.write('callops.yaml', envConfigYaml());
    for (const value of [
      `http://${HEAD}@${TAIL}#z@127.0.0.1:${first.port}`,
      `http://127.0.0.1:${first.port}/${HEAD}${TAIL}@127.0.0.1:${second.port}`,
      `http://127.0.0.1:${first.port}\\${HEAD}${TAIL}@127.0.0.1:${second.port}`,
    ]) {
      const env = { VG_BASE_URL: value, VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };
      const plan = await runCli(['plan'], { cwd: project.dir, env });
      expect(plan.stdout).toContain('target gw: ${VG_BASE_URL}');
      noPiece(output(plan));
      const apply = await runCli(['apply', '--yes'], { cwd: project.dir, env });
      expect(apply.code, output(apply)).toBe(1);
      expect(apply.stderr).toContain('callops.yaml:3:15: error: base_url `${VG_BASE_URL}`');
      noPiece(output(apply));
    }
    expect(first.count()).toBe(0);
    expect(second.count()).toBe(0);
  });
});
