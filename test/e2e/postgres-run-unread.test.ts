import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { callsYaml, output, spawnCli, waitFor, watch } from './helpers.js';
import { postgresForFile, queryDatabase } from './postgres-project.js';

/**
 * `run` says `Unknown: none left` only of a state it read: a batch after which the state
 * database could not be read says that it could not, not that every entry is settled, and
 * the unknown entry it named as it started is not said again as if new.
 */

const db = postgresForFile();

describe('run when the state cannot be read after a batch', () => {
  it('says the state could not be read, never "none left", while an unknown entry stands', {
    timeout: 90_000,
  }, async () => {
    const gw = await db.gateway(
      { 'calls/a.yaml': callsYaml([{ name: 'u1' }, { name: 'c1' }, { name: 'c2' }]) },
      { schema: 'unread' },
    );
    const env = { ...gw.env, ...db.env, CALLOPS_RUN_REFRESH_SECONDS: '3600' };
    // Bring the schema up, then leave an unknown entry, as a killed runner does.
    const plan = await gw.run(['plan'], env);
    expect(plan.code, output(plan)).toBe(0);
    await queryDatabase(
      db.url,
      `INSERT INTO unread.placements (key, status, at, definition, file, runner)
       VALUES ('sim/u1', 'unknown', '2026-01-01T00:00:00.000Z', 'sha256:x', 'calls/a.yaml', NULL)`,
    );
    // Without the gate, the batch's first claim is held before its commit.
    const gate = join(gw.project.dir, 'gate');
    const child = spawnCli(['run', '--yes'], {
      cwd: gw.project.dir,
      env: { ...env, [HOLD_SYNC_ENV]: gate },
    });
    const { done, soFar } = watch(child, 80_000);
    let halted = false;
    try {
      await waitFor(
        'a claim held before its commit',
        async () =>
          (await readFile(`${gate}.reached`, 'utf8').catch(() => '')) ? true : undefined,
        { timeoutMs: 30_000 },
      );
      expect(soFar()).toContain('sim/u1');
      // The server stops while that claim is open: the claim fails, and so does the read
      // of the state after the batch.
      await db.server.halt();
      halted = true;
      await writeFile(gate, '');
      await waitFor('the batch summary', () => (/Done: /.test(soFar()) ? true : undefined), {
        timeoutMs: 30_000,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; it said:\n${soFar()}`);
      });
      await waitFor('the line after it', () => (/^Unknown: /m.test(soFar()) ? true : undefined), {
        timeoutMs: 10_000,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; it said:\n${soFar()}`);
      });
      await db.server.resume();
      halted = false;
    } finally {
      child.kill('SIGTERM');
      if (halted) await db.server.resume();
    }
    const result = await done;
    expect(result.code, output(result)).toBe(0);
    expect(gw.placed()).toHaveLength(0);
    expect(result.stdout).not.toContain('none left');
    expect(result.stdout).toMatch(
      /^Unknown: not known — the state could not be read after this batch \(the state database failed \([^\n]*\)\); `callops status` lists the unknown entries once it answers\.$/m,
    );
    expect(output(result)).not.toContain('callops-test');
    // The entry is still unknown.
    const status = await gw.run(['status'], env);
    expect(status.code, output(status)).toBe(3);
    expect(status.stdout).toContain('sim/u1');
  });
});
