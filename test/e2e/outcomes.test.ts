import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type OutcomeMix, outcomeFor } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  callsYaml,
  configYaml,
  filesUnder,
  jsonLines,
  makeProject,
  runCli,
  startChildSimulator,
  waitFor,
} from './helpers.js';

const MIX: OutcomeMix = { answered: 0.7, busy: 0.1, 'no-answer': 0.15, failed: 0.05 };
const MIX_FLAG = 'answered=0.7,busy=0.1,no-answer=0.15,failed=0.05';
const FINAL = { answered: 'completed', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed' };
const FINALS = Object.values(FINAL);
const N = 100;
const SEED = 7;
/** A key that must never appear in any output or file. */
const KEY_CANARY = 'outcome-key-canary-5e8f2a9c';

interface Entry {
  readonly status: string;
  readonly sid?: string;
  readonly outcome?: {
    status: string;
    sip_status: number;
    duration: number;
    answered: boolean;
    ended_at?: string;
  };
}

const countBy = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};

/** A project of N calls and a `callops simulator` child ending them as seed SEED draws. */
const setUp = async (simArgs: readonly string[]) => {
  const names = Array.from({ length: N }, (_, i) => `call-${String(i).padStart(3, '0')}`);
  const project = await makeProject({ 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) });
  const logFile = join(project.dir, 'sim.jsonl');
  const sim = await startChildSimulator(
    [
      '--outcomes',
      MIX_FLAG,
      '--seed',
      String(SEED),
      '--talk-time',
      '0',
      '--log',
      logFile,
      '--account-sid',
      ACCOUNT_SID,
      '--api-key',
      KEY_CANARY,
      ...simArgs,
    ],
    project.dir,
  );
  await project.write('callops.yaml', configYaml(sim.url, ['concurrency: 8']));
  const env = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: KEY_CANARY };
  /** The simulator's own log: the final status of every call, once all N ended. */
  const simFinals = async () => {
    const lines = await waitFor(
      `${N} final statuses in the simulator's log`,
      async () => {
        const all = await jsonLines(logFile);
        const done = all.filter(
          (l) => l.event === 'status' && FINALS.includes(String(l.call_status)),
        );
        return done.length >= N ? all : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const finals = lines.filter(
      (l) => l.event === 'status' && FINALS.includes(String(l.call_status)),
    );
    expect(finals).toHaveLength(N);
    return {
      bySid: new Map(finals.map((f) => [String(f.call_sid), f])),
      accepted: lines.filter((l) => l.event === undefined && l.status === 201),
    };
  };
  const lockCalls = async () =>
    Object.entries(((await project.lock())?.calls ?? {}) as Record<string, Entry>);
  const noCanary = async (outputs: readonly string[]) => {
    for (const text of outputs) expect(text).not.toContain(KEY_CANARY);
    const files = (await filesUnder(project.dir)).filter((f) => !f.path.endsWith('sim.jsonl'));
    expect(files.length).toBeGreaterThan(2);
    for (const f of files) expect(f.text, f.path).not.toContain(KEY_CANARY);
  };
  return {
    project,
    env,
    simFinals,
    lockCalls,
    noCanary,
    run: (args: readonly string[]) => runCli(args, { cwd: project.dir, env, timeoutMs: 90_000 }),
    close: async () => {
      await sim.stop();
      await project.cleanup();
    },
  };
};

/** Each placed entry's outcome is the simulator's final status of its sid, as the seed drew. */
const expectMatchesSimulator = async (
  calls: readonly [string, Entry][],
  sim: Awaited<ReturnType<Awaited<ReturnType<typeof setUp>>['simFinals']>>,
) => {
  expect(calls).toHaveLength(N);
  for (const [key, e] of calls) {
    expect(e.status, key).toBe('placed');
    const final = sim.bySid.get(String(e.sid));
    expect(e.outcome?.status, key).toBe(final?.call_status);
    expect(e.outcome?.sip_status, key).toBe(final?.sip_status);
    expect(e.outcome?.duration, key).toBe(final?.duration);
    expect(e.outcome?.answered, key).toBe(final?.call_status === 'completed');
    expect(Number.isNaN(Date.parse(String(e.outcome?.ended_at))), key).toBe(false);
  }
  // the k-th accepted call ends as the k-th draw says
  const expected = sim.accepted.map((_, i) => FINAL[outcomeFor(SEED, i + 1, MIX)]);
  const outcomeOf = new Map(calls.map(([, e]) => [e.sid, e.outcome?.status]));
  expect(sim.accepted.map((a) => outcomeOf.get(String(a.sid)))).toEqual(expected);
  return countBy(expected);
};

describe('outcomes of placed calls', () => {
  it('status --refresh records the outcome of 100 calls, as the simulator ended them', async () => {
    const t = await setUp(['--ring-time', '0']);
    try {
      const applied = await t.run(['apply', '--yes']);
      expect(applied.code).toBe(0);
      const sim = await t.simFinals();
      const before = await t.lockCalls();
      expect(before.filter(([, e]) => e.outcome !== undefined)).toHaveLength(0);

      const refreshed = await t.run(['status', '--refresh', '--format', 'json']);
      expect(refreshed.code).toBe(0);
      expect(refreshed.stderr).toContain(`asked target sim about ${N} calls (2 requests)`);
      const counts = await expectMatchesSimulator(await t.lockCalls(), sim);
      const report = JSON.parse(refreshed.stdout) as {
        outcomes: Record<string, number>;
        calls: { key: string; outcome?: { status: string } }[];
      };
      expect(report.calls).toHaveLength(N);
      expect(report.outcomes).toEqual({
        completed: counts.completed ?? 0,
        busy: counts.busy ?? 0,
        'no-answer': counts['no-answer'] ?? 0,
        failed: counts.failed ?? 0,
        'in-progress': 0,
        none: 0,
      });
      const lockNow = await t.lockCalls();
      for (const c of report.calls) {
        expect(c.outcome?.status).toBe(lockNow.find(([k]) => k === c.key)?.[1].outcome?.status);
      }

      // nothing left to ask: no request, the lockfile as it was
      const text = await t.project.read('callops.lock');
      const again = await t.run(['status', '--refresh']);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('nothing to ask');
      expect(again.stdout).toContain(
        `outcomes: ${counts.completed ?? 0} completed, ${counts.busy ?? 0} busy, ${counts['no-answer'] ?? 0} no-answer, ${counts.failed ?? 0} failed, 0 in progress, 0 not known yet`,
      );
      expect(await t.project.read('callops.lock')).toBe(text);
      await t.noCanary([
        applied.stdout,
        applied.stderr,
        refreshed.stdout,
        refreshed.stderr,
        again.stdout,
        again.stderr,
      ]);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('apply --wait records the outcome of the 100 calls it placed before it exits', async () => {
    const t = await setUp(['--ring-time', '300ms']);
    try {
      const applied = await t.run(['apply', '--yes', '--wait', '30s', '--format', 'json']);
      expect(applied.code).toBe(0);
      const sim = await t.simFinals();
      const counts = await expectMatchesSimulator(await t.lockCalls(), sim);
      const report = JSON.parse(applied.stdout) as {
        placed: number;
        outcomes: Record<string, number>;
        pending: string[];
        results: { key: string; status: string; outcome?: { status: string } }[];
      };
      expect(report.placed).toBe(N);
      expect(report.pending).toEqual([]);
      expect(report.outcomes).toEqual({
        completed: counts.completed ?? 0,
        busy: counts.busy ?? 0,
        'no-answer': counts['no-answer'] ?? 0,
        failed: counts.failed ?? 0,
        'in-progress': 0,
        none: 0,
      });
      expect(report.results).toHaveLength(N);
      expect(report.results.filter((r) => FINALS.includes(String(r.outcome?.status)))).toHaveLength(
        N,
      );
      await t.noCanary([applied.stdout, applied.stderr]);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('apply --wait: busy and unanswered calls leave the exit code 0; the summary counts them', async () => {
    const t = await setUp(['--ring-time', '0']);
    try {
      const applied = await t.run(['apply', '--yes', '--wait', '20s']);
      expect(applied.code).toBe(0);
      const sim = await t.simFinals();
      const counts = await expectMatchesSimulator(await t.lockCalls(), sim);
      expect(counts.busy ?? 0).toBeGreaterThan(0);
      expect(applied.stdout).toContain(
        `Outcomes: ${counts.completed ?? 0} completed, ${counts.busy ?? 0} busy, ${counts['no-answer'] ?? 0} no-answer, ${counts.failed ?? 0} failed\n`,
      );
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe('apply --wait against the built-in simulator', () => {
  it('says once, before placing, that its outcomes cannot be asked, and points to no refresh', async () => {
    const project = await makeProject({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }]),
    });
    try {
      const note =
        '--wait: the built-in simulator cannot be asked what became of its calls (it lives only as long as this command): they are placed, and not waited for';
      const applied = await runCli(['apply', '--yes', '--wait', '10s'], { cwd: project.dir });
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stderr.split('\n').filter((l) => l.includes('--wait'))).toEqual([note]);
      expect(applied.stderr).not.toContain('Waiting up to');
      expect(`${applied.stdout}${applied.stderr}`).not.toContain('status --refresh');
      expect(applied.stdout).toContain('Done: 2 placed, 0 failed, 0 unknown');
      const json = await runCli(['apply', '--yes', '--wait', '10s', '--format', 'json'], {
        cwd: project.dir,
      });
      expect(json.code, json.stderr).toBe(0);
      expect(json.stderr).toBe(`${note}\n`);
    } finally {
      await project.cleanup();
    }
  });
});
