// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { chmod, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { kubeletVolume } from '../support/kubelet-volume.js';
import { STATE_BACKENDS, type StateBackend } from '../support/state-backends.js';
import {
  API_KEY,
  callsYaml,
  type Gateway,
  makeProject,
  REPO,
  runCli,
  startGateway,
} from './helpers.js';

/**
 * The recipes in examples/ run these exact commands: they are read from the workflow and the
 * CronJob, never written out here, and run with the real CLI against the simulator.
 */

type Json = Record<string, unknown>;

/** The words of a shell line up to its first operator (`>`, `|`, `&&`, `;`), quotes removed. */
const words = (line: string): string[] => {
  const out: string[] = [];
  for (const [, dq, sq, bare] of line.matchAll(/"([^"]*)"|'([^']*)'|([^\s"']+)/g)) {
    if (bare !== undefined && /^(?:[<>|;&]|>>|&&|\|\|)/.test(bare)) break;
    out.push(dq ?? sq ?? bare ?? '');
  }
  return out;
};

/** The callops command lines of a `run:` script, each as its arguments (without `callops`). */
const callopsLines = (script: string): string[][] =>
  script
    .split('\n')
    .map((line) => words(line.trim()))
    .filter((argv) => argv[0] === 'callops')
    .map((argv) => argv.slice(1));

const readExample = (path: string): Promise<string> =>
  readFile(join(REPO, 'examples', path), 'utf8');

const workflow = async () => {
  const doc = parse(await readExample('github/callops.yml')) as Json;
  const jobs = doc.jobs as Record<string, Json>;
  const commandsOf = (job: string): string[][] =>
    ((jobs[job]?.steps ?? []) as Json[]).flatMap((step) =>
      typeof step.run === 'string' ? callopsLines(step.run) : [],
    );
  return { doc, jobs, review: commandsOf('review'), apply: commandsOf('apply') };
};

const kubernetes = async () => {
  const docs = parseAllDocuments(await readExample('kubernetes/cronjob.yaml')).map(
    (d) => d.toJS() as Json,
  );
  const of = (kind: string) => docs.find((d) => d.kind === kind) as Json;
  const cron = of('CronJob');
  const spec = cron.spec as Json;
  const pod = ((spec.jobTemplate as Json).spec as Json).template as Json;
  const [container] = (pod.spec as Json).containers as Json[];
  const argv = [
    ...((container?.command ?? []) as string[]),
    ...((container?.args ?? []) as string[]),
  ];
  const configMap = of('ConfigMap');
  const data = configMap.data as Record<string, string>;
  const [volume] = (pod.spec as Json).volumes as Json[];
  const items = ((volume?.configMap as Json | undefined)?.items ?? []) as Json[];
  /** What the pod sees under its mountPath: each item's key at its path. */
  const mounted: Record<string, string> = Object.fromEntries(
    items.map((i) => [String(i.path), data[String(i.key)] ?? '']),
  );
  return { secret: of('Secret'), configMap, spec, pod, container, argv, mounted };
};

/** The stores the recipes' commands run on (the recipes themselves use postgres). */
const BACKENDS: readonly StateBackend[] = [STATE_BACKENDS.file, STATE_BACKENDS.postgres];

/** A run starts its backend too: PostgreSQL takes about 10 s to start on a busy machine. */
const RUN_TIMEOUT_MS = 60_000;

/** A slot three days ahead, seconds precision: listed as upcoming. */
const SOON = `${new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 16)}:00Z`;

/** Two calls due now, one upcoming: what a merge of a pull request would bring. */
const CALLS = {
  'calls/team.yaml': callsYaml([
    { name: 'welcome-alice' },
    { name: 'welcome-bob', to: '{ type: sip, sipUri: "sip:bob@example.com" }' },
    { name: 'follow-up', extra: [`schedule: { at: "${SOON}" }`] },
  ]),
};

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/**
 * The lockfile view of what was recorded: the file store's callops.lock; with postgres the
 * commands write no lockfile, and `state pull` writes it from the database.
 */
const recorded = async (
  backend: StateBackend,
  gw: Gateway,
  env: Readonly<Record<string, string>>,
) => {
  if (backend.name === 'postgres') {
    expect(gw.project.exists('callops.lock')).toBe(false);
    const pulled = await gw.run(['state', 'pull'], env);
    expect(pulled.code, pulled.stderr).toBe(0);
  }
  return gw.project.lock();
};

/** A gateway (simulator + project) whose callops.yaml keeps its state in `backend`. */
const setUp = async (
  backend: StateBackend,
): Promise<{ gw: Gateway; env: Readonly<Record<string, string>> }> => {
  const state = await backend.start();
  stops.push(state.stop);
  const gw = await startGateway(CALLS);
  stops.push(gw.close);
  const config = await gw.project.read('callops.yaml');
  await gw.project.write('callops.yaml', `${config}${state.state.join('\n')}\n`);
  return { gw, env: state.env };
};

describe('the recipes are what they say', () => {
  it('the workflow validates and comments on pull requests, applies one at a time with the shared state', async () => {
    const { doc, jobs, review, apply } = await workflow();
    expect(Object.keys(doc.on as Json).sort()).toEqual(['pull_request', 'push', 'schedule']);
    expect(jobs.review?.permissions).toMatchObject({ 'pull-requests': 'write' });
    expect(jobs.apply?.concurrency).toEqual({
      group: 'callops-apply',
      'cancel-in-progress': false,
    });
    expect(jobs.apply?.env).toEqual({
      CALLOPS_DATABASE_URL: '${{ secrets.CALLOPS_DATABASE_URL }}',
      VG_ACCOUNT_SID: '${{ secrets.VG_ACCOUNT_SID }}',
      VG_API_KEY: '${{ secrets.VG_API_KEY }}',
    });
    expect(review).toEqual([
      ['validate', '--format', 'github'],
      ['plan', '--format', 'markdown'],
    ]);
    expect(apply).toEqual([['apply', '--yes']]);
  });

  it('the CronJob never overlaps, never starts late, and reads its secrets from a Secret', async () => {
    const k8s = await kubernetes();
    expect(k8s.spec).toMatchObject({ concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 120 });
    expect(Object.keys(k8s.secret.stringData as Json).sort()).toEqual([
      'CALLOPS_DATABASE_URL',
      'VG_ACCOUNT_SID',
      'VG_API_KEY',
    ]);
    expect(k8s.container?.envFrom).toEqual([{ secretRef: { name: 'callops' } }]);
    expect(k8s.argv).toEqual(['callops', 'apply', '--yes']);
    // What its comment says of Forbid is what Kubernetes does: the next run is skipped, not
    // queued, and a slot past its deadline meanwhile is missed.
    const lines = (await readExample('kubernetes/cronjob.yaml')).split('\n');
    const at = lines.findIndex((l) => l.trim() === 'concurrencyPolicy: Forbid');
    let start = at;
    while (lines[start - 1]?.trim().startsWith('#')) start--;
    const comment = lines.slice(start, at).join(' ');
    expect(comment).toMatch(/next one is skipped/);
    expect(comment).not.toMatch(/wait/);
    expect(comment).toMatch(/deadline/);
  });

  it("the CronJob's project is valid as written and as mounted, with the Postgres state", async () => {
    const k8s = await kubernetes();
    expect(Object.keys(k8s.mounted)).toEqual(['callops.yaml', 'calls/reminders.yaml']);
    expect(k8s.container?.workingDir).toBe('/project');
    expect(k8s.container?.volumeMounts).toEqual([
      { name: 'project', mountPath: '/project', readOnly: true },
    ]);
    const project = await makeProject({});
    stops.push(project.cleanup);
    await kubeletVolume(project.dir, k8s.mounted);
    expect(await project.read('callops.yaml')).toContain('backend: postgres');
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe.each(BACKENDS)('the recipes run, state on $name', (backend) => {
  it(
    'GitHub Actions: the pull request is validated and planned, then merges apply each call once',
    async () => {
      const { review, apply } = await workflow();
      const { gw, env } = await setUp(backend);
      const summary = join(gw.project.dir, 'step-summary.md');
      const actions = { ...env, GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_STEP_SUMMARY: summary };

      expect(review).toHaveLength(2);
      const [validate, plan] = review as [string[], string[]];
      const checked = await gw.run(validate, actions);
      expect(checked.stdout).toBe('');
      expect(checked.code).toBe(0);
      const comment = await gw.run(plan, actions);
      expect(comment.code).toBe(0);
      expect(comment.stdout.split('\n')[0]).toBe('<!-- callops-plan -->');
      expect(comment.stdout).toContain('### Due on merge: 2 calls');
      expect(comment.stdout).toContain('| `welcome-bob` | `sip:bob@example.com` |');
      const soon = `| \`follow-up\` | \`+15550002002\` | ${SOON.slice(0, 10)} ${SOON.slice(11, 16)} UTC |`;
      expect(comment.stdout).toContain(soon);
      expect(comment.stdout).toContain('**New (3)** — never placed:');
      expect(gw.sim.received()).toHaveLength(0);

      expect(apply).toHaveLength(1);
      const [applyArgs] = apply as [string[]];
      const first = await gw.run(applyArgs, actions);
      expect(first.code).toBe(0);
      expect(gw.placed().map((c) => (c.body as Json).to)).toEqual(
        expect.arrayContaining([
          { type: 'phone', number: '+15550002000' },
          { type: 'sip', sipUri: 'sip:bob@example.com' },
        ]),
      );
      expect(gw.placed()).toHaveLength(2);
      expect(await readFile(summary, 'utf8')).toContain('welcome-bob');
      const lock = await recorded(backend, gw, env);
      expect(Object.keys(lock?.calls ?? {}).sort()).toEqual([
        'sim/welcome-alice',
        'sim/welcome-bob',
      ]);

      // The next scheduled run, and the comment on the next pull request.
      const again = await gw.run(applyArgs, actions);
      expect(again.code).toBe(0);
      expect(gw.placed()).toHaveLength(2);
      const after = await gw.run(plan, actions);
      expect(after.stdout).toContain('### Due on merge: 0 calls');
      expect(after.stdout).toContain('**New (1)** — never placed:\n- `follow-up`');
      const shown = [checked, comment, first, again, after].map((r) => r.stdout + r.stderr);
      expect(shown).toHaveLength(5);
      for (const text of shown) expect(text).not.toContain(API_KEY);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'Kubernetes CronJob: each run applies what is due, once',
    async () => {
      const { argv } = await kubernetes();
      const { gw, env } = await setUp(backend);
      expect(argv[0]).toBe('callops');
      const args = argv.slice(1);
      const first = await gw.run(args, env);
      expect(first.code).toBe(0);
      expect(gw.placed()).toHaveLength(2);
      const next = await gw.run(args, env);
      expect(next.code).toBe(0);
      expect(gw.placed()).toHaveLength(2);
      const lock = await recorded(backend, gw, env);
      const entries = Object.values(lock?.calls ?? {});
      expect(entries).toHaveLength(2);
      for (const entry of entries) expect(entry.status).toBe('placed');
      expect(first.stdout + first.stderr + next.stdout + next.stderr).not.toContain(API_KEY);
    },
    RUN_TIMEOUT_MS,
  );
});

/** nobody:nogroup: a user the mounted project is read-only to, as a pod's volume with readOnly. */
const NOBODY = { uid: 65534, gid: 65534 };

describe('the CronJob as kubelet mounts its project', () => {
  it(
    'plans and applies from the read-only ConfigMap volume, each call once, the state in PostgreSQL',
    async () => {
      // The tests run as root, whom no mode keeps from writing: the CLI runs as nobody.
      expect(process.getuid?.()).toBe(0);
      const k8s = await kubernetes();
      const state = await STATE_BACKENDS.postgres.start();
      stops.push(state.stop);
      const gw = await startGateway({});
      stops.push(gw.close);
      const project = await makeProject({});
      stops.push(project.cleanup);
      // The recipe's files, its gateway the simulator, and one call due now.
      const config = k8s.mounted['callops.yaml'] ?? '';
      expect(config).toContain('base_url: https://vg.example.com');
      await kubeletVolume(project.dir, {
        ...k8s.mounted,
        'callops.yaml': config.replace('https://vg.example.com', gw.sim.url),
        'calls/reminders.yaml': `${k8s.mounted['calls/reminders.yaml']}  - name: hello-now\n    to: { type: phone, number: "+15550014001" }\n`,
      });
      await chmod(project.dir, 0o555);
      const listing = async () => (await readdir(project.dir, { recursive: true })).sort();
      const before = await listing();
      // What the Secret gives the container through envFrom.
      const env = { ...gw.env, ...state.env };
      expect(Object.keys(env).sort()).toEqual(Object.keys(k8s.secret.stringData as Json).sort());
      const run = (args: readonly string[]) =>
        runCli(args, { cwd: project.dir, env, user: NOBODY, timeoutMs: 30_000 });

      const plan = await run(['plan']);
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(plan.stdout).toContain('hello-now');
      expect(plan.stdout).toContain('weekday-check');
      const first = await run(k8s.argv.slice(1));
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(gw.placed().map((c) => (c.body as Json).to)).toEqual([
        { type: 'phone', number: '+15550014001' },
      ]);
      const next = await run(k8s.argv.slice(1));
      expect(next.code).toBe(0);
      expect(gw.placed()).toHaveLength(1);
      const status = await run(['status', '--format', 'json']);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('production/hello-now');
      expect(await listing()).toEqual(before);
      const shown = [plan, first, next, status].map((r) => r.stdout + r.stderr).join('\n');
      expect(shown).not.toContain(API_KEY);
    },
    RUN_TIMEOUT_MS,
  );
});
