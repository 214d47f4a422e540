// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planDigest } from '../../src/plan/digest.js';
import {
  APP_SID,
  callsYaml,
  closedPort,
  configYaml,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

const THREE = {
  'calls/welcome.yaml': callsYaml([{ name: 'welcome-alice' }, { name: 'welcome-bob' }]),
  'calls/more.yaml': callsYaml([
    { name: 'probe-sip', to: '{ type: sip, sipUri: "sip:probe@example.com" }' },
  ]),
};

const open: { close(): Promise<void> }[] = [];
const track = <T extends { close(): Promise<void> }>(thing: T): T => {
  open.push(thing);
  return thing;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const gateway = async (...args: Parameters<typeof startGateway>): Promise<Gateway> =>
  track(await startGateway(...args));

describe('callops apply against the simulator', () => {
  it('places each call once and records the sids the gateway gave; a second apply sends nothing', async () => {
    const gw = await gateway(THREE);
    const first = await gw.run(['apply', '--yes']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const placed = gw.placed();
    expect(placed).toHaveLength(3);
    expect(gw.sim.received()).toHaveLength(3);
    const lock = await gw.project.lock();
    const entries = Object.entries(lock?.calls ?? {});
    expect(entries.map(([k]) => k).sort()).toEqual([
      'sim/probe-sip',
      'sim/welcome-alice',
      'sim/welcome-bob',
    ]);
    for (const [, entry] of entries) expect(entry.status).toBe('placed');
    expect(new Set(entries.map(([, e]) => e.sid))).toEqual(new Set(placed.map((r) => r.sid)));
    expect(new Set(entries.map(([, e]) => e.callId))).toEqual(new Set(placed.map((r) => r.callId)));
    // The sid of each key is the one the gateway answered for that call's destination.
    const aliceSid = lock?.calls['sim/welcome-alice']?.sid;
    const aliceReq = placed.find((r) => r.sid === aliceSid)?.body as { to: { number: string } };
    expect(aliceReq.to.number).toBe('+15550002000');
    for (const [, e] of entries) expect(first.stdout).toContain(e.sid as string);
    expect(first.stdout).toMatch(/3 placed, 0 failed, 0 unknown/);

    const before = await gw.project.read('callops.lock');
    const second = await gw.run(['apply', '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Nothing is due/);
    expect(gw.sim.received()).toHaveLength(3);
    expect(await gw.project.read('callops.lock')).toBe(before);
  });

  it('the lockfile is sorted JSON with 2-space indent and a trailing newline', async () => {
    const gw = await gateway(THREE);
    expect((await gw.run(['apply', '--yes'])).code).toBe(0);
    const text = await gw.project.read('callops.lock');
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as { calls: Record<string, unknown> };
    expect(Object.keys(parsed.calls)).toEqual(Object.keys(parsed.calls).sort());
    expect(text).toMatch(/^ {2}"calls": \{\n {4}"sim\//m);
  });

  it('--format json prints {placed, failed, unknown, results}', async () => {
    const gw = await gateway(THREE);
    const r = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      placed: number;
      failed: number;
      unknown: number;
      results: { key: string; status: string; sid?: string; callId?: string }[];
    };
    expect([json.placed, json.failed, json.unknown]).toEqual([3, 0, 0]);
    expect(json.results.map((x) => x.key).sort()).toEqual([
      'sim/probe-sip',
      'sim/welcome-alice',
      'sim/welcome-bob',
    ]);
    const lock = await gw.project.lock();
    for (const x of json.results) {
      expect(x.status).toBe('placed');
      expect(x.sid).toBe(lock?.calls[x.key]?.sid);
      expect(x.callId).toBe(lock?.calls[x.key]?.callId);
    }
  });

  it('under GitHub Actions: annotations for failed calls and a step summary with every outcome', async () => {
    const gw = await gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'good' },
          { name: 'bad-app', extra: ['application_sid: 9a9a9a9a-0000-4000-8000-00000000dead'] },
        ]),
      },
      { applicationSids: [APP_SID] },
    );
    const summaryFile = join(gw.project.dir, 'summary.md');
    await writeFile(summaryFile, '# earlier step\n');
    const r = await gw.run(['apply', '--yes'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summaryFile,
    });
    expect(r.code).toBe(1);
    expect(output(r)).toMatch(
      /^::error file=calls\/a\.yaml,line=7,col=\d+[^:]*::.*sim\/bad-app.*application_sid not found/m,
    );
    expect(output(r).match(/^::error /gm)).toHaveLength(1);
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary.startsWith('# earlier step\n')).toBe(true);
    const lock = await gw.project.lock();
    expect(summary).toContain(lock?.calls['sim/good']?.sid as string);
    expect(summary).toMatch(/sim\/bad-app.*failed.*400/);
    expect(summary).toMatch(/1 placed · 1 failed · 0 unknown/);
  });

  it('without --yes and without a terminal sends nothing and names --yes (exit 64)', async () => {
    const gw = await gateway(THREE);
    const r = await gw.run(['apply']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--yes');
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('a 401 is recorded failed with its status and message; a later apply tries it again', async () => {
    const gw = await gateway(THREE);
    const denied = await gw.run(['apply', '--yes'], { VG_API_KEY: 'not-the-right-key' });
    expect(denied.code).toBe(1);
    expect(gw.placed()).toHaveLength(0);
    const lock = await gw.project.lock();
    for (const key of ['sim/welcome-alice', 'sim/welcome-bob', 'sim/probe-sip']) {
      const entry = lock?.calls[key];
      expect(entry?.status, key).toBe('failed');
      expect(entry?.httpStatus).toBe(401);
      expect(entry?.message).toMatch(/Unauthorized/);
      expect(entry?.sid).toBeUndefined();
    }
    expect(output(denied)).toMatch(/401/);

    const retried = await gw.run(['apply', '--yes']);
    expect(retried.code, output(retried)).toBe(0);
    expect(gw.placed()).toHaveLength(3);
    const after = await gw.project.lock();
    expect(Object.keys(after?.calls ?? {})).toHaveLength(3);
    for (const entry of Object.values(after?.calls ?? {})) {
      expect(entry.status).toBe('placed');
      expect(entry.httpStatus).toBeUndefined();
    }
  });

  it('a 400 is recorded failed with the gateway message (unknown application_sid); retried later', async () => {
    const gw = await gateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'known-app' },
          { name: 'unknown-app', extra: ['application_sid: 9a9a9a9a-0000-4000-8000-00000000dead'] },
        ]),
      },
      { applicationSids: [APP_SID] },
    );
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/known-app']?.status).toBe('placed');
    const failed = lock?.calls['sim/unknown-app'];
    expect(failed?.status).toBe('failed');
    expect(failed?.httpStatus).toBe(400);
    expect(failed?.message).toContain(
      'application_sid not found 9a9a9a9a-0000-4000-8000-00000000dead',
    );
    expect(gw.placed()).toHaveLength(1);

    // The definition is fixed: the failed call is placed, the placed one is not sent again.
    await gw.project.write(
      'calls/a.yaml',
      callsYaml([{ name: 'known-app' }, { name: 'unknown-app' }]),
    );
    const again = await gw.run(['apply', '--yes']);
    expect(again.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(3);
    const names = gw.placed().map((x) => (x.body as { to: { number: string } }).to.number);
    expect(names).toEqual(['+15550002000', '+15550002001']);
    expect((await gw.project.lock())?.calls['sim/unknown-app']?.status).toBe('placed');
  });

  it('an injected 400 (--fail-status 400) is failed, never retried in the same run', async () => {
    const gw = await gateway(THREE, { failStatus: 400 });
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(gw.sim.received()).toHaveLength(3);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {})).toHaveLength(3);
    for (const entry of Object.values(lock?.calls ?? {})) {
      expect(entry.status).toBe('failed');
      expect(entry.httpStatus).toBe(400);
      expect(entry.message).toContain('Bad request');
    }
  });

  it('a 500 leaves calls unknown: never sent again, except with --retry-unknown', async () => {
    const gw = await gateway(THREE, { failStatus: 500, failRate: 1 });
    const r = await gw.run(['apply', '--yes', '--only', 'welcome-alice']);
    expect(r.code).toBe(1);
    expect(gw.sim.received()).toHaveLength(1); // a 500 is never retried in the run either
    const entry = (await gw.project.lock())?.calls['sim/welcome-alice'];
    expect(entry?.status).toBe('unknown');
    expect(entry?.httpStatus).toBe(500);
    expect(entry?.message).toMatch(/may have been placed/);
    const again = await gw.run(['apply', '--yes', '--only', 'welcome-alice']);
    expect(again.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    const retried = await gw.run(['apply', '--yes', '--only', 'welcome-alice', '--retry-unknown']);
    expect(retried.code).toBe(1); // the simulator still answers 500
    expect(gw.sim.received()).toHaveLength(2);
  });

  it('apply --plan FILE carries out a plan made with --retry-unknown, and only its keys', async () => {
    const gw = await gateway(THREE);
    const unknown = {
      status: 'unknown',
      at: '2026-11-24T10:00:00.000Z',
      definition: 'sha256:0',
      file: 'calls/welcome.yaml',
      message: 'the run ended before an answer was recorded (interrupted or crashed)',
    };
    await gw.project.write(
      'callops.lock',
      `${JSON.stringify({ lockfileVersion: 1, calls: { 'sim/welcome-alice': unknown, 'sim/welcome-bob': unknown } }, null, 2)}\n`,
    );
    const file = join(gw.project.dir, 'retry.plan.json');
    const planned = await gw.run([
      'plan',
      '--retry-unknown',
      '--only',
      'welcome-alice',
      '--out',
      file,
    ]);
    expect(planned.code).toBe(0);
    const r = await gw.run(['apply', '--plan', file, '--yes']);
    expect(output(r)).not.toMatch(/no longer due/);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/welcome-alice']?.status).toBe('placed');
    expect(lock?.calls['sim/welcome-bob']?.status).toBe('unknown');
  });

  it('a plan file that lists a key twice still places that call once', async () => {
    const gw = await gateway(THREE);
    const file = join(gw.project.dir, 'twice.plan.json');
    expect((await gw.run(['plan', '--only', 'welcome-alice', '--out', file])).code).toBe(0);
    const plan = JSON.parse(await readFile(file, 'utf8')) as {
      target: string;
      now: string;
      due: { key: string; definition: string }[];
      planDigest: string;
    };
    const [item] = plan.due;
    plan.due = [item as (typeof plan.due)[number], item as (typeof plan.due)[number]];
    plan.planDigest = planDigest(plan);
    await writeFile(file, JSON.stringify(plan));
    const r = await gw.run(['apply', '--plan', file, '--yes']);
    expect(r.code).toBe(0);
    expect(gw.sim.received()).toHaveLength(1);
    expect((await gw.project.lock())?.calls['sim/welcome-alice']?.status).toBe('placed');
  });

  it('429 with Retry-After: the target pauses, each call is retried and placed exactly once', async () => {
    const gw = await gateway(
      { 'calls/a.yaml': callsYaml(['r1', 'r2', 'r3', 'r4'].map((name) => ({ name }))) },
      { rateLimit: { count: 2, windowMs: 1000 } },
    );
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(4);
    expect(gw.sim.received().some((x) => x.status === 429)).toBe(true);
    const numbers = gw.placed().map((x) => (x.body as { to: { number: string } }).to.number);
    expect(new Set(numbers).size).toBe(4);
    // The pause is shown as a duration from now, as the gateway asked (Retry-After ~1 s).
    const pauses = [...r.stdout.matchAll(/paused\s+target sim for ([\d.]+)s/g)].map((m) =>
      Number(m[1]),
    );
    expect(pauses.length).toBeGreaterThan(0);
    for (const seconds of pauses) expect(seconds).toBeLessThanOrEqual(5);
  });

  it('--max-calls refuses a larger run before sending anything', async () => {
    const gw = await gateway(THREE);
    const r = await gw.run(['apply', '--yes', '--max-calls', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--max-calls 2');
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
    const ok = await gw.run(['apply', '--yes', '--max-calls', '3']);
    expect(ok.code).toBe(0);
    expect(gw.placed()).toHaveLength(3);
  });

  it('--only places only the calls named', async () => {
    const gw = await gateway(THREE);
    const r = await gw.run(['apply', '--yes', '--only', 'welcome-bob', '--only', 'probe-sip']);
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(2);
    const lock = await gw.project.lock();
    expect(Object.keys(lock?.calls ?? {}).sort()).toEqual(['sim/probe-sip', 'sim/welcome-bob']);
    const rest = await gw.run(['apply', '--yes']);
    expect(rest.code).toBe(0);
    expect(gw.placed()).toHaveLength(3);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toContain('sim/welcome-alice');
  });

  it('--only with a name no call has is a usage error (64) naming it; nothing is sent', async () => {
    const gw = await gateway(THREE);
    const r = await gw.run(['apply', '--yes', '--only', 'welcome-alice', '--only', 'welcome-bobb']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('welcome-bobb');
    expect(r.stderr).not.toContain('welcome-alice');
    expect(gw.sim.received()).toHaveLength(0);
    expect((await gw.run(['plan', '--only', 'nope'])).code).toBe(64);
  });

  it('a corrupt lockfile stops apply before anything is sent, naming file:line:column', async () => {
    const gw = await gateway(THREE);
    await gw.project.write('callops.lock', '{"calls": {\n');
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/callops\.lock:\d+:\d+: /);
    expect(gw.sim.received()).toHaveLength(0);
    expect(await gw.project.read('callops.lock')).toBe('{"calls": {\n');
    expect((await gw.run(['status'])).code).toBe(1);
  });

  it('CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID, CALLOPS_API_KEY define the target `env`', async () => {
    const gw = await gateway(THREE);
    await rm(join(gw.project.dir, 'callops.yaml'));
    const env = {
      VG_ACCOUNT_SID: undefined,
      VG_API_KEY: undefined,
      CALLOPS_BASE_URL: gw.sim.url,
      CALLOPS_ACCOUNT_SID: gw.sim.accountSid,
      CALLOPS_API_KEY: gw.sim.apiKey,
    };
    const r = await gw.run(['apply', '--yes', '--only', 'welcome-bob'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/target env/);
    expect(r.stdout).not.toMatch(/built-in simulator/);
    expect(Object.keys((await gw.project.lock())?.calls ?? {})).toEqual(['env/welcome-bob']);
    expect(gw.placed()).toHaveLength(1);
  });

  it('a call pinned to target `env` without CALLOPS_* set is failed unsent; the others are placed', async () => {
    const gw = await gateway({
      'calls/a.yaml': callsYaml([{ name: 'here' }, { name: 'pinned', extra: ['target: env'] }]),
    });
    const r = await gw.run(['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(gw.placed()).toHaveLength(1);
    const lock = await gw.project.lock();
    expect(lock?.calls['sim/here']?.status).toBe('placed');
    expect(lock?.calls['env/pinned']).toMatchObject({ status: 'failed' });
    expect(lock?.calls['env/pinned']?.message).toMatch(/not sent: no target named `env`/);
  });

  it('a lockfile in a directory not yet there, and the api key from .env', async () => {
    const gw = await gateway(THREE);
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}lockfile: state/ops/callops.lock\n`,
    );
    await gw.project.write('.env', `VG_API_KEY=${gw.sim.apiKey}\n`);
    const r = await gw.run(['apply', '--yes'], { VG_API_KEY: undefined });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(gw.placed()).toHaveLength(3);
    expect(gw.project.exists('state/ops/callops.lock')).toBe(true);
    expect(gw.project.exists('callops.lock')).toBe(false);
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
    // The real environment wins over .env: a wrong key there is used, and refused.
    await gw.project.write('calls/more.yaml', callsYaml([{ name: 'later' }]));
    const wrong = await gw.run(['apply', '--yes'], { VG_API_KEY: 'wrong-key-from-env' });
    expect(wrong.code).toBe(1);
    expect(gw.sim.received().at(-1)?.status).toBe(401);
  });

  it('a lockfile inside another project is an error at its value; nothing is sent', async () => {
    const gw = await gateway(THREE);
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}lockfile: sub/callops.lock\n`);
    // sub/ is a project of its own, with its own .callops/ run lock and journal.
    await gw.project.write('sub/callops.yaml', config);
    const line = config.split('\n').length;
    const at = `callops.yaml:${line}:11: error: \`lockfile\` must not be inside another project (sub/callops.yaml): the two projects would share one lockfile without sharing a run lock`;

    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(at);
    expect(apply.stderr).toContain("one run's records could be lost");
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('sub/callops.lock')).toBe(false);
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);

    const validate = await gw.run(['validate']);
    expect(validate.code).toBe(1);
    expect(output(validate)).toContain(at);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('a lockfile a linked folder takes out of the project is an error at its value, in every project linked there; nothing is sent', async () => {
    const shared = await realpath(await mkdtemp(join(tmpdir(), 'callops-e2e-shared-')));
    track({ close: () => rm(shared, { recursive: true, force: true }) });
    // Two projects keep their lockfile in one shared folder, each through its own link.
    const projects = [await gateway(THREE), await gateway(THREE)];
    for (const gw of projects) {
      const config = await gw.project.read('callops.yaml');
      await gw.project.write('callops.yaml', `${config}lockfile: st/calls.lock\n`);
      await symlink(shared, join(gw.project.dir, 'st'));
      const line = config.split('\n').length;
      const at = `callops.yaml:${line}:11: error: \`lockfile\` must be a file inside the project directory: st/calls.lock leads to ${join(shared, 'calls.lock')} (st is a symbolic link to ${shared}), outside the project`;
      for (const command of [['validate'], ['plan'], ['apply', '--yes'], ['state', 'pull']]) {
        const r = await gw.run(command);
        expect(r.code, command.join(' ')).toBe(1);
        expect(r.stderr, command.join(' ')).toContain(at);
      }
      expect(gw.sim.received()).toHaveLength(0);
      expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
    }
    expect(await readdir(shared)).toEqual([]);

    // A link to a folder of the project is followed as before.
    const [gw] = projects;
    if (gw === undefined) throw new Error('no project');
    await rm(join(gw.project.dir, 'st'));
    await gw.project.write('state/.keep', '');
    await symlink('state', join(gw.project.dir, 'st'));
    const apply = await gw.run(['apply', '--yes']);
    expect(apply.code).toBe(0);
    expect(gw.project.exists('state/calls.lock')).toBe(true);
    expect(gw.sim.received()).toHaveLength(3);
  });

  it('a lockfile in .git/, which git never commits, is an error at its value; nothing is sent', async () => {
    const gw = await gateway(THREE);
    await gw.project.write('.git/HEAD', 'ref: refs/heads/main\n');
    const config = await gw.project.read('callops.yaml');
    await gw.project.write('callops.yaml', `${config}lockfile: .git/callops.lock\n`);
    const line = config.split('\n').length;
    const at = `callops.yaml:${line}:11: error: \`lockfile\` must be a file git commits: .git/callops.lock is inside .git/, whose files git never commits`;
    for (const command of [['validate'], ['plan'], ['apply', '--yes']]) {
      const r = await gw.run(command);
      expect(r.code, command.join(' ')).toBe(1);
      expect(r.stderr, command.join(' ')).toContain(at);
    }
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('.git/callops.lock')).toBe(false);
    expect(gw.project.exists('.callops/journal.jsonl')).toBe(false);
  });

  it('a missing environment variable is reported with its place before anything is sent', async () => {
    const gw = await gateway({
      'calls/a.yaml': callsYaml([
        { name: 'needs-var', to: '{ type: phone, number: "${BOB_NUMBER}" }' },
        { name: 'plain' },
      ]),
    });
    const r = await gw.run(['apply', '--yes'], { VG_API_KEY: undefined });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/calls\/a\.yaml:\d+:\d+: .*BOB_NUMBER/);
    expect(r.stderr).toMatch(/callops\.yaml:\d+:\d+: .*VG_API_KEY/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });

  it('a reference that cannot resolve in the last of many calls stops the run before the first is sent', async () => {
    // Requests are resolved again when their turn comes: the first pass must still have
    // found every problem, however far down the list, before anything left.
    const calls = Array.from({ length: 80 }, (_, i) => ({ name: `c${i}` }));
    const gw = await gateway({
      'calls/a.yaml': callsYaml([
        ...calls,
        { name: 'needs-middle', to: '{ type: phone, number: "${MIDDLE_NUMBER}" }' },
      ]),
      'calls/z.yaml': callsYaml([
        ...calls.map((c) => ({ name: `z-${c.name}` })),
        { name: 'needs-last', to: '{ type: phone, number: "${LAST_NUMBER}" }' },
      ]),
    });
    const r = await gw.run(['apply', '--yes', '--concurrency', '4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/calls\/a\.yaml:\d+:\d+: .*MIDDLE_NUMBER/);
    expect(r.stderr).toMatch(/calls\/z\.yaml:\d+:\d+: .*LAST_NUMBER/);
    expect(gw.sim.received()).toHaveLength(0);
    expect(gw.project.exists('callops.lock')).toBe(false);
  });
});

describe('callops apply without a gateway', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  it('with no target configured, says the built-in simulator is used and nothing real is dialled', async () => {
    project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'solo' }]) });
    for (const args of [['plan'], ['apply', '--yes'], ['status']]) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/built-in simulator/);
      expect(r.stdout).toMatch(/nothing real is dialled/);
    }
    const lock = await project.lock();
    expect(lock?.calls['simulator/solo']?.status).toBe('placed');
  });

  it('a gateway on a closed port: every call ends failed, never placed, exit 1', async () => {
    const port = await closedPort();
    project = await makeProject({
      'callops.yaml': configYaml(`http://127.0.0.1:${port}`),
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    });
    const r = await runCli(['apply', '--yes'], {
      cwd: project.dir,
      env: { VG_ACCOUNT_SID: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f', VG_API_KEY: 'k-1234' },
    });
    expect(r.code).toBe(1);
    const lock = await project.lock();
    for (const key of ['sim/one', 'sim/two']) {
      const entry = lock?.calls[key];
      expect(entry?.status, key).toBe('failed');
      expect(entry?.sid).toBeUndefined();
      expect(entry?.message).toMatch(/not sent/);
      expect(entry?.message).toMatch(/ECONNREFUSED/);
    }
    expect(r.stdout).toMatch(/0 placed, 2 failed, 0 unknown/);
    // Retry lines count tries the way the final message does: the last try is the last attempt.
    const attempts = Number(/gave up after (\d+) attempts/.exec(r.stdout)?.[1]);
    const tries = [...r.stdout.matchAll(/; try (\d+) in /g)].map((m) => Number(m[1]));
    expect(tries.length).toBeGreaterThan(0);
    expect(Math.min(...tries)).toBe(2);
    expect(Math.max(...tries)).toBe(attempts);
  });
});
