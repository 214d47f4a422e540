// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, campaignYaml, makeProject, type Project, runCli } from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

describe('plan --format markdown', () => {
  it('prints the pull-request comment on stdout, destinations as references', async () => {
    project = await makeProject({
      'calls/a.yaml': callsYaml([
        { name: 'welcome', to: '{ type: phone, number: "${CUSTOMER}" }' },
        {
          name: 'daily',
          extra: ['schedule: { cron: "0 9 * * *", timezone: Europe/Berlin }'],
        },
      ]),
    });
    const r = await runCli(['plan', '--format', 'markdown', '--now', '2026-11-24T08:30:00Z'], {
      cwd: project.dir,
      env: { CUSTOMER: '+15559998888' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('<!-- callops-plan -->');
    expect(r.stdout).toContain('### Due on merge: 1 call');
    expect(r.stdout).toContain('| `welcome` | `${CUSTOMER}` | on merge (unscheduled) |');
    expect(r.stdout).toContain(
      '| `daily` | `+15550002001` | 2026-11-25 08:00 UTC | 2026-11-25 09:00 GMT+1 (Europe/Berlin) |',
    );
    expect(r.stdout).toContain('**New (2)** — never placed:');
    expect(r.stdout).not.toContain('+15559998888');
  });

  it('names every unknown entry of the lockfile with how to settle it, whatever --only selects', async () => {
    project = await makeProject({
      'calls/a.yaml': callsYaml([{ name: 'x' }, { name: 'w' }]),
      'callops.lock': `${JSON.stringify({
        lockfileVersion: 1,
        calls: {
          'simulator/x': {
            at: '2026-11-24T08:00:00.000Z',
            definition: 'sha256:00',
            file: 'calls/a.yaml',
            message: 'timeout',
            status: 'unknown',
          },
        },
      })}\n`,
    });
    const hint =
      '`settle: callops resolve --check simulator/x looks it up on the gateway; or callops resolve simulator/x --placed SID, or callops resolve simulator/x --not-placed (or callops apply --retry-unknown places it again)`';
    const section = [
      '### Unknown — may have been placed: 1',
      '',
      'Each may be a call that reached someone; a person must settle it:',
      '',
      `- \`simulator/x\` at 2026-11-24T08:00:00.000Z: timeout — ${hint}`,
      '',
    ].join('\n');
    for (const only of [['--only', 'w'], []]) {
      const r = await runCli(
        ['plan', '--format', 'markdown', '--now', '2026-11-24T08:30:00Z', ...only],
        { cwd: project.dir },
      );
      expect(r.stderr, only.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout, only.join(' ')).toContain(section);
      // Listed once: under Unknown, not also as skipped.
      expect(r.stdout).not.toContain('### Skipped');
    }
  });

  it("gives a campaign row waiting for its calling hours the time they open, in UTC and the row's zone", async () => {
    project = await makeProject({
      'calls/reminders.yaml': campaignYaml(['schedule: { window: "09:00-17:00" }']),
      'lists/reminders.csv': [
        'id,name,phone,timezone',
        'r1,Ann,+15550100001,UTC',
        'r2,Bob,+15550100002,Asia/Tokyo',
        '',
      ].join('\n'),
    });
    // 18:00 UTC: past the hours in UTC (they open at 09:00 tomorrow) and in Tokyo (03:00 there).
    const args = ['plan', '--now', '2026-12-02T18:00:00Z'];
    const plain = await runCli(args, { cwd: project.dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('opens 2026-12-03T09:00:00Z');
    expect(plain.stdout).toContain('opens 2026-12-03T00:00:00Z');
    const r = await runCli([...args, '--format', 'markdown'], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('### Upcoming: 2 slots');
    expect(r.stdout).toContain(
      '| `reminders/r1` | `+15550100001` | 2026-12-03 09:00 UTC | (UTC) | `lists/reminders.csv:2` |',
    );
    expect(r.stdout).toContain(
      '| `reminders/r2` | `+15550100002` | 2026-12-03 00:00 UTC | 2026-12-03 09:00 GMT+9 (Asia/Tokyo) | `lists/reminders.csv:3` |',
    );
  });

  it('sends input problems to stderr, leaving stdout empty', async () => {
    project = await makeProject({ 'calls/a.yaml': 'calls:\n  - name: Bad\n' });
    const r = await runCli(['plan', '--format', 'markdown'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('calls/a.yaml:2:');
  });

  it('is a usage error for any other command', async () => {
    project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) });
    const commands = [['apply', '--yes'], ['validate'], ['status']];
    expect(commands).toHaveLength(3);
    for (const args of commands) {
      const r = await runCli([...args, '--format', 'markdown'], { cwd: project.dir });
      expect(r.code, args[0]).toBe(64);
      expect(r.stderr).toBe(`callops ${args[0]}: --format markdown is only for plan\n`);
    }
    expect(project.exists('callops.lock')).toBe(false);
  });
});
