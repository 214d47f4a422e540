import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import { BIN, callsYaml, cliEnv, collect, type Gateway, startGateway } from './helpers.js';

/** nobody:nogroup, an unprivileged user that cannot signal the test's (root) process. */
const NOBODY = { uid: 65534, gid: 65534 };

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

describe('the run lock of a live process of another user', () => {
  it('is held: apply and unlock run as another user are refused with 75', async () => {
    // kill(pid, 0) answers EPERM for a live process the caller may not signal: that is only
    // seen when the CLI runs as a user other than the holder's. The tests run as root.
    expect(process.getuid?.()).toBe(0);
    const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    open.push(gw);
    const dir = gw.project.dir;
    const state = join(dir, '.callops');
    await mkdir(state);
    await writeFile(
      join(state, 'run.lock'),
      `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), command: 'callops run' })}\n`,
    );
    // World-writable (no sticky bit): nothing but the liveness check keeps the other user
    // from removing the lock.
    for (const d of [dir, join(dir, 'calls'), state]) await chmod(d, 0o777);

    const asNobody = (args: readonly string[]) =>
      collect(
        track(
          spawn(process.execPath, [BIN, ...args], {
            cwd: dir,
            env: cliEnv(gw.env),
            stdio: ['ignore', 'pipe', 'pipe'],
            ...NOBODY,
          }),
        ),
      );

    const apply = await asNobody(['apply', '--yes']);
    expect(apply.stderr).toContain(`pid ${process.pid}`);
    expect(apply.code).toBe(75);
    expect(apply.stderr).not.toContain('unlock');
    for (const args of [['unlock'], ['unlock', '--force']]) {
      const unlock = await asNobody(args);
      expect(unlock.code).toBe(75);
      expect(unlock.stderr).toContain(`pid ${process.pid}`);
    }
    expect(gw.project.exists('.callops/run.lock')).toBe(true);
    expect(gw.sim.received()).toHaveLength(0);
  });
});
