// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { bodyOf, callsYaml, envConfigYaml, filesUnder, listenLoopback } from './helpers.js';
import { recordedProject } from './recorded-project.js';

// Canaries that reach callops only through the environment: the api key (a bearer token),
// a tag value holding a `"` (JSON-escaped in the body), a header value and the account sid
// (in the URL). Each gateway shape below echoes them back in a way that once leaked.
const KEY = 'Zq8Xv3CanaryKd7Wm2key';
const NOTE = 'Tok"enSecret42';
const HEADER = 'Hx5HdrSecretPq9w';
const ACCOUNT = 'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500';
const CANARIES = [KEY, NOTE, HEADER, ACCOUNT];

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
  for (const piece of ['Zq8Xv3', 'Kd7Wm2', 'enSecret42', 'Hx5Hdr', 'Pq9w', '5eed-4bad']) {
    if (flat.includes(piece.toLowerCase())) found.push(piece);
  }
  if (decodesToCanary(text)) found.push('base64');
  return found;
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
    expect(leaks).toEqual([]);
  }, 180_000);
});
