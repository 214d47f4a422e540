// biome-ignore-all lint/suspicious/noTemplateCurlyInString: redacted lines hold literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import type { Observation } from '../../src/execute/observe.js';
import { receiveLine, receiveSecrets } from '../../src/receive/log.js';
import { webhookSecrets } from '../../src/receive/secrets.js';
import {
  MAX_BODY_BYTES,
  type Receiver,
  startReceiver,
  UNMATCHED_TTL_MS,
} from '../../src/receive/server.js';
import { verifySignature } from '../../src/receive/signature.js';
import { makeRedactor } from '../../src/report/redact.js';
import { jambonzSignature } from '../../src/simulator/index.js';
import { withOutcomes } from '../../src/state/outcome.js';
import type { Lockfile } from '../../src/state/types.js';
import { send } from '../simulator/client.js';

const SECRET = 'whsec-canary-1f2e3d4c';
/** A spool that keeps nothing: these tests look at the queue, the e2e tests at the file. */
const spool = {
  append: async () => undefined,
  compact: async () => undefined,
  acked: async () => undefined,
};
const OLD_SECRET = 'whsec-old-9a8b7c6d';
const SID = '98e4dd21-b178-4af1-83b6-3c1582893890';
const NOW_S = 1_790_000_000;
const body = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    call_sid: SID,
    call_status: 'busy',
    sip_status: 486,
    duration: 0,
    from: '+15550001111',
    to: '+15550002222',
    ...fields,
  });

describe('Jambonz-Signature', () => {
  const raw = Buffer.from(body());
  const check = (header: string | undefined, secrets = [SECRET], now = NOW_S) =>
    verifySignature(header, raw, secrets, now);

  it('accepts a request signed with the secret', () => {
    expect(check(jambonzSignature(SECRET, NOW_S, body()))).toEqual({ ok: true });
  });

  it('refuses one signed with another secret, or over another body', () => {
    expect(check(jambonzSignature('another-secret', NOW_S, body()))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(check(jambonzSignature(SECRET, NOW_S, body({ call_status: 'completed' })))).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a timestamp more than 300 s away, either way; accepts one within', () => {
    expect(check(jambonzSignature(SECRET, NOW_S - 301, body()))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(check(jambonzSignature(SECRET, NOW_S + 301, body()))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(check(jambonzSignature(SECRET, NOW_S - 300, body()))).toEqual({ ok: true });
  });

  it('accepts either secret while one is rotated', () => {
    const secrets = [SECRET, OLD_SECRET];
    expect(check(jambonzSignature(OLD_SECRET, NOW_S, body()), secrets)).toEqual({ ok: true });
    expect(check(jambonzSignature(SECRET, NOW_S, body()), secrets)).toEqual({ ok: true });
    expect(check(jambonzSignature(OLD_SECRET, NOW_S, body()), [SECRET])).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it.each([
    [undefined, 'unsigned'],
    ['', 'unsigned'],
    ['garbage', 'malformed'],
    [`t=${NOW_S}`, 'malformed'],
    [`v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=soon,v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${NOW_S},v1=zz`, 'malformed'],
  ])('refuses the header %j as %s', (header, reason) => {
    expect(check(header)).toEqual({ ok: false, reason });
  });

  it('reads secrets from both variables, comma-separated, without blanks or repeats', () => {
    expect(
      webhookSecrets({
        CALLOPS_WEBHOOK_SECRETS: ` ${SECRET} ,${OLD_SECRET},`,
        CALLOPS_WEBHOOK_SECRET: SECRET,
      }),
    ).toEqual([SECRET, OLD_SECRET]);
    expect(webhookSecrets({})).toEqual([]);
  });
});

describe('the receiver', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const start = async (known: Record<string, string> = { [SID]: 'sim/a' }) => {
    const recorded: Observation[] = [];
    const batches: (() => void)[] = [];
    const logs: string[] = [];
    const logWaiters: ((line: string) => void)[] = [];
    // The state the statuses land in: a placed entry for each known sid.
    let lock: Lockfile = {
      lockfileVersion: 1,
      calls: Object.fromEntries(
        Object.entries(known).map(([sid, key]) => [
          key,
          { status: 'placed', sid, at: '2026-11-24T10:00:00.000Z', definition: 'd', file: 'f' },
        ]),
      ),
    };
    receiver = await startReceiver({
      host: '127.0.0.1',
      spool,
      port: 0,
      secrets: [SECRET, OLD_SECRET],
      keysOf: async (sids) =>
        new Map(
          sids.flatMap((sid) =>
            known[sid] === undefined ? [] : [[sid, known[sid] as string] as const],
          ),
        ),
      record: async (updates) => {
        recorded.push(...updates);
        const next = withOutcomes(lock, updates);
        lock = next.lock;
        for (const done of batches.splice(0)) done();
        return next.changed;
      },
      log: (line) => {
        logs.push(line);
        for (const seen of logWaiters.splice(0)) seen(line);
      },
      batchMs: 5,
      retryMs: 20,
    });
    const url = receiver.url;
    const post = (text: string, headers: Record<string, string> = {}) =>
      send(url, {
        method: 'POST',
        path: '/status',
        body: text,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const signed = (text: string, secret = SECRET) =>
      post(text, {
        'jambonz-signature': jambonzSignature(secret, Math.floor(Date.now() / 1000), text),
      });
    const nextBatch = () => new Promise<void>((r) => batches.push(r));
    const nextLog = () => new Promise<string>((r) => logWaiters.push(r));
    return { recorded, logs, post, signed, nextBatch, nextLog, lock: () => lock };
  };

  it('records a signed status (204) and refuses unsigned and forged ones (401), recording nothing of them', async () => {
    const r = await start();
    expect((await r.post(body())).status).toBe(401);
    expect((await r.signed(body(), 'forged-secret')).status).toBe(401);
    const batch = r.nextBatch();
    expect((await r.signed(body(), OLD_SECRET)).status).toBe(204);
    await batch;
    expect(r.recorded).toHaveLength(1);
    expect(r.recorded[0]?.key).toBe('sim/a');
    expect(r.recorded[0]?.outcome).toMatchObject({
      status: 'busy',
      sip_status: 486,
      answered: false,
    });
    expect(r.logs.filter((l) => l.includes('refused'))).toEqual([
      'refused a request from 127.0.0.1: no Jambonz-Signature',
      'refused a request from 127.0.0.1: a Jambonz-Signature that does not match the body with any secret',
    ]);
    for (const line of r.logs) expect(line).not.toContain(SECRET);
  });

  it('survives malformed bodies with 400 and 413, and still records the next good one', async () => {
    const r = await start();
    for (const [text, status] of [
      ['{not json', 400],
      ['[]', 400],
      [JSON.stringify({ call_sid: SID }), 400],
      [body({ call_status: 'exploded' }), 400],
      [body({ sip_status: 'x' }), 400],
      [body({ call_sid: '' }), 400],
      [body({ call_sid: '   ' }), 400],
      // Not a call sid: a secret, or a line of its own that clears the screen.
      [body({ call_sid: SECRET }), 400],
      [body({ call_sid: '\u001b[2J\n receive: recorded 1 outcome: sim/a busy' }), 400],
      [body({ call_sid: `${SID}x` }), 400],
    ] as const) {
      expect((await r.signed(text)).status, text).toBe(status);
    }
    const huge = body({ pad: 'x'.repeat(MAX_BODY_BYTES) });
    expect((await r.signed(huge)).status).toBe(413);
    expect((await send(receiver?.url ?? '', { path: '/status' })).status).toBe(405);
    const batch = r.nextBatch();
    expect(
      (await r.signed(body({ call_status: 'completed', sip_status: 200, duration: 7 }))).status,
    ).toBe(204);
    await batch;
    expect(r.recorded.map((o) => o.outcome.status)).toEqual(['completed']);
  });

  it('says recorded only of what changed an entry: a status after a final one is ignored', async () => {
    const r = await start();
    let logged = r.nextLog();
    expect((await r.signed(body())).status).toBe(204);
    expect(await logged).toBe('recorded 1 outcome: sim/a busy');
    // Signed and well formed, so 204; but the call ended busy, and a status that shows no
    // answer never changes that.
    logged = r.nextLog();
    expect((await r.signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    expect(await logged).toBe(
      'ignored 1 status: sim/a no-answer (its entry holds a final outcome, which changes only to show an answer, or this one already)',
    );
    expect(r.recorded.map((o) => o.outcome.status)).toEqual(['busy', 'no-answer']);
    expect(r.logs.filter((l) => l.startsWith('recorded'))).toEqual([
      'recorded 1 outcome: sim/a busy',
    ]);
  });

  it('an answer that arrives after a final status that shows none is recorded: the call was answered', async () => {
    const r = await start();
    let logged = r.nextLog();
    expect((await r.signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    expect(await logged).toBe('recorded 1 outcome: sim/a no-answer');
    const ended = r.lock().calls['sim/a']?.outcome?.ended_at;
    // The gateway's in-progress (answered) sent before the no-answer, arriving after it.
    logged = r.nextLog();
    expect((await r.signed(body({ call_status: 'in-progress', sip_status: 200 }))).status).toBe(
      204,
    );
    expect(await logged).toBe('recorded 1 outcome: sim/a in-progress');
    expect(r.lock().calls['sim/a']?.outcome).toEqual({
      status: 'completed',
      sip_status: 200,
      duration: 0,
      answered: true,
      ended_at: ended,
    });
    // Answered and ended: nothing changes it any more.
    logged = r.nextLog();
    expect((await r.signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    expect(await logged).toMatch(/^ignored 1 status: sim\/a no-answer /);
  });

  it('a final status that shows no answer and the answer in one batch: recorded answered', async () => {
    const known: Record<string, string> = {};
    const r = await start(known);
    // Both wait in the queue (the sid is not in the state yet), so they share a batch.
    expect((await r.signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    expect((await r.signed(body({ call_status: 'in-progress', sip_status: 200 }))).status).toBe(
      204,
    );
    const batch = r.nextBatch();
    known[SID] = 'sim/a';
    await batch;
    // One outcome goes to the state: the call ended answered.
    expect(r.recorded.map((o) => o.outcome)).toEqual([
      expect.objectContaining({ status: 'completed', sip_status: 200, answered: true }),
    ]);
    expect(r.logs.filter((l) => l.startsWith('ignored'))).toEqual([]);
  });

  it('a status that arrives late never moves a call that ended back to in progress', async () => {
    const known: Record<string, string> = {};
    const r = await start(known);
    // the sid is not in the state yet (its run has not recorded it): both wait in the queue
    expect((await r.signed(body({ call_status: 'completed', sip_status: 200 }))).status).toBe(204);
    expect((await r.signed(body({ call_status: 'ringing', sip_status: 180 }))).status).toBe(204);
    const batch = r.nextBatch();
    known[SID] = 'sim/a';
    await batch;
    expect(r.recorded.map((o) => o.outcome.status)).toEqual(['completed']);
  });

  it('two final statuses of a call in one batch: the first is recorded, the later ignored', async () => {
    const known: Record<string, string> = {};
    const r = await start(known);
    // Both wait in the queue (the sid is not in the state yet), so they share a batch.
    expect((await r.signed(body({ call_status: 'completed', sip_status: 200 }))).status).toBe(204);
    expect((await r.signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    known[SID] = 'sim/a';
    while (!r.logs.some((line) => line.startsWith('ignored'))) await r.nextLog();
    expect(r.recorded.map((o) => o.outcome.status)).toEqual(['completed']);
    expect(r.logs).toContain(
      'ignored 1 status: sim/a no-answer (a final status of it came first: completed)',
    );
  });

  it('a final status that arrives while the first is being recorded is ignored, named by its key', async () => {
    const recorded: Observation[] = [];
    const logs: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => {};
    const recording = new Promise<void>((r) => {
      entered = r;
    });
    receiver = await startReceiver({
      host: '127.0.0.1',
      spool,
      port: 0,
      secrets: [SECRET],
      keysOf: async (sids) => new Map(sids.map((sid) => [sid, 'sim/a'] as const)),
      record: async (updates) => {
        entered();
        await held;
        recorded.push(...updates);
        return updates.map((o) => o.key);
      },
      log: (line) => logs.push(line),
      batchMs: 5,
    });
    const url = receiver.url;
    const signed = (text: string) =>
      send(url, {
        method: 'POST',
        path: '/status',
        body: text,
        headers: {
          'jambonz-signature': jambonzSignature(SECRET, Math.floor(Date.now() / 1000), text),
        },
      });
    expect((await signed(body())).status).toBe(204);
    await recording;
    // the busy outcome is being written: this one waits behind it and is then ignored
    expect((await signed(body({ call_status: 'no-answer', sip_status: 487 }))).status).toBe(204);
    release();
    await receiver.close();
    receiver = undefined;
    expect(recorded.map((o) => o.outcome.status)).toEqual(['busy']);
    expect(logs).toEqual([
      'recorded 1 outcome: sim/a busy',
      'ignored 1 status: sim/a no-answer (a final status of it came first: busy)',
    ]);
  });

  it('keeps what it cannot record while the state is busy, and says so once', async () => {
    let busy = 2;
    const recorded: Observation[] = [];
    const logs: string[] = [];
    let done: () => void = () => {};
    const recordedOnce = new Promise<void>((r) => {
      done = r;
    });
    receiver = await startReceiver({
      host: '127.0.0.1',
      spool,
      port: 0,
      secrets: [SECRET],
      keysOf: async () => new Map([[SID, 'sim/a']]),
      record: async (updates) => {
        if (busy-- > 0) throw new Error('callops.lock is in use');
        recorded.push(...updates);
        done();
        return updates.map((u) => u.key);
      },
      log: (line) => logs.push(line),
      batchMs: 5,
      retryMs: 10,
    });
    const text = body();
    const reply = await send(receiver.url, {
      method: 'POST',
      path: '/',
      body: text,
      headers: {
        'jambonz-signature': jambonzSignature(SECRET, Math.floor(Date.now() / 1000), text),
      },
    });
    expect(reply.status).toBe(204);
    await recordedOnce;
    expect(recorded).toHaveLength(1);
    expect(logs.filter((l) => l.startsWith('cannot record yet'))).toHaveLength(1);
  });

  it('drops a status no entry claims after UNMATCHED_TTL_MS; the line names the sid redacted', async () => {
    // A jambonz api key is a UUID: a signed status may carry it as its call_sid.
    const apiKey = '5551c0de-2b3a-4c5d-8e6f-7a8b9c0d1e2f';
    const shown = receiveLine(
      makeRedactor(
        receiveSecrets([{ name: 'VG_API_KEY', value: apiKey, always: true }], {}, [SECRET]),
      ),
    );
    let offset = 0;
    const lines: string[] = [];
    let dropped: (line: string) => void = () => {};
    const seen = new Promise<string>((r) => {
      dropped = r;
    });
    receiver = await startReceiver({
      host: '127.0.0.1',
      spool,
      port: 0,
      secrets: [SECRET],
      keysOf: async () => new Map(),
      record: async () => [],
      log: (line) => {
        const text = shown(line);
        lines.push(text);
        if (text.includes('dropped')) dropped(text);
      },
      nowMs: () => Date.now() + offset,
      batchMs: 5,
      retryMs: 10,
    });
    const text = body({ call_sid: apiKey });
    const reply = await send(receiver.url, {
      method: 'POST',
      path: '/',
      body: text,
      headers: {
        'jambonz-signature': jambonzSignature(SECRET, Math.floor(Date.now() / 1000), text),
      },
    });
    expect(reply.status).toBe(204);
    offset = UNMATCHED_TTL_MS + 1_000;
    expect(await seen).toBe(
      'receive: dropped the status of call ${VG_API_KEY}: no placed entry has that sid\n',
    );
    for (const line of lines) expect(line).not.toContain(apiKey);
  });

  it('shows a line with its secrets replaced and its control characters escaped', () => {
    const shown = receiveLine(
      makeRedactor(
        receiveSecrets([], { CALLOPS_WEBHOOK_SECRETS: `${SECRET},${OLD_SECRET}` }, [
          SECRET,
          OLD_SECRET,
        ]),
      ),
    );
    expect(shown(`cannot record yet (${OLD_SECRET}\u001b[2J\nreceive: recorded)`)).toBe(
      'receive: cannot record yet (${CALLOPS_WEBHOOK_SECRETS}\\u001b[2J\\nreceive: recorded)\n',
    );
  });
});
