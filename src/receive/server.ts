import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { outcomeFromRecord, recordOf } from '../execute/evidence.js';
import type { Observation, RecordObservations } from '../execute/observe.js';
import { isCallSid } from '../execute/policy.js';
import { checkOutcome, isFinalOutcome, outcomeAfter } from '../state/outcome.js';
import type { CallOutcome } from '../state/types.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/**
 * A receiver for the application's call_status_hook. Only a request signed with one of the
 * secrets is looked at; its status is queued by call sid and recorded through the same path
 * as `status --refresh`, in batches. A sid the state does not know yet (the run that placed
 * it has not recorded it) waits in the queue for a while; the state being busy (another run
 * holds the lock) is waited out.
 */

/** The largest body read: a status hook body is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** An unknown sid waits this long for its entry before it is dropped. */
export const UNMATCHED_TTL_MS = 10 * 60_000;
/** Statuses waiting at most (the oldest go first past it). */
export const MAX_QUEUED = 10_000;

export interface ReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly secrets: readonly string[];
  /** The lockfile keys of these sids, where known. */
  readonly keysOf: (sids: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  readonly record: RecordObservations;
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
}

export interface Receiver {
  readonly url: string;
  /** Stops listening, records what is queued one last time; how many stayed unrecorded. */
  close(): Promise<number>;
}

interface Queued {
  readonly outcome: CallOutcome;
  readonly sinceMs: number;
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
  const queue = new Map<string, Queued>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let busyNoted = false;

  const schedule = (ms: number) => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
  };

  const flushOnce = async (): Promise<void> => {
    if (queue.size === 0) return;
    const sids = [...queue.keys()];
    const keys = await options.keysOf(sids);
    const batch: Observation[] = [];
    const sent = new Map<string, Queued>();
    for (const sid of sids) {
      const key = keys.get(sid);
      const queued = queue.get(sid);
      if (queued === undefined) continue;
      if (key !== undefined) {
        batch.push({ key, outcome: queued.outcome });
        sent.set(sid, queued);
      } else if (nowMs() - queued.sinceMs > UNMATCHED_TTL_MS) {
        queue.delete(sid);
        const count = 1 + queued.later.length;
        options.log(
          `dropped ${count === 1 ? 'the status' : `${count} statuses`} of call ${sid}: no placed entry has that sid`,
        );
      }
    }
    if (batch.length === 0) return;
    const changed = new Set(await options.record(batch));
    busyNoted = false;
    for (const [sid, queued] of sent) {
      // A newer status that arrived meanwhile stays queued.
      if (queue.get(sid) === queued) queue.delete(sid);
    }
    // Only what changed an entry was recorded: a final outcome is never changed, and the
    // same outcome twice changes nothing.
    const recorded = batch.filter((o) => changed.has(o.key));
    const ignored = batch.filter((o) => !changed.has(o.key));
    if (recorded.length > 0) options.log(`recorded ${listed(recorded, 'outcome')}`);
    if (ignored.length > 0) {
      options.log(
        `ignored ${listed(ignored, 'status', 'statuses')} (its entry holds a final outcome, which never changes, or this one already)`,
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

  const flush = (): Promise<void> => {
    flushing ??= flushOnce()
      .catch((error: unknown) => {
        if (!busyNoted) {
          busyNoted = true;
          options.log(
            `cannot record yet (${error instanceof Error ? error.message : String(error)}); trying again`,
          );
        }
      })
      .finally(() => {
        flushing = undefined;
        if (queue.size > 0) schedule(options.retryMs ?? 1_000);
      });
    return flushing;
  };

  const enqueue = (sid: string, received: CallOutcome): void => {
    const current = queue.get(sid);
    // How a call ended is settled by its first final status, as in the lockfile: a later one
    // in the same batch (a retried or forged hook) neither replaces it nor moves it back.
    if (current && isFinalOutcome(current.outcome.status)) {
      current.later.push(received);
      return;
    }
    // A status that follows one still queued takes what the lockfile would take from the
    // two: an answer is never lost, nor replaced by an earlier status arriving late.
    const outcome = current === undefined ? received : outcomeAfter(current.outcome, received);
    if (outcome === undefined) return;
    if (!current && queue.size >= MAX_QUEUED) {
      const oldest = queue.keys().next().value;
      if (oldest !== undefined) queue.delete(oldest);
    }
    queue.set(sid, { outcome, sinceMs: current?.sinceMs ?? nowMs(), later: [] });
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
    enqueue(record.call_sid, outcome);
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
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await flushing;
      await flush();
      return queue.size;
    },
  };
};
