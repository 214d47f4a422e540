// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  APP_SID,
  callsYaml,
  campaignYaml,
  FROM,
  type Gateway,
  makeProject,
  output,
  type Project,
  recipientNumber,
  runCli,
  spawnCli,
  startGateway,
  waitFor,
  watch,
} from './helpers.js';

// Each test runs the CLI several times; a loaded machine makes each run take seconds.
vi.setConfig({ testTimeout: 60_000 });

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

const HINT = 'callops resolve sim/maybe --placed SID';

/**
 * A project whose call `maybe` ended `unknown` (the gateway answered 500: it may have placed
 * it), and a call `fine` the gateway then places.
 */
const withUnknown = async (): Promise<Gateway> => {
  const gw = await startGateway(
    { 'calls/a.yaml': callsYaml([{ name: 'maybe' }]) },
    { failStatus: 500 },
  );
  open.push(gw);
  const first = await gw.run(['apply', '--yes']);
  expect(first.code).toBe(1);
  expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
  await gw.sim.close();
  return gw;
};

describe('unsettled unknown entries never vanish from view', () => {
  it('apply with nothing due names each unknown entry with the resolve hint (human, json)', async () => {
    const gw = await withUnknown();
    const human = await gw.run(['apply', '--yes']);
    expect(human.code).toBe(0);
    expect(output(human)).not.toMatch(/every call is placed/);
    expect(human.stdout).toContain('sim/maybe');
    expect(human.stdout).toContain(HINT);
    expect(human.stdout).toContain('--not-placed');
    expect(human.stdout).toContain('--retry-unknown');

    const json = await gw.run(['apply', '--yes', '--format', 'json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { unsettled: { key: string; hint: string }[] };
    expect(parsed.unsettled).toHaveLength(1);
    expect(parsed.unsettled[0]?.key).toBe('sim/maybe');
    expect(parsed.unsettled[0]?.hint).toContain(HINT);
  });

  it('apply that places other calls still names them, and under GitHub Actions warns and writes the step summary', async () => {
    const gw = await withUnknown();
    const sim = await startSimulator({
      accountSid: gw.env.VG_ACCOUNT_SID,
      apiKey: gw.env.VG_API_KEY,
    });
    try {
      const yaml = (await gw.project.read('callops.yaml')).replace(
        /http:\/\/127\.0\.0\.1:\d+/,
        sim.url,
      );
      await gw.project.write('callops.yaml', yaml);
      await gw.project.write('calls/b.yaml', callsYaml([{ name: 'fine' }]));
      const summary = join(gw.project.dir, 'summary.md');
      await writeFile(summary, '');
      const r = await gw.run(['apply', '--yes'], {
        GITHUB_ACTIONS: 'true',
        GITHUB_STEP_SUMMARY: summary,
      });
      expect(r.code).toBe(0);
      expect(sim.received()).toHaveLength(1);
      const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^::warning file=calls\/a\.yaml,line=\d+/);
      expect(warnings[0]).toContain('sim/maybe');
      expect(warnings[0]).toContain(HINT);
      const md = await readFile(summary, 'utf8');
      expect(md).toContain('sim/maybe');
      expect(md).toContain(HINT);
    } finally {
      await sim.close();
    }
  });

  it('plan names them in every format', async () => {
    const gw = await withUnknown();
    const human = await gw.run(['plan']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(HINT);
    expect(human.stdout).toMatch(/1 unknown/);

    const json = JSON.parse((await gw.run(['plan', '--format', 'json'])).stdout) as {
      unsettled: { key: string; hint: string }[];
    };
    expect(json.unsettled).toHaveLength(1);
    expect(json.unsettled[0]?.key).toBe('sim/maybe');

    const github = await gw.run(['plan', '--format', 'github']);
    const warnings = github.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(HINT);
  });

  it('status exits 3 while an entry is unknown, 0 once it is settled', async () => {
    const gw = await withUnknown();
    const before = await gw.run(['status']);
    expect(before.code).toBe(3);
    expect(before.stdout).toContain(HINT);
    expect((await gw.run(['status', '--format', 'json'])).code).toBe(3);
    const settled = await gw.run(['resolve', 'sim/maybe', '--not-placed']);
    expect(settled.code).toBe(0);
    expect((await gw.run(['status'])).code).toBe(0);
  });

  it('run names them when it starts, and a stop exits 0', async () => {
    const gw = await withUnknown();
    const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
    const { done, soFar } = watch(child, 15_000);
    await waitFor('run to name the unknown entry', () =>
      soFar().includes(HINT) ? true : undefined,
    );
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
  });

  it('run names them once as it starts, and again only in the batch that changed the list', {
    timeout: 90_000,
  }, async () => {
    const gw = await withUnknown();
    // A new gateway whose second create-call request is held past the request timeout: that
    // slot of `tick` ends unknown, a new entry of the list; every other slot is placed.
    let requests = 0;
    const sim = await startSimulator({
      accountSid: gw.env.VG_ACCOUNT_SID,
      apiKey: gw.env.VG_API_KEY,
      // A latency, so that each request waits (`wait` is asked only then).
      latencyMs: 1,
      wait: (ms, signal) =>
        ++requests === 2
          ? new Promise<void>((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
            )
          : sleep(ms, undefined, { signal }),
    });
    try {
      const yaml = (await gw.project.read('callops.yaml')).replace(
        /http:\/\/127\.0\.0\.1:\d+/,
        `${sim.url}\n    request_timeout: 1s`,
      );
      await gw.project.write('callops.yaml', yaml);
      await gw.project.write(
        'calls/b.yaml',
        callsYaml([
          { name: 'tick', extra: ['schedule: { cron: "*/2 * * * * *", deadline: 30s }'] },
        ]),
      );
      const child = spawnCli(['run', '--yes'], { cwd: gw.project.dir, env: gw.env });
      const { done, soFar } = watch(child, 80_000);
      // Batches after the one that left a slot unknown: placed ones, the list unchanged.
      const batchesAfterUnknown = () => {
        const lines = soFar().split('\n');
        const at = lines.findIndex((l) => /^(Done|Interrupted): .*, 1 unknown/.test(l));
        return at < 0 ? 0 : lines.slice(at + 1).filter((l) => /^Done: 1 placed/.test(l)).length;
      };
      await waitFor(
        'two batches placed after the one that ended unknown',
        () => {
          if (child.exitCode !== null) throw new Error(`run ended:\n${soFar()}`);
          return batchesAfterUnknown() >= 2 ? true : undefined;
        },
        { timeoutMs: 60_000 },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; run said:\n${soFar()}`);
      });
      child.kill('SIGTERM');
      const r = await done;
      // A call of the run ended unknown.
      expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(1);
      const heading = /^Unknown — may have been placed; a person must settle (it|them) \((\d+)\):$/;
      // At start, on stderr: the one entry the lockfile held.
      expect(r.stderr.split('\n').filter((l) => heading.test(l))).toEqual([
        'Unknown — may have been placed; a person must settle it (1):',
      ]);
      expect(r.stderr).toContain(HINT);
      // In the summaries: once, right after the batch whose slot ended unknown, both entries.
      const lines = r.stdout.split('\n');
      expect(lines.filter((l) => heading.test(l))).toEqual([
        'Unknown — may have been placed; a person must settle them (2):',
      ]);
      const at = lines.findIndex((l) => heading.test(l));
      expect(lines[at - 1]).toMatch(/^Done: 0 placed, 0 failed, 1 unknown/);
      expect(lines.slice(at + 1, at + 5).join('\n')).toContain(HINT);
      // The batches before and after it: at least three, none naming them again.
      expect(lines.filter((l) => /^Done: 1 placed/.test(l)).length).toBeGreaterThanOrEqual(3);
    } finally {
      await sim.close();
    }
  });
});

describe('--retry-unknown of a call whose number comes from a ${VAR} that changed', () => {
  const OLD = '+15550000131';
  const NEW = '+15550000132';
  const HELD =
    /not retried: its unknown attempt \(at [^)]+\) dialled another number than it dials now/;

  /** `maybe` dials `${TO}`; its attempt to OLD ended unknown (500). No limit, no do-not-call list. */
  const unknownToOld = async (): Promise<Gateway> => {
    const gw = await startGateway(
      { 'calls/a.yaml': callsYaml([{ name: 'maybe', to: '{ type: phone, number: "${TO}" }' }]) },
      { failStatus: 500 },
    );
    open.push(gw);
    const first = await gw.run(['apply', '--yes'], { TO: OLD });
    expect(first.code).toBe(1);
    expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
    expect(gw.sim.received()).toHaveLength(1);
    return gw;
  };

  /** Nothing more was sent, the entry is still unknown, and no number was shown or stored. */
  const untouched = async (gw: Gateway, outputs: readonly string[]) => {
    expect(gw.sim.received()).toHaveLength(1);
    const lockText = await gw.project.read('callops.lock');
    expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
    for (const text of [...outputs, lockText]) {
      expect(text).not.toContain('5550000131');
      expect(text).not.toContain('5550000132');
    }
  };

  it('plan and apply hold it, and a plan file made with it sends nothing', async () => {
    const gw = await unknownToOld();
    const plan = await gw.run(['plan', '--retry-unknown', '--detailed-exitcode'], { TO: NEW });
    expect(plan.code).toBe(0);
    // Listed and counted once, as unknown to settle (not also as skipped).
    expect(plan.stdout).toContain('0 skipped, 0 upcoming, 1 unknown to settle');
    // Its settle hint no longer offers --retry-unknown.
    expect(plan.stdout).toContain('callops resolve sim/maybe --placed SID');
    expect(plan.stdout).not.toContain('apply --retry-unknown');
    const json = JSON.parse(
      (await gw.run(['plan', '--retry-unknown', '--format', 'json'], { TO: NEW })).stdout,
    ) as { due: unknown[]; skipped: { key: string; reason: string }[] };
    expect(json.due).toEqual([]);
    expect(json.skipped.find((i) => i.key === 'sim/maybe')?.reason).toMatch(HELD);

    const applied = await gw.run(['apply', '--yes', '--retry-unknown'], { TO: NEW });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Nothing is due now');
    expect(applied.stdout).toContain(
      'not placed again: it dials another number now than its unknown attempt did',
    );

    const status = await gw.run(['status'], { TO: NEW });
    expect(status.code).toBe(3);
    expect(status.stdout).toContain('it dials another number now than its unknown attempt did');

    const file = join(gw.project.dir, 'retry.plan.json');
    const saved = await gw.run(['plan', '--retry-unknown', '--out', file], { TO: NEW });
    expect(saved.code).toBe(0);
    const fromFile = await gw.run(['apply', '--plan', file, '--yes'], { TO: NEW });
    expect(fromFile.code).toBe(0);

    // A plan made while TO still named OLD is refused once TO names another number.
    const before = join(gw.project.dir, 'before.plan.json');
    expect((await gw.run(['plan', '--retry-unknown', '--out', before], { TO: OLD })).code).toBe(0);
    const stale = await gw.run(['apply', '--plan', before, '--yes'], { TO: NEW });
    expect(stale.code).toBe(1);
    expect(output(stale)).toMatch(HELD);
    expect(output(stale)).toContain('nothing was sent');

    await untouched(gw, [plan, applied, status, saved, fromFile, stale].map(output));
  });

  it('a missing variable is reported as for any call: plan warns, apply sends nothing', async () => {
    const gw = await unknownToOld();
    const plan = await gw.run(['plan', '--retry-unknown']);
    expect(output(plan)).toContain('missing environment variable TO');
    const applied = await gw.run(['apply', '--yes', '--retry-unknown']);
    expect(applied.code).not.toBe(0);
    expect(output(applied)).toContain('missing environment variable TO');
    await untouched(gw, [plan, applied].map(output));
  });

  it('to the same number it is retried', async () => {
    const gw = await unknownToOld();
    const applied = await gw.run(['apply', '--yes', '--retry-unknown'], { TO: OLD });
    expect(output(applied)).not.toMatch(HELD);
    expect(gw.sim.received()).toHaveLength(2);
  });
});

describe('an unknown campaign row outside its calling hours', () => {
  const projects: Project[] = [];
  afterEach(async () => {
    await Promise.all(projects.splice(0).map((p) => p.cleanup()));
  });
  const unknown = {
    status: 'unknown',
    at: '2026-06-01T12:00:00.000Z',
    definition: 'sha256:0',
    file: 'lists/x.csv',
    message: 'the run ended before an answer was recorded',
  };
  const make = async () => {
    const project = await makeProject({
      'calls/c.yaml': [
        'calls:',
        '  - name: remind',
        '    recipients: ../lists/x.csv',
        `    application_sid: ${APP_SID}`,
        `    from: "${FROM}"`,
        '    to: { type: phone, number: "${row.phone}" }',
        '    schedule: { window: "08:00-21:00" }',
        '',
      ].join('\n'),
      // 13:00Z: 22:00 in Tokyo (closed until 23:00Z), 09:00 in New York (open).
      'lists/x.csv':
        'id,phone,timezone\ntokyo,+15557000002,Asia/Tokyo\nny,+15557000001,America/New_York\n',
      'callops.lock': `${JSON.stringify({
        lockfileVersion: 1,
        calls: { 'simulator/remind/tokyo': unknown, 'simulator/remind/ny': unknown },
      })}\n`,
    });
    projects.push(project);
    return project;
  };
  const NOW = ['--now', '2026-06-01T13:00:00Z'];
  const OPENS = 'once its calling hours open, at 2026-06-01T23:00:00Z';

  it('is counted once in the plan, and its hint says --retry-unknown places it again only once its hours open', async () => {
    const project = await make();
    const plan = await runCli(['plan', ...NOW], { cwd: project.dir });
    expect(plan.code, output(plan)).toBe(0);
    // Both rows are listed under Unknown only: none under Skipped.
    expect(plan.stdout).not.toMatch(/^Skipped/m);
    expect(plan.stdout).toMatch(
      /^Plan: 0 to place, 0 missed, 0 skipped, 0 upcoming, 2 unknown to settle\./m,
    );
    const tokyo = plan.stdout.split('\n').findIndex((l) => l.includes('? simulator/remind/tokyo'));
    expect(plan.stdout.split('\n')[tokyo + 1]).toContain(
      `(or callops apply --retry-unknown places it again ${OPENS})`,
    );
    const ny = plan.stdout.split('\n').findIndex((l) => l.includes('? simulator/remind/ny'));
    expect(plan.stdout.split('\n')[ny + 1]).toMatch(/--retry-unknown places it again\)$/);

    // With --retry-unknown: ny is due, tokyo waits for its hours, each listed once.
    const retry = await runCli(['plan', ...NOW, '--retry-unknown'], { cwd: project.dir });
    expect(retry.code, output(retry)).toBe(0);
    expect(retry.stdout).toMatch(/^ {2}remind: 2 rows — 1 due, 1 waiting$/m);
    expect(retry.stdout).toMatch(/^Plan: 1 to place, 0 missed, 0 skipped, 1 upcoming\.$/m);
    expect(retry.stdout).not.toMatch(/^Unknown/m);

    // apply --retry-unknown places ny; tokyo's hint still says when it can be placed again.
    const apply = await runCli(['apply', '--yes', '--retry-unknown', ...NOW], { cwd: project.dir });
    expect(apply.code, output(apply)).toBe(0);
    expect(apply.stdout).toMatch(/^Done: 1 placed/m);
    expect(apply.stdout).toContain(`--retry-unknown places it again ${OPENS})`);
  });
});

describe('the settle hint offers --retry-unknown only when apply --retry-unknown would place it', () => {
  const OFFER = 'or callops apply --retry-unknown places it again';

  /** The settle hint printed under unknown `key` (the line after the one naming it). */
  const hintOf = (text: string, key: string): string => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes(`${key}  at `));
    expect(at, `${key} in\n${text}`).toBeGreaterThanOrEqual(0);
    return lines[at + 1] ?? '';
  };

  /** A gateway that answers 500 to create-call while `failing()` (the call may have been placed). */
  const faulty = async (
    files: Readonly<Record<string, string>>,
    options: Parameters<typeof startGateway>[1] = {},
  ) => {
    let failing = false;
    const gw = await startGateway(files, {
      ...options,
      failStatus: 500,
      failRate: 0.5,
      // Below the rate while failing, above it otherwise.
      random: () => (failing ? 0 : 0.99),
    });
    open.push(gw);
    return { gw, fail: (on: boolean) => (failing = on) };
  };

  it('not for a redial whose number is now on a do-not-call list: apply says suppressed, and the hint why', async () => {
    const { gw, fail } = await faulty(
      {
        'calls/reminders.yaml': campaignYaml([
          'redial: { on: [no-answer], after: 0s, max_attempts: 3 }',
        ]),
        'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(1)}\nr2,Bo,${recipientNumber(2)}\n`,
        'lists/dnc.csv': 'number\n+15550009999\n',
      },
      { outcomes: { answered: 0, busy: 0, 'no-answer': 1, failed: 0 }, ringMs: 0, talkMs: 0 },
    );
    await gw.project.write(
      'callops.yaml',
      `${await gw.project.read('callops.yaml')}suppress: [lists/dnc.csv]\n`,
    );
    const first = await gw.run(['apply', '--yes', '--wait', '10s']);
    expect(first.code, output(first)).toBe(0);
    expect(first.stdout).toMatch(/Outcomes: 0 completed, 0 busy, 2 no-answer/);
    fail(true);
    const redial = await gw.run(['apply', '--yes']);
    expect(redial.code, output(redial)).toBe(1);
    expect(redial.stdout).toMatch(/^unknown sim\/reminders\/r2#2 /m);
    expect(hintOf(redial.stdout, 'sim/reminders/r2#2')).toContain(OFFER);
    fail(false);
    await gw.project.write('lists/dnc.csv', `number\n+15550009999\n${recipientNumber(2)}\n`);
    const sent = gw.sim.received().length;

    const retried = await gw.run(['apply', '--yes', '--retry-unknown']);
    expect(retried.code, output(retried)).toBe(0);
    expect(retried.stdout).toMatch(/^suppressed sim\/reminders\/r2#2 +do-not-call: listed/m);
    const words = '(not placed again: it dials a number on a do-not-call list (lists/dnc.csv:3))';
    expect(hintOf(retried.stdout, 'sim/reminders/r2#2')).toContain(words);
    expect(retried.stdout).not.toContain(OFFER);
    // r1's redial went; r2's did not.
    expect(gw.sim.received().length).toBe(sent + 1);
    expect((await gw.project.lock())?.calls['sim/reminders/r2#2']?.status).toBe('unknown');

    const status = await gw.run(['status']);
    expect(status.code, output(status)).toBe(3);
    expect(hintOf(status.stdout, 'sim/reminders/r2#2')).toContain(words);
    const plan = await gw.run(['plan']);
    expect(hintOf(plan.stdout, 'sim/reminders/r2#2')).toContain(words);
    expect(plan.stdout).not.toContain(OFFER);
  });

  it('not for a call removed from the call files, now disabled, or whose target is gone', async () => {
    const { gw, fail } = await faulty({ 'calls/a.yaml': callsYaml([{ name: 'maybe' }]) });
    fail(true);
    expect((await gw.run(['apply', '--yes'])).code).toBe(1);
    fail(false);
    const config = await gw.project.read('callops.yaml');
    /** `sends`: requests apply --retry-unknown makes, none of them for sim/maybe. */
    const says = async (words: string, sends = 0) => {
      const status = await gw.run(['status']);
      expect(status.code, output(status)).toBe(3);
      expect(hintOf(status.stdout, 'sim/maybe')).toContain(
        `settle: callops resolve --check sim/maybe looks it up on the gateway; or callops resolve sim/maybe --placed SID, or callops resolve sim/maybe --not-placed (${words})`,
      );
      const plan = await gw.run(['plan', '--retry-unknown']);
      expect(plan.code, output(plan)).toBe(0);
      expect(hintOf(plan.stdout, 'sim/maybe')).toContain(words);
      const applied = await gw.run(['apply', '--yes', '--retry-unknown']);
      expect(hintOf(applied.stdout, 'sim/maybe')).toContain(words);
      for (const r of [status, plan, applied]) expect(r.stdout).not.toContain(OFFER);
      expect(gw.sim.received()).toHaveLength(1 + sends);
      expect((await gw.project.lock())?.calls['sim/maybe']?.status).toBe('unknown');
    };

    await gw.project.write(
      'calls/a.yaml',
      callsYaml([{ name: 'other', extra: ['enabled: false'] }]),
    );
    await says('not placed again: no call `maybe` is defined in the call files now');

    await gw.project.write(
      'calls/a.yaml',
      callsYaml([{ name: 'maybe', extra: ['enabled: false'] }]),
    );
    await says('not placed again: it is disabled (`enabled: false`)');

    await gw.project.write('calls/a.yaml', callsYaml([{ name: 'maybe' }]));
    await gw.project.write(
      'callops.yaml',
      config.replace(/^ {2}sim:$/m, '  lab:').replace('default_target: sim', 'default_target: lab'),
    );
    // Its target renamed, the call is a new key on lab, held there until sim/maybe is settled:
    // its unknown attempt may have rung.
    await says(
      "not placed again: its target `sim` is not defined in this checkout's callops.yaml, and `maybe` is held on target `lab` until this is settled",
    );
    expect((await gw.project.lock())?.calls['lab/maybe']).toBeUndefined();
    const held = await gw.run(['plan', '--format', 'json']);
    expect(JSON.parse(held.stdout).skipped).toMatchObject([
      {
        key: 'lab/maybe',
        reason: expect.stringMatching(
          /^not placed: may have been placed as sim\/maybe \(unknown, at .*`callops resolve sim\/maybe --not-placed` lets it be placed on target lab$/,
        ),
      },
    ]);

    // As it was: --retry-unknown places it again, and says so.
    await gw.project.write('callops.yaml', config);
    await gw.project.write('calls/a.yaml', callsYaml([{ name: 'maybe' }]));
    const status = await gw.run(['status']);
    expect(hintOf(status.stdout, 'sim/maybe')).toContain(`(${OFFER})`);
  });

  it('not for a campaign row removed from its CSV, which status --campaign still lists (exit 3)', async () => {
    const { gw, fail } = await faulty({
      'calls/reminders.yaml': campaignYaml(),
      'lists/reminders.csv': `id,name,phone\nr1,Ann,${recipientNumber(1)}\nr2,Bo,${recipientNumber(2)}\n`,
    });
    fail(true);
    expect((await gw.run(['apply', '--yes'])).code).toBe(1);
    fail(false);
    await gw.project.write('lists/reminders.csv', `id,name,phone\nr1,Ann,${recipientNumber(1)}\n`);
    const words = '(not placed again: its row r2 is no longer in lists/reminders.csv)';
    const applied = await gw.run(['apply', '--yes', '--retry-unknown']);
    expect(applied.code, output(applied)).toBe(0);
    expect(applied.stdout).toMatch(/^placed +sim\/reminders\/r1 /m);
    expect(hintOf(applied.stdout, 'sim/reminders/r2')).toContain(words);
    expect(gw.placed()).toHaveLength(1);

    const status = await gw.run(['status']);
    expect(status.code, output(status)).toBe(3);
    expect(hintOf(status.stdout, 'sim/reminders/r2')).toContain(words);
    expect(status.stdout).not.toContain(OFFER);

    // r1 is placed; r2's unknown call is no row of the CSV, yet it may have rung.
    const campaign = await gw.run(['status', '--campaign', 'reminders']);
    expect(campaign.code, output(campaign)).toBe(3);
    expect(campaign.stdout).toMatch(/^campaign reminders: 1 row, 1 attempt recorded/m);
    expect(hintOf(campaign.stdout, 'sim/reminders/r2')).toContain(words);
    const json = await gw.run(['status', '--campaign', 'reminders', '--format', 'json']);
    expect(json.code).toBe(3);
    const parsed = JSON.parse(json.stdout) as { unsettled: { key: string; hint: string }[] };
    expect(parsed.unsettled.map((u) => u.key)).toEqual(['sim/reminders/r2']);
    expect(parsed.unsettled[0]?.hint).toContain(words);

    expect((await gw.run(['resolve', 'sim/reminders/r2', '--not-placed'])).code).toBe(0);
    expect((await gw.run(['status', '--campaign', 'reminders'])).code).toBe(0);
  });
});
