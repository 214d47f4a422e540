import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../src/receive/server.js';
import { jambonzSignature } from '../../src/simulator/index.js';
import { openReceivedSpool, type ReceivedSpool } from '../../src/state/received.js';
import { ackOf, writeAck } from '../../src/state/received-ack.js';
import { send } from '../simulator/client.js';
import { tempDir } from '../state/helpers.js';

/**
 * A receiver that cannot record (another command holds the run lock) learns from the
 * acknowledgement that command writes beside its spool which of its statuses are recorded:
 * it stops counting them as waiting, and its spool (a real file here) lets them go, never
 * before they are acknowledged.
 */

const SECRET = 'whsec-acked-7e6d5c4b';

interface SpoolLine {
  readonly sid: string;
  readonly n?: number;
  readonly outcome?: { readonly status: string };
}

/** The statuses the spool holds now, as a recorder reads them (its first line names it). */
const linesOf = async (spool: ReceivedSpool): Promise<SpoolLine[]> =>
  (await readFile(spool.path, 'utf8'))
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SpoolLine);

describe('a receiver beside a command that records its spool', () => {
  let receiver: Receiver | undefined;
  let spool: ReceivedSpool | undefined;
  afterEach(async () => {
    await receiver?.close(0);
    await spool?.close();
    receiver = undefined;
    spool = undefined;
  });

  const start = async (maxQueued?: number) => {
    const dir = await tempDir();
    const opened = await openReceivedSpool(dir);
    spool = opened;
    const logs: string[] = [];
    const logWaiters: { readonly match: RegExp; readonly seen: (line: string) => void }[] = [];
    const started = await startReceiver({
      host: '127.0.0.1',
      port: 0,
      secrets: [SECRET],
      spool: opened,
      // Every call is placed, and the run lock is another's: nothing can be recorded here.
      keysOf: async (sids) => new Map(sids.map((sid) => [sid, `sim/${sid}`])),
      record: async () => {
        throw new Error('callops.lock is in use: the run lock is held by `callops run`');
      },
      log: (line) => {
        logs.push(line);
        for (const w of logWaiters.filter((w) => w.match.test(line))) {
          logWaiters.splice(logWaiters.indexOf(w), 1);
          w.seen(line);
        }
      },
      batchMs: 5,
      retryMs: 10,
      ...(maxQueued === undefined ? {} : { maxQueued }),
    });
    receiver = started;
    const post = (sid: string, status = 'busy', sip = 486) => {
      const text = JSON.stringify({
        call_sid: sid,
        call_status: status,
        sip_status: sip,
        duration: 0,
      });
      return send(started.url, {
        method: 'POST',
        path: '/status',
        body: text,
        headers: {
          'content-type': 'application/json',
          'jambonz-signature': jambonzSignature(SECRET, Math.floor(Date.now() / 1000), text),
        },
      });
    };
    const nextLog = (match: RegExp) =>
      new Promise<string>((seen) => logWaiters.push({ match, seen }));
    return { receiver: started, spool: opened, post, logs, nextLog };
  };

  it('stops counting what was acknowledged: 503 past the bound, 204 once a recorder said so', async () => {
    const r = await start(2);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    expect((await r.post(a)).status).toBe(204);
    expect((await r.post(b)).status).toBe(204);
    expect((await r.post(c)).status).toBe(503);
    const read = await linesOf(r.spool);
    expect(read.map((l) => [l.sid, l.n])).toEqual([
      [a, 1],
      [b, 2],
    ]);
    // What a command holding the run lock writes once it recorded both.
    const learned = r.nextLog(/^another command recorded/);
    await writeAck(r.spool.path, ackOf(read, () => true) ?? { upTo: 0, except: [] });
    expect(await learned).toBe(
      "another command recorded the statuses of 2 calls from this receiver's spool: they no longer wait",
    );
    expect((await r.post(c)).status).toBe(204);
    // Its spool let them go: it holds what waits, and only that.
    expect((await linesOf(r.spool)).map((l) => [l.sid, l.n])).toEqual([[c, 3]]);
  });

  it('keeps waiting, and in its spool, a status that came after the spool was read and one of a call no entry held', async () => {
    const r = await start();
    const [a, b, x] = [randomUUID(), randomUUID(), randomUUID()];
    expect((await r.post(a, 'ringing', 180)).status).toBe(204);
    expect((await r.post(b)).status).toBe(204);
    expect((await r.post(x)).status).toBe(204);
    const read = await linesOf(r.spool);
    // After the recorder read the spool: the call answered.
    expect((await r.post(a, 'completed', 200)).status).toBe(204);
    const learned = r.nextLog(/^another command recorded/);
    // The recorder found no entry with x's sid (placed elsewhere): it did not record it.
    const ack = ackOf(read, (sid) => sid !== x);
    expect(ack).toEqual({ upTo: 3, except: [x] });
    await writeAck(r.spool.path, ack ?? { upTo: 0, except: [] });
    expect(await learned).toBe(
      "another command recorded the status of 1 call from this receiver's spool: it no longer waits",
    );
    // Every status not acknowledged is still in the spool.
    const held = await linesOf(r.spool);
    expect(held.some((l) => l.sid === a && l.n === 4)).toBe(true);
    expect(held.some((l) => l.sid === x)).toBe(true);
    // Stopped while the lock is another's: it keeps exactly those two, written whole.
    const closed = await r.receiver.close(0);
    expect(closed).toMatchObject({ unrecorded: 2, kept: true });
    receiver = undefined;
    expect((await linesOf(r.spool)).map((l) => [l.sid, l.n, l.outcome?.status]).sort()).toEqual(
      [
        [a, 4, 'completed'],
        [x, 3, 'busy'],
      ].sort(),
    );
  });

  it('rewrites its spool without what was acknowledged once that is most of it', async () => {
    const r = await start();
    const sids: string[] = Array.from({ length: 70 }, () => randomUUID());
    for (const sid of sids) expect((await r.post(sid)).status).toBe(204);
    const read = await linesOf(r.spool);
    expect(read).toHaveLength(70);
    const learned = r.nextLog(/^another command recorded/);
    // Recorded all but the last two (not in the state yet when the recorder read them).
    const late = new Set(sids.slice(68));
    await writeAck(r.spool.path, ackOf(read, (sid) => !late.has(sid)) ?? { upTo: 0, except: [] });
    expect(await learned).toContain('the statuses of 68 calls');
    // Appended once the rewrite that follows the acknowledgement is done.
    const next: string = randomUUID();
    expect((await r.post(next)).status).toBe(204);
    expect((await linesOf(r.spool)).map((l) => l.sid).sort()).toEqual([...late, next].sort());
  });
});
