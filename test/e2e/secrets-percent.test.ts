// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, callsYaml, envConfigYaml, filesUnder, listenLoopback } from './helpers.js';
import { recordedProject } from './recorded-project.js';

// A key holding `'` and `~`, which percent-encoders treat differently, and a tag value
// holding a space and a non-ASCII letter too.
const KEY = "s3cr3t'Key~2024";
const NOTE = "Tok'en Secret~ü42";
const ACCOUNT = 'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500';

/** Percent-encoded, each UTF-8 byte outside `keep` as `%XX` (in lower case if asked). */
const percent = (text: string, keep: RegExp, lower = false): string =>
  [...Buffer.from(text, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (b < 0x80 && keep.test(c)) return c;
      const hex = b.toString(16).padStart(2, '0');
      return `%${lower ? hex : hex.toUpperCase()}`;
    })
    .join('');

/** How an encoder writes a value: the first segment of the request's path names one. */
const ENCODERS: Readonly<Record<string, (text: string) => string>> = {
  // Python's quote(s, safe=''), Go's url.PathEscape: `'` as %27, `~` raw.
  quote: (t) => percent(t, /[A-Za-z0-9_.~-]/),
  // quote_plus: the same with `+` for a space.
  plus: (t) => percent(t, /[A-Za-z0-9_.~ -]/).replaceAll(' ', '+'),
  // encodeURI: a space as %20, `'`, `~` and `/` raw.
  uri: (t) => encodeURI(t),
  // Every byte escaped, hex in lower case.
  every: (t) => percent(t, /$^/, true),
  // A URL encoded again as it is passed on.
  twice: (t) => encodeURIComponent(encodeURIComponent(t)),
};
const SHAPES = Object.keys(ENCODERS);
const CALLS = callsYaml(SHAPES.map((name) => ({ name, extra: ['tag: { note: "${NOTE}" }'] })));

/** A gateway refusing the call, quoting the token and the tag's note as its shape encodes them. */
const startEncodingGateway = async () => {
  const server: Server = createServer(async (req, res) => {
    const raw = await bodyOf(req);
    const shape = (req.url ?? '').split('/')[1] ?? '';
    const encode = ENCODERS[shape] ?? ((t: string) => t);
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    let note = '';
    try {
      note = (JSON.parse(raw) as { tag?: { note?: string } }).tag?.note ?? '';
    } catch {}
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`invalid token ${encode(token)}; note=${encode(note)}`);
  });
  return listenLoopback(server);
};

/** Every run of escapes decoded (as UTF-8 where it is), and `+` read as a space or not. */
const decoded = (text: string): string[] => {
  const once = (t: string) =>
    t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  return [text, once(text), once(once(text)), once(text.replaceAll('+', ' '))];
};
/** What of the secrets a text shows, as written or with its percent escapes decoded. */
const leaksIn = (text: string): string[] =>
  decoded(text).flatMap((reading) =>
    [KEY, NOTE, 'Key~2024', 'Secret~'].filter((s) => reading.includes(s)),
  );

describe('a gateway echoing secrets percent-encoded as other encoders write them', () => {
  const recorded = recordedProject({ 'callops.yaml': envConfigYaml(), 'calls/c.yaml': CALLS });
  let gateway: Awaited<ReturnType<typeof startEncodingGateway>>;

  beforeAll(async () => {
    gateway = await startEncodingGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const run = (what: string, args: string[], shape = '') =>
    recorded.run(what, args, {
      VG_BASE_URL: `${gateway.url}/${shape}`,
      VG_ACCOUNT_SID: ACCOUNT,
      VG_API_KEY: KEY,
      NOTE,
    });

  it('shows and stores neither, in any output or file', async () => {
    const { project, seen } = recorded;
    for (const shape of SHAPES) {
      const r = await run(`apply ${shape}`, ['apply', '--yes', '--only', shape], shape);
      expect(r.code, `${shape}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stdout + r.stderr).toContain('invalid token ${VG_API_KEY}; note=${NOTE}');
    }
    await run('status', ['status']);
    await run('status json', ['status', '--format', 'json']);

    const lock = await project.lock();
    for (const shape of SHAPES) {
      expect(lock?.calls[`gw/${shape}`]).toMatchObject({
        status: 'failed',
        httpStatus: 400,
        message: 'invalid token ${VG_API_KEY}; note=${NOTE}',
      });
    }
    const leaks: string[] = [];
    for (const { what, result } of seen) {
      const found = leaksIn(result.stdout + result.stderr);
      if (found.length > 0) leaks.push(`${what}: ${found.join(', ')}`);
    }
    for (const { path, text } of await filesUnder(project.dir)) {
      const found = leaksIn(text);
      if (found.length > 0) leaks.push(`${path}: ${found.join(', ')}`);
    }
    expect(leaks).toEqual([]);
  }, 60_000);
});
