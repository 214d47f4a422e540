import { createHmac } from 'node:crypto';
import { type ClientRequest, request } from 'node:http';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, as jambonz signs. */
export const jambonzSignature = (secret: string, unixS: number, body: string): string =>
  `t=${unixS},v1=${createHmac('sha256', secret).update(`${unixS}.${body}`).digest('hex')}`;

export interface HookSender {
  /** Queues a POST of `payload`; a call's requests go one after the other, in order. */
  post(callSid: string, payload: unknown): void;
  /** Drops queued requests and aborts those in flight. */
  close(): void;
}

const HOOK_TIMEOUT_MS = 5000;

/**
 * Posts status changes as JSON to a loopback URL, signed when there is a secret. One try per
 * change (the gateway retries only when the hook URL asks for it); the answer is ignored.
 */
export const createHookSender = (
  url: URL,
  secret: string | undefined,
  nowMs: () => number,
): HookSender => {
  const queues = new Map<string, Promise<void>>();
  const inFlight = new Set<ClientRequest>();
  let closed = false;
  const postOnce = (payload: unknown): Promise<void> =>
    new Promise((resolve) => {
      if (closed) {
        resolve();
        return;
      }
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      };
      if (secret !== undefined) {
        headers['jambonz-signature'] = jambonzSignature(secret, Math.floor(nowMs() / 1000), body);
      }
      const req = request(url, { method: 'POST', headers, agent: false, timeout: HOOK_TIMEOUT_MS });
      inFlight.add(req);
      const done = () => {
        inFlight.delete(req);
        resolve();
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', done);
        res.on('error', done);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', done);
      req.on('close', done);
      req.end(body);
    });
  return {
    post(callSid, payload) {
      if (closed) return;
      const previous = queues.get(callSid) ?? Promise.resolve();
      const next = previous.then(() => postOnce(payload));
      queues.set(callSid, next);
      void next.then(() => {
        if (queues.get(callSid) === next) queues.delete(callSid);
      });
    },
    close() {
      closed = true;
      for (const req of inFlight) req.destroy();
      inFlight.clear();
      queues.clear();
    },
  };
};
