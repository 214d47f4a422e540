// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_BACKENDS } from '../support/state-backends.js';
import {
  ACCOUNT_SID,
  API_KEY,
  bodyOf,
  type CliResult,
  callsYaml,
  envConfigYaml,
  filesUnder,
  listenLoopback,
  makeProject,
  type Project,
  runCli,
} from './helpers.js';
import { queryDatabase } from './postgres-project.js';

// A tag value that reaches callops only through the environment, holding non-ASCII letters
// (`€` has a byte that Latin-1 and Windows-1252 read differently) and a `"`, which every
// JSON level escapes again.
const NOTE = 'Tök"en-Sécret€42';

const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
const cp1252 = (t: string) => new TextDecoder('windows-1252').decode(Buffer.from(t, 'utf8'));
const nest = (t: string, levels: number): string =>
  levels === 0 ? t : nest(JSON.stringify({ inner: t }), levels - 1);

/** How the gateway rewrites the request body it quotes: the call's `tag.shape` names one. */
const SHAPES: Readonly<Record<string, (body: string) => string>> = {
  latin1,
  cp1252,
  nfd: (b) => b.normalize('NFD'),
  nfkd: (b) => b.normalize('NFKD'),
  nest3: (b) => nest(b, 3),
  nest4: (b) => nest(b, 4),
  latin1json: (b) => JSON.stringify({ quoted: latin1(b) }),
  latin1pct: (b) => encodeURIComponent(latin1(b)).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
};
const NAMES = Object.keys(SHAPES);
const CALLS = callsYaml(
  NAMES.map((name) => ({ name, extra: [`tag: { note: "\${NOTE}", shape: ${name} }`] })),
);

/**
 * A gateway refusing every call with a JSON message quoting the body as its shape rewrote it,
 * its `"note":"…"` (as sent: the value JSON-escaped), so that four levels of JSON still fit
 * in the message callops keeps.
 */
const startRewritingGateway = async () => {
  const server: Server = createServer(async (req, res) => {
    const raw = await bodyOf(req);
    let shape = '';
    try {
      shape = (JSON.parse(raw) as { tag?: { shape?: string } }).tag?.shape ?? '';
    } catch {}
    const rewrite = SHAPES[shape] ?? ((b: string) => b);
    res.writeHead(400, { 'content-type': 'application/json' });
    const note = raw.slice(raw.indexOf('"note"'), raw.indexOf(',"shape"'));
    res.end(JSON.stringify({ msg: `bad request: ${rewrite(note)}` }));
  });
  return listenLoopback(server);
};

/** Windows-1252's byte for each character it decodes to: mojibake read back. */
const CP1252_BYTES = new Map(
  [...Array(256).keys()].map((b) => [new TextDecoder('windows-1252').decode(Uint8Array.of(b)), b]),
);
const undoMojibake = (t: string): string[] => {
  const out = [Buffer.from(t, 'latin1').toString('utf8')];
  if ([...t].every((c) => CP1252_BYTES.has(c)))
    out.push(Buffer.from([...t].map((c) => CP1252_BYTES.get(c) ?? 0)).toString('utf8'));
  return out;
};
const unescapeJson = (t: string) =>
  t
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
    .replace(/\\(.)/g, '$1');
const unescapePercent = (t: string) =>
  t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });

/** Every reading of a text a person could make: escapes undone, mojibake read back, composed. */
const readings = (text: string): string[] => {
  const out = new Set<string>();
  let level = text;
  for (let i = 0; i < 8; i++) {
    for (const t of [level, unescapePercent(level)]) {
      for (const u of [t, ...undoMojibake(t)]) out.add(u.normalize('NFKC'));
    }
    level = unescapeJson(level);
  }
  return [...out];
};
/** The pieces of NOTE that show in any reading of a text. */
const leaksIn = (text: string): string[] =>
  readings(text).flatMap((r) => ['Tök', 'Sécret', 'cret€42', 'en-S'].filter((p) => r.includes(p)));

const allClean = (results: readonly { what: string; r: CliResult }[]): string[] =>
  results.flatMap(({ what, r }) => {
    const found = leaksIn(`${r.stdout}\n${r.stderr}`);
    return found.length === 0 ? [] : [`${what}: ${found.join(', ')}\n${r.stdout}${r.stderr}`];
  });

let gateway: Awaited<ReturnType<typeof startRewritingGateway>>;
beforeAll(async () => {
  gateway = await startRewritingGateway();
});
afterAll(async () => {
  await gateway.close();
});

describe.each(['file', 'postgres'] as const)(
  'a gateway quoting the request with its characters rewritten (%s store)',
  (name) => {
    let project: Project;
    let stop: () => Promise<void> = async () => {};
    let env: Record<string, string> = {};
    let url = '';
    beforeAll(async () => {
      const backend = await STATE_BACKENDS[name].start();
      stop = () => backend.stop();
      url = backend.env.CALLOPS_DATABASE_URL ?? '';
      env = {
        ...backend.env,
        VG_BASE_URL: gateway.url,
        VG_ACCOUNT_SID: ACCOUNT_SID,
        VG_API_KEY: API_KEY,
        NOTE,
      };
      project = await makeProject({
        'callops.yaml': `${envConfigYaml()}${backend.state.join('\n')}\n`,
        'calls/c.yaml': CALLS,
      });
    }, 60_000);
    afterAll(async () => {
      await project?.cleanup();
      await stop();
    });

    it('shows, stores and pulls no piece of the value: mojibake, NFD, JSON nested 3 and 4 deep, both', {
      timeout: 90_000,
    }, async () => {
      const run = (args: string[]) =>
        runCli(args, { cwd: project.dir, env, timeoutMs: 30_000 }).then((r) => ({
          what: args.join(' '),
          r,
        }));
      const apply = await run(['apply', '--yes']);
      expect(apply.r.code, apply.r.stderr).toBe(1);
      // Every call failed with the gateway's message, stored redacted.
      expect(apply.r.stdout).toContain(`0 placed, ${NAMES.length} failed`);
      expect(apply.r.stdout).toContain('${NOTE}');
      const shown = [
        apply,
        await run(['apply', '--yes', '--format', 'json']),
        await run(['status']),
        await run(['status', '--format', 'json']),
        await run(['plan']),
        await run(['plan', '--format', 'github']),
      ];
      // plan says why each call is due again, quoting its message.
      expect(shown[4]?.r.stdout).toContain('retrying: failed before (400');
      expect(allClean(shown)).toEqual([]);
      if (name === 'postgres') {
        const { rows } = await queryDatabase<{ key: string; message: string | null }>(
          url,
          'SELECT key, message FROM callops.placements ORDER BY key',
        );
        expect(rows).toHaveLength(NAMES.length);
        for (const row of rows) {
          expect(row.message).toContain('${NOTE}');
          expect(leaksIn(row.message ?? ''), row.key).toEqual([]);
        }
        const pull = await run(['state', 'pull']);
        expect(pull.r.code, pull.r.stderr).toBe(0);
        expect(allClean([pull])).toEqual([]);
      }
      // The lockfile (pulled from the database, or the file store's own) and `.callops/`.
      const lock = await project.lock();
      expect(Object.keys(lock?.calls ?? {})).toHaveLength(NAMES.length);
      for (const entry of Object.values(lock?.calls ?? {}))
        expect(entry.message).toContain('${NOTE}');
      for (const file of await filesUnder(project.dir)) {
        if (file.path.endsWith('.yaml')) continue;
        expect(leaksIn(file.text), file.path).toEqual([]);
      }
    });
  },
);
