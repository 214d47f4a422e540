// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import {
  APP_SID,
  bodyOf,
  type CliResult,
  callsYaml,
  closedPort,
  collect,
  envConfigYaml,
  filesUnder,
  listenLoopback,
  makeProject,
  output,
  type Project,
  runCli,
  spawnCli,
  waitFor,
  watch,
} from './helpers.js';

// Canaries: values that reach the CLI only through the environment. None may ever show up in
// what callops prints or writes, in any encoding. The key and the note hold every character
// that JSON, URL, HTML and base64 encodings change (the key no space: a bearer token has
// none); each starts and ends with a run of letters and digits found nowhere else, so any
// encoding of it that keeps letters still shows them.
const KEY = 'Zq8Xv3/+"&<>\'ü-Kd7Wm2';
const NOTE = 'Np4Rt6 /+ "&<>\' ü Hy2Bc9';
const ACCOUNT = 'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500';
const NUMBER = '+15557770123';
const APP = 'ca9a21e5-0a99-4bad-8f3a-1cca9a21e5aa';

/** The runs of base64 that encode `value` wherever it sits inside a longer base64 text. */
const base64Runs = (value: string): string[] =>
  [0, 1, 2].map((offset) => {
    const bytes = Buffer.concat([Buffer.alloc(offset), Buffer.from(value, 'utf8')]);
    const text = bytes.toString('base64');
    // Skip the characters that share bits with what precedes; keep only whole 6-bit groups.
    return text.slice([0, 2, 3][offset], Math.floor((bytes.length * 8) / 6));
  });

/** Each canary, fragments of it that would still identify it, and its base64 forms. */
const PATTERNS = [
  'Zq8Xv3',
  'Kd7Wm2',
  'Np4Rt6',
  'Hy2Bc9',
  ACCOUNT,
  'ca9a21e5',
  '5557770123',
  APP,
  ...base64Runs(KEY),
  ...base64Runs(NOTE),
];
/**
 * The plain sha256 of each canary (of its text, and of its JSON as a digest of a value
 * would hash it), as hex, base64 and base64url, whole and cut to 128 bits: a plan file holds
 * digests of the values its calls resolve to, salted, never one a table of likely values
 * (or of the secret itself) would find.
 */
const PLAIN_DIGESTS = [KEY, NOTE, ACCOUNT, NUMBER, APP].flatMap((value) =>
  [value, JSON.stringify(value)].flatMap((text) => {
    const digest = createHash('sha256').update(text).digest();
    return [digest, digest.subarray(0, 16)].flatMap((d) => [
      d.toString('hex'),
      d.toString('base64'),
      d.toString('base64url'),
    ]);
  }),
);

/** What the simulator's log must not hold (it legitimately holds request bodies). */
const KEY_PATTERNS = ['Zq8Xv3', 'Kd7Wm2', ...base64Runs(KEY)];

const CALLS = callsYaml(
  ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'].map((name) => ({
    name,
    to: '{ type: phone, number: "${ALICE_NUMBER}" }',
    extra: [
      'tag: { who: "${ALICE_NUMBER}", note: "${NOTE}" }',
      'headers: { X-Account: "${VG_ACCOUNT_SID}", X-Note: "${NOTE}" }',
    ],
  })),
);
const APP_CALL = callsYaml([{ name: 'app', extra: ['application_sid: ${APP_SID_VAR}'] }]);

const CONFIG = envConfigYaml(['concurrency: 2']);

/**
 * A gateway that echoes everything back in its 400 message — the `to` it was given and the
 * bearer token — as a careless proxy or gateway might.
 */
const startEchoGateway = () =>
  listenLoopback(
    createServer(async (req, res) => {
      const body = await bodyOf(req);
      let to: unknown;
      try {
        to = (JSON.parse(body) as { to?: unknown }).to;
      } catch {
        to = body;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          msg: `missing or invalid to property: ${JSON.stringify(to)} (token ${req.headers.authorization}, path ${req.url})`,
        }),
      );
    }),
  );

const named: Record<string, string> = {
  '"': '&quot;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  "'": '&#39;',
  ü: '&uuml;',
};
/** HTML escapes as different servers write them. */
const ESCAPES: Record<string, (text: string) => string> = {
  named: (t) => t.replace(/["&<>'ü]/g, (c) => named[c] ?? c),
  decimal: (t) => t.replace(/[^A-Za-z0-9 -]/g, (c) => `&#${c.codePointAt(0)};`),
  hex: (t) =>
    t.replace(/[^A-Za-z0-9-]/g, (c) => `&#x${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()};`),
};

/**
 * A gateway whose error pages echo the token and the note of the request in one encoding,
 * chosen by the first segment of the path (`/named/500/v1/…`; `cycle`: each request the next
 * one), with the status of the second:
 * HTML entities (named, decimal, hex), base64 at each alignment (as a Basic credential
 * would), URL and form encoding, and JSON escapes in a plain-text answer.
 */
const STYLES = ['named', 'decimal', 'hex', 'b64', 'url', 'json'];
let served = 0;
const startPageGateway = () =>
  listenLoopback(
    createServer(async (req, res) => {
      const body = await bodyOf(req);
      const [, path = '', status = '400'] = (req.url ?? '').split('/');
      const style = path === 'cycle' ? (STYLES[served++ % STYLES.length] ?? '') : path;
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      let note = '';
      try {
        note = String((JSON.parse(body) as { tag?: { note?: unknown } }).tag?.note ?? '');
      } catch {}
      const escapeHtml = ESCAPES[style];
      const b64 = (t: string) => Buffer.from(t, 'utf8').toString('base64');
      let text: string;
      let type = 'text/html';
      if (escapeHtml) {
        text = `<html><head><title>${status} Error</title></head><body><h1>Bad request</h1><p>token ${escapeHtml(token)}</p><p>note ${escapeHtml(note)}</p></body></html>`;
      } else if (style === 'b64') {
        text = `<p>Authorization: Basic ${b64(`callops:${token}`)}</p><p>id ${b64(`x${note}`)} ${b64(note)}</p>`;
      } else if (style === 'url') {
        type = 'text/plain';
        text = `rejected /Calls?token=${encodeURIComponent(token)}&note=${new URLSearchParams({ n: note }).toString().slice(2)}`;
      } else {
        type = 'text/plain';
        text = `rejected ${JSON.stringify({ token, note })}`;
      }
      res.writeHead(Number(status), { 'content-type': type });
      res.end(text);
    }),
  );

describe('secrets from the environment never leak', () => {
  let project: Project;
  let good: RunningSimulator;
  let wrongKey: RunningSimulator;
  let appCheck: RunningSimulator;
  let broken: RunningSimulator;
  let held: RunningSimulator;
  const arrived: (() => void)[] = [];
  let echo: Awaited<ReturnType<typeof startEchoGateway>>;
  let pages: Awaited<ReturnType<typeof startPageGateway>>;
  let logDir: string;
  const seen: { what: string; result: CliResult }[] = [];

  beforeAll(async () => {
    logDir = await mkdtemp(join(tmpdir(), 'callops-simlog-'));
    good = await startSimulator({
      accountSid: ACCOUNT,
      apiKey: KEY,
      logFile: join(logDir, 'sim.jsonl'),
    });
    wrongKey = await startSimulator({ accountSid: ACCOUNT, apiKey: 'some-other-key-0000' });
    appCheck = await startSimulator({
      accountSid: ACCOUNT,
      apiKey: KEY,
      applicationSids: [APP_SID],
    });
    broken = await startSimulator({ accountSid: ACCOUNT, apiKey: KEY, failStatus: 500 });
    // Holds each accepted call until the test lets it go, so a run can be killed mid-request.
    held = await startSimulator({
      accountSid: ACCOUNT,
      apiKey: KEY,
      latencyMs: 1,
      wait: () => new Promise<void>((resolve) => arrived.push(resolve)),
    });
    echo = await startEchoGateway();
    pages = await startPageGateway();
    project = await makeProject({
      'callops.yaml': CONFIG,
      'calls/alice.yaml': CALLS,
      'calls/app.yaml': APP_CALL,
    });
  });
  afterAll(async () => {
    await Promise.all([good, wrongKey, appCheck, broken, held, echo, pages].map((s) => s?.close()));
    await project?.cleanup();
    if (logDir) await rm(logDir, { recursive: true, force: true });
  });

  const env = (gatewayUrl: string, extra: Record<string, string | undefined> = {}) => ({
    VG_BASE_URL: gatewayUrl,
    VG_ACCOUNT_SID: ACCOUNT,
    VG_API_KEY: KEY,
    ALICE_NUMBER: NUMBER,
    APP_SID_VAR: APP,
    NOTE,
    ...extra,
  });
  const run = async (what: string, args: string[], gatewayUrl: string, extra = {}) => {
    const result = await runCli(args, { cwd: project.dir, env: env(gatewayUrl, extra) });
    seen.push({ what, result });
    return result;
  };

  it('runs every command and error path, and no canary appears in any output or file', async () => {
    const summary = join(project.dir, 'step-summary.md');
    const planFile = join(project.dir, 'reviewed.plan.json');
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const dead = `http://127.0.0.1:${await closedPort()}`;

    // Commands that take no run lock, side by side.
    const readOnly = await Promise.all([
      run('validate', ['validate'], good.url),
      run('validate json', ['validate', '--format', 'json'], good.url),
      run('validate github', ['validate', '--format', 'github'], good.url, gh),
      run('plan', ['plan'], good.url),
      run('plan json', ['plan', '--format', 'json'], good.url),
      run('plan github', ['plan', '--format', 'github'], good.url, gh),
      run('plan --out', ['plan', '--out', planFile], good.url),
    ]);
    expect(readOnly.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);

    // Missing variable: reported by name and place, nothing sent.
    const missing = await run('missing var', ['apply', '--yes'], good.url, {
      ALICE_NUMBER: undefined,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ALICE_NUMBER');
    const missingNote = await run(
      'missing var verbose',
      ['apply', '--yes', '--verbose'],
      good.url,
      {
        NOTE: undefined,
      },
    );
    expect(missingNote.code).toBe(1);
    expect(missingNote.stderr).toContain('NOTE');

    // 401: the simulator knows another key.
    expect((await run('401', ['apply', '--yes', '--only', 'c1'], wrongKey.url)).code).toBe(1);
    expect((await project.lock())?.calls['gw/c1']?.httpStatus).toBe(401);

    // 400 whose message echoes the destination and the token.
    const echoed = await run('400 echo', ['apply', '--yes', '--only', 'c2'], echo.url);
    expect(echoed.code).toBe(1);
    const echoEntry = (await project.lock())?.calls['gw/c2'];
    expect(echoEntry?.httpStatus).toBe(400);
    expect(echoEntry?.message).toContain('missing or invalid to property');
    expect(echoEntry?.message).toContain('${ALICE_NUMBER}');

    // 400 from the simulator naming the unknown application_sid.
    expect((await run('400 app', ['apply', '--yes', '--only', 'app'], appCheck.url)).code).toBe(1);
    const appEntry = (await project.lock())?.calls['gw/app'];
    expect(appEntry?.httpStatus).toBe(400);
    expect(appEntry?.message).toContain('application_sid not found');

    // 400 echo again, as JSON and as GitHub annotations with a step summary.
    expect(
      (await run('400 json', ['apply', '--yes', '--only', 'c2', '--format', 'json'], echo.url))
        .code,
    ).toBe(1);
    expect(
      (
        await run(
          '400 github',
          ['apply', '--yes', '--only', 'c2', '--format', 'github'],
          echo.url,
          gh,
        )
      ).code,
    ).toBe(1);

    // Error pages echoing the token and the note HTML-escaped, base64-, URL- or JSON-encoded
    // (each request gets the next encoding), for every call, in each output format.
    const formats: string[][] = [[], ['--format', 'json'], ['--format', 'github']];
    for (const format of formats) {
      const paged = await run(
        `400 pages ${format.join(' ')}`,
        ['apply', '--yes', ...format],
        `${pages.url}/cycle/400`,
        format.includes('github') ? gh : {},
      );
      expect(paged.code).toBe(1);
      const entries = Object.values((await project.lock())?.calls ?? {});
      expect(entries).toHaveLength(9);
      for (const entry of entries) {
        expect(entry.httpStatus).toBe(400);
        // The page's words are kept; only the secrets are replaced.
        expect(entry.message).toContain('${VG_API_KEY}');
      }
    }
    // A 500 page echoing them: unknown, with --verbose, then retried on two more pages.
    const pageRuns: [string, string[]][] = [
      ['named', ['--verbose']],
      ['hex', ['--retry-unknown', '--format', 'json', '--verbose']],
    ];
    for (const [style, flags] of pageRuns) {
      const paged = await run(
        `500 ${style} page ${flags.join(' ')}`,
        ['apply', '--yes', '--only', 'c8', ...flags],
        `${pages.url}/${style}/500`,
        flags.includes('github') ? gh : {},
      );
      expect(paged.code).toBe(1);
      const entry = (await project.lock())?.calls['gw/c8'];
      expect(entry?.status).toBe('unknown');
      expect(entry?.message).toContain('${VG_API_KEY}');
      expect(entry?.message).toContain('${NOTE}');
    }
    expect((await run('resolve c8', ['resolve', 'gw/c8', '--not-placed'], good.url)).code).toBe(0);

    // A dead gateway and an answer that leaves the outcome unknown.
    expect((await run('dead', ['apply', '--yes', '--only', 'c3'], dead)).code).toBe(1);
    expect((await run('500', ['apply', '--yes', '--only', 'c4'], broken.url)).code).toBe(1);
    expect((await project.lock())?.calls['gw/c4']?.status).toBe('unknown');

    // Successes, in each format.
    expect((await run('apply', ['apply', '--yes', '--only', 'c1'], good.url)).code).toBe(0);
    expect(
      (await run('apply json', ['apply', '--yes', '--only', 'c2', '--format', 'json'], good.url))
        .code,
    ).toBe(0);
    expect(
      (
        await run(
          'apply github',
          ['apply', '--yes', '--only', 'c3', '--format', 'github'],
          good.url,
          gh,
        )
      ).code,
    ).toBe(0);
    const planned = await run(
      'plan --out c5',
      ['plan', '--only', 'c5', '--out', planFile],
      good.url,
    );
    expect(planned.code).toBe(0);
    expect((await run('apply --plan', ['apply', '--yes', '--plan', planFile], good.url)).code).toBe(
      0,
    );

    // A run killed while its request is at the gateway: the journal it leaves is scanned too.
    const killed = spawnCli(['apply', '--yes', '--only', 'c7'], {
      cwd: project.dir,
      env: env(held.url),
    });
    const killedDone = collect(killed, 15_000);
    await waitFor('the request to reach the gateway', () =>
      arrived.length > 0 ? true : undefined,
    );
    killed.kill('SIGKILL');
    seen.push({ what: 'killed apply', result: await killedDone });
    const leftBehind = await filesUnder(project.dir);
    expect(
      leftBehind.some((f) => f.path.endsWith('journal.jsonl') && f.text.includes('gw/c7')),
    ).toBe(true);
    for (const release of arrived) release();
    const heldSid = await waitFor('the held call to be answered', () => held.received()[0]?.sid);

    // Unknown entries (the killed apply's) make status exit 3.
    expect((await run('status', ['status'], good.url)).code).toBe(3);
    expect((await run('status json', ['status', '--format', 'json'], good.url)).code).toBe(3);
    expect((await run('status github', ['status', '--format', 'github'], good.url, gh)).code).toBe(
      3,
    );
    expect((await run('resolve', ['resolve', 'gw/c4', '--not-placed'], good.url)).code).toBe(0);
    const resolved = await run(
      'resolve placed',
      ['resolve', 'gw/c7', '--placed', heldSid],
      good.url,
    );
    expect(resolved.code).toBe(0);
    expect((await project.lock())?.calls['gw/c7']?.sid).toBe(heldSid);
    expect((await run('unlock', ['unlock'], good.url)).code).toBe(0);
    const rest = ['apply', '--yes', '--only', 'app', '--only', 'c4'];
    expect((await run('apply retried', rest, good.url)).code).toBe(0);

    // The long-running scheduler, stopped with SIGTERM once it has placed what was due.
    const child = spawnCli(['run', '--yes'], { cwd: project.dir, env: env(good.url) });
    const done = collect(child, 15_000);
    await waitFor('run to place c6', async () =>
      (await project.lock())?.calls['gw/c6']?.status === 'placed' ? true : undefined,
    );
    child.kill('SIGTERM');
    const ran = await done;
    seen.push({ what: 'run', result: ran });
    expect(ran.code).toBe(0);

    // The simulator logs request bodies (the note, the number), never the key.
    const simLog = await readFile(join(logDir, 'sim.jsonl'), 'utf8');
    expect(simLog).toContain('Np4Rt6');
    expect(KEY_PATTERNS.filter((p) => simLog.includes(p))).toEqual([]);

    // Positive control: the canaries did reach the gateways.
    const bodies = JSON.stringify(good.received().map((r) => r.body));
    expect(bodies).toContain(NUMBER);
    expect(bodies).toContain(ACCOUNT);
    expect(good.received().some((r) => JSON.stringify(r.body).includes(JSON.stringify(NOTE)))).toBe(
      true,
    );
    expect(good.received().filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(appCheck.received())).toContain(APP);
    expect(wrongKey.received().length).toBeGreaterThan(0);

    // Every file the runs wrote exists, so the scan below covers them.
    const files = await filesUnder(project.dir);
    const names = files.map((f) => f.path.slice(project.dir.length + 1).replaceAll('\\', '/'));
    expect(names).toEqual(
      expect.arrayContaining(['callops.lock', 'reviewed.plan.json', 'step-summary.md']),
    );
    expect((await project.read('step-summary.md')).length).toBeGreaterThan(0);

    const leaks: string[] = [];
    for (const { what, result } of seen) {
      for (const [stream, text] of [
        ['stdout', result.stdout],
        ['stderr', result.stderr],
      ] as const) {
        for (const p of PATTERNS)
          if (text.includes(p)) leaks.push(`${what} ${stream}: ${p}\n${text}`);
      }
    }
    for (const { path, text } of [...leftBehind, ...files]) {
      for (const p of PATTERNS) if (text.includes(p)) leaks.push(`${path}: ${p}\n${text}`);
    }
    // The plan file records digests of what its calls resolve to (positive control), none
    // of them the plain sha256 of a canary.
    const planText = await project.read('reviewed.plan.json');
    const plan = JSON.parse(planText) as { gateways: object; due: { values?: string }[] };
    expect(Object.keys(plan.gateways)).toEqual(['gw']);
    expect(plan.due.length).toBeGreaterThan(0);
    expect(plan.due.every((item) => typeof item.values === 'string')).toBe(true);
    for (const p of PLAIN_DIGESTS) {
      if (planText.includes(p)) leaks.push(`reviewed.plan.json: sha256 ${p}\n${planText}`);
    }
    expect(leaks).toEqual([]);
    expect(seen.length).toBeGreaterThanOrEqual(30);
  }, 180_000);
});

// A canary only `.env` holds, as a gateway token in a target's base_url path: `~`, `'`, `+`
// and `ü` percent-encoded differently by each encoder, and its runs of letters and digits at
// either end found nowhere else.
const PATH_TOKEN = "Gt5Pa7h~Tok'ü+Wx8Rr1";
const IN_PATH = [...PATTERNS, 'Gt5Pa7h', 'Wx8Rr1', ...base64Runs(PATH_TOKEN)];

describe("secrets in a target's base_url path never leak", () => {
  // A gateway answering 500 to every request, its message echoing the path it was sent:
  // each call is left unknown, so that status, resolve --check and run have entries to show.
  let gateway: Awaited<ReturnType<typeof listenLoopback>>;
  const paths: string[] = [];
  let project: Project;
  const seen: { what: string; result: CliResult }[] = [];

  beforeAll(async () => {
    gateway = await listenLoopback(
      createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`internal error at ${req.method} ${req.url}`);
      }),
    );
    const target = (name: string, path: string) => [
      `  ${name}:`,
      `    base_url: \${VG_BASE_URL}/${path}`,
      '    account_sid: ${VG_ACCOUNT_SID}',
      '    api_key: ${VG_API_KEY}',
    ];
    project = await makeProject({
      'callops.yaml': [
        'targets:',
        ...target('key', '${VG_API_KEY}'),
        ...target('token', 'gw/${PATH_TOKEN}'),
        'default_target: key',
        '',
      ].join('\n'),
      '.env': `PATH_TOKEN=${PATH_TOKEN}\n`,
      'calls/a.yaml': callsYaml([{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }]),
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await project?.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({
    VG_BASE_URL: gateway.url,
    VG_ACCOUNT_SID: ACCOUNT,
    VG_API_KEY: KEY,
    ...extra,
  });
  const run = async (what: string, args: string[], extra: Record<string, string> = {}) => {
    const result = await runCli(args, { cwd: project.dir, env: env(extra) });
    seen.push({ what, result });
    return result;
  };

  it('the target line of every command and format shows each as its reference', async () => {
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(project.dir, 'summary.md') };
    const formats: [string, string[], Record<string, string>][] = [
      ['human', [], {}],
      ['json', ['--format', 'json'], {}],
      ['github', ['--format', 'github'], gh],
    ];
    const shownAs = {
      key: `target key: ${gateway.url}/\${VG_API_KEY}`,
      token: `target token: ${gateway.url}/gw/\${PATH_TOKEN}`,
    };
    for (const [name, line] of Object.entries(shownAs)) {
      const at = ['--target', name];
      const plans = await Promise.all([
        ...formats.map(([f, flags, extra]) =>
          run(`${name} plan ${f}`, ['plan', ...at, ...flags], extra),
        ),
        run(`${name} plan markdown`, ['plan', ...at, '--format', 'markdown']),
      ]);
      expect(plans.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      expect(plans[0]?.stdout).toContain(line);
      expect(plans[3]?.stdout).toContain(line);
      // One call placed in each format: the gateway leaves each unknown.
      for (const [i, [f, flags, extra]] of formats.entries()) {
        const r = await run(
          `${name} apply ${f}`,
          ['apply', '--yes', ...at, '--only', `c${i + 1}`, ...flags],
          extra,
        );
        expect(r.code, output(r)).toBe(1);
        if (f === 'human') expect(r.stdout).toContain(line);
      }
      for (const [f, flags, extra] of formats) {
        const r = await run(`${name} status ${f}`, ['status', ...at, ...flags], extra);
        expect(r.code, output(r)).toBe(3);
        if (f === 'human') expect(r.stdout).toContain(line);
      }
      const checked = await run(`${name} resolve --check`, ['resolve', '--check', ...at]);
      expect(checked.stdout).toContain(line);

      // run names its target as it starts, then has nothing to place.
      const child = spawnCli(['run', '--yes', ...at], { cwd: project.dir, env: env() });
      const { done, soFar } = watch(child, 60_000);
      await waitFor(
        `${name}: run to start`,
        () => (soFar().includes('running:') ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
      child.kill('SIGTERM');
      const ran = await done;
      seen.push({ what: `${name} run`, result: ran });
      expect(ran.stderr).toContain(line);
    }

    // Positive controls: the requests went to the paths with the secrets in them, whose
    // echo is recorded with each as its reference.
    expect(paths.some((p) => p.startsWith(`/${encodeURIComponent(KEY).slice(0, 6)}`))).toBe(true);
    expect(paths.some((p) => p.startsWith('/gw/Gt5Pa7h'))).toBe(true);
    const lock = await project.lock();
    expect(lock?.calls['key/c1']?.message).toContain('POST /${VG_API_KEY}/v1/Accounts/');
    expect(lock?.calls['token/c1']?.message).toContain('POST /gw/${PATH_TOKEN}/v1/Accounts/');

    const leaks: string[] = [];
    for (const { what, result } of seen) {
      for (const [stream, text] of [
        ['stdout', result.stdout],
        ['stderr', result.stderr],
      ] as const) {
        for (const p of IN_PATH)
          if (text.includes(p)) leaks.push(`${what} ${stream}: ${p}\n${text}`);
      }
    }
    for (const { path, text } of await filesUnder(project.dir)) {
      if (path.endsWith('.env')) continue;
      for (const p of IN_PATH) if (text.includes(p)) leaks.push(`${path}: ${p}\n${text}`);
    }
    expect(leaks).toEqual([]);
  }, 180_000);
});

// Canaries written in callops.yaml itself: a database password and an api key. Each draws a
// warning, and the line that warning (or any other problem) shows must never repeat them.
const DB_PASSWORD = 'Zq9SekritPgPw7741';
const LITERAL_KEY = 'Lk3LiteralKey9Vb';
const WRITTEN = [DB_PASSWORD, 'Zq9Sek', 'Pw7741', LITERAL_KEY, 'Lk3Lit', 'Key9Vb'];

describe('secrets written in callops.yaml are never quoted back', () => {
  let server: TestPostgres;
  let gateway: RunningSimulator;
  let project: Project;
  let dbUrl: string;
  const seen: { what: string; result: CliResult }[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE canary LOGIN SUPERUSER PASSWORD '${DB_PASSWORD}'`);
    } finally {
      await admin.end();
    }
    dbUrl = (await server.freshDatabase()).replace(/\/\/[^@]*@/, `//canary:${DB_PASSWORD}@`);
    gateway = await startSimulator({ accountSid: ACCOUNT, apiKey: LITERAL_KEY });
    project = await makeProject({
      'callops.yaml': [
        'targets:',
        '  gw:',
        `    base_url: ${gateway.url}`,
        `    account_sid: ${ACCOUNT}`,
        `    api_key: ${LITERAL_KEY}`,
        'default_target: gw',
        'state:',
        '  backend: postgres',
        `  url: ${dbUrl}`,
        '',
      ].join('\n'),
      'calls/a.yaml': callsYaml([{ name: 'c1' }, { name: 'c2' }]),
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await project?.cleanup();
    await server?.stop();
  });

  const run = async (what: string, args: string[], extra: Record<string, string> = {}) => {
    const result = await runCli(args, { cwd: project.dir, env: extra });
    seen.push({ what, result });
    return result;
  };

  it('validate, plan, apply, run, status and state pull warn without showing them, in every format', async () => {
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(project.dir, 'summary.md') };
    const formats: [string, string[], Record<string, string>][] = [
      ['human', [], {}],
      ['json', ['--format', 'json'], {}],
      ['github', ['--format', 'github'], gh],
    ];
    for (const [name, flags, extra] of formats) {
      expect((await run(`validate ${name}`, ['validate', ...flags], extra)).code).toBe(0);
      expect((await run(`plan ${name}`, ['plan', ...flags], extra)).code).toBe(0);
    }
    expect((await run('plan markdown', ['plan', '--format', 'markdown'])).code).toBe(0);
    const applied = await run('apply', ['apply', '--yes', '--only', 'c1']);
    expect(applied.code, applied.stderr).toBe(0);
    for (const [name, flags, extra] of formats) {
      expect((await run(`status ${name}`, ['status', ...flags], extra)).code).toBe(0);
    }
    expect((await run('state pull', ['state', 'pull'])).code).toBe(0);

    const child = spawnCli(['run', '--yes'], { cwd: project.dir, env: {} });
    const done = collect(child, 30_000);
    await waitFor('run to place c2', () => (gateway.received().length >= 2 ? true : undefined));
    child.kill('SIGTERM');
    seen.push({ what: 'run', result: await done });

    // A flow-style state whose other key is wrong: the url's line is shown under that error.
    const config = await project.read('callops.yaml');
    await project.write(
      'callops.yaml',
      config.replace(/state:[\s\S]*$/, `state: {backend: postgres, url: "${dbUrl}", keep: 3x}\n`),
    );
    const broken = await run('validate broken', ['validate']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('keep: 3x}');

    // Positive controls: the warnings were printed with their source lines, the key was used.
    const human = seen.find((s) => s.what === 'validate human')?.result.stderr ?? '';
    expect(human).toContain('holds a password written in the file');
    expect(human).toContain('`api_key` is written in the file');
    expect(human).toContain(`url: ${dbUrl.replace(DB_PASSWORD, '***')}`);
    expect(human).toContain('api_key: ***');
    for (const what of ['plan human', 'apply', 'status human', 'run']) {
      expect(seen.find((s) => s.what === what)?.result.stderr, what).toContain(
        'holds a password written in the file',
      );
    }
    expect(gateway.received().filter((r) => r.status === 201)).toHaveLength(2);

    const leaks: string[] = [];
    for (const { what, result } of seen) {
      for (const text of [result.stdout, result.stderr]) {
        for (const p of WRITTEN) if (text.includes(p)) leaks.push(`${what}: ${p}\n${text}`);
      }
    }
    for (const { path, text } of await filesUnder(project.dir)) {
      if (path.endsWith('callops.yaml')) continue;
      for (const p of WRITTEN) if (text.includes(p)) leaks.push(`${path}: ${p}\n${text}`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);
});
