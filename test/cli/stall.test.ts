import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProgress } from '../../src/cli/stall.js';
import type { PlanItem } from '../../src/plan/types.js';
import { REPO } from '../e2e/helpers.js';

const STALL = pathToFileURL(join(REPO, 'dist/cli/stall.js')).href;

/** Runs `body` as an ES module in its own Node process (built module of the stall guard as `stall`). */
const node = (body: string) =>
  spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import * as stall from '${STALL}';\n${body}`],
    {
      encoding: 'utf8',
      timeout: 15_000,
    },
  );

describe('settleOrStall', () => {
  it('turns work nothing can settle any more into an internal error naming what was pending, not exit 0', () => {
    const r = node(`
      stall.settleOrStall(new Promise(() => {}), () => '1 call in progress: gw/c1; 2 calls not started').then(
        (code) => { process.exitCode = code; },
        (error) => { console.error(error.name + ': ' + error.message); process.exitCode = 70; },
      );`);
    expect(r.status, r.stderr).toBe(70);
    expect(r.stderr).toMatch(
      /^StalledError: internal error: stopped with nothing left to wait for, its work unfinished — 1 call in progress: gw\/c1; 2 calls not started\. Nothing more was recorded/,
    );
  });

  it('gives the work its own code when it settles, and leaves no listener behind', () => {
    const r = node(`
      const code = await stall.settleOrStall(new Promise((done) => setTimeout(() => done(3), 20)), () => '');
      console.log(code, process.listenerCount('beforeExit'));`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('3 0');
  });
});

describe('runProgress', () => {
  it('names the calls started and not done, and counts those not started', () => {
    const progress = runProgress();
    const items = ['a', 'b', 'c', 'd'].map((name) => ({ key: `gw/${name}` }) as PlanItem);
    expect(progress.pending()).toBe('');
    progress.note({ type: 'run:start', items, targetNote: '' });
    progress.note({ type: 'call:start', key: 'gw/a', target: 'gw' });
    progress.note({ type: 'call:start', key: 'gw/b', target: 'gw' });
    progress.note({
      type: 'call:done',
      outcome: { key: 'gw/a', status: 'failed', at: '', attempts: 1, message: '' },
    });
    expect(progress.pending()).toBe('1 call in progress: gw/b; 2 calls not started');
  });
});
