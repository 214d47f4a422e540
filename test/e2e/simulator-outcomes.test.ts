import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY,
  type OutcomeMix,
  outcomeFor,
} from '../../src/simulator/index.js';
import { createCall, goodCall } from '../simulator/client.js';
import {
  callsYaml,
  configYaml,
  jsonLines,
  makeProject,
  runCli,
  startChildSimulator,
  waitFor,
} from './helpers.js';

const MIX: OutcomeMix = { answered: 0.7, busy: 0.1, 'no-answer': 0.15, failed: 0.05 };
const MIX_FLAG = 'answered=0.7,busy=0.1,no-answer=0.15,failed=0.05';
const FINAL = { answered: 'completed', busy: 'busy', 'no-answer': 'no-answer', failed: 'failed' };
const N = 100;

/** One run: a `callops simulator` child, `callops apply` of N calls, the log's final statuses. */
const placeAndSettle = async () => {
  const names = Array.from({ length: N }, (_, i) => `call-${String(i).padStart(3, '0')}`);
  const project = await makeProject({ 'calls/a.yaml': callsYaml(names.map((name) => ({ name }))) });
  const logFile = join(project.dir, 'sim.jsonl');
  const sim = await startChildSimulator(
    [
      '--outcomes',
      MIX_FLAG,
      '--seed',
      '7',
      '--ring-time',
      '0',
      '--talk-time',
      '0',
      '--log',
      logFile,
    ],
    project.dir,
  );
  try {
    await project.write('callops.yaml', configYaml(sim.url, ['concurrency: 8']));
    const result = await runCli(['apply', '--yes'], {
      cwd: project.dir,
      env: { VG_ACCOUNT_SID: DEFAULT_ACCOUNT_SID, VG_API_KEY: DEFAULT_API_KEY },
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(0);
    const finals = await waitFor(
      `${N} final statuses in the simulator's log`,
      async () => {
        const lines = await jsonLines(logFile);
        const done = lines.filter(
          (l) => l.event === 'status' && Object.values(FINAL).includes(String(l.call_status)),
        );
        return done.length >= N ? { lines, done } : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const accepted = finals.lines.filter((l) => l.event === undefined && l.status === 201);
    const lock = await project.lock();
    return { accepted, finals: finals.done, lock };
  } finally {
    await sim.stop();
    await project.cleanup();
  }
};

const countBy = (values: readonly string[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};

describe('callops simulator --outcomes --seed', () => {
  it('ends 100 calls placed by apply exactly as the seed says, the same in a second run', async () => {
    const expected = Array.from({ length: N }, (_, i) => FINAL[outcomeFor(7, i + 1, MIX)]);
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const { accepted, finals, lock } = await placeAndSettle();
      expect(accepted).toHaveLength(N);
      expect(finals).toHaveLength(N);
      expect(Object.values(lock?.calls ?? {}).filter((e) => e.status === 'placed')).toHaveLength(N);
      // the k-th 201 in the log is the k-th accepted call: its final status is the k-th draw
      const finalOf = new Map(finals.map((f) => [String(f.call_sid), String(f.call_status)]));
      const byK = accepted.map((a) => finalOf.get(String(a.sid)));
      expect(byK).toEqual(expected);
      // a completed call has the talk time as duration (0 here), the others none
      for (const f of finals) expect(f.duration).toBe(0);
      runs.push(countBy(finals.map((f) => String(f.call_status))));
    }
    expect(runs[0]).toEqual(countBy(expected));
    expect(runs[1]).toEqual(runs[0]);
    // a mix of this size shows every outcome
    expect(Object.keys(runs[0] ?? {}).sort()).toEqual(['busy', 'completed', 'failed', 'no-answer']);
  }, 120_000);

  it('refuses at start a status hook off this machine and a bad mix, listening on nothing', async () => {
    const project = await makeProject({});
    try {
      for (const [args, message] of [
        [
          ['--status-hook', 'http://example.com/status'],
          '--status-hook must be an http URL on 127.0.0.1 or localhost',
        ],
        [['--outcomes', 'answered=0.5,voicemail=0.5'], '--outcomes: unknown outcome "voicemail"'],
        [['--outcomes', 'answered=0.5'], '--outcomes: the shares must sum to 1'],
      ] as const) {
        const result = await runCli(['simulator', '--port', '0', ...args], { cwd: project.dir });
        expect(result.code).toBe(64);
        expect(result.stderr).toContain(message);
        expect(result.stdout).not.toMatch(/http:\/\//);
      }
    } finally {
      await project.cleanup();
    }
  });

  it('exits at SIGTERM at once, with calls still ringing (no timer keeps it alive)', async () => {
    const project = await makeProject({});
    const sim = await startChildSimulator(['--ring-time', '1h'], project.dir);
    try {
      const target = { url: sim.url, accountSid: DEFAULT_ACCOUNT_SID, apiKey: DEFAULT_API_KEY };
      expect((await createCall(target, goodCall())).status).toBe(201);
      expect((await createCall(target, goodCall({ from: '' }))).status).toBe(400);
      let stderr = '';
      sim.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const exited = new Promise<number | null>((r) => sim.child.once('exit', (code) => r(code)));
      sim.child.kill('SIGTERM');
      // stop() would SIGKILL after 3 s: a clean exit 0 means the process ended by itself
      expect(await exited).toBe(0);
      // Counted, though the command keeps no request in memory.
      expect(stderr).toContain('simulator stopped after 2 create-call requests');
    } finally {
      await sim.stop();
      await project.cleanup();
    }
  });
});
