// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { once } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  configYaml,
  jsonLines,
  makeProject,
  spawnCli,
  startChildSimulator,
  startGateway,
  startRun,
  waitFor,
  watch,
} from './helpers.js';

const FINALS = ['completed', 'busy', 'no-answer', 'failed'];
const N = 6;
const KEY = 'run-refresh-key-7d1e';

interface Entry {
  readonly status: string;
  readonly sid?: string;
  readonly outcome?: { status: string; sip_status: number; duration: number };
}

describe('run refreshes outcomes on its own', () => {
  it('records the final outcome of every call it placed, as the simulator ended them', async () => {
    const names = Array.from({ length: N }, (_, i) => `call-${i}`);
    const project = await makeProject({
      'calls/a.yaml': callsYaml(names.map((name) => ({ name }))),
    });
    const logFile = join(project.dir, 'sim.jsonl');
    const sim = await startChildSimulator(
      [
        '--outcomes',
        'answered=0.5,busy=0.5',
        '--seed',
        '3',
        '--ring-time',
        '0',
        '--talk-time',
        '0',
        '--log',
        logFile,
        '--account-sid',
        ACCOUNT_SID,
        '--api-key',
        KEY,
      ],
      project.dir,
    );
    try {
      await project.write('callops.yaml', configYaml(sim.url));
      const child = spawnCli(['run', '--yes'], {
        cwd: project.dir,
        env: { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: KEY, CALLOPS_RUN_REFRESH_SECONDS: '1' },
      });
      const { done, soFar } = watch(child, 60_000);
      const calls = await waitFor(
        'every placed entry of the lockfile to hold a final outcome',
        async () => {
          const entries = Object.entries(
            ((await project.lock())?.calls ?? {}) as Record<string, Entry>,
          );
          if (entries.length < N) return undefined;
          const ended = entries.filter(([, e]) => FINALS.includes(String(e.outcome?.status)));
          return ended.length === N ? entries : undefined;
        },
        { timeoutMs: 30_000, everyMs: 100 },
      );
      const finals = (await jsonLines(logFile)).filter(
        (l) => l.event === 'status' && FINALS.includes(String(l.call_status)),
      );
      expect(finals).toHaveLength(N);
      const bySid = new Map(finals.map((f) => [String(f.call_sid), f]));
      expect(calls).toHaveLength(N);
      for (const [key, e] of calls) {
        expect(e.status, key).toBe('placed');
        const final = bySid.get(String(e.sid));
        expect(final, key).toBeDefined();
        expect(e.outcome?.status, key).toBe(final?.call_status);
        expect(e.outcome?.sip_status, key).toBe(final?.sip_status);
        expect(e.outcome?.duration, key).toBe(final?.duration);
      }
      expect(new Set(calls.map(([, e]) => e.outcome?.status))).toEqual(
        new Set(['completed', 'busy']),
      );
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, soFar()).toBe(0);
      expect(r.stderr).not.toContain('refresh:');
      expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
    } finally {
      await sim.stop();
      await project.cleanup();
    }
  }, 90_000);

  it('a gateway that fails is reported once and asked again later, less often; run goes on', async () => {
    const names = ['one', 'two'];
    const project = await makeProject({
      'calls/a.yaml': callsYaml(names.map((name) => ({ name }))),
    });
    // Calls that ring for an hour: every refresh finds them in progress and asks again.
    const sim = await startChildSimulator(
      ['--ring-time', '1h', '--account-sid', ACCOUNT_SID, '--api-key', KEY],
      project.dir,
    );
    const lists: number[] = [];
    const broken = createServer((req, res) => {
      if (req.method === 'GET' && /\/Calls(\?|$)/.test(req.url ?? '')) lists.push(Date.now());
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"msg":"boom"}');
    });
    try {
      await project.write('callops.yaml', configYaml(sim.url));
      const child = spawnCli(['run', '--yes'], {
        cwd: project.dir,
        env: { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: KEY, CALLOPS_RUN_REFRESH_SECONDS: '1' },
      });
      const { done, soFar } = watch(child, 60_000);
      await waitFor(
        'both calls placed and refreshed as in progress',
        async () => {
          const entries = Object.values(
            ((await project.lock())?.calls ?? {}) as Record<string, Entry>,
          );
          return entries.length === 2 && entries.every((e) => e.outcome?.status === 'in-progress')
            ? true
            : undefined;
        },
        { timeoutMs: 20_000, everyMs: 100 },
      );
      // The gateway now answers 500 to everything, on the same address.
      await sim.stop();
      broken.listen(Number(new URL(sim.url).port), '127.0.0.1');
      await once(broken, 'listening');
      await waitFor('two refreshes that failed', () => (lists.length >= 2 ? true : undefined), {
        timeoutMs: 20_000,
        everyMs: 50,
      });
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code, soFar()).toBe(0);
      const said = r.stderr.split('\n').filter((l) => l.startsWith('refresh: target sim: '));
      expect(said, r.stderr).toHaveLength(1);
      expect(said[0]).toContain('could not read the gateway');
      expect(said[0]).toContain('asking again later, less often');
      // Backed off: the second failing cycle came at least twice the pace after the first.
      expect(lists.length).toBeGreaterThanOrEqual(2);
      expect((lists[1] ?? 0) - (lists[0] ?? 0)).toBeGreaterThanOrEqual(1_900);
      expect(`${r.stdout}${r.stderr}`).not.toContain(KEY);
    } finally {
      broken.close();
      await sim.stop();
      await project.cleanup();
    }
  }, 90_000);

  it('a read of one gateway that hangs delays no slot, of any target; a stop cuts it short', {
    timeout: 120_000,
  }, async () => {
    // Gateway A answers no read of calls (until it closes): each waits here, counted.
    let reads = 0;
    let reading = 0;
    const a = await startGateway(
      {
        'calls/a.yaml': callsYaml([
          { name: 'once-a' },
          {
            name: 'on-b',
            extra: ['target: lab2', 'schedule: { cron: "* * * * * *", deadline: 10s }'],
          },
        ]),
      },
      {
        readLatencyMs: 3_600_000,
        wait: async (ms, signal) => {
          reads++;
          reading++;
          try {
            await sleep(ms, undefined, { signal });
          } finally {
            reading--;
          }
        },
      },
    );
    // Gateway B, a healthy one: its calls end at once.
    const b = await startSimulator({
      accountSid: ACCOUNT_SID,
      apiKey: API_KEY,
      ringMs: 0,
      talkMs: 0,
    });
    try {
      const target = (name: string, url: string, extra: readonly string[] = []) => [
        `  ${name}:`,
        `    base_url: ${url}`,
        '    account_sid: ${VG_ACCOUNT_SID}',
        '    api_key: ${VG_API_KEY}',
        ...extra.map((l) => `    ${l}`),
      ];
      await a.project.write(
        'callops.yaml',
        [
          'targets:',
          // Longer than this test: A's read never times out while run goes on.
          ...target('lab', a.sim.url, ['request_timeout: 5m']),
          ...target('lab2', b.url),
          'default_target: lab',
          '',
        ].join('\n'),
      );
      const { child, done, soFar, until } = startRun(a, [], {
        env: { CALLOPS_RUN_REFRESH_SECONDS: '1' },
      });
      const placedAtB = () => b.received().filter((r) => r.status === 201).length;
      await until("lab's refresh reading", () => (reading === 1 ? true : undefined));
      const atHang = placedAtB();
      // Slots of the minute before the start are said missed (catch-up) before the read began.
      const saidAtHang = soFar().length;
      // Slots of lab2 keep being placed while lab's read hangs, and lab2's own refresh records
      // what became of them meanwhile.
      await until('three more slots placed at B', () =>
        placedAtB() >= atHang + 3 ? true : undefined,
      );
      await until('an outcome of lab2 recorded', async () =>
        Object.entries((await a.project.lock())?.calls ?? {}).some(
          ([key, e]) =>
            key.startsWith('lab2/on-b@') && (e as Entry).outcome?.status === 'completed',
        )
          ? true
          : undefined,
      );
      // The read still hangs, and lab was asked once: one cycle at a time per target.
      expect(reading).toBe(1);
      expect(reads).toBe(1);
      child.kill('SIGTERM');
      const r = await done;
      expect(r.signal, soFar()).toBeNull();
      expect(r.code, soFar()).toBe(0);
      // No slot waited for the read, and the read never ended on its own: the stop cut it.
      expect(soFar().slice(saidAtHang)).not.toMatch(/^missed /m);
      expect(soFar()).not.toContain('refresh: target lab');
      const lock = await a.project.lock();
      expect(lock?.calls['lab/once-a']?.status).toBe('placed');
      const atB = Object.keys(lock?.calls ?? {}).filter((k) => k.startsWith('lab2/on-b@'));
      expect(atB).toHaveLength(placedAtB());
      expect(a.project.exists('.callops/journal.jsonl')).toBe(false);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
