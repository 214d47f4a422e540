import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { Pool } from 'undici';
import { MAX_ANSWER_BYTES, REFUSED_UNSENT } from './policy.js';
import type { CallRequest, ResolvedTarget } from './target.js';
import { keepWasmAtBaseline } from './wasm-tier.js';

/** What one HTTP attempt came to, before any interpretation. */
export type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** The reason phrase the server sent, if any (jambonz sends `unknown` for 480). */
      readonly statusText: string;
      /** Response headers, names lower-cased, repeated values joined with `, `. */
      readonly headers: Readonly<Record<string, string>>;
      /** The body as text, at most its first MAX_ANSWER_BYTES. */
      readonly bodyText: string;
      /** Set when the status arrived but the body could not be read whole. */
      readonly bodyError?: string;
      /** Set when the body was longer than MAX_ANSWER_BYTES: the rest was not read. */
      readonly truncated?: true;
      /** Its place among the answers of its connection (see AnswerTurn); absent when not known. */
      readonly turn?: AnswerTurn;
    }
  | {
      readonly kind: 'error';
      /** True when the request headers were written to a socket: it may have reached the gateway. */
      readonly sent: boolean;
      readonly code: string;
      readonly message: string;
    };

/**
 * An answer's place among the answers of its keep-alive connection. HTTP/1.1 pairs an
 * answer with a request by order alone: one answer too many on a connection (a proxy whose
 * queue is out of step sends one answer twice) is read as the next request's, and every
 * answer after it as the answer of the request sent before its own. Only a sid the state
 * already holds for another call shows it. Then no later answer read on that connection can
 * be trusted, even one already read for a call placed beside it: an answer is judged only
 * once every earlier answer on its connection was (`earlier`).
 */
export interface AnswerTurn {
  /**
   * Resolves once every earlier answer on the connection was judged: false when one was out
   * of step (this answer may then be another request's).
   */
  readonly earlier: Promise<boolean>;
  /**
   * Says, once, whether this answer was its request's: false ends its connection, so that
   * no later answer is read from it, and every later answer read on it says `earlier` false.
   */
  judge(inStep: boolean): void;
}

export interface GatewayClient {
  readonly target: string;
  /** One POST of the create-call request. Never rejects: failures come back as `kind: 'error'`. */
  post(request: CallRequest, signal?: AbortSignal): Promise<AttemptResult>;
  /** Destroys the pool and its sockets. */
  close(): Promise<void>;
}

export const ATTEMPT_HEADER = 'x-callops-attempt';
export const CONNECT_TIMEOUT_MS = 10_000;
/** undici's own per-phase timeouts, behind the timer that bounds the whole attempt. */
export const BACKSTOP_MS = 1_000;
export const KEEP_ALIVE_TIMEOUT_MS = 4_000;
const ATTEMPT_LINE = `\r\n${ATTEMPT_HEADER}: `;
const REGISTRY = Symbol.for('callops.execute.sent-attempts.turns');

/**
 * What undici is given as an attempt's `signal`: the one listener undici adds, called once
 * when the attempt is cut short. Far lighter than an AbortController and an EventTarget
 * listener for every request; undici takes any object with add/removeEventListener.
 */
class AttemptSignal {
  aborted = false;
  /** Left undefined: undici then aborts with its own RequestAbortedError. */
  readonly reason: undefined = undefined;
  /** Epoch-free monotonic ms (performance.now) when the request timeout passes. */
  readonly deadline: number;
  timedOut = false;
  /** Settled: nothing is aborted any more. */
  done = false;
  #listener: (() => void) | undefined;
  /** The run's signal, when one was given, and what it is told to call on abort. */
  #run: AbortSignal | undefined;
  #forward: (() => void) | undefined;

  constructor(deadline: number, run?: AbortSignal) {
    this.deadline = deadline;
    if (run === undefined) return;
    if (run.aborted) {
      this.aborted = true;
      return;
    }
    this.#run = run;
    this.#forward = () => this.abort(false);
    run.addEventListener('abort', this.#forward, { once: true });
  }

  /** Over: the run's signal no longer reaches it. */
  end(): void {
    this.done = true;
    if (this.#forward !== undefined) this.#run?.removeEventListener('abort', this.#forward);
    this.#forward = undefined;
    this.#run = undefined;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  abort(timedOut: boolean): void {
    if (this.aborted || this.done) return;
    this.aborted = true;
    this.timedOut = timedOut;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/**
 * The request timeouts of one client's attempts, by one timer: every attempt has the same
 * timeout, so deadlines come in the order attempts start, and the timer is armed for the
 * oldest attempt still in flight only. An attempt that settles leaves the front at once, so
 * the queue holds about as many attempts as are in flight.
 */
export function deadlineQueue(timeoutMs: number, now: () => number = () => performance.now()) {
  let queue: AttemptSignal[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  const dropSettled = (): void => {
    while (head < queue.length && (queue[head] as AttemptSignal).done) head++;
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };

  const arm = (): void => {
    const first = queue[head];
    if (first === undefined) {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      armedFor = Number.POSITIVE_INFINITY;
      return;
    }
    if (timer !== undefined && armedFor <= first.deadline) return;
    if (timer !== undefined) clearTimeout(timer);
    armedFor = first.deadline;
    timer = setTimeout(fire, Math.max(1, Math.ceil(first.deadline - now())));
  };

  function fire(): void {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const at = now();
    while (head < queue.length) {
      const first = queue[head] as AttemptSignal;
      if (!first.done && first.deadline > at) break;
      head++;
      first.abort(true);
    }
    dropSettled();
    arm();
  }

  return {
    /**
     * A signal that aborts when the timeout passes (then `timedOut`) or when the run's
     * `signal` aborts; `settle` it once the attempt is over.
     */
    start(signal?: AbortSignal): AttemptSignal {
      const attempt = new AttemptSignal(now() + timeoutMs, signal);
      queue.push(attempt);
      if (timer === undefined) arm();
      return attempt;
    },
    settle(attempt: AttemptSignal): void {
      attempt.end();
      if (queue[head] === attempt) {
        dropSettled();
        if (queue.length === 0) arm();
      }
    },
    /** Attempts still held (for tests): about the number in flight. */
    size: (): number => queue.length - head,
    /** Whether a timer is armed (for tests): none once every attempt settled. */
    armed: (): boolean => timer !== undefined,
  };
}

/** The socket undici wrote an attempt on, as far as it is ended here. */
interface Connection {
  destroy(): unknown;
}

/**
 * An attempt written to a socket, with its answer's turn on it; without a turn when undici
 * did not say which socket (the request was written all the same).
 */
interface Sent {
  readonly turn?: AnswerTurn;
}

/** The answers judged on each socket: a promise of whether all were in step, by socket. */
const lines = new WeakMap<Connection, Promise<boolean>>();
const IN_STEP = Promise.resolve(true);

/**
 * The turn of the next answer on `socket`, taken when its request is written: requests on
 * a connection are written, and answered, one after the other (pipelining 1).
 */
function takeTurn(socket: Connection): AnswerTurn {
  const earlier = lines.get(socket) ?? IN_STEP;
  let judged: ((inStep: boolean) => void) | undefined;
  const mine = new Promise<boolean>((resolve) => {
    judged = resolve;
  });
  lines.set(
    socket,
    earlier.then((inStep) => inStep && mine),
  );
  return {
    earlier,
    judge(inStep) {
      judged?.(inStep);
      judged = undefined;
      // Out of step: nothing more is read from it. undici fails a request written on it
      // meanwhile (sent: unknown) and opens a new connection, which starts in step.
      if (!inStep) socket.destroy();
    },
  };
}

/**
 * Attempt ids whose request headers undici has written to a socket, with that socket and
 * their answer's turn on it. Filled from the `undici:client:sendHeaders` diagnostics
 * channel, subscribed once per process (the map lives on globalThis so that a second copy
 * of this module shares it).
 */
function sentAttempts(): Map<string, Sent> {
  const registry = globalThis as { [REGISTRY]?: Map<string, Sent> };
  const existing = registry[REGISTRY];
  if (existing) return existing;
  const sent = new Map<string, Sent>();
  registry[REGISTRY] = sent;
  subscribe('undici:client:sendHeaders', (message) => {
    const headers = (message as { headers?: unknown }).headers;
    if (typeof headers !== 'string') return;
    // Our own header, written as given: found without a regular expression per request.
    const at = headers.indexOf(ATTEMPT_LINE);
    if (at < 0) return;
    const from = at + ATTEMPT_LINE.length;
    const end = headers.indexOf('\r\n', from);
    const id = headers.slice(from, end < 0 ? undefined : end).trim();
    const socket = (message as { socket?: Connection }).socket;
    // Written, whatever is known of its socket: it may reach the gateway, so it is never sent
    // again by itself.
    if (id) sent.set(id, socket === undefined ? {} : { turn: takeTurn(socket) });
  });
  return sent;
}

export function callsPath(target: ResolvedTarget): { origin: string; path: string } {
  const url = new URL(target.baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  return {
    origin: url.origin,
    path: `${prefix}/v1/Accounts/${encodeURIComponent(target.accountSid)}/Calls`,
  };
}

export function createGatewayClient(target: ResolvedTarget): GatewayClient {
  const sent = sentAttempts();
  const { origin, path } = callsPath(target);
  keepWasmAtBaseline();
  const pool = new Pool(origin, {
    connections: Math.max(1, target.concurrency),
    pipelining: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    headersTimeout: target.requestTimeoutMs + BACKSTOP_MS,
    bodyTimeout: target.requestTimeoutMs + BACKSTOP_MS,
  });
  const timeoutMessage = `the request timeout of ${seconds(target.requestTimeoutMs)} passed`;
  const deadlines = deadlineQueue(target.requestTimeoutMs);
  const authorization = `Bearer ${target.apiKey}`;
  // undici refuses a request it cannot write (a header value with a line break) before
  // sending it, and then leaves every later request of the pool pending for ever: the first
  // refusal answers every later attempt, which is built the same way, at once.
  let refused: AttemptResult | undefined;

  /**
   * One attempt, bounded as a whole by the target's request timeout — connecting, sending,
   * the headers and the whole body (undici's own timeouts only bound the gap between two
   * chunks, which a gateway trickling bytes never exceeds).
   */
  async function post(request: CallRequest, signal?: AbortSignal): Promise<AttemptResult> {
    if (refused !== undefined) return refused;
    const attemptId = randomUUID();
    // The run's own signal, when one is given, cuts the attempt short too.
    const bound = deadlines.start(signal);
    try {
      const response = await pool.request({
        method: 'POST',
        path,
        headers: {
          authorization,
          'content-type': 'application/json',
          accept: 'application/json',
          // ATTEMPT_HEADER written out: a literal key keeps the object on V8's fast path.
          'x-callops-attempt': attemptId,
        },
        body: JSON.stringify(request.body),
        signal: bound,
      });
      const body = await readCapped(response.body, MAX_ANSWER_BYTES);
      const bodyError =
        body.error === undefined ? undefined : bound.timedOut ? timeoutMessage : body.error;
      const answer = {
        kind: 'response' as const,
        status: response.statusCode,
        statusText: response.statusText ?? '',
        headers: flattenHeaders(response.headers),
        bodyText: body.text,
        turn: sent.get(attemptId)?.turn,
      };
      // The usual answer is that literal alone (spreads after it cost an object each).
      if (bodyError === undefined && !body.truncated) return answer;
      return {
        ...answer,
        ...(bodyError === undefined ? {} : { bodyError }),
        ...(body.truncated ? { truncated: true as const } : {}),
      };
    } catch (error) {
      const written = sent.get(attemptId);
      const sentNow = written !== undefined;
      // No whole answer: one may still come on its connection, where the next request would
      // read it as its own. undici ends such a connection itself; no later answer on it is
      // trusted all the same.
      written?.turn?.judge(false);
      if (bound.timedOut && !signal?.aborted) {
        return { kind: 'error', sent: sentNow, code: 'TIMEOUT', message: timeoutMessage };
      }
      const failed = { kind: 'error' as const, sent: sentNow, ...describeError(error) };
      if (!sentNow && failed.code === REFUSED_UNSENT) refused = failed;
      return failed;
    } finally {
      deadlines.settle(bound);
      sent.delete(attemptId);
    }
  }

  return {
    target: target.name,
    post,
    close: async () => {
      if (!pool.destroyed) await pool.destroy();
    },
  };
}

/** What readCapped reads from: a Node stream (undici's response body). */
export interface CappedBody {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  destroy(error?: Error): unknown;
}

/**
 * Reads a body up to `cap` bytes; past it the stream is destroyed (the socket goes with it).
 * Listens to the stream's events rather than iterating it: the same chunks, without an
 * async iterator per response.
 */
export function readCapped(
  body: CappedBody,
  cap: number,
): Promise<{ text: string; truncated: boolean; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (truncated: boolean, error?: string): void => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks, size).toString('utf8');
      resolve(error === undefined ? { text, truncated } : { text, truncated, error });
    };
    body.on('data', (chunk) => {
      if (done) return;
      if (size + chunk.length > cap) {
        chunks.push(chunk.subarray(0, cap - size));
        size = cap;
        finish(true);
        body.destroy();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.on('end', () => finish(false));
    body.on('error', (cause) => finish(false, describeError(cause).message));
    // Closed before its end without an error: cut short, as iterating it would say.
    body.on('close', () => finish(false, 'Premature close'));
  });
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>) {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !Object.hasOwn(headers, name)) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return { code: 'ABORTED', message: 'the request was aborted' };
    }
    const inner = error instanceof AggregateError ? error.errors[0] : undefined;
    const message = error.message || (inner instanceof Error ? inner.message : '') || error.name;
    return { code: typeof code === 'string' ? code : error.name, message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
