// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planDigest } from '../../src/plan/digest.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  makeProject,
  output,
  type Project,
  runCli,
} from './helpers.js';

/**
 * `apply --plan` places the calls the reviewed plan showed, on the gateway it showed: a
 * `${VAR}` in a target's base_url or in a call that resolves to another value since the
 * plan was made is refused, and nothing reaches any gateway. A rotated api_key is not.
 */

const CALLS = {
  'calls/a.yaml': callsYaml([
    { name: 'plain' },
    { name: 'dial', to: '{ type: phone, number: "${TO}" }' },
  ]),
};

const config = (baseUrl: string): string =>
  [
    'targets:',
    '  lab:',
    `    base_url: ${baseUrl}`,
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    'default_target: lab',
    '',
  ].join('\n');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Two simulators (gateways A and B) and a project whose target `lab` goes to `${GW}`. */
const setUp = async (baseUrl = '${GW}') => {
  const a = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
  open.push(a);
  const b = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
  open.push(b);
  const project: Project = await makeProject({ 'callops.yaml': config(baseUrl), ...CALLS });
  open.push({ close: () => project.cleanup() });
  const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY, GW: a.url, TO: '+15550002001' };
  const run = (args: readonly string[], extra: Record<string, string | undefined> = {}) =>
    runCli(args, { cwd: project.dir, env: { ...env, ...extra } });
  const file = join(project.dir, 'p.json');
  return { a, b, project, run, file };
};

const sent = (...sims: RunningSimulator[]): number =>
  sims.reduce((n, sim) => n + sim.received().length, 0);

describe('apply --plan and the values the plan was reviewed with', () => {
  it('is refused when ${GW} in base_url points at another gateway now; nothing reaches either', async () => {
    const { a, b, project, run, file } = await setUp();
    expect((await run(['plan', '--out', file])).code).toBe(0);
    const r = await run(['apply', '--yes', '--plan', file], { GW: b.url });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      'the gateway of target `lab` changed since the plan was made (its base_url or account_sid resolves to another value now); make a new plan; nothing was sent',
    );
    expect(sent(a, b)).toBe(0);
    expect(project.exists('callops.lock')).toBe(false);
  });

  it('is refused when ${GW} changed in .env', async () => {
    const { a, b, project, run, file } = await setUp();
    await project.write('.env', `GW=${a.url}\n`);
    expect((await run(['plan', '--out', file], { GW: undefined })).code).toBe(0);
    await project.write('.env', `GW=${b.url}\n`);
    const r = await run(['apply', '--yes', '--plan', file], { GW: undefined });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/the gateway of target `lab` changed/);
    expect(sent(a, b)).toBe(0);
  });

  it('is refused when base_url was edited in callops.yaml', async () => {
    const first = await setUp();
    const { a, b, project, run, file } = first;
    await project.write('callops.yaml', config(a.url));
    expect((await run(['plan', '--out', file])).code).toBe(0);
    await project.write('callops.yaml', config(b.url));
    const r = await run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/the gateway of target `lab` changed.*nothing was sent/);
    expect(sent(a, b)).toBe(0);
  });

  it('is refused when ${TO} of a due call resolves to another number now, naming the call', async () => {
    const { a, b, project, run, file } = await setUp();
    expect((await run(['plan', '--out', file])).code).toBe(0);
    const r = await run(['apply', '--yes', '--plan', file], { TO: '+15550002002' });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      'the resolved values of 1 call changed since the plan was made (a ${VAR} it references has another value now), e.g. `lab/dial`; make a new plan; nothing was sent',
    );
    expect(sent(a, b)).toBe(0);
    expect(project.exists('callops.lock')).toBe(false);
  });

  it("is refused when a campaign's ${CALLER} changed, counting its rows", async () => {
    const { a, b, project, run, file } = await setUp();
    await project.write('calls/a.yaml', 'calls: []\n');
    await project.write(
      'calls/c.yaml',
      [
        'calls:',
        '  - name: reminders',
        '    recipients: ../lists/r.csv',
        '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
        '    from: "${CALLER}"',
        '    to: { type: phone, number: "${row.phone}" }',
        '',
      ].join('\n'),
    );
    await project.write('lists/r.csv', 'id,phone\nr1,+15550003001\nr2,+15550003002\n');
    expect((await run(['plan', '--out', file], { CALLER: '+15550001111' })).code).toBe(0);
    const moved = await run(['apply', '--yes', '--plan', file], { CALLER: '+15550001112' });
    expect(moved.code, output(moved)).toBe(1);
    expect(moved.stderr).toMatch(
      /the resolved values of 2 calls changed since the plan was made .*, e\.g\. `lab\/reminders\/r1`; make a new plan; nothing was sent/,
    );
    expect(sent(a, b)).toBe(0);
    const r = await run(['apply', '--yes', '--plan', file], { CALLER: '+15550001111' });
    expect(r.code, output(r)).toBe(0);
    expect(a.received().filter((c) => c.status === 201)).toHaveLength(2);
  });

  it('places the calls when only the api_key was rotated (authentication, not destination)', async () => {
    const { a, b, run, file } = await setUp();
    expect(
      (await run(['plan', '--out', file], { VG_API_KEY: 'the-key-before-rotation' })).code,
    ).toBe(0);
    const r = await run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(0);
    expect(a.received().filter((c) => c.status === 201)).toHaveLength(2);
    expect(sent(b)).toBe(0);
  });

  it('a plan file of an older callops (no digests) is refused: make a new plan', async () => {
    const { a, b, run, file } = await setUp();
    expect((await run(['plan', '--out', file])).code).toBe(0);
    const made = JSON.parse(await readFile(file, 'utf8')) as {
      target: string;
      now: string;
      salt?: string;
      gateways?: object;
      due: { key: string; definition: string; values?: string }[];
    };
    const { salt: _s, gateways: _g, ...older } = made;
    const due = older.due.map(({ values: _v, ...item }) => item);
    const v1 = { ...older, planFileVersion: 1, due, planDigest: planDigest({ ...older, due }) };
    await writeFile(file, JSON.stringify(v1));
    const r = await run(['apply', '--yes', '--plan', file]);
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/made by an older callops.*; make a new plan; nothing was sent/);
    expect(sent(a, b)).toBe(0);
  });
});

describe('apply --plan and a variable missing now', () => {
  it('reports every missing variable of the due calls and targets as plain apply does, each located; nothing is sent', async () => {
    const { a, b, project, run, file } = await setUp();
    expect((await run(['plan', '--out', file])).code).toBe(0);
    const missing = { TO: undefined, GW: undefined };
    const plain = await run(['apply', '--yes'], missing);
    const r = await run(['apply', '--yes', '--plan', file], missing);
    expect(r.code, output(r)).toBe(plain.code);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/callops\.yaml:3:\d+: error: missing environment variable GW/);
    expect(r.stderr).toMatch(/calls\/a\.yaml:\d+:\d+: error: missing environment variable TO/);
    expect(r.stderr).not.toMatch(/changed since the plan was made/);
    expect(r.stderr).toMatch(/nothing was sent/);
    expect(r.stderr).toBe(plain.stderr);
    expect(sent(a, b)).toBe(0);
    expect(project.exists('callops.lock')).toBe(false);
  });

  it('reports a call variable missing now at its place, not as another value', async () => {
    const { a, b, run, file } = await setUp();
    expect((await run(['plan', '--out', file])).code).toBe(0);
    const r = await run(['apply', '--yes', '--plan', file], { TO: undefined });
    expect(r.code, output(r)).not.toBe(0);
    expect(r.stderr).toMatch(/calls\/a\.yaml:\d+:\d+: error: missing environment variable TO/);
    expect(r.stderr).not.toMatch(/another value now/);
    expect(sent(a, b)).toBe(0);
  });
});
