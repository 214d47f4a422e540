import { Pool } from 'undici';
import { printable } from '../report/printable.js';
import { type BodyRead, MAX_LIST_BYTES, readCallsList, readJson } from './bodies.js';
import {
  BACKSTOP_MS,
  type CappedBody,
  CONNECT_TIMEOUT_MS,
  callsPath,
  deadlineQueue,
  describeError,
  KEEP_ALIVE_TIMEOUT_MS,
  readCapped,
  seconds,
} from './client.js';
import { type CallRecordEvidence, type CdrEvidence, cdrOf } from './evidence.js';
import {
  compressedBody,
  compressedBy,
  gatewayMessage,
  MAX_ANSWER_BYTES,
  parseRetryAfter,
  statusLabel,
} from './policy.js';
import type { ResolvedTarget } from './target.js';
import { keepWasmAtBaseline } from './wasm-tier.js';

/**
 * Reads back what became of calls, at the price the gateway's rate limit allows: every GET
 * counts against the same system-wide limit as create-call (600 / 5 min by default), so a
 * cycle is ONE request for the live records of all calls (GET /Calls?direction=outbound)
 * and, only for calls that ended or whose record is gone, as few pages of call detail
 * records (GET /RecentCalls, 500 a page) as reach back to the oldest call asked about —
 * never one GET per call. A 429 ends the cycle at once: what was read so far is kept, and
 * the caller is told when to come back.
 *
 * The list holds every call of the account whose record is alive, asked about or not: it is
 * read record by record, and only the records of the calls asked about are held (see
 * bodies.ts), so a campaign of many calls can learn its outcomes by refresh.
 */

/** Call detail records per page (the gateway's maximum). */
export const CDR_PAGE_SIZE = 500;
/** Pages of call detail records read at most per cycle (10 000 calls back). */
export const MAX_CDR_PAGES = 20;
/** The gateway keeps call detail records for 30 days at most. */
export const CDR_HORIZON_MS = 30 * 24 * 3_600_000;

/**
 * A problem's message is for a person (status --refresh, apply --wait, run, resolve --check
 * write it; no JSON output carries it): redacted, and with every character a terminal acts
 * on escaped (printable) — a gateway's error page may hold ESC or a bidi override, which a
 * create-call's message shows escaped too.
 */
export type ReadProblem =
  /** 429: nothing more is asked of the gateway in this cycle. */
  | { readonly kind: 'rate-limited'; readonly retryAfterMs?: number; readonly message: string }
  /** Any other failure: the answer, or why none came. */
  | { readonly kind: 'error'; readonly message: string };

/** Why an answer compressed with `encoding` tells nothing. */
const compressedWords = (encoding: string): string =>
  `the answer was compressed (Content-Encoding ${encoding}), and callops does not read compressed answers`;

export type ReadResult<T> =
  | { readonly ok: true; readonly value: T }
  | ({ readonly ok: false } & ReadProblem);

export interface CdrPage {
  readonly data: readonly CdrEvidence[];
  /** How many records the page held, recognised or not (a short page is the last). */
  readonly size: number;
}

export interface ListOptions {
  /** Which records are held (default every one): those of the calls asked about. */
  readonly keep?: (record: CallRecordEvidence) => boolean;
  readonly signal?: AbortSignal;
}

export interface GatewayReader {
  readonly target: string;
  /** GET /Calls?direction=outbound: the live records of outbound calls that `keep` keeps. */
  listCalls(options?: ListOptions): Promise<ReadResult<readonly CallRecordEvidence[]>>;
  /** GET /RecentCalls?page=N&count=500: one page of call detail records, newest first. */
  recentCalls(
    page: number,
    options?: { readonly days?: number; readonly signal?: AbortSignal },
  ): Promise<ReadResult<CdrPage>>;
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** Applied to every message that leaves the reader (before printable). */
  readonly redact: (text: string) => string;
  /** Epoch ms (default Date.now), for Retry-After given as a date. */
  readonly nowMs?: () => number;
  /** For tests only: the bound of the calls list (default MAX_LIST_BYTES). */
  readonly maxListBytes?: number;
}

export function createGatewayReader(target: ResolvedTarget, options: ReaderOptions): GatewayReader {
  const { origin, path: calls } = callsPath(target);
  const recent = calls.replace(/\/Calls$/, '/RecentCalls');
  const { redact } = options;
  const said = (message: string): string => printable(redact(message));
  const nowMs = options.nowMs ?? Date.now;
  const maxList = options.maxListBytes ?? MAX_LIST_BYTES;
  keepWasmAtBaseline();
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

  /**
   * One GET, bounded as a whole by the target's request timeout: a 200 answer's body read by
   * `read`, any other answer's (up to MAX_ANSWER_BYTES) for what the gateway said.
   */
  async function get<T>(
    path: string,
    signal: AbortSignal | undefined,
    read: (body: CappedBody, contentLength: number) => Promise<BodyRead<T>>,
  ): Promise<ReadResult<T>> {
    const what = `GET ${path.slice(calls.length - '/Calls'.length).split('?')[0]}`;
    const bound = deadlines.start(signal);
    try {
      const response = await pool.request({
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${target.apiKey}`, accept: 'application/json' },
        signal: bound,
      });
      const status = response.statusCode;
      const header = response.headers['content-encoding'];
      const encoding = compressedBy(Array.isArray(header) ? header.join(', ') : header);
      if (status === 200 && encoding !== undefined) {
        // Bytes callops does not decode: dropped unread, with their connection.
        response.body.on('error', () => {});
        response.body.destroy();
        return fail(`${what}: ${compressedWords(encoding)}`);
      }
      if (status === 200) {
        const length = Number(response.headers['content-length'] ?? Number.NaN);
        const answer = await read(response.body, Number.isFinite(length) ? length : -1);
        if (answer.ok) return answer;
        if ('broken' in answer) {
          return fail(`${what}: ${bound.timedOut ? timeoutMessage : answer.broken}`);
        }
        return fail(`${what}: ${answer.refused}`);
      }
      // Read for what the gateway said, as a create-call's answer is: up to 64 KiB.
      const body = await readCapped(response.body, MAX_ANSWER_BYTES);
      const label = statusLabel(status, response.statusText ?? '');
      if (status === 429) {
        const header = response.headers['retry-after'];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, nowMs());
        return {
          ok: false,
          kind: 'rate-limited',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          message: said(
            `${what}: the gateway answered ${label}${retryAfterMs === undefined ? '' : ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)`}`,
          ),
        };
      }
      if (body.error !== undefined) {
        return fail(`${what}: ${bound.timedOut ? timeoutMessage : body.error}`);
      }
      const msg =
        encoding === undefined && !body.truncated ? gatewayMessage(body.text, redact) : '';
      const shown = encoding !== undefined ? compressedBody(encoding) : msg ? `: ${msg}` : '';
      const hint =
        status === 401 || status === 403
          ? ` — check the api_key and account_sid of target \`${target.name}\``
          : '';
      return fail(`${what}: the gateway answered ${label}${shown}${hint}`);
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
    message: said(message),
  });

  return {
    target: target.name,
    listCalls: ({ keep = () => true, signal } = {}) =>
      get(`${calls}?direction=outbound`, signal, (body, length) =>
        readCallsList(body, length, { maxBytes: maxList, keep }),
      ),
    async recentCalls(page, { days, signal } = {}) {
      const query = new URLSearchParams({
        page: String(page),
        count: String(CDR_PAGE_SIZE),
        direction: 'outbound',
        ...(days === undefined ? {} : { days: String(days) }),
      });
      const read = await get(`${recent}?${query}`, signal, readJson);
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
