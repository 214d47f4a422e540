// biome-ignore-all lint/suspicious/noTemplateCurlyInString: redacted lines hold literal ${VAR} references
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jambonzSignature } from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
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
import { startReceive } from './receiver.js';

const SECRET = 'whsec-e2e-canary-4b7c1d9e';
const KEY_CANARY = 'receive-key-canary-2c9d8e7f';
const FINALS = ['completed', 'busy', 'no-answer', 'failed'];
const N = 12;

interface Entry {
  readonly status: string;
  readonly sid?: string;
  readonly outcome?: { status: string; sip_status: number; answered: boolean };
}

const names = Array.from({ length: N }, (_, i) => `call-${i}`);

/**
 * A project whose calls `apply` placed on a simulator with no status hook (their entries
 * have no outcome yet), and the environment `receive` takes the secret from.
 */
const appliedProject = async (calls: readonly string[], apiKey = KEY_CANARY) => {
  const project = await makeProject({ 'calls/a.yaml': callsYaml(calls.map((name) => ({ name }))) });
  const env = {
    VG_ACCOUNT_SID: ACCOUNT_SID,
    VG_API_KEY: apiKey,
    CALLOPS_WEBHOOK_SECRET: SECRET,
  };
  const sim = await startChildSimulator(
    ['--account-sid', ACCOUNT_SID, '--api-key', apiKey],
    project.dir,
  );
  const cleanup = async () => {
    await sim.stop();
    await project.cleanup();
  };
  try {
    await project.write('callops.yaml', configYaml(sim.url));
    expect((await runCli(['apply', '--yes'], { cwd: project.dir, env })).code).toBe(0);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { project, env, cleanup };
};

describe('callops receive', () => {
  it('prints its bare URL on its first line, what it is for on the next', async () => {
    const project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'one' }]) });
    try {
      const receiver = await startReceive(project.dir, { CALLOPS_WEBHOOK_SECRET: SECRET });
      await waitFor('its second line', () =>
        receiver.stdout().split('\n').length > 2 ? true : undefined,
      );
      const [first, second] = receiver.stdout().split('\n');
      expect(first).toBe(receiver.url);
      expect(first).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(second).toBe("callops receive: point the application's call_status_hook here");
      receiver.child.kill('SIGTERM');
      expect((await receiver.done).code).toBe(0);
    } finally {
      await project.cleanup();
    }
  });

  it('records the outcomes of signed status hook requests, as the simulator sent them', async () => {
    const project = await makeProject({
      'calls/a.yaml': callsYaml(names.map((name) => ({ name }))),
    });
    const env = {
      VG_ACCOUNT_SID: ACCOUNT_SID,
      VG_API_KEY: KEY_CANARY,
      CALLOPS_WEBHOOK_SECRETS: `${SECRET},whsec-old-0000`,
    };
    const receiver = await startReceive(project.dir, env);
    const logFile = join(project.dir, 'sim.jsonl');
    const sim = await startChildSimulator(
      [
        ...['--outcomes', 'answered=0.5,busy=0.2,no-answer=0.2,failed=0.1', '--seed', '3'],
        ...['--ring-time', '0', '--talk-time', '0', '--log', logFile],
        ...['--account-sid', ACCOUNT_SID, '--api-key', KEY_CANARY],
        ...['--status-hook', `${receiver.url}/status`, '--webhook-secret', SECRET],
      ],
      project.dir,
    );
    try {
      await project.write('callops.yaml', configYaml(sim.url));
      const applied = await runCli(['apply', '--yes'], {
        cwd: project.dir,
        env,
        timeoutMs: 60_000,
      });
      expect(applied.code).toBe(0);
      const finals = await waitFor(
        `${N} final statuses in the simulator's log`,
        async () => {
          const done = (await jsonLines(logFile)).filter(
            (l) => l.event === 'status' && FINALS.includes(String(l.call_status)),
          );
          return done.length >= N ? done : undefined;
        },
        { timeoutMs: 20_000 },
      );
      const bySid = new Map(finals.map((f) => [String(f.call_sid), f]));
      const calls = await waitFor(
        `${N} outcomes in the lockfile`,
        async () => {
          const all = Object.entries(
            ((await project.lock())?.calls ?? {}) as Record<string, Entry>,
          );
          const ended = all.filter(([, e]) => FINALS.includes(String(e.outcome?.status)));
          return ended.length === N ? all : undefined;
        },
        { timeoutMs: 20_000, everyMs: 100 },
      );
      expect(calls).toHaveLength(N);
      for (const [key, e] of calls) {
        const final = bySid.get(String(e.sid));
        expect(e.outcome?.status, key).toBe(final?.call_status);
        expect(e.outcome?.sip_status, key).toBe(final?.sip_status);
      }
      receiver.child.kill('SIGTERM');
      const result = await receiver.done;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('recorded');
      for (const text of [result.stdout, result.stderr, applied.stdout, applied.stderr]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(KEY_CANARY);
      }
      const files = (await filesUnder(project.dir)).filter((f) => !f.path.endsWith('sim.jsonl'));
      expect(files.length).toBeGreaterThan(2);
      for (const f of files) {
        expect(f.text, f.path).not.toContain(SECRET);
        expect(f.text, f.path).not.toContain(KEY_CANARY);
      }
    } finally {
      receiver.child.kill('SIGKILL');
      await sim.stop();
      await project.cleanup();
    }
  }, 90_000);

  it('refuses forged and unsigned requests with 401 and records nothing from them', async () => {
    const { project, env, cleanup } = await appliedProject(names.slice(0, 2));
    try {
      const before = await project.read('callops.lock');
      const sid = Object.values(((await project.lock())?.calls ?? {}) as Record<string, Entry>)[0]
        ?.sid;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      const receiver = await startReceive(project.dir, env);
      const body = JSON.stringify({
        call_sid: sid,
        call_status: 'failed',
        sip_status: 503,
        duration: 0,
      });
      const now = Math.floor(Date.now() / 1000);
      for (const headers of [
        {} as Record<string, string>,
        { 'jambonz-signature': jambonzSignature('not-the-secret', now, body) },
        { 'jambonz-signature': jambonzSignature(SECRET, now - 3600, body) },
      ]) {
        const reply = await send(receiver.url, { method: 'POST', path: '/', body, headers });
        expect(reply.status).toBe(401);
      }
      // stopping records whatever was accepted: nothing was
      receiver.child.kill('SIGTERM');
      const result = await receiver.done;
      expect(result.code).toBe(0);
      expect(result.stderr.match(/refused a request/g)).toHaveLength(3);
      expect(await project.read('callops.lock')).toBe(before);
      expect(`${result.stdout}${result.stderr}`).not.toContain(SECRET);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('says it recorded only what it recorded: a status after a final outcome is ignored', async () => {
    const { project, env, cleanup } = await appliedProject(['a']);
    try {
      const entry = async () => (await project.lock())?.calls['sim/a'] as Entry;
      const sid = (await entry()).sid;
      const receiver = await startReceive(project.dir, env);
      const post = async (fields: Record<string, unknown>) => {
        const body = JSON.stringify({ call_sid: sid, duration: 0, ...fields });
        const now = Math.floor(Date.now() / 1000);
        const headers = { 'jambonz-signature': jambonzSignature(SECRET, now, body) };
        return (await send(receiver.url, { method: 'POST', path: '/', body, headers })).status;
      };
      expect(await post({ call_status: 'busy', sip_status: 486 })).toBe(204);
      await waitFor('the busy outcome in the lockfile', async () =>
        (await entry()).outcome?.status === 'busy' ? true : undefined,
      );
      // Signed and well formed, so accepted; but the call ended busy, and a status that shows
      // no answer never changes that.
      expect(await post({ call_status: 'no-answer', sip_status: 487 })).toBe(204);
      receiver.child.kill('SIGTERM');
      const result = await receiver.done;
      expect(result.code).toBe(0);
      expect((await entry()).outcome?.status).toBe('busy');
      expect(result.stderr).toContain('receive: recorded 1 outcome: sim/a busy\n');
      expect(result.stderr).not.toContain('recorded 1 outcome: sim/a no-answer\n');
      expect(result.stderr).toMatch(/^receive: ignored 1 status: sim\/a no-answer \(/m);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('never shows nor keeps a secret or a control character a signed call_sid holds: not a UUID, or one holding a secret, is 400', async () => {
    // A jambonz api key is a UUID, so it passes for a call sid; here two entries hold it.
    const uuidKey = '5550e2e0-4c1d-4b7a-9e55-0a1b2c3d4e55';
    const { project, env, cleanup } = await appliedProject(['a', 'b'], uuidKey);
    try {
      const lock = await project.lock();
      const calls = Object.fromEntries(
        Object.entries(lock?.calls ?? {}).map(([key, e]) => [
          key,
          { ...e, status: 'placed', sid: uuidKey },
        ]),
      );
      await project.write('callops.lock', `${JSON.stringify({ ...lock, calls }, null, 2)}\n`);
      // As a lockfile written before sids were kept unique, with nothing in .callops/ to
      // compare it with (sids changed since the copy there was written are refused).
      await rm(join(project.dir, '.callops'), { recursive: true, force: true });
      const before = await project.read('callops.lock');
      const receiver = await startReceive(project.dir, env);
      const post = async (sid: string) => {
        const body = JSON.stringify({
          call_sid: sid,
          call_status: 'completed',
          sip_status: 200,
          duration: 3,
        });
        const now = Math.floor(Date.now() / 1000);
        const headers = { 'jambonz-signature': jambonzSignature(SECRET, now, body) };
        return (await send(receiver.url, { method: 'POST', path: '/', body, headers })).status;
      };
      const forged = '\u001b[2J\n receive: recorded 1 outcome: sim/a completed';
      expect(await post(SECRET)).toBe(400);
      expect(await post(forged)).toBe(400);
      // No placed call has a sid holding a secret (a 201 with one is `unknown`): refused, it
      // is never kept on disk until recorded, as an accepted status is.
      expect(await post(uuidKey)).toBe(400);
      receiver.child.kill('SIGTERM');
      const result = await receiver.done;
      expect(result.code).toBe(0);
      for (const f of await filesUnder(join(project.dir, '.callops'))) {
        expect(f.text, f.path).not.toContain(uuidKey);
      }
      for (const text of [result.stdout, result.stderr]) {
        expect(text).not.toContain(uuidKey);
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain('\u001b');
        expect(text).not.toMatch(/^ receive: recorded/m);
      }
      expect(await project.read('callops.lock')).toBe(before);
    } finally {
      await cleanup();
    }
  }, 60_000);

  it('refuses to start without a webhook secret, listening on nothing', async () => {
    const project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) });
    try {
      const result = await runCli(['receive', '--port', '0'], { cwd: project.dir });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('set CALLOPS_WEBHOOK_SECRET');
      expect(result.stdout).not.toMatch(/http:\/\//);
    } finally {
      await project.cleanup();
    }
  });

  it('takes a webhook secret variable holding only commas and blanks for none, and says so as written', async () => {
    const project = await makeProject({ 'calls/a.yaml': callsYaml([{ name: 'a' }]) });
    try {
      const result = await runCli(['receive', '--port', '0'], {
        cwd: project.dir,
        env: { CALLOPS_WEBHOOK_SECRET: ' , ' },
      });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain(
        'callops receive: set CALLOPS_WEBHOOK_SECRET (or CALLOPS_WEBHOOK_SECRETS, comma-separated) to the webhook secret',
      );
      expect(result.stderr).not.toContain('${');
    } finally {
      await project.cleanup();
    }
  });
});
