import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { outcomeFromRecord, recordOf } from '../execute/evidence.js';
import type { Observation, RecordObservations } from '../execute/observe.js';
import { isCallSid } from '../execute/policy.js';
import { addressKey } from '../screen/number.js';
import { checkOutcome, isFinalOutcome, outcomeAfter } from '../state/outcome.js';
import type { ReceivedSpool, ReceivedStatus } from '../state/received.js';
import type { CallOutcome } from '../state/types.js';
import { dropAcknowledged } from './acked.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/**
 * A receiver for the application's call_status_hook. Only a request signed with one of the
 * secrets is looked at; its status is queued by call sid and recorded through the same path
 * as `status --refresh`, in batches. A sid the state does not know yet (the run that placed
 * it has not recorded it) waits in the queue for a while; the state being busy (another run
 * holds the lock) is waited out.
 *
 * The invariant: a status is answered 204 only once it is durable in the spool (see
 * state/received.ts), and it leaves the spool only once it is recorded or dropped. So what
 * was answered 204 is never lost, whenever the receiver stops: what it could not record
 * stays in the spool, and the next command that takes the run lock records it. A command that
 * records the spool while this receiver runs (a `run` holding the lock) acknowledges what it
 * recorded once that is durable; at each try the receiver reads that and drops those statuses
 * from what waits (./acked.ts), and so from its spool at its next rewrite. Once the state
 * moved away from where it records (`movedAway`), it records nothing more and keeps what it
 * accepts in the spool: a receiver started where the state now lives takes it over.
 */

/** The largest body read: a status hook body is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** An unknown sid waits this long for its entry before it is dropped. */
export const UNMATCHED_TTL_MS = 10 * 60_000;
/** Calls whose statuses wait at most: a status of another call is then answered 503. */
export const MAX_QUEUED = 10_000;
/** How long a receiver asked to stop goes on trying to record what waits (default). */
export const STOP_WAIT_MS = 10_000;

/** Where accepted statuses are kept until recorded (state/received.ts's ReceivedSpool). */
export type Spool = Pick<ReceivedSpool, 'append' | 'compact' | 'acked'>;

export interface ReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly secrets: readonly string[];
  /**
   * The lockfile keys of these sids, where known: not of a sid whose status names another
   * number (`numbers`, addressKey of each status's `to`) than its entry dialled.
   */
  readonly keysOf: (
    sids: readonly string[],
    numbers: ReadonlyMap<string, string>,
  ) => Promise<ReadonlyMap<string, string>>;
  readonly record: RecordObservations;
  /** Each status is durable here before it is answered 204. */
  readonly spool: Spool;
  /**
   * Whether a call sid is or holds a known secret (the api key of a target may be a UUID):
   * such a status is refused 400, never written to the spool nor quoted.
   */
  readonly holdsSecret?: (text: string) => boolean;
  /** Statuses a receiver that is gone kept and did not record: taken into the queue first. */
  readonly adopted?: readonly ReceivedStatus[];
  /**
   * One line for the person watching (never a body). It may quote a sid or a key as it came:
   * the caller redacts and escapes it (receiveLine).
   */
  readonly log: (line: string) => void;
  readonly nowMs?: () => number;
  /** Between a status arriving and its batch being recorded (default 200 ms). */
  readonly batchMs?: number;
  /** Between tries while statuses wait (default 1 s). */
  readonly retryMs?: number;
  /** In place of MAX_QUEUED (a test's failpoint: see ./failpoint.ts). */
  readonly maxQueued?: number;
  /**
   * Looked at before each batch is recorded: why the state is no longer where this receiver
   * records (`state push` moved it to a database), undefined while it is. Once it says so,
   * the receiver records nothing more: it goes on keeping what it accepts in its spool, for
   * a receiver started where the state now lives (or the next command there) to record.
   */
  readonly movedAway?: () => Promise<string | undefined>;
}

export interface Receiver {
  readonly url: string;
  /**
   * Stops listening and records what is queued, trying again for up to `waitMs` (default
   * STOP_WAIT_MS) while the state is busy; how many stayed unrecorded (the spool is then
   * written with them), and how many of those are of calls no placed entry held at the last
   * try.
   */
  close(waitMs?: number): Promise<{
    readonly unrecorded: number;
    readonly unmatched: number;
    /** What stayed unrecorded is on disk (false only when the spool could not be written). */
    readonly kept: boolean;
    /** Why recording stopped: the state moved away (ReceiverOptions' `movedAway`). */
    readonly movedAway?: string;
  }>;
}

interface Queued {
  readonly outcome: CallOutcome;
  /** What its status named as its destination (ReceivedStatus's `number`). */
  readonly number?: string;
  readonly sinceMs: number;
  /** The spool's number of the latest status taken into `outcome` (ReceivedStatus's `n`). */
  readonly n: number;
  /** Statuses that came after a final one: ignored, and said so once the call is named. */
  readonly later: CallOutcome[];
}

const answer = (res: ServerResponse, status: number, text?: string): void => {
  if (text === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
};

/** The body, or undefined when it is larger than MAX_BODY_BYTES (the rest is not read). */
const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** Why a request was refused, as the log says it. */
const REFUSALS = {
  unsigned: 'no Jambonz-Signature',
  malformed: 'a malformed Jambonz-Signature',
  expired: 'a Jambonz-Signature more than 300 s away from now',
  mismatch: 'a Jambonz-Signature that does not match the body with any secret',
} as const;

/** `2 outcomes: sim/a busy, sim/b completed`, the first five named. */
const listed = (batch: readonly Observation[], one: string, many = `${one}s`): string => {
  const shown = batch.slice(0, 5).map((o) => `${o.key} ${o.outcome.status}`);
  return `${batch.length} ${batch.length === 1 ? one : many}: ${shown.join(', ')}${batch.length > 5 ? ', …' : ''}`;
};

export const startReceiver = async (options: ReceiverOptions): Promise<Receiver> => {
  const nowMs = options.nowMs ?? Date.now;
  const maxQueued = options.maxQueued ?? MAX_QUEUED;
  const queue = new Map<string, Queued>();
  /** The number of the last status written to the spool. */
  let numbered = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let busyNoted = false;
  /** The last try to record failed (the state was busy or could not be reached). */
  let busy = false;
  /** The queue was said to be full (said again once it had room). */
  let fullNoted = false;
  /** Why nothing more is recorded: the state moved away from where this receiver records. */
  let away: string | undefined;
  /** Queued sids no placed entry held at the last try. */
  const unmatched = new Set<string>();
  /** What the spool must keep: every status not recorded yet. */
  const pending = (): ReceivedStatus[] =>
    [...queue].map(([sid, q]) => ({
      sid,
      at: new Date(q.sinceMs).toISOString(),
      n: q.n,
      ...(q.number === undefined ? {} : { number: q.number }),
      outcome: q.outcome,
    }));

  const schedule = (ms: number) => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
  };

  /** Whether the state moved away; said once, as it is found. */
  const lookAway = async (): Promise<boolean> => {
    if (away !== undefined) return true;
    const moved = await options.movedAway?.();
    if (moved === undefined) return false;
    away = moved;
    busy = false;
    options.log(moved);
    return true;
  };

  const flushOnce = async (): Promise<void> => {
    if (queue.size === 0) return;
    // Recorded where the state no longer is, an outcome would be lost to it.
    if (await lookAway()) return;
    const sids = [...queue.keys()];
    const numbers = new Map<string, string>();
    for (const [sid, q] of queue) if (q.number !== undefined) numbers.set(sid, q.number);
    const keys = await options.keysOf(sids, numbers);
    const batch: Observation[] = [];
    const sent = new Map<string, Queued>();
    unmatched.clear();
    for (const sid of sids) {
      const key = keys.get(sid);
      const queued = queue.get(sid);
      if (queued === undefined) continue;
      if (key === undefined) unmatched.add(sid);
      if (key !== undefined) {
        batch.push({ key, outcome: queued.outcome });
        sent.set(sid, queued);
      } else if (nowMs() - queued.sinceMs > UNMATCHED_TTL_MS) {
        queue.delete(sid);
        unmatched.delete(sid);
        const count = 1 + queued.later.length;
        options.log(
          `dropped ${count === 1 ? 'the status' : `${count} statuses`} of call ${sid}: no placed entry has that sid`,
        );
      }
    }
    if (batch.length === 0) return;
    const changed = new Set(await options.record(batch));
    busyNoted = false;
    busy = false;
    for (const [sid, queued] of sent) {
      // A newer status that arrived meanwhile stays queued.
      if (queue.get(sid) === queued) queue.delete(sid);
    }
    // Only what changed an entry was recorded: a final outcome is never changed (save by
    // evidence of an answer), and the same outcome twice changes nothing.
    const recorded = batch.filter((o) => changed.has(o.key));
    const ignored = batch.filter((o) => !changed.has(o.key));
    if (recorded.length > 0) options.log(`recorded ${listed(recorded, 'outcome')}`);
    if (ignored.length > 0) {
      options.log(
        `ignored ${listed(ignored, 'status', 'statuses')} (its entry holds a final outcome, which changes only to show an answer, or this one already)`,
      );
    }
    // Named by key, as above, also when the later status came while the batch was recorded.
    for (const [sid, queued] of sent) {
      const key = keys.get(sid);
      if (key === undefined || queued.later.length === 0) continue;
      const later = queued.later.splice(0).map((outcome) => ({ key, outcome }));
      options.log(
        `ignored ${listed(later, 'status', 'statuses')} (a final status of it came first: ${queued.outcome.status})`,
      );
    }
  };

  /**
   * Drops what another command recorded from the spool and acknowledged (./acked.ts), and
   * rewrites the spool without it when worth it (here: the record that follows fails while
   * that command holds the lock).
   */
  const dropRecorded = async (): Promise<void> => {
    if (queue.size === 0) return;
    const ack = await options.spool.acked().catch(() => undefined);
    if (ack === undefined) return;
    const dropped = dropAcknowledged(queue, ack);
    for (const sid of dropped) unmatched.delete(sid);
    if (dropped.length === 0) return;
    const n = dropped.length;
    options.log(
      `another command recorded ${n === 1 ? 'the status of 1 call' : `the statuses of ${n} calls`} from this receiver's spool: ${n === 1 ? 'it no longer waits' : 'they no longer wait'}`,
    );
    await compact();
  };

  const flush = (): Promise<void> => {
    flushing ??= dropRecorded()
      .then(flushOnce)
      .then(() => compact())
      .catch(async (error: unknown) => {
        // The state moved between the look and the record (the file store then refuses).
        if (await lookAway().catch(() => false)) return;
        busy = true;
        if (!busyNoted) {
          busyNoted = true;
          options.log(
            `cannot record yet (${error instanceof Error ? error.message : String(error)}); trying again`,
          );
        }
      })
      .finally(() => {
        flushing = undefined;
        if (queue.size > 0 && away === undefined) schedule(options.retryMs ?? 1_000);
      });
    return flushing;
  };

  /**
   * The spool rewritten with what is still queued, once it holds mostly what was recorded.
   * A failure leaves the older spool, which holds all that is queued and more: harmless.
   */
  const compact = async (force = false): Promise<void> => {
    await options.spool.compact(pending, force).catch((error: unknown) => {
      options.log(
        `could not rewrite the spool (${error instanceof Error ? error.message : String(error)}); it keeps what it held`,
      );
    });
  };

  const enqueue = (
    sid: string,
    received: CallOutcome,
    n: number,
    sinceMs = nowMs(),
    number?: string,
  ): void => {
    const current = queue.get(sid);
    // A status that follows one still queued takes what the lockfile would take from the
    // two: an answer is never lost, in whichever order it came, nor replaced by an earlier
    // status arriving late.
    const outcome = current === undefined ? received : outcomeAfter(current.outcome, received);
    if (outcome === undefined) {
      // How a call ended is settled by its first final status, as in the lockfile: a later
      // one in the same batch (a retried or forged hook) neither replaces it nor moves it
      // back, and is said to be ignored.
      if (current && isFinalOutcome(current.outcome.status)) current.later.push(received);
      return;
    }
    const named = current?.number ?? number;
    queue.set(sid, {
      outcome,
      ...(named === undefined ? {} : { number: named }),
      sinceMs: current?.sinceMs ?? sinceMs,
      n,
      later: current?.later ?? [],
    });
    schedule(options.batchMs ?? 200);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, 'only POST');
      req.resume();
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      answer(res, 413, 'body too large');
      return;
    }
    const header = req.headers[SIGNATURE_HEADER];
    const verdict = verifySignature(
      Array.isArray(header) ? header[0] : header,
      body,
      options.secrets,
      Math.floor(nowMs() / 1000),
    );
    if (!verdict.ok) {
      options.log(
        `refused a request from ${req.socket.remoteAddress ?? '?'}: ${REFUSALS[verdict.reason]}`,
      );
      answer(res, 401, 'bad or missing Jambonz-Signature');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      answer(res, 400, 'the body is not JSON');
      return;
    }
    const record = recordOf(parsed);
    const outcome = record && outcomeFromRecord(record, new Date(nowMs()));
    if (record === undefined || outcome === undefined) {
      answer(res, 400, 'the body has no call_sid, known call_status and sip_status');
      return;
    }
    // What the lockfile reader would refuse (a sip_status of 486.5 or 99999) is refused here,
    // by the same check: recorded, it would make the state unreadable for every command.
    const unfit = checkOutcome(outcome, true);
    if (unfit !== undefined) {
      answer(res, 400, `the status cannot be recorded: its outcome ${unfit}`);
      return;
    }
    // The gateway's call sids are UUIDs, and only they can match a placed entry: anything
    // else (a secret, control characters) is refused here rather than queued for ten
    // minutes and then quoted in the log.
    if (!isCallSid(record.call_sid)) {
      answer(res, 400, 'the call_sid is not a call sid (a UUID)');
      return;
    }
    // No placed entry holds a sid that holds a secret (a 201 whose sid holds one is
    // `unknown`), and the spool must not hold one.
    if (options.holdsSecret?.(record.call_sid) === true) {
      answer(res, 400, 'the call_sid holds a secret: no placed call has it');
      return;
    }
    // Nothing answered 204 is ever dropped to make room: past the bound, a status of
    // another call is refused, and the gateway is told.
    if (!queue.has(record.call_sid) && queue.size >= maxQueued) {
      if (!fullNoted) {
        fullNoted = true;
        options.log(
          `${maxQueued} calls' statuses wait to be recorded: statuses of other calls are answered 503 until some are`,
        );
      }
      answer(res, 503, 'too many statuses wait to be recorded; send it again later');
      return;
    }
    if (queue.size < maxQueued) fullNoted = false;
    // Queued first, so that a rewrite of the spool meanwhile keeps it; answered 204 only
    // once it is durable. Numbered in the order appended: a spool holding this line holds
    // every status still waiting with a lower number (appended before it, or in the rewrite
    // it follows), which is what an acknowledgement up to a number relies on (./acked.ts).
    const n = ++numbered;
    // Digests of where it says the call went, never the number: see ReceivedStatus.
    const number = addressKey(record.to);
    enqueue(record.call_sid, outcome, n, nowMs(), number);
    try {
      await options.spool.append(
        {
          sid: record.call_sid,
          at: new Date(nowMs()).toISOString(),
          n,
          ...(number === undefined ? {} : { number }),
          outcome,
        },
        pending,
      );
    } catch (error) {
      options.log(
        `could not keep a status on disk (${error instanceof Error ? error.message : String(error)}): answered 503`,
      );
      answer(res, 503, 'the status could not be kept; send it again');
      return;
    }
    answer(res, 204);
  };

  let closed = false;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) answer(res, 400, 'unreadable request');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (options.adopted !== undefined && options.adopted.length > 0) {
    for (const s of options.adopted) {
      const at = Date.parse(s.at);
      enqueue(s.sid, s.outcome, ++numbered, Number.isNaN(at) ? nowMs() : at, s.number);
    }
    // Durable in this receiver's spool before the caller removes those it came from.
    try {
      await options.spool.compact(pending, true);
    } catch (error) {
      if (timer !== undefined) clearTimeout(timer);
      server.close();
      throw error;
    }
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async (waitMs = STOP_WAIT_MS) => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await flushing;
      await flush();
      // The state busy (another run holds the lock, a database down): tried again a while.
      const deadline = nowMs() + waitMs;
      if (queue.size > 0 && busy && waitMs > 0) {
        const n = queue.size;
        options.log(
          `waiting up to ${Math.ceil(waitMs / 1000)} s to record ${n === 1 ? '1 status' : `${n} statuses`}`,
        );
      }
      while (queue.size > 0 && busy && nowMs() < deadline) {
        await sleep(Math.min(options.retryMs ?? 1_000, Math.max(0, deadline - nowMs())));
        await flush();
      }
      const waiting = [...unmatched].filter((sid) => queue.has(sid)).length;
      if (queue.size === 0) return { unrecorded: 0, unmatched: 0, kept: true };
      const moved = away === undefined ? {} : { movedAway: away };
      // What stays is written whole: the spool then holds exactly it, also after a write
      // that failed (answered 503) left it unsure.
      const kept = await options.spool.compact(pending, true).then(
        () => true,
        (error: unknown) => {
          options.log(
            `could not write the spool (${error instanceof Error ? error.message : String(error)})`,
          );
          return false;
        },
      );
      return { unrecorded: queue.size, unmatched: waiting, kept, ...moved };
    },
  };
};
