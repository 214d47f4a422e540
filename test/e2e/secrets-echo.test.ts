// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { serializeLockfile } from '../../src/state/lockfile.js';
import type { Lockfile } from '../../src/state/types.js';
import {
  bodyOf,
  type CliResult,
  callsYaml,
  campaignYaml,
  envConfigYaml,
  filesUnder,
  type LockEntryJson,
  type LockJson,
  listenLoopback,
  makeProject,
  output,
  plainText,
  recipientNumber,
  runCli,
  spawnCli,
  spawnOnTerminal,
  waitFor,
  watch,
} from './helpers.js';
import { recordedProject } from './recorded-project.js';

// Canaries that reach callops only through the environment: the api key (a bearer token),
// a tag value holding a `"` (JSON-escaped in the body), a header value and the account sid
// (in the URL). Each gateway shape below echoes them back in a way that once leaked.
const KEY = 'Zq8Xv3CanaryKd7Wm2key';
const NOTE = 'Tok"enSecret42';
const HEADER = 'Hx5HdrSecretPq9w';
const ACCOUNT = 'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500';
/** A value of the env file that nothing references: a secret by custom all the same. */
const UNUSED = 'Ef3EnvOnlyVal77x';
const CANARIES = [KEY, NOTE, HEADER, ACCOUNT, UNUSED];

const SHAPES = ['mime', 'wrap', 'b64body', 'cut', 'sid'] as const;
const CALLS = callsYaml([
  ...SHAPES.map((name) => ({
    name,
    extra: ['tag: { note: "${NOTE}" }', 'headers: { X-Secret: "${HEADER}" }'],
  })),
  { name: 'good', extra: ['tag: { note: "${NOTE}" }'] },
]);

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** base64 wrapped at 76 columns with CRLF, as MIME writes it. */
const mime = (text: string) => (base64(text).match(/.{1,76}/g) ?? []).join('\r\n');
/** The text broken over two lines in its middle. */
const broken = (text: string) =>
  `${text.slice(0, Math.ceil(text.length / 2))}\n${text.slice(Math.ceil(text.length / 2))}`;

/**
 * A gateway echoing what it was sent, in the shape the first segment of the path names:
 * `mime`: the Authorization header in MIME base64; `wrap`: the bearer token, account sid,
 * header and tag values each broken over two lines (the GET of `status --refresh` too);
 * `b64body`: the request body in base64; `cut`: the key starting just before the message
 * limit; `sid`: a 201 whose sid is the key and whose callId is the body.
 */
const startEchoGateway = async () => {
  const server: Server = createServer(async (req, res) => {
    const raw = await bodyOf(req);
    const [, shape = '', ...rest] = (req.url ?? '').split('/');
    const path = `/${rest.join('/')}`;
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^Bearer /, '');
    let body: { tag?: { note?: string }; headers?: Record<string, string> } = {};
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {}
    const text = (status: number, t: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(t);
    };
    if (shape === 'mime') {
      return text(
        400,
        `bad request, you sent:\r\n${mime(`Request headers: authorization=${auth}`)}`,
      );
    }
    if (shape === 'wrap') {
      return text(
        400,
        [
          `rejected ${req.method} ${broken(path)}`,
          `Authorization: Bearer ${broken(token)}`,
          `X-Secret: ${broken(body.headers?.['X-Secret'] ?? '')}`,
          `note: ${broken(JSON.stringify(body.tag?.note ?? ''))}`,
        ].join('\n'),
      );
    }
    if (shape === 'b64body') return text(400, `could not parse ${base64(raw)}`);
    if (shape === 'cut') {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ msg: `${'x'.repeat(297)}${token} was refused` }));
    }
    if (shape === 'sid') {
      res.writeHead(201, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ sid: token, callId: raw }));
    }
    text(404, 'no such shape');
  });
  return listenLoopback(server);
};

/** Each canary as it may show: raw, JSON-escaped, URL-encoded. */
const shown = CANARIES.flatMap((c) => [c, JSON.stringify(c).slice(1, -1), encodeURIComponent(c)]);
const squeeze = (text: string) => text.replace(/\s+/g, '');
/** Whether a run of base64 in the text (lines joined), at any alignment, decodes to a canary. */
const decodesToCanary = (text: string): boolean => {
  const needles = shown.map((s) => Buffer.from(s, 'utf8'));
  // JSON text: the base64 may hold `\/` or `\r\n` escapes.
  const joined = squeeze(text.replaceAll('\\/', '/').replace(/\\[rnt]/g, ''));
  for (const run of joined.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    const std = run.replaceAll('-', '+').replaceAll('_', '/');
    for (let skip = 0; skip < 4; skip++) {
      const bytes = Buffer.from(std.slice(skip), 'base64');
      if (needles.some((n) => bytes.includes(n))) return true;
    }
  }
  return false;
};
/** What of the canaries a text shows: as written, with its white space left out, decoded. */
const leaksIn = (text: string): string[] => {
  const flat = squeeze(text).toLowerCase();
  const found = shown.filter((s) => flat.includes(squeeze(s).toLowerCase()));
  // Fragments that still identify the key or the tag value.
  for (const piece of ['Zq8Xv3', 'Kd7Wm2', 'enSecret42', 'Hx5Hdr', 'Pq9w', '5eed-4bad', 'Ef3Env']) {
    if (flat.includes(piece.toLowerCase())) found.push(piece);
  }
  if (decodesToCanary(text)) found.push('base64');
  return found;
};

/** What of the canaries each command's output and each file shows: one line a place. */
const leaksInAll = (
  seen: readonly { what: string; result: { stdout: string; stderr: string } }[],
  files: readonly { path: string; text: string }[],
): string[] => {
  const leaks: string[] = [];
  for (const { what, result } of seen) {
    for (const [stream, text] of [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
    ] as const) {
      const found = leaksIn(text);
      if (found.length > 0) leaks.push(`${what} ${stream}: ${found.join(', ')}\n${text}`);
    }
  }
  for (const { path, text } of files) {
    const found = leaksIn(text);
    if (found.length > 0) leaks.push(`${path}: ${found.join(', ')}\n${text}`);
  }
  return leaks;
};

/**
 * Two unknown entries whose strings hold the canaries, as a merged lockfile or a hand edit
 * leaves them: a message echoing the key in base64 and JSON-escaped, and a key holding one.
 */
const unknownEchoing = (one: { readonly at: string; readonly definition: string }) => {
  const basic = Buffer.from(`callops:${KEY}`, 'utf8').toString('base64');
  return {
    'gw/gone': {
      status: 'unknown',
      at: one.at,
      definition: one.definition,
      file: 'calls/gone.yaml',
      message: `no answer; sent Authorization: Basic ${basic}, body {"key":${JSON.stringify(`${KEY}"`)}}, token ${UNUSED}`,
    },
    [`gw/x-${UNUSED}`]: {
      status: 'unknown',
      at: one.at,
      definition: one.definition,
      file: 'calls/c.yaml',
    },
  };
};

describe('a gateway echoing secrets back, wrapped, encoded, cut or as a sid', () => {
  const recorded = recordedProject({ 'callops.yaml': envConfigYaml(), 'calls/c.yaml': CALLS });
  let echo: Awaited<ReturnType<typeof startEchoGateway>>;
  let good: RunningSimulator;

  beforeAll(async () => {
    echo = await startEchoGateway();
    good = await startSimulator({ accountSid: ACCOUNT, apiKey: KEY });
  });
  afterAll(async () => {
    await Promise.all([echo?.close(), good?.close()]);
  });

  const run = (what: string, args: string[], baseUrl: string, extra = {}) =>
    recorded.run(what, args, {
      VG_BASE_URL: baseUrl,
      VG_ACCOUNT_SID: ACCOUNT,
      VG_API_KEY: KEY,
      NOTE,
      HEADER,
      ...extra,
    });

  it('shows and stores none of them, in any output, file or step summary', async () => {
    const { project, seen } = recorded;
    const summary = join(project.dir, 'step-summary.md');
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const formats: [string, string[], Record<string, string>][] = [
      ['human', [], {}],
      ['json', ['--format', 'json'], {}],
      ['github', ['--format', 'github'], gh],
    ];
    for (const shape of SHAPES) {
      for (const [name, flags, extra] of formats) {
        const r = await run(
          `apply ${shape} ${name}`,
          ['apply', '--yes', '--only', shape, '--retry-unknown', ...flags],
          `${echo.url}/${shape}`,
          extra,
        );
        expect(r.code, `${shape} ${name}: ${r.stdout}${r.stderr}`).toBe(1);
      }
    }
    const lock = await project.lock();
    for (const shape of ['mime', 'wrap', 'b64body', 'cut'] as const) {
      expect(lock?.calls[`gw/${shape}`]).toMatchObject({ status: 'failed', httpStatus: 400 });
    }
    expect(lock?.calls['gw/mime']?.message).toContain('bad request, you sent:');
    expect(lock?.calls['gw/wrap']?.message).toContain('Authorization: Bearer ${VG_API_KEY}');
    expect(lock?.calls['gw/wrap']?.message).toContain('X-Secret: ${HEADER}');
    expect(lock?.calls['gw/b64body']?.message).toContain('${NOTE}');
    // The key's first characters are not left before the cut.
    const cut = lock?.calls['gw/cut']?.message ?? '';
    expect(cut.startsWith('x'.repeat(297))).toBe(true);
    expect(cut.slice(297, 299)).not.toBe(KEY.slice(0, 2));
    // A 201 whose sid is the key: not placed with it, unknown, with why.
    const sid = lock?.calls['gw/sid'];
    expect(sid).toMatchObject({ status: 'unknown', httpStatus: 201 });
    expect(sid?.sid).toBeUndefined();
    expect(sid?.message).toContain('a sid that is not a call sid ("${VG_API_KEY}")');

    // A placed call, then its outcome asked of a gateway echoing the GET wrapped.
    expect((await run('apply good', ['apply', '--yes', '--only', 'good'], good.url)).code).toBe(0);
    expect((await project.lock())?.calls['gw/good']?.status).toBe('placed');
    const refreshed = await run('status --refresh', ['status', '--refresh'], `${echo.url}/wrap`);
    expect(refreshed.stderr).toContain('refresh: could not read the gateway: GET /Calls:');
    expect(refreshed.stderr).toContain('${VG_API_KEY}');
    for (const [name, flags, extra] of formats) {
      await run(`status ${name}`, ['status', ...flags], good.url, extra);
      await run(
        `status --refresh ${name}`,
        ['status', '--refresh', ...flags],
        `${echo.url}/wrap`,
        extra,
      );
    }
    expect((await run('plan', ['plan'], good.url)).code).toBe(0);

    // Positive control: the canaries reached the gateway, and the step summary was written.
    expect(good.received().some((r) => JSON.stringify(r.body).includes('enSecret42'))).toBe(true);
    const files = await filesUnder(project.dir);
    const names = files.map((f) => f.path.slice(project.dir.length + 1).replaceAll('\\', '/'));
    expect(names).toEqual(expect.arrayContaining(['callops.lock', 'step-summary.md']));
    expect(names.some((n) => n.startsWith('.callops/'))).toBe(true);

    expect(leaksInAll(seen, files)).toEqual([]);
  }, 180_000);
});

/** The webhook secret, known to callops from the environment, used in no request. */
const WEBHOOK = 'Wh7HookSecret55qZ';

describe("a gateway quoting secrets no request used: the env file's, the webhook secret", () => {
  let gateway: Awaited<ReturnType<typeof listenLoopback>> | undefined;
  afterAll(async () => {
    await gateway?.close();
  });

  it('apply and run show and store neither', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ msg: `invalid for account notes=${UNUSED} webhook_secret=${WEBHOOK}` }),
        );
      });
    });
    gateway = await listenLoopback(server);
    const { url } = gateway;
    const project = await makeProject({
      'callops.yaml': envConfigYaml(),
      'calls/c.yaml': callsYaml([{ name: 'probe' }]),
      '.env': `UNUSED_TOKEN=${UNUSED}\nCALLOPS_WEBHOOK_SECRET=${WEBHOOK}\n`,
    });
    try {
      const env = { VG_BASE_URL: url, VG_ACCOUNT_SID: ACCOUNT, VG_API_KEY: KEY };
      const outputs: string[] = [];
      for (const flags of [[], ['--format', 'json'], ['--format', 'github']]) {
        const r = await runCli(['apply', '--yes', '--retry-unknown', ...flags], {
          cwd: project.dir,
          env,
        });
        expect(r.code, r.stderr).toBe(1);
        outputs.push(r.stdout, r.stderr);
      }
      const lock = await project.read('callops.lock');
      const copy = await project.read('.callops/written.lock');
      expect(JSON.parse(lock).calls['gw/probe'].message).toBe(
        'invalid for account notes=${UNUSED_TOKEN} webhook_secret=${CALLOPS_WEBHOOK_SECRET}',
      );
      for (const text of [...outputs, lock, copy]) {
        expect(text).not.toContain(UNUSED);
        expect(text).not.toContain(WEBHOOK);
      }
      // Positive control: the gateway's answer was shown, its secrets replaced.
      expect(outputs.join('')).toContain('notes=${UNUSED_TOKEN}');
    } finally {
      await project.cleanup();
    }
  }, 60_000);
});

/** callops.lock as callops writes it (a large one is then indexed as it is written). */
const lockText = (lock: LockJson): string => serializeLockfile(lock as unknown as Lockfile);

// callops never records a secret in the lockfile (a sid or Call-ID holding one is refused, a
// message is redacted before it is stored), but another writer's lockfile merged in, or a
// hand edit, can hold one anywhere: as a sid, a Call-ID, an earlier placement, a message
// (raw, base64, JSON-escaped, percent-encoded), even a key. status, plan and report show
// none of the secrets they know: the target's (the key, the account sid) and the env file's.
describe('secrets another writer left in callops.lock', () => {
  const recorded = recordedProject({
    // Entries of calls no longer defined are kept (the large lockfile below is of such).
    'callops.yaml': `${envConfigYaml()}state:\n  keep: 36500d\n`,
    '.env': `UNUSED_TOKEN=${UNUSED}\n`,
    'calls/c.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    'calls/reminders.yaml': campaignYaml(),
    'lists/reminders.csv': `id,phone,name\nr1,${recipientNumber(1)},Ann\nr2,${recipientNumber(2)},Bo\n`,
  });
  let good: RunningSimulator;

  beforeAll(async () => {
    good = await startSimulator({ accountSid: ACCOUNT, apiKey: KEY });
  });
  afterAll(async () => {
    await good?.close();
  });

  const run = (what: string, args: string[], extra = {}) =>
    recorded.run(what, args, {
      VG_BASE_URL: good.url,
      VG_ACCOUNT_SID: ACCOUNT,
      VG_API_KEY: KEY,
      ...extra,
    });

  /** status, plan and report in every format, each with the exit code it must end with. */
  const showAll = async (label: string, status: number) => {
    const { project } = recorded;
    const gh = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(project.dir, 'summary.md') };
    const runs: [string, string[], number, Record<string, string>?][] = [
      ['status', ['status'], status],
      ['status json', ['status', '--format', 'json'], status],
      ['status github', ['status', '--format', 'github'], status, gh],
      ['status campaign', ['status', '--campaign', 'reminders'], 0],
      ['status campaign json', ['status', '--campaign', 'reminders', '--format', 'json'], 0],
      ['plan', ['plan'], 0],
      ['plan json', ['plan', '--format', 'json'], 0],
      ['plan github', ['plan', '--format', 'github'], 0, gh],
      ['plan markdown', ['plan', '--format', 'markdown'], 0],
      ['plan retry json', ['plan', '--retry-unknown', '--format', 'json'], 0],
      ['plan --out', ['plan', '--out', 'reviewed.plan.json'], 0],
      ['report', ['report', 'reminders'], 0],
      ['report json', ['report', 'reminders', '--format', 'json'], 0],
      ['report --output', ['report', 'reminders', '--output', 'report.csv'], 0],
    ];
    const out: Record<string, string> = {};
    for (const [what, args, code, extra] of runs) {
      const r = await run(`${label} ${what}`, args, extra);
      expect(r.code, `${label} ${what}: ${r.stdout}${r.stderr}`).toBe(code);
      out[what] = r.stdout;
    }
    return out;
  };

  it('status, plan and report show none of them, in any format; the entries shown all the same', async () => {
    const { project, seen } = recorded;
    expect((await run('apply one', ['apply', '--yes', '--only', 'one'])).code).toBe(0);
    const lock = (await project.lock()) as LockJson;
    const one = lock.calls['gw/one'] as LockEntryJson & { definition: string };
    // A newer lockfile (every entry .callops/ recorded, and more): accepted as a pull is.
    const merged: Record<string, unknown> = {
      ...lock.calls,
      // Placed under a secret sid and Call-ID, replacing a placement with others.
      'gw/two': {
        ...one,
        sid: KEY,
        callId: UNUSED,
        history: [{ sid: ACCOUNT, callId: KEY, at: one.at }],
      },
      ...unknownEchoing(one),
      // A campaign's rows: one placed under the account sid (a UUID), one refused with the
      // key percent-encoded in its message.
      'gw/reminders/r1': { ...one, file: 'calls/reminders.yaml', sid: ACCOUNT, callId: KEY },
      'gw/reminders/r2': {
        status: 'failed',
        at: one.at,
        definition: one.definition,
        file: 'calls/reminders.yaml',
        httpStatus: 400,
        message: `rejected /Calls?token=${encodeURIComponent(KEY)}`,
      },
    };
    await project.write('callops.lock', lockText({ ...lock, calls: merged as LockJson['calls'] }));
    const shown = await showAll('merged', 3);

    // Positive controls: the entries are shown, each secret as its reference.
    expect(shown.status).toContain('gw/two  sid ${VG_API_KEY}');
    expect(shown.status).toContain('(replaced ${VG_ACCOUNT_SID})');
    expect(shown.status).toContain('gw/gone');
    expect(shown.status).toContain('body {"key":"${VG_API_KEY}\\""}, token ${UNUSED_TOKEN}');
    expect(shown.status).toContain('callops resolve gw/x-${UNUSED_TOKEN} --placed SID');
    const json = JSON.parse(shown['status json'] ?? '') as {
      calls: { key: string; sid?: string; callId?: string; message?: string }[];
      unsettled: { key: string }[];
    };
    expect(json.calls.find((c) => c.key === 'gw/two')).toMatchObject({
      sid: '${VG_API_KEY}',
      callId: '${UNUSED_TOKEN}',
    });
    expect(json.unsettled.map((u) => u.key)).toContain('gw/x-${UNUSED_TOKEN}');
    expect(shown.plan).toContain('already placed ${VG_API_KEY}');
    expect(shown['plan markdown']).toContain('`gw/x-${UNUSED_TOKEN}`');
    expect(shown.report).toContain('r1,');
    expect(shown.report).toContain('${VG_ACCOUNT_SID}');
    expect(await project.read('report.csv')).toContain('${VG_ACCOUNT_SID}');

    // A fresh clone (no .callops/ to compare with) whose lockfile was edited by hand: the
    // placed entry's own sid and Call-ID made secrets.
    await rm(join(project.dir, '.callops'), { recursive: true, force: true });
    const edited = (await project.lock()) as LockJson;
    const calls = { ...edited.calls, 'gw/one': { ...one, sid: KEY, callId: ACCOUNT } };
    await project.write('callops.lock', lockText({ ...edited, calls }));
    const clone = await showAll('clone', 3);
    expect(clone.status).toContain('gw/one  sid ${VG_API_KEY}');
    expect(clone.plan).toContain('already placed ${VG_API_KEY}');

    // A large lockfile that callops wrote (state pull), read through its index: each entry
    // read when it is read, and shown as it is read.
    const small = (await project.lock()) as LockJson;
    const many: Record<string, unknown> = { ...small.calls };
    for (let i = 0; i < 6000; i++) {
      const slot = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      const n = String(i).padStart(12, '0');
      many[`gw/minutely@${slot.replace('.000Z', 'Z')}`] = {
        status: 'placed',
        sid: `0b6c6a4e-0000-4c1e-9a57-${n}`,
        at: slot,
        definition: one.definition,
        file: 'calls/minutely.yaml',
      };
    }
    await project.write('callops.lock', lockText({ ...small, calls: many as LockJson['calls'] }));
    const pulled = await run('state pull', ['state', 'pull']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(project.exists('.callops/lock-index.json')).toBe(true);
    const indexed = await showAll('indexed', 3);
    expect(indexed.status).toContain('gw/one  sid ${VG_API_KEY}');
    expect(indexed.status).toContain('gw/two  sid ${VG_API_KEY}');
    expect(indexed.status).toContain('callops resolve gw/x-${UNUSED_TOKEN} --placed SID');
    expect(indexed.status).toContain('token ${UNUSED_TOKEN}');
    expect(indexed['status json']).toContain('"sid": "${VG_ACCOUNT_SID}"');
    expect(indexed.plan).toContain('already placed ${VG_API_KEY}');

    // The lockfile holds them (positive control), and so do its copy and index in .callops/
    // (where each entry and unknown key sits); nothing else written does, no output does.
    expect(await project.read('callops.lock')).toContain(KEY);
    const files = (await filesUnder(project.dir)).filter(
      (f) =>
        !/[\\/](callops\.lock|\.env|\.callops[\\/](written\.lock|lock-index\.json))$/.test(f.path),
    );
    const names = files.map((f) => f.path.slice(project.dir.length + 1).replaceAll('\\', '/'));
    expect(names).toEqual(expect.arrayContaining(['reviewed.plan.json', 'report.csv']));
    expect(leaksInAll(seen, files)).toEqual([]);
  }, 180_000);
});

// apply and run read the same lockfile to plan and place, and print what they say of it: a
// changed call's reason (`already placed <sid> at …`), a missed slot's that names the entry
// of the call's old name, the unknown entries (key, message, hint), a replacement's earlier
// sid at the confirmation. They show none of the secrets they know, in any format, while
// the lockfile keeps what was written there: a replacement keeps the real earlier sid.
describe('secrets another writer left in callops.lock, as apply and run print them', () => {
  const recorded = recordedProject({
    'callops.yaml': `${envConfigYaml()}state:\n  keep: 36500d\n`,
    '.env': `UNUSED_TOKEN=${UNUSED}\n`,
    'calls/c.yaml': callsYaml([{ name: 'one' }, { name: 'two' }, { name: 'three' }]),
    'calls/reminders.yaml': campaignYaml(),
    'lists/reminders.csv': `id,phone,name\nr1,${recipientNumber(1)},Ann\nr2,${recipientNumber(2)},Bo\n`,
  });
  // A daily call placed at 09:00 UTC (a rehearsal), then renamed and moved to Berlin, whose
  // 09:00 is 08:00 UTC: that slot is missed, superseded by the entry of the old name.
  const daily = (name: string, zone = '') => ({
    name,
    to: '{ type: phone, number: "+15550150001" }',
    extra: [`schedule: { cron: "0 9 * * *",${zone} deadline: 2h }`],
  });
  const moved = recordedProject({
    'callops.yaml': envConfigYaml(),
    '.env': `UNUSED_TOKEN=${UNUSED}\n`,
    'calls/c.yaml': callsYaml([daily('t15')]),
  });
  let good: RunningSimulator;

  beforeAll(async () => {
    good = await startSimulator({ accountSid: ACCOUNT, apiKey: KEY });
  });
  afterAll(async () => {
    await good?.close();
  });

  const env = (extra = {}) => ({
    VG_BASE_URL: good.url,
    VG_ACCOUNT_SID: ACCOUNT,
    VG_API_KEY: KEY,
    ...extra,
  });
  const FORMATS: [string, string[], (dir: string) => Record<string, string>][] = [
    ['human', [], () => ({})],
    ['json', ['--format', 'json'], () => ({})],
    [
      'github',
      ['--format', 'github'],
      (dir) => ({ GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') }),
    ],
  ];

  /** `run` until its first batch's summary is out, then SIGTERM: its result, kept as seen. */
  const runOnce = async (what: string, flags: string[], extra: Record<string, string>) => {
    const { project, seen } = recorded;
    const child = spawnCli(['run', '--yes', ...flags], { cwd: project.dir, env: env(extra) });
    const { done, soFar } = watch(child, 60_000);
    await waitFor(
      `${what}: the first batch's summary`,
      () => (/Done: |"warnings"/.test(soFar()) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    child.kill('SIGTERM');
    const result = await done;
    seen.push({ what, result });
    return result;
  };

  /** What every output and file but the lockfile (and its copy) show of the canaries. */
  const leaksOf = async (
    seen: readonly { what: string; result: { stdout: string; stderr: string } }[],
    dir: string,
  ): Promise<string[]> => {
    const files = (await filesUnder(dir)).filter(
      (f) =>
        !/[\\/](callops\.lock|\.env|\.callops[\\/](written\.lock|lock-index\.json))$/.test(f.path),
    );
    return leaksInAll(seen, files);
  };

  it('apply and run show none of them, in any format; the lockfile keeps them', async () => {
    const { project, seen } = recorded;
    const placed = await recorded.run('apply one', ['apply', '--yes', '--only', 'one'], env());
    expect(placed.code, placed.stderr).toBe(0);
    const lock = (await project.lock()) as LockJson;
    const one = lock.calls['gw/one'] as LockEntryJson & { definition: string };
    const merged: Record<string, unknown> = {
      ...lock.calls,
      // Placed under a secret sid and Call-ID (another definition than two's: changed).
      'gw/two': {
        ...one,
        sid: KEY,
        callId: UNUSED,
        history: [{ sid: ACCOUNT, callId: KEY, at: one.at }],
      },
      // Failed, the key percent-encoded in its message: placed again.
      'gw/three': {
        status: 'failed',
        at: one.at,
        definition: one.definition,
        file: 'calls/c.yaml',
        httpStatus: 400,
        message: `rejected /Calls?token=${encodeURIComponent(KEY)}`,
      },
      ...unknownEchoing(one),
      // A campaign row placed under the account sid, under another definition: changed.
      'gw/reminders/r1': { ...one, file: 'calls/reminders.yaml', sid: ACCOUNT, callId: KEY },
    };
    // Each run starts from that lockfile as a fresh clone has it (no .callops/ to compare
    // with): three and r2 are due, and placed.
    const reset = async () => {
      await rm(join(project.dir, '.callops'), { recursive: true, force: true });
      await project.write(
        'callops.lock',
        lockText({ ...lock, calls: merged as LockJson['calls'] }),
      );
    };
    const out: Record<string, CliResult> = {};
    for (const [name, flags, gh] of FORMATS) {
      const extra = gh(project.dir);
      await reset();
      // Calls placed (the summary of a batch), then nothing due (the summary without one).
      out[`apply ${name}`] = await recorded.run(
        `apply ${name}`,
        ['apply', '--yes', ...flags],
        env(extra),
      );
      out[`again ${name}`] = await recorded.run(
        `again ${name}`,
        ['apply', '--yes', ...flags],
        env(extra),
      );
      await reset();
      out[`run ${name}`] = await runOnce(`run ${name}`, flags, extra);
    }
    for (const [what, r] of Object.entries(out)) expect(r.code, `${what}: ${output(r)}`).toBe(0);

    // Positive controls: the entries are said, each secret as its reference.
    const human = out['apply human']?.stdout ?? '';
    // The target's note is no text of the lockfile: its URL (a value callops knows) as it is.
    expect(human).toContain(`target gw: ${good.url}`);
    expect(human).toContain('placed  gw/three');
    expect(human).toContain('gw/two  → ');
    expect(human).toContain('already placed ${VG_API_KEY} at');
    expect(human).toContain('already placed ${VG_ACCOUNT_SID} at');
    expect(human).toContain('body {"key":"${VG_API_KEY}\\""}, token ${UNUSED_TOKEN}');
    expect(human).toContain('callops resolve gw/x-${UNUSED_TOKEN} --placed SID');
    expect(out['again human']?.stdout).toContain('Nothing is due now');
    expect(out['again human']?.stdout).toContain('already placed ${VG_API_KEY} at');
    for (const what of ['apply json', 'again json', 'run json']) {
      const json = JSON.parse(out[what]?.stdout ?? '') as {
        unsettled: { key: string; message?: string }[];
      };
      expect(json.unsettled.map((u) => u.key)).toEqual(['gw/gone', 'gw/x-${UNUSED_TOKEN}']);
      expect(json.unsettled[0]?.message).toContain('token ${UNUSED_TOKEN}');
    }
    expect(out['apply github']?.stdout).toMatch(/^::warning .*gw\/x-\$\{UNUSED_TOKEN\}/m);
    expect(out['run human']?.stderr).toContain('? gw/x-${UNUSED_TOKEN}  at ');
    expect(out['run github']?.stdout).toMatch(/^::warning .*token \$\{UNUSED_TOKEN\}/m);
    expect(await project.read('summary.md')).toContain('`gw/x-${UNUSED_TOKEN}`');

    // At a terminal, the confirmation of a replacement names the sid it replaces; the
    // entry's history keeps that sid as the lockfile held it.
    const child = spawnOnTerminal(['apply', '--replace', 'two', '--only', 'two'], {
      cwd: project.dir,
      env: env(),
    });
    const asked = watch(child, 30_000);
    await waitFor('the question', () =>
      /Type yes to go on: $/.test(plainText(asked.soFar())) ? true : undefined,
    );
    child.stdin?.write('yes\r');
    const replaced = await asked.done;
    const text = plainText(replaced.stdout);
    seen.push({ what: 'apply --replace at a terminal', result: { ...replaced, stdout: text } });
    expect(replaced.code, text).toBe(0);
    expect(text).toContain('(again: replaces ${VG_API_KEY} placed at ');
    const two = (await project.lock())?.calls['gw/two'] as { history?: unknown[] } | undefined;
    expect(two?.history?.at(-1)).toMatchObject({ sid: KEY, callId: UNUSED });

    // The missed slot of the moved call, in every format: its reason names the entry of its
    // old name, placed (by a hand edit, in a fresh clone) under the key. The day is 5 January
    // of the coming year: ahead of the clock, so each format's rehearsal reports the slot
    // missed again (one behind it would remember the slot reported, and only the first format
    // would show it), and winter in Berlin (its 09:00 is 08:00 UTC).
    const day = `${new Date().getUTCFullYear() + 1}-01-05`;
    const rehearsal = ['apply', '--yes', '--now'];
    const first = await moved.run('moved first', [...rehearsal, `${day}T09:00:10Z`], env());
    expect(first.code, first.stderr).toBe(0);
    await moved.project.write(
      'calls/c.yaml',
      callsYaml([daily('t16', ' timezone: Europe/Berlin,')]),
    );
    await rm(join(moved.project.dir, '.callops'), { recursive: true, force: true });
    const was = (await moved.project.lock()) as LockJson;
    const old = `gw/t15@${day}T09:00:00Z`;
    const calls = { ...was.calls, [old]: { ...was.calls[old], sid: KEY, callId: UNUSED } };
    await moved.project.write('callops.lock', lockText({ ...was, calls } as LockJson));
    const missed: Record<string, CliResult> = {};
    for (const [name, flags, gh] of FORMATS) {
      const r = await moved.run(
        `moved ${name}`,
        [...rehearsal, `${day}T09:10:00Z`, ...flags],
        env(gh(moved.project.dir)),
      );
      expect(r.code, output(r)).toBe(0);
      missed[name] = r;
    }
    const words = `its number was dialled as ${old} (placed \${VG_API_KEY} at `;
    expect(missed.human?.stdout).toContain(`missed  gw/t16@${day}T08:00:00Z`);
    expect(missed.human?.stdout).toContain(words);
    const results = (JSON.parse(missed.json?.stdout ?? '') as { results: { message: string }[] })
      .results;
    expect(results.find((r) => r.message.includes(words))).toBeDefined();
    expect(missed.github?.stdout).toMatch(/^::warning .*missed/m);
    expect(await moved.project.read('summary.md')).toContain(words);

    // The lockfiles hold them (positive control); no output and no other file does.
    expect(await project.read('callops.lock')).toContain(KEY);
    expect(await moved.project.read('callops.lock')).toContain(KEY);
    expect(await leaksOf(seen, project.dir)).toEqual([]);
    expect(await leaksOf(moved.seen, moved.project.dir)).toEqual([]);
  }, 240_000);
});
