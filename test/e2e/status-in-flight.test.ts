import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, spawnCli, startHeldApply } from './helpers.js';

const NAMES = ['f1', 'f2', 'f3'];

const open: Gateway[] = [];
let release: () => void = () => {};
afterEach(async () => {
  release();
  release = () => {};
  await Promise.all(open.splice(0).map((g) => g.close()));
});

describe('status beside a run that is placing calls (file store)', () => {
  it('shows its requests in flight, not unknown, and exits 0; resolve --check leaves them; crashed ones are unknown', {
    timeout: 60_000,
  }, async () => {
    const held = await startHeldApply(spawnCli, NAMES);
    open.push(held.gw);
    release = held.release;
    const { gw } = held;
    const status = await gw.run(['status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('callops.lock: 0 placed, 0 failed, 0 unknown, 2 in flight');
    expect(status.stdout).not.toMatch(/callops resolve|interrupted or crashed/);
    const json = await gw.run(['status', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ unknown: 0, inFlight: 2, unsettled: [] });
    // Nothing for resolve --check to look up either: the run records those outcomes.
    const check = await gw.run(['resolve', '--check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('No unknown entries to check.');
    const named = await gw.run(['resolve', '--check', 'sim/f1']);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('sim/f1 is being placed by a run that is still going');
    // Killed with its two requests held: nothing records them, so they are unknown now.
    held.child.kill('SIGKILL');
    await held.done;
    const after = await gw.run(['status']);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('2 unknown');
    expect(after.stdout).toContain('interrupted or crashed');
  });
});
