// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  callsYaml,
  type Gateway,
  makeProject,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

let gw: Gateway | undefined;
let project: Project | undefined;
afterEach(async () => {
  await gw?.close();
  await project?.cleanup();
  gw = undefined;
  project = undefined;
});

const SLOT = { name: 'daily', extra: ['schedule: { cron: "0 9 * * *" }'] };

const remote = (baseUrl: string) =>
  [
    'targets:',
    '  production:',
    `    base_url: ${baseUrl}`,
    '    account_sid: ${VG_ACCOUNT_SID}',
    '    api_key: ${VG_API_KEY}',
    'default_target: production',
    '',
  ].join('\n');

const ENV = {
  VG_ACCOUNT_SID: 'AC-not-real',
  VG_API_KEY: 'key-not-real',
  VG_URL: 'https://vg.example.com',
};

describe('apply --now is a rehearsal', () => {
  it('is refused (64) against a target that is not loopback, pointing at plan --now; nothing is sent or written', async () => {
    for (const baseUrl of ['https://vg.example.com', '${VG_URL}']) {
      project = await makeProject({
        'callops.yaml': remote(baseUrl),
        'calls/a.yaml': callsYaml([SLOT, { name: 'now-call' }]),
      });
      const r = await runCli(['apply', '--yes', '--now', '2026-03-10T09:01:00Z'], {
        cwd: project.dir,
        env: ENV,
      });
      expect(r.code, r.stderr).toBe(64);
      expect(r.stderr).toMatch(/plan --now/);
      expect(r.stderr).toMatch(/production/);
      expect(r.stderr).toMatch(/nothing was sent/);
      expect(project.exists('callops.lock')).toBe(false);
      expect(project.exists('.callops/journal.jsonl')).toBe(false);
      await project.cleanup();
      project = undefined;
    }
  });

  it('against the built-in simulator it still places the slot, and says it is a rehearsal at that instant', async () => {
    project = await makeProject({ 'calls/a.yaml': callsYaml([SLOT]) });
    const r = await runCli(['apply', '--yes', '--now', '2026-03-10T09:01:00Z'], {
      cwd: project.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rehearsal at 2026-03-10T09:01:00(\.000)?Z/);
    expect(r.stdout).toMatch(/1 placed/);
    const lock = await project.lock();
    expect(Object.keys(lock?.calls ?? {})).toEqual(['simulator/daily@2026-03-10T09:00:00Z']);
  });

  it('against a loopback target it places the slot', async () => {
    gw = await startGateway({ 'calls/a.yaml': callsYaml([SLOT]) });
    const r = await gw.run(['apply', '--yes', '--now', '2026-03-10T09:01:00Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rehearsal at 2026-03-10T09:01:00(\.000)?Z/);
    expect(gw.placed()).toHaveLength(1);
  });
});
