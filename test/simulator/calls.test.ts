import { afterEach, describe, expect, it } from 'vitest';
import {
  OUTCOMES,
  outcomeFor,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '../../src/simulator/index.js';
import { APP_SID, createCall, goodCall, json, type Reply, send } from './client.js';
import { manualClock } from './clock.js';

const MIX = { answered: 0.5, busy: 0.2, 'no-answer': 0.2, failed: 0.1 };

let running: RunningSimulator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const start = async (options: SimulatorOptions) => {
  const time = manualClock();
  const sim = await startSimulator({ clock: time.clock, ringMs: 0, talkMs: 0, ...options });
  running = sim;
  return { sim, time };
};

const get = (sim: RunningSimulator, path: string): Promise<Reply> =>
  send(sim.url, {
    path: `/v1/Accounts/${sim.accountSid}${path}`,
    headers: { authorization: `Bearer ${sim.apiKey}` },
  });

const place = async (sim: RunningSimulator, extra: Record<string, unknown> = {}) => {
  const reply = await createCall(sim, goodCall(extra));
  expect(reply.status).toBe(201);
  return json(reply) as { sid: string; callId: string };
};

const RECORD_KEYS = [
  'account_sid',
  'application_sid',
  'call_id',
  'call_sid',
  'call_status',
  'direction',
  'duration',
  'from',
  'fs_sip_address',
  'sbc_callid',
  'service_url',
  'sip_reason',
  'sip_status',
  'to',
];

describe('a simulated call lives', () => {
  it('has no record (404) until its first status, then moves trying → ringing → in-progress → completed', async () => {
    const { sim, time } = await start({ ringMs: 2000, talkMs: 3000 });
    const { sid, callId } = await place(sim, { tag: { customer: 'alice' } });
    const missing = await get(sim, `/Calls/${sid}`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('Not Found');
    expect(json(await get(sim, '/Calls'))).toEqual([]);

    time.advance(0);
    const ringing = json(await get(sim, `/Calls/${sid}`)) as Record<string, unknown>;
    expect(Object.keys(ringing).sort()).toEqual(RECORD_KEYS);
    expect(ringing).toMatchObject({
      call_sid: sid,
      call_id: callId,
      direction: 'outbound',
      from: '+15550001111',
      to: '+15550002222',
      account_sid: sim.accountSid,
      application_sid: APP_SID,
      call_status: 'ringing',
      sip_status: 180,
      sip_reason: 'Ringing',
      duration: 0,
    });
    expect(ringing).not.toHaveProperty('tag');
    // In the order the record is written: the call's fields, then its status.
    expect(Object.keys(ringing)).toEqual([
      'call_sid',
      'direction',
      'from',
      'to',
      'call_id',
      'sbc_callid',
      'account_sid',
      'application_sid',
      'service_url',
      'fs_sip_address',
      'sip_status',
      'sip_reason',
      'call_status',
      'duration',
    ]);
    expect(sim.calls()[0]?.statuses).toEqual(['trying', 'ringing']);

    time.advance(1999);
    expect(sim.calls()[0]?.record?.call_status).toBe('ringing');
    time.advance(1);
    expect(json(await get(sim, `/Calls/${sid}`))).toMatchObject({
      call_status: 'in-progress',
      sip_status: 200,
    });
    time.advance(3000);
    expect(json(await get(sim, `/Calls/${sid}`))).toMatchObject({
      call_status: 'completed',
      sip_status: 200,
      duration: 3,
      call_termination_by: 'caller',
    });
    expect(sim.calls()[0]?.statuses).toEqual(['trying', 'ringing', 'in-progress', 'completed']);
  });

  it('ends the k-th accepted call as outcomeFor(seed, k) says, with its SIP status', async () => {
    const { sim, time } = await start({ outcomes: MIX, seed: 7 });
    const n = 60;
    for (let i = 0; i < n; i++) await place(sim);
    await createCall(sim, goodCall({ from: '' })); // refused: draws nothing
    time.advance(0);
    const calls = sim.calls();
    expect(calls).toHaveLength(n);
    const expected = calls.map((c) => outcomeFor(7, c.k, MIX));
    expect(calls.map((c) => c.k)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(calls.map((c) => c.outcome)).toEqual(expected);
    // a mix this size shows every outcome
    expect(new Set(expected)).toEqual(new Set(OUTCOMES));
    const finals: Record<string, [string[], number]> = {
      answered: [['trying', 'ringing', 'in-progress', 'completed'], 200],
      busy: [['trying', 'ringing', 'busy'], 486],
      'no-answer': [['trying', 'ringing', 'no-answer'], 487],
      failed: [['trying', 'failed'], 503],
    };
    for (const call of calls) {
      const [statuses, sip] = finals[call.outcome] ?? [[], 0];
      expect(call.statuses).toEqual(statuses);
      expect(call.record?.sip_status).toBe(sip);
      expect(call.cdr?.answered).toBe(call.outcome === 'answered');
    }
  });

  it('draws the same outcomes for the same seed in a new simulator, other ones for another seed', async () => {
    const outcomes = async (seed: number) => {
      const sim = await startSimulator({ outcomes: MIX, seed, ringMs: 0, talkMs: 0 });
      try {
        for (let i = 0; i < 30; i++) await place(sim);
        return sim.calls().map((c) => c.outcome);
      } finally {
        await sim.close();
      }
    };
    const first = await outcomes(42);
    expect(first).toHaveLength(30);
    expect(await outcomes(42)).toEqual(first);
    expect(await outcomes(43)).not.toEqual(first);
  });

  it('keeps the record an hour (settable) after its final status, then answers 404', async () => {
    const { sim, time } = await start({ recordTtlMs: 600_000 });
    const { sid } = await place(sim);
    time.advance(0);
    expect(sim.calls()[0]?.record?.call_status).toBe('completed');
    time.advance(599_999);
    expect((await get(sim, `/Calls/${sid}`)).status).toBe(200);
    expect(json(await get(sim, '/Calls'))).toHaveLength(1);
    time.advance(1);
    expect((await get(sim, `/Calls/${sid}`)).status).toBe(404);
    expect(json(await get(sim, '/Calls'))).toEqual([]);
    // the call detail record stays
    const recent = json(await get(sim, '/RecentCalls?page=1&count=25')) as { total: number };
    expect(recent.total).toBe(1);
  });

  it('without keepHistory, forgets a call once its record expired, keeping its CDR and the draw count', async () => {
    const { sim, time } = await start({
      recordTtlMs: 1000,
      keepHistory: false,
      outcomes: MIX,
      seed: 7,
    });
    const first = [await place(sim), await place(sim), await place(sim)];
    time.advance(0);
    expect(sim.calls().map((c) => c.k)).toEqual([1, 2, 3]);
    time.advance(999);
    await place(sim);
    // Not expired yet: nothing forgotten.
    expect(sim.calls().map((c) => c.k)).toEqual([1, 2, 3, 4]);
    time.advance(1);
    const { sid } = await place(sim);
    // The first three expired before the fifth was accepted; the fourth ended at 999.
    expect(sim.calls().map((c) => c.k)).toEqual([4, 5]);
    expect(sim.calls().map((c) => c.outcome)).toEqual([
      outcomeFor(7, 4, MIX),
      outcomeFor(7, 5, MIX),
    ]);
    expect((await get(sim, `/Calls/${first[0]?.sid}`)).status).toBe(404);
    time.advance(0);
    expect((await get(sim, `/Calls/${sid}`)).status).toBe(200);
    const recent = json(await get(sim, '/RecentCalls?page=1&count=25')) as {
      total: number;
      data: { call_sid: string }[];
    };
    expect(recent.total).toBe(5);
    expect(recent.data.map((c) => c.call_sid).slice(2)).toEqual(first.map((c) => c.sid).reverse());
    expect(recent.data[0]?.call_sid).toBe(sid);
  });

  it('defaults the record lifetime to one hour', async () => {
    const { sim, time } = await start({});
    const { sid } = await place(sim);
    time.advance(3_600_000 - 1);
    expect((await get(sim, `/Calls/${sid}`)).status).toBe(200);
    time.advance(1);
    expect((await get(sim, `/Calls/${sid}`)).status).toBe(404);
  });

  it('on close, cancels every pending status change', async () => {
    const { sim, time } = await start({ ringMs: 60_000 });
    await place(sim);
    await place(sim);
    time.advance(0);
    expect(time.pending()).toBe(2);
    await sim.close();
    expect(time.pending()).toBe(0);
    time.advance(120_000);
    expect(sim.calls().map((c) => c.statuses.at(-1))).toEqual(['ringing', 'ringing']);
  });
});

describe('GET /Calls', () => {
  it('lists records with the direction, from, to and callStatus filters', async () => {
    const { sim, time } = await start({ ringMs: 1000 });
    const a = await place(sim);
    const b = await place(sim, {
      from: '+15559990000',
      to: { type: 'sip', sipUri: 'sip:b@x.org' },
    });
    const c = await place(sim, { to: { type: 'user', name: 'carol' } });
    time.advance(0);
    const list = async (query: string) =>
      (json(await get(sim, `/Calls${query}`)) as { call_sid: string }[]).map((r) => r.call_sid);
    expect(await list('')).toEqual([a.sid, b.sid, c.sid]);
    expect(await list('?from=%2B15559990000')).toEqual([b.sid]);
    expect(await list('?to=sip:b@x.org')).toEqual([b.sid]);
    expect(await list('?to=carol')).toEqual([c.sid]);
    expect(await list('?to=%2B15550002222&direction=outbound')).toEqual([a.sid]);
    expect(await list('?direction=inbound')).toEqual([]);
    expect(await list('?callStatus=ringing')).toEqual([a.sid, b.sid, c.sid]);
    expect(await list('?callStatus=completed')).toEqual([]);
    time.advance(1000);
    expect(await list('?callStatus=completed')).toEqual([a.sid, b.sid, c.sid]);
  });

  it('needs the token and the account, as create-call does', async () => {
    const { sim } = await start({});
    const { sid } = await place(sim);
    for (const path of ['/Calls', `/Calls/${sid}`, '/RecentCalls?page=1&count=25']) {
      const url = `/v1/Accounts/${sim.accountSid}${path}`;
      const none = await send(sim.url, { path: url });
      expect(none.status).toBe(401);
      expect(none.headers['content-type']).toBeUndefined();
      expect(none.headers['www-authenticate']).toBe('Bearer realm="Users"');
      const wrong = await send(sim.url, { path: url, headers: { authorization: 'Bearer no' } });
      expect(wrong.headers['www-authenticate']).toBe('Bearer realm="Users", error="invalid_token"');
      const other = url.replace(sim.accountSid, '2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e');
      const forbidden = await send(sim.url, {
        path: other,
        headers: { authorization: `Bearer ${sim.apiKey}` },
      });
      expect(forbidden.status).toBe(403);
    }
  });
});

describe('GET /RecentCalls', () => {
  it('answers 400 without a page or a count up to 500', async () => {
    const { sim } = await start({});
    for (const [query, msg] of [
      ['', 'missing or invalid "page" query arg'],
      ['?count=25', 'missing or invalid "page" query arg'],
      ['?page=0&count=25', 'missing or invalid "page" query arg'],
      ['?page=1', 'missing or invalid "count" query arg'],
      ['?page=1&count=501', 'missing or invalid "count" query arg'],
    ] as const) {
      const reply = await get(sim, `/RecentCalls${query}`);
      expect(reply.status).toBe(400);
      expect(json(reply)).toEqual({ msg });
    }
    expect((await get(sim, '/RecentCalls?page=1&count=500')).status).toBe(200);
  });

  it('lists call detail records once a call hung up, newest first, filtered and paged', async () => {
    const { sim, time } = await start({
      outcomes: { answered: 0.5, busy: 0.5, 'no-answer': 0, failed: 0 },
      seed: 3,
      ringMs: 1000,
      talkMs: 4000,
    });
    const a = await place(sim);
    time.advance(0);
    const b = await place(sim, { from: '+15559990000', to: { type: 'phone', number: '+4930123' } });
    const empty = json(await get(sim, '/RecentCalls?page=1&count=25'));
    expect(empty).toEqual({ total: 0, page_size: '25', page: '1', data: [] });
    time.advance(10_000);
    const page = json(await get(sim, '/RecentCalls?page=1&count=25')) as {
      total: number;
      data: Record<string, unknown>[];
    };
    expect(page.total).toBe(2);
    expect(page.data.map((d) => d.call_sid)).toEqual([b.sid, a.sid]);
    const [first] = page.data;
    expect(Object.keys(first ?? {}).sort()).toEqual([
      'answered',
      'application_sid',
      'attempted_at',
      'call_sid',
      'direction',
      'duration',
      'from',
      'sip_callid',
      'sip_status',
      'terminated_at',
      'termination_reason',
      'to',
      'trunk',
    ]);
    for (const cdr of page.data) {
      const call = sim.calls().find((c) => c.call_sid === cdr.call_sid);
      expect(cdr).toEqual(call?.cdr);
      const answered = call?.outcome === 'answered';
      expect(cdr).toMatchObject({
        answered,
        sip_status: answered ? 200 : 486,
        duration: answered ? 4 : 0,
        termination_reason: answered ? 'called party hungup' : 'failed',
        direction: 'outbound',
        application_sid: APP_SID,
      });
      const attempted = Date.parse(String(cdr.attempted_at));
      const terminated = Date.parse(String(cdr.terminated_at));
      expect(terminated - attempted).toBe(answered ? 5000 : 1000);
    }
    const only = async (query: string) =>
      (
        json(await get(sim, `/RecentCalls?page=1&count=25&${query}`)) as {
          data: { call_sid: string }[];
        }
      ).data.map((d) => d.call_sid);
    expect(await only(`filter=${a.sid}`)).toEqual([a.sid]);
    expect(await only('filter=4930123')).toEqual([b.sid]);
    expect(await only('filter=15559990000')).toEqual([b.sid]);
    expect(await only('filter=nobody')).toEqual([]);
    const second = json(await get(sim, '/RecentCalls?page=2&count=1')) as {
      total: number;
      data: { call_sid: string }[];
    };
    expect(second.total).toBe(2);
    expect(second.data.map((d) => d.call_sid)).toEqual([a.sid]);
  });
});
