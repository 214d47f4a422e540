import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  type ChildSimulator,
  callsYaml,
  collect,
  configYaml,
  jsonLines,
  makeProject,
  type Project,
  runCli,
  spawnCli,
  startChildSimulator,
  waitFor,
} from './helpers.js';

const NAMES = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
const LATENCY_MS = 1500;
const ENV = { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY };

let project: Project | undefined;
let sim: ChildSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  await project?.cleanup();
  sim = undefined;
  project = undefined;
});

/** The name each logged request was for (the call carries it in its tag). */
const nameOf = (line: Record<string, unknown>): string =>
  String((line.body as { tag?: { call?: string } } | undefined)?.tag?.call);

describe('apply killed with SIGKILL mid-run', () => {
  it('leaves in-flight calls unknown, never places a call twice, and status/resolve settle them', async () => {
    project = await makeProject({
      'calls/batch.yaml': callsYaml(
        NAMES.map((name) => ({ name, extra: [`tag: { call: ${name} }`] })),
      ),
    });
    const log = join(project.dir, 'gateway.log');
    sim = await startChildSimulator(
      [
        '--latency',
        String(LATENCY_MS),
        '--log',
        log,
        '--api-key',
        API_KEY,
        '--account-sid',
        ACCOUNT_SID,
      ],
      project.dir,
    );
    await project.write('callops.yaml', configYaml(sim.url, ['concurrency: 2']));
    const journal = join(project.dir, '.callops', 'journal.jsonl');

    // 1. Start apply, wait until two intents are durable, then kill it outright.
    const child = spawnCli(['apply', '--yes'], { cwd: project.dir, env: ENV });
    const killed = collect(child, 20_000);
    const intents = await waitFor('two intents in the journal', async () => {
      const lines = (await jsonLines(journal)).filter((l) => l.type === 'intent');
      return lines.length >= 2 ? lines : undefined;
    });
    // A moment for the two requests to leave (well inside the gateway's latency), so the kill
    // lands while they are in flight; the assertions below hold either way.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    const left = await jsonLines(journal);
    const inFlight = new Set(left.filter((l) => l.type === 'intent').map((l) => String(l.key)));
    // concurrency 2: two calls in flight, none answered yet (the gateway takes 1.5 s).
    expect(inFlight.size).toBe(2);
    expect(left.filter((l) => l.type === 'outcome')).toEqual([]);
    expect(intents.map((l) => l.key).sort()).toEqual([...inFlight].sort());

    // 2. The gateway answers what reached it (the kill does not un-place a call).
    await waitFor(
      'the simulator to answer the requests in flight',
      async () => ((await jsonLines(log)).length >= inFlight.size ? true : undefined),
      { timeoutMs: LATENCY_MS + 5_000 },
    ).catch(() => undefined); // an intent whose request never left has no answer to wait for

    // 3. The next apply folds the journal: in-flight calls become unknown, the rest are placed.
    const second = await runCli(['apply', '--yes'], {
      cwd: project.dir,
      env: ENV,
      timeoutMs: 20_000,
    });
    // This run's own calls were all placed; what the killed run left is reported as a note.
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`interrupted run.*${inFlight.size} unknown`));
    expect(second.stderr).toContain('callops resolve');
    const placedLog = (await jsonLines(log)).filter((l) => l.status === 201);
    const counts = new Map<string, number>();
    for (const line of placedLog) counts.set(nameOf(line), (counts.get(nameOf(line)) ?? 0) + 1);
    for (const [name, count] of counts) expect(count, `${name} placed ${count} times`).toBe(1);

    const lock = await project.lock();
    for (const name of NAMES) {
      const key = `sim/${name}`;
      const entry = lock?.calls[key];
      if (inFlight.has(key)) {
        expect(entry?.status, key).toBe('unknown');
        expect(entry?.message).toMatch(/interrupted|crashed/);
      } else {
        expect(entry?.status, key).toBe('placed');
        expect(counts.get(name)).toBe(1);
        expect(entry?.sid).toBe(placedLog.find((l) => nameOf(l) === name)?.sid);
      }
    }

    // 4. status lists the unknown ones with the commands that settle them.
    const status = await runCli(['status'], { cwd: project.dir, env: ENV });
    expect(status.code).toBe(3); // an unknown entry needs a person
    for (const key of inFlight) {
      expect(status.stdout).toContain(`callops resolve ${key} --placed SID`);
      expect(status.stdout).toContain(`callops resolve ${key} --not-placed`);
    }
    expect(status.stdout).toMatch(new RegExp(`${inFlight.size} unknown`));

    // 5. Unknown entries are never retried automatically.
    const before = (await jsonLines(log)).length;
    const third = await runCli(['apply', '--yes'], { cwd: project.dir, env: ENV });
    expect(third.code).toBe(0);
    expect(await jsonLines(log)).toHaveLength(before);

    // 6. resolve KEY --placed SID settles one, with the sid the gateway gave it.
    const [first] = [...inFlight].sort();
    const firstName = String(first).slice('sim/'.length);
    const sid =
      placedLog.find((l) => nameOf(l) === firstName)?.sid ?? '11111111-2222-4333-8444-555555555555';
    const resolved = await runCli(['resolve', String(first), '--placed', String(sid)], {
      cwd: project.dir,
      env: ENV,
    });
    expect(resolved.code).toBe(0);
    const settled = (await project.lock())?.calls[String(first)];
    expect(settled?.status).toBe('placed');
    expect(settled?.sid).toBe(sid);
    const after = await runCli(['status', '--format', 'json'], { cwd: project.dir, env: ENV });
    const json = JSON.parse(after.stdout) as { unknown: number; placed: number };
    expect(json.unknown).toBe(inFlight.size - 1);
    expect(json.placed).toBe(NAMES.length - inFlight.size + 1);
    // Only unknown entries can be settled by hand.
    const again = await runCli(['resolve', String(first), '--not-placed'], {
      cwd: project.dir,
      env: ENV,
    });
    expect(again.code).toBe(1);
    expect((await project.lock())?.calls[String(first)]?.status).toBe('placed');
  }, 40_000);
});
