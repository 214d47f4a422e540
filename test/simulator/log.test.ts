import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { createCall, goodCall, json } from './client.js';

let dir: string;
let logFile: string;
let sim: RunningSimulator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'callops-sim-'));
  logFile = join(dir, 'calls.jsonl');
  sim = await startSimulator({ logFile });
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const allLines = async (): Promise<Record<string, unknown>[]> => {
  const text = await readFile(logFile, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

/** The create-call lines (status lines carry `event`, create-call lines never do). */
const logLines = async (): Promise<Record<string, unknown>[]> =>
  (await allLines()).filter((line) => !('event' in line));

describe('the call log', () => {
  it('records an accepted call with its ids and the body as received', async () => {
    const body = goodCall({ tag: { customer: 'alice' }, account_sid: 'whatever' });
    const reply = await createCall(sim, body);
    const ids = json(reply) as { sid: string; callId: string };
    const [line, ...rest] = await logLines();
    expect(rest).toEqual([]);
    expect(Object.keys(line ?? {})).toEqual([
      'at',
      'account_sid',
      'status',
      'sid',
      'callId',
      'body',
    ]);
    expect(line).toMatchObject({ account_sid: sim.accountSid, status: 201, ...ids, body });
    expect(new Date(String(line?.at)).toISOString()).toBe(line?.at);
    expect(sim.received()).toEqual([line]);
  });

  it('keeps no request in memory with keepHistory: false, and still counts and logs each', async () => {
    const file = join(dir, 'unkept.jsonl');
    const unkept = await startSimulator({ logFile: file, keepHistory: false });
    try {
      await createCall(unkept, goodCall());
      await createCall(unkept, goodCall({ from: '' }));
      expect(unkept.received()).toEqual([]);
      expect(unkept.receivedCount()).toBe(2);
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      const requests = lines
        .map((l) => JSON.parse(l) as { status?: number; event?: string })
        .filter((l) => l.event === undefined);
      expect(requests.map((l) => l.status)).toEqual([201, 400]);
    } finally {
      await unkept.close();
    }
    expect(sim.receivedCount()).toBe(0);
  });

  it('records refused requests without ids, and unparsable bodies as text', async () => {
    await createCall(sim, goodCall({ from: '' }));
    await createCall(sim, undefined, { raw: '{"from": ' });
    await createCall(sim, goodCall(), { headers: { authorization: 'Bearer wrong' } });
    await createCall(sim, goodCall(), { account: 'AC1' });
    const lines = await logLines();
    expect(lines.map((l) => l.status)).toEqual([400, 400, 401, 400]);
    expect(lines.map((l) => l.account_sid)).toEqual([
      sim.accountSid,
      sim.accountSid,
      sim.accountSid,
      'AC1',
    ]);
    expect(lines[1]?.body).toBe('{"from": ');
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['at', 'account_sid', 'status', 'body']);
      expect(line).not.toHaveProperty('sid');
      expect(line).not.toHaveProperty('callId');
    }
    expect(sim.received()).toEqual(lines);
  });

  it('never writes the Authorization header or the key', async () => {
    await createCall(sim, goodCall());
    await createCall(sim, goodCall(), { headers: { authorization: 'Bearer s3cr3t-wrong-key' } });
    const text = await readFile(logFile, 'utf8');
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text).not.toContain('Bearer');
    expect(text).not.toContain(sim.apiKey);
    expect(text).not.toContain('s3cr3t-wrong-key');
  });

  it('gives every accepted call its own sid and callId, and keeps whole lines under load', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const n = 200;
      const replies = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          createCall(sim, goodCall({ tag: { i, pad: 'x'.repeat(2000) } }), { agent }),
        ),
      );
      expect(replies.every((r) => r.status === 201)).toBe(true);
      const ids = replies.map((r) => json(r) as { sid: string; callId: string });
      expect(new Set(ids.flatMap((id) => [id.sid, id.callId])).size).toBe(2 * n);
      const lines = await logLines();
      expect(lines).toHaveLength(n);
      expect(new Set(lines.map((l) => (l.body as { tag: { i: number } }).tag.i)).size).toBe(n);
      expect(new Set(lines.map((l) => l.sid))).toEqual(new Set(ids.map((id) => id.sid)));
    } finally {
      agent.destroy();
    }
  });

  it('appends to an existing log file', async () => {
    await createCall(sim, goodCall());
    await sim.close();
    sim = await startSimulator({ logFile });
    await createCall(sim, goodCall());
    expect(await logLines()).toHaveLength(2);
    expect(sim.received()).toHaveLength(1);
  });
});

describe('without a log file', () => {
  it('still keeps the records in memory', async () => {
    const bare = await startSimulator();
    try {
      await createCall(bare, goodCall());
      await createCall(bare, {});
      expect(bare.received().map((r) => r.status)).toEqual([201, 400]);
    } finally {
      await bare.close();
    }
  });
});
