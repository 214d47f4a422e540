import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  bodyOf,
  callsYaml,
  configYaml,
  listenLoopback,
  makeProject,
  type Project,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

const ESC = '\u001b';
/** A line callops could have printed, faked by a value that holds a newline. */
const FAKE = 'placed  simulator-x  sid 123';

/** No raw control character (a newline ends a line), and no line that is the faked one. */
const expectNoRawControl = (text: string): void => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  expect(text.split('\n').some((line) => line.startsWith(FAKE))).toBe(false);
};

const call = (lines: readonly string[]) => ['calls:', ...lines, ''].join('\n');

describe('text from call files and the gateway in human output', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('validate shows an unknown key escaped, and JSON keeps it exact', async () => {
    project = await makeProject({
      'calls/a.yaml': call([
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: user, name: bob }',
        '    "\\e[31mRED\\e[0m\\u202e": 1',
      ]),
    });
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown option `\\u001b[31mRED\\u001b[0m\\u202e`');
    expect(r.stderr).toContain('    6 |     "\\e[31mRED\\e[0m\\u202e": 1');
    expectNoRawControl(r.stderr);
    const json = await runCli(['validate', '--format', 'json'], { cwd: project.dir });
    const { errors } = JSON.parse(json.stdout) as { errors: { message: string }[] };
    expect(errors[0]?.message).toBe(`unknown option \`${ESC}[31mRED${ESC}[0m\u202e\``);
  });

  it('validate refuses a destination or from with a control character, at the value', async () => {
    project = await makeProject({
      'calls/a.yaml': call([
        '  - name: a',
        '    application_sid: app',
        '    from: "+1555\\t0001111"',
        `    to: { type: user, name: "bob\\e[2J\\n${FAKE}" }`,
      ]),
    });
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'calls/a.yaml:4:11: error: `from` holds \\t, a character that does not print',
    );
    expect(r.stderr).toContain(
      'calls/a.yaml:5:29: error: `to.name` holds \\u001b, a character that does not print',
    );
    expectNoRawControl(r.stderr);
  });

  it('plan, apply and status show file names and gateway messages escaped', async () => {
    const file = `calls/x${ESC}[2J\n${FAKE}.yaml`;
    project = await makeProject({
      [file]: call([
        '  - name: a',
        // The simulator answers an unknown application_sid with a 400 that repeats it.
        `    application_sid: "app\\e[2J\\n${FAKE}"`,
        '    from: "+15550001111"',
        '    to: { type: user, name: bob }',
      ]),
    });
    const plan = await runCli(['plan'], { cwd: project.dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`(calls/x\\u001b[2J\\n${FAKE}.yaml:2)`);
    expectNoRawControl(plan.stdout + plan.stderr);

    const apply = await runCli(['apply', '--yes'], { cwd: project.dir });
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/^failed {2}simulator\/a {2}400 .*app\\u001b\[2J /m);
    expectNoRawControl(apply.stdout + apply.stderr);

    const status = await runCli(['status'], { cwd: project.dir });
    expect(status.stdout).toMatch(/ {2}simulator\/a {2}at \S+: 400 .*app\\u001b\[2J /);
    expectNoRawControl(status.stdout + status.stderr);

    const json = await runCli(['status', '--format', 'json'], { cwd: project.dir });
    expect(json.stdout).toContain('app\\u001b[2J');
  });

  it('an error quoting a flag value shows it escaped', async () => {
    project = await makeProject({
      'calls/a.yaml': call([
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: user, name: bob }',
      ]),
    });
    const r = await runCli(['plan', '--only', `z${ESC}[2J\u202eq`], { cwd: project.dir });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--only z\\u001b[2J\\u202eq: no call of that name');
    expectNoRawControl(r.stderr);
  });

  it('a one-line error shows a line break of a typed value escaped, wherever it quotes it', async () => {
    project = await makeProject({
      'calls/a.yaml': call([
        '  - name: a',
        '    application_sid: app',
        '    from: "+15550001111"',
        '    to: { type: user, name: bob }',
      ]),
    });
    const typed = `nobody\n${FAKE}`;
    const file = join(project.dir, 'calls/a.yaml');
    const cases: readonly (readonly string[])[] = [
      ['plan', '--only', typed],
      [typed],
      ['plan', `--${typed}`],
      [`--${typed}`, 'plan'],
      ['plan', '--now', typed],
      ['plan', '-C', typed],
      ['report', typed],
      ['status', '--campaign', typed],
      ['status', '--campaign', `nobody\r${FAKE}`],
      ['plan', '--env-file', typed],
      ['init', join(file, typed)],
    ];
    for (const args of cases) {
      const r = await runCli(args, { cwd: project.dir });
      const what = JSON.stringify(args);
      expect(r.code, `${what}: ${r.stderr}`).toBe(64);
      expect(r.stderr.trimEnd().split('\n'), what).toHaveLength(1);
      expect(r.stderr, what).toMatch(/nobody\\[nr]placed {2}simulator-x/);
      expectNoRawControl(r.stdout + r.stderr);
    }
  });

  it('github annotations, the step summary and the plan comment show a gateway message escaped', async () => {
    // A gateway answering with colours, a bidi override and C1 controls (NEL, CSI): 400 to
    // call `a` (failed), 500 to call `b` (unknown).
    const body = 'bad \u001b[31mRED\u001b[0m \u202eevil\u202c \u0085nel \u009bcsi';
    const shown = 'bad \\u001b[31mRED\\u001b[0m \\u202eevil\\u202c \\u0085nel \\u009bcsi';
    const gw = await listenLoopback(
      createServer((req, res) => {
        void bodyOf(req).then((request) => {
          res.writeHead(request.includes('+15550002001') ? 500 : 400, {
            'content-type': 'text/plain; charset=utf-8',
          });
          res.end(body);
        });
      }),
    );
    try {
      project = await makeProject({
        'callops.yaml': configYaml(gw.url),
        'calls/a.yaml': callsYaml([{ name: 'a' }, { name: 'b' }]),
      });
      const summary = join(project.dir, 'summary.md');
      const env = {
        VG_ACCOUNT_SID: ACCOUNT_SID,
        VG_API_KEY: API_KEY,
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
      };
      const apply = await runCli(['apply', '--yes'], { cwd: project.dir, env });
      expect(apply.code).toBe(1);
      const annotations = apply.stdout.split('\n').filter((l) => l.startsWith('::'));
      expect(annotations).toContainEqual(
        expect.stringMatching(/^::error file=calls\/a\.yaml,line=\d+,.*::sim\/a failed: 400 /),
      );
      expect(annotations.find((l) => l.includes('sim/a failed'))).toContain(`400 ${shown}`);
      expect(annotations.find((l) => l.includes('sim/b is unknown'))).toContain(`: ${shown} — `);
      const md = await readFile(summary, 'utf8');
      expect(md).toContain(`| ${'`'}sim/a${'`'} | failed | 400 ${shown} |`);
      expect(md).toMatch(/^\| `sim\/b` \| unknown \| 500 .*: bad \\u001b\[31mRED.*\\u009bcsi — /m);
      expectNoRawControl(apply.stdout + apply.stderr + md);
      // Escaped once: the backslash of an escape is not escaped again.
      expect(apply.stdout + md).not.toContain('\\\\u001b');
      // The lockfile (JSON) keeps the gateway's text exact.
      expect((await project.lock())?.calls['sim/a']?.message).toBe(body);

      const comment = await runCli(['plan', '--format', 'markdown'], { cwd: project.dir, env });
      expect(comment.code).toBe(0);
      expect(comment.stdout).toContain(`: ${shown} — `);
      expectNoRawControl(comment.stdout + comment.stderr);

      const status = await runCli(['status', '--format', 'github'], { cwd: project.dir, env });
      expect(status.stdout).toContain(`: ${shown} — `);
      expectNoRawControl(status.stdout + status.stderr);
    } finally {
      await gw.close();
    }
  });

  it('a gateway error page read back for outcomes shows escaped in status, apply --wait, run and resolve --check', async () => {
    // Create-call answers 201 (call `a`) or 500 (call `b`: unknown); every read of the
    // calls (GET) answers 400 with a page that would clear the screen, fake callops's
    // summary line, retitle the terminal and reverse what follows.
    const page = `oops ${ESC}[2J${ESC}[H${ESC}[32mDone: 0 placed${ESC}]0;pwned\u0007 \u202e`;
    const shown = 'oops \\u001b[2J\\u001b[H\\u001b[32mDone: 0 placed\\u001b]0;pwned\\u0007 \\u202e';
    const gw = await listenLoopback(
      createServer((req, res) => {
        void bodyOf(req).then((request) => {
          if (req.method === 'GET') {
            res.writeHead(400, { 'content-type': 'text/plain' }).end(page);
          } else if (request.includes('+15550002001')) {
            res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
          } else {
            res.writeHead(201, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ sid: randomUUID(), callId: randomUUID() }));
          }
        });
      }),
    );
    const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };
    try {
      project = await makeProject({
        'callops.yaml': configYaml(gw.url),
        'calls/a.yaml': callsYaml([{ name: 'a' }, { name: 'b' }]),
      });
      const { dir } = project;
      const apply = await runCli(['apply', '--yes', '--wait', '1s'], { cwd: dir, env });
      expect(apply.stdout).toMatch(/^placed {2}sim\/a /m);
      expect(apply.stderr).toContain(
        `--wait: target sim: GET /Calls: the gateway answered 400 Bad Request: ${shown}`,
      );
      expectNoRawControl(apply.stdout + apply.stderr);

      const status = await runCli(['status', '--refresh'], { cwd: dir, env });
      expect(status.stderr).toContain(
        `refresh: could not read the gateway: GET /Calls: the gateway answered 400 Bad Request: ${shown}`,
      );
      expectNoRawControl(status.stdout + status.stderr);

      for (const format of ['human', 'github']) {
        const check = await runCli(['resolve', '--check', '--format', format], { cwd: dir, env });
        expect(check.stderr, format).toContain(
          `resolve --check: target sim: GET /Calls: the gateway answered 400 Bad Request: ${shown}`,
        );
        expectNoRawControl(check.stdout + check.stderr);
      }

      const child = spawnCli(['run', '--yes'], {
        cwd: dir,
        env: { ...env, CALLOPS_RUN_REFRESH_SECONDS: '1' },
      });
      const { done, soFar } = watch(child, 60_000);
      await waitFor(
        'run to report the gateway it could not read',
        () => (soFar().includes('refresh: target sim: ') ? true : undefined),
        { timeoutMs: 30_000, everyMs: 50 },
      );
      child.kill('SIGTERM');
      const run = await done;
      expect(run.stderr).toContain(
        `refresh: target sim: could not read the gateway: GET /Calls: the gateway answered 400 Bad Request: ${shown}`,
      );
      expectNoRawControl(run.stdout + run.stderr);
    } finally {
      await gw.close();
    }
  }, 90_000);
});
