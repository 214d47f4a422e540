// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_BACKENDS } from '../support/state-backends.js';
import {
  ACCOUNT_SID,
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

// Canaries holding what markup stripping takes out: a tag-like piece in the api key (the
// Authorization header) and in a tag value (the request body, JSON-escaped).
const KEY = 'Xq7<b>Lm9pR2vT8w';
const NOTE = `sEcReT-<script>&"'9f3k`;
/** Pieces of the canaries that no message of callops or of the gateway below holds. */
const PIECES = ['Xq7', 'Lm9p', 'R2vT8w', 'sEcReT', '9f3k'];

const escapeHtml = (t: string) =>
  t
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/**
 * How the gateway answers, by the call's `tag.shape`: the request echoed in a text/plain
 * 500, in an HTML 503 (raw), in an HTML 400 (escaped), and in JSON without a `msg`.
 */
const SHAPES = ['text500', 'html503', 'html400', 'json400'] as const;
const CALLS = callsYaml(
  SHAPES.map((name) => ({ name, extra: [`tag: { note: "\${NOTE}", shape: ${name} }`] })),
);

const startEchoGateway = async () => {
  const server: Server = createServer(async (req, res) => {
    const raw = await bodyOf(req);
    const auth = req.headers.authorization ?? '';
    let shape = '';
    try {
      shape = (JSON.parse(raw) as { tag?: { shape?: string } }).tag?.shape ?? '';
    } catch {}
    const send = (status: number, type: string, text: string) => {
      res.writeHead(status, { 'content-type': type, 'retry-after': '0' });
      res.end(text);
    };
    if (shape === 'text500') return send(500, 'text/plain', `Internal error for ${auth}: ${raw}`);
    if (shape === 'html503') return send(503, 'text/html', `<html>busy ${auth} ${raw}</html>`);
    if (shape === 'html400')
      return send(
        400,
        'text/html',
        `<html><body><pre>${escapeHtml(`${auth}\n${raw}`)}</pre></body></html>`,
      );
    if (shape === 'json400')
      return send(400, 'application/json', JSON.stringify({ error: { detail: auth, note: raw } }));
    send(404, 'text/plain', 'no such shape');
  });
  return listenLoopback(server);
};

const leaksIn = (text: string): string[] => PIECES.filter((p) => text.includes(p));
const allClean = (results: readonly { what: string; r: CliResult }[]): string[] =>
  results.flatMap(({ what, r }) => {
    const found = leaksIn(`${r.stdout}\n${r.stderr}`);
    return found.length === 0 ? [] : [`${what}: ${found.join(', ')}\n${r.stdout}${r.stderr}`];
  });

let gateway: Awaited<ReturnType<typeof startEchoGateway>>;
beforeAll(async () => {
  gateway = await startEchoGateway();
});
afterAll(async () => {
  await gateway.close();
});

describe.each(['file', 'postgres'] as const)(
  'a gateway echoing a secret holding markup in an answer read as text (%s store)',
  (name) => {
    let project: Project;
    let stop: () => Promise<void> = async () => {};
    let env: Record<string, string> = {};
    let url = '';
    let summaryDir = '';
    beforeAll(async () => {
      const backend = await STATE_BACKENDS[name].start();
      stop = () => backend.stop();
      url = backend.env.CALLOPS_DATABASE_URL ?? '';
      summaryDir = await mkdtemp(join(tmpdir(), 'callops-summary-'));
      env = {
        ...backend.env,
        VG_BASE_URL: gateway.url,
        VG_ACCOUNT_SID: ACCOUNT_SID,
        VG_API_KEY: KEY,
        NOTE,
        GITHUB_STEP_SUMMARY: join(summaryDir, 'summary.md'),
      };
      project = await makeProject({
        'callops.yaml': `${envConfigYaml()}${backend.state.join('\n')}\n`,
        'calls/c.yaml': CALLS,
      });
    }, 60_000);
    afterAll(async () => {
      await project?.cleanup();
      await rm(summaryDir, { recursive: true, force: true });
      await stop();
    });

    it('shows and stores no piece of either: the message says ${VG_API_KEY} and ${NOTE}', {
      timeout: 90_000,
    }, async () => {
      const run = (args: string[], extra: Record<string, string> = {}) =>
        runCli(args, { cwd: project.dir, env: { ...env, ...extra }, timeoutMs: 30_000 }).then(
          (r) => ({ what: args.join(' '), r }),
        );
      const apply = await run(['apply', '--yes']);
      expect(apply.r.stdout).toContain('${VG_API_KEY}');
      expect(apply.r.stdout).toContain('${NOTE}');
      const shown = [
        apply,
        await run(['status']),
        await run(['status', '--format', 'json']),
        await run(['plan']),
        await run(['plan', '--format', 'github']),
        // Under GitHub Actions: the annotations, and the step summary.
        await run(['apply', '--yes'], { GITHUB_ACTIONS: 'true' }),
      ];
      expect(allClean(shown)).toEqual([]);
      expect(leaksIn(await readFile(env.GITHUB_STEP_SUMMARY ?? '', 'utf8'))).toEqual([]);
      if (name === 'postgres') {
        const { rows } = await queryDatabase<{ key: string; message: string | null }>(
          url,
          'SELECT key, message FROM callops.placements ORDER BY key',
        );
        expect(rows).toHaveLength(SHAPES.length);
        for (const row of rows) expect(leaksIn(row.message ?? ''), row.key).toEqual([]);
        const pull = await run(['state', 'pull']);
        expect(pull.r.code, pull.r.stderr).toBe(0);
        expect(allClean([pull])).toEqual([]);
      }
      const lock = await project.lock();
      expect(Object.keys(lock?.calls ?? {})).toHaveLength(SHAPES.length);
      for (const entry of Object.values(lock?.calls ?? {}))
        expect(entry.message).toContain('${VG_API_KEY}');
      for (const file of await filesUnder(project.dir)) {
        if (file.path.endsWith('.yaml')) continue;
        expect(leaksIn(file.text), file.path).toEqual([]);
      }
    });
  },
);
