import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import {
  BIN,
  callsYaml,
  cliEnv,
  collect,
  type Gateway,
  makeProject,
  type Project,
  spawnCli,
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

describe('a reader that goes away (`callops … | head -1`)', () => {
  it('schema: exits quietly, without a stack trace', async () => {
    project = await makeProject({});
    const child = spawnCli(['schema'], { cwd: project.dir });
    child.stdout?.destroy();
    const r = await collect(child);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
    expect(r.code).toBe(0);
  });

  it('apply: the run still finishes and records every call as placed', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }, { name: 'three' }]),
    });
    const child = spawnCli(['apply', '--yes'], { cwd: gw.project.dir, env: gw.env });
    child.stdout?.destroy();
    const r = await collect(child);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
    expect(r.code).toBe(0);
    await expectThreePlacedAndRecorded(gw);
  });
});

/** The gateway placed the three calls, callops.lock holds each as placed, the journal is folded. */
const expectThreePlacedAndRecorded = async (on: Gateway): Promise<void> => {
  expect(on.placed()).toHaveLength(3);
  const lock = await on.project.lock();
  expect(Object.values(lock?.calls ?? {}).map((e) => e.status)).toEqual([
    'placed',
    'placed',
    'placed',
  ]);
  expect(on.project.exists('.callops/journal.jsonl')).toBe(false);
};

describe('a full device as stdout (`callops … >/dev/full`)', () => {
  it('apply: every call is placed and recorded, then exit 1 with one line on stderr', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'one' }, { name: 'two' }, { name: 'three' }]),
    });
    const child = track(
      spawn('sh', ['-c', 'exec "$0" -- "$1" apply --yes >/dev/full', process.execPath, BIN], {
        cwd: gw.project.dir,
        env: cliEnv(gw.env),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const r = await collect(child);
    expect(r.stderr).toBe('callops: cannot write to standard output: ENOSPC\n');
    expect(r.code).toBe(1);
    await expectThreePlacedAndRecorded(gw);
  });
});
