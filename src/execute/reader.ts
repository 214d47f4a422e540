import { Pool } from 'undici';
import {
  BACKSTOP_MS,
  CONNECT_TIMEOUT_MS,
  callsPath,
  deadlineQueue,
  describeError,
  KEEP_ALIVE_TIMEOUT_MS,
  readCapped,
  seconds,
} from './client.js';
import { type CallRecordEvidence, type CdrEvidence, cdrOf, recordOf } from './evidence.js';
import { gatewayMessage, parseRetryAfter, statusLabel } from './policy.js';
import type { ResolvedTarget } from './target.js';

/**
 * Reads back what became of calls, at the price the gateway's rate limit allows: every GET
 * counts against the same system-wide limit as create-call (600 / 5 min by default), so a
 * cycle is ONE request for the live records of all calls (GET /Calls?direction=outbound)
 * and, only for calls that ended or whose record is gone, as few pages of call detail
 * records (GET /RecentCalls, 500 a page) as reach back to the oldest call asked about —
 * never one GET per call. A 429 ends the cycle at once: what was read so far is kept, and
 * the caller is told when to come back.
 */

/** The largest answer read: a list of every live call of an account can be long. */
export const MAX_LIST_BYTES = 8 * 1024 * 1024;
/** Call detail records per page (the gateway's maximum). */
export const CDR_PAGE_SIZE = 500;
/** Pages of call detail records read at most per cycle (10 000 calls back). */
export const MAX_CDR_PAGES = 20;
/** The gateway keeps call detail records for 30 days at most. */
export const CDR_HORIZON_MS = 30 * 24 * 3_600_000;

export type ReadProblem =
  /** 429: nothing more is asked of the gateway in this cycle. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs?: number; readonly message: string }
  /** Any other failure: the answer, or why none came (already redacted). */
  | { readonly kind: 'error'; readonly message: string };

export type ReadResult<T> =
  | { readonly ok: true; readonly value: T }
  | ({ readonly ok: false } & ReadProblem);

export interface CdrPage {
  readonly data: readonly CdrEvidence[];
  /** How many records the page held, recognised or not (a short page is the last). */
  readonly size: number;
}

export interface GatewayReader {
  readonly target: string;
  /** GET /Calls?direction=outbound: the live records of every outbound call. */
  listCalls(signal?: AbortSignal): Promise<ReadResult<readonly CallRecordEvidence[]>>;
  /** GET /RecentCalls?page=N&count=500: one page of call detail records, newest first. */
  recentCalls(
    page: number,
    options?: { readonly days?: number; readonly signal?: AbortSignal },
  ): Promise<ReadResult<CdrPage>>;
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** Applied to every message that leaves the reader. */
  readonly redact: (text: string) => string;
  /** Epoch ms (default Date.now), for Retry-After given as a date. */
  readonly nowMs?: () => number;
}

export function createGatewayReader(target: ResolvedTarget, options: ReaderOptions): GatewayReader {
  const { origin, path: calls } = callsPath(target);
  const recent = calls.replace(/\/Calls$/, '/RecentCalls');
  const { redact } = options;
  const nowMs = options.nowMs ?? Date.now;
  const pool = new Pool(origin, {
    connections: 1,
    pipelining: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: target.requestTimeoutMs + BACKSTOP_MS,
    bodyTimeout: target.requestTimeoutMs + BACKSTOP_MS,
  });
  const timeoutMessage = `the request timeout of ${seconds(target.requestTimeoutMs)} passed`;
  const deadlines = deadlineQueue(target.requestTimeoutMs);

  /** One GET, bounded as a whole by the target's request timeout; the body parsed as JSON. */
  async function get(path: string, signal?: AbortSignal): Promise<ReadResult<unknown>> {
    const what = `GET ${path.slice(calls.length - '/Calls'.length).split('?')[0]}`;
    const bound = deadlines.start(signal);
    try {
      const response = await pool.request({
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${target.apiKey}`, accept: 'application/json' },
        signal: bound,
      });
      const body = await readCapped(response.body, MAX_LIST_BYTES);
      const status = response.statusCode;
      const label = statusLabel(status, response.statusText ?? '');
      if (status === 429) {
        const header = response.headers['retry-after'];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, nowMs());
        return {
          ok: false,
          kind: 'rate-limited',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          message: redact(
            `${what}: the gateway answered ${label}${retryAfterMs === undefined ? '' : ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)`}`,
          ),
        };
      }
      if (body.error !== undefined) {
        return fail(`${what}: ${bound.timedOut ? timeoutMessage : body.error}`);
      }
      if (body.truncated) {
        return fail(
          `${what}: the answer is larger than ${MAX_LIST_BYTES} bytes; nothing was read from it`,
        );
      }
      if (status !== 200) {
        const msg = gatewayMessage(body.text, redact);
        const hint =
          status === 401 || status === 403
            ? ` — check the api_key and account_sid of target \`${target.name}\``
            : '';
        return fail(`${what}: the gateway answered ${label}${msg ? `: ${msg}` : ''}${hint}`);
      }
      try {
        return { ok: true, value: JSON.parse(body.text) as unknown };
      } catch {
        return fail(`${what}: the answer is not JSON`);
      }
    } catch (error) {
      if (bound.timedOut && !signal?.aborted) return fail(`${what}: ${timeoutMessage}`);
      return fail(`${what}: ${describeError(error).message}`);
    } finally {
      deadlines.settle(bound);
    }
  }

  const fail = (message: string): ReadResult<never> => ({
    ok: false,
    kind: 'error',
    message: redact(message),
  });

  return {
    target: target.name,
    async listCalls(signal) {
      const read = await get(`${calls}?direction=outbound`, signal);
      if (!read.ok) return read;
      if (!Array.isArray(read.value)) return fail('GET /Calls: the answer is not a list');
      return { ok: true, value: read.value.flatMap((raw) => recordOf(raw) ?? []) };
    },
    async recentCalls(page, { days, signal } = {}) {
      const query = new URLSearchParams({
        page: String(page),
        count: String(CDR_PAGE_SIZE),
        direction: 'outbound',
        ...(days === undefined ? {} : { days: String(days) }),
      });
      const read = await get(`${recent}?${query}`, signal);
      if (!read.ok) return read;
      const data = (read.value as { data?: unknown } | null)?.data;
      if (!Array.isArray(data)) return fail('GET /RecentCalls: the answer has no data list');
      return {
        ok: true,
        value: { data: data.flatMap((raw) => cdrOf(raw) ?? []), size: data.length },
      };
    },
    close: async () => {
      if (!pool.destroyed) await pool.destroy();
    },
  };
}
