import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callsYaml, waitFor } from './helpers.js';
import { postgresForFile } from './postgres-project.js';
import { postSigned, startReceive } from './receiver.js';

/**
 * A `callops receive` started on the file store, and the project's state moved to PostgreSQL
 * (`state push`) while it listens: callops.lock is no longer the state, so an outcome written
 * there would be lost to the database, and erased by the next `state pull`. The receiver
 * records nothing more into the file store; what it accepted stays in its spool, and the
 * receiver started again on the database records it there.
 */
const db = postgresForFile();

const SECRET = 'whsec-moved-canary-7d1e2f3a';

interface Entry {
  readonly sid?: string;
  readonly outcome?: { readonly status: string };
}

/** A project on the simulator with call `a` placed on the file store, and its two `state:`. */
const placedOnFiles = async (schema: string) => {
  const gw = await db.gateway({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) }, { schema });
  const withDatabase = await gw.project.read('callops.yaml');
  const withFiles = withDatabase.slice(0, withDatabase.indexOf('state:'));
  await gw.project.write('callops.yaml', withFiles);
  const applied = await gw.run(['apply', '--yes']);
  expect(applied.code, applied.stderr).toBe(0);
  const entry = async () => (await gw.project.lock())?.calls['sim/a'] as Entry;
  const sid = (await entry()).sid;
  expect(sid).toMatch(/^[0-9a-f-]{36}$/);
  const env = { ...gw.env, ...db.env, CALLOPS_WEBHOOK_SECRET: SECRET };
  return {
    gw,
    env,
    sid: sid as string,
    entry,
    toDatabase: () => gw.project.write('callops.yaml', withDatabase),
    completed: () =>
      JSON.stringify({ call_sid: sid, call_status: 'completed', sip_status: 200, duration: 3 }),
  };
};

const spools = async (dir: string) =>
  (await readdir(join(dir, '.callops'))).filter((f) => f.startsWith('received.'));

describe('callops receive while the state moves to PostgreSQL', () => {
  it('records nothing more into callops.lock once state push moved the state, and loses nothing', {
    timeout: 120_000,
  }, async () => {
    const p = await placedOnFiles('rm1');
    const { gw, env } = p;
    const receiver = await startReceive(gw.project.dir, env);
    try {
      await p.toDatabase();
      const push = await gw.run(['state', 'push'], env);
      expect(push.code, push.stderr).toBe(0);
      expect(push.stdout).toContain('imported 1 entry');
      const before = await gw.project.read('callops.lock');

      expect((await postSigned(receiver.url, SECRET, p.completed())).status).toBe(204);
      await waitFor(
        'the receiver to say the state moved',
        () => (receiver.stderr().includes('moved to PostgreSQL') ? true : undefined),
        { timeoutMs: 15_000 },
      );
      const said = receiver.stderr();
      expect(said).toContain('receive: the state of this project moved to PostgreSQL (schema rm1)');
      expect(said).toContain('records nothing more into callops.lock');
      expect(said).toContain('restart `callops receive`');
      expect(said).not.toContain('recorded 1 outcome');
      // callops.lock, no longer the state, is left as the push read it.
      expect(await gw.project.read('callops.lock')).toBe(before);

      receiver.child.kill('SIGTERM');
      const stopped = await receiver.done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(stopped.stderr).toMatch(/1 status is not recorded yet; kept in \.callops\/received\./);
      expect(stopped.stderr).toContain('restart `callops receive`');
      expect(await spools(gw.project.dir)).toHaveLength(1);
      expect(await gw.project.read('callops.lock')).toBe(before);

      // Started again, on the database: it records what the first one kept, there.
      const again = await startReceive(gw.project.dir, env);
      again.child.kill('SIGTERM');
      const done = await again.done;
      expect(done.code, done.stderr).toBe(0);
      expect(await spools(gw.project.dir)).toHaveLength(0);
      const status = await gw.run(['status', '--format', 'json'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('"completed"');

      // And `state pull` keeps it: the answer is never lost.
      const pull = await gw.run(['state', 'pull'], env);
      expect(pull.code, pull.stderr).toBe(0);
      expect((await p.entry()).outcome?.status).toBe('completed');
      expect(`${stopped.stderr}${done.stderr}`).not.toContain(SECRET);
      expect(`${stopped.stderr}${done.stderr}`).not.toContain(db.url);
    } finally {
      receiver.child.kill('SIGKILL');
    }
  });

  it('records nothing more into callops.lock once callops.yaml names the database, as run pauses', {
    timeout: 60_000,
  }, async () => {
    const p = await placedOnFiles('rm2');
    const { gw, env } = p;
    const receiver = await startReceive(gw.project.dir, env);
    try {
      // Not pushed yet: `state:` alone moved, as a pull request merged before its push.
      await p.toDatabase();
      const before = await gw.project.read('callops.lock');
      expect((await postSigned(receiver.url, SECRET, p.completed())).status).toBe(204);
      await waitFor(
        'the receiver to say callops.yaml moved the state',
        () => (receiver.stderr().includes('records nothing more') ? true : undefined),
        { timeoutMs: 15_000 },
      );
      expect(receiver.stderr()).toContain(
        'receive: callops.yaml changed where the state lives (`state:` backend `file` → `postgres`): this receiver records nothing more into callops.lock',
      );
      receiver.child.kill('SIGTERM');
      const stopped = await receiver.done;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(await gw.project.read('callops.lock')).toBe(before);
      expect(await spools(gw.project.dir)).toHaveLength(1);
      // The push, then the database's first command, take it from the spool.
      const push = await gw.run(['state', 'push'], env);
      expect(push.code, push.stderr).toBe(0);
      const status = await gw.run(['status', '--refresh'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(await spools(gw.project.dir)).toHaveLength(0);
      const pull = await gw.run(['state', 'pull'], env);
      expect(pull.code, pull.stderr).toBe(0);
      expect((await p.entry()).outcome?.status).toBe('completed');
    } finally {
      receiver.child.kill('SIGKILL');
    }
  });
});
