import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../../src/execute/client.js';
import type { ExecuteContext, ExecuteEvent } from '../../src/execute/context.js';
import type { Outcome } from '../../src/execute/outcome.js';
import { executeCalls } from '../../src/execute/run.js';
import type { CallRequest, ResolvedTarget } from '../../src/execute/target.js';

export interface Received {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The `key` field the tests put in every call body. */
  readonly key: string;
}

export type Handler = (request: Received, res: ServerResponse, raw: IncomingMessage) => unknown;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  readonly maxInFlight: () => number;
  readonly close: () => Promise<void>;
}

/** A real HTTP server on 127.0.0.1, any free port; counts what it receives and holds. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let key = '';
      try {
        key = String((JSON.parse(body) as { key?: unknown }).key ?? '');
      } catch {}
      const request: Received = { url: raw.url ?? '', headers: raw.headers, body, key };
      received.push(request);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => {
        inFlight -= 1;
      });
      void handler(request, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => {});
  await server.close();
  return server.port;
}

export function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(text);
}

/** A call sid (a UUID, as the gateway answers) made from a label, the same for the same label. */
export function sidOf(label: string | number): string {
  const hex = createHash('sha256').update(String(label)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function created(res: ServerResponse, sid = sidOf(1), callId = 'call-1'): void {
  reply(res, 201, { sid, callId });
}

export function makeTarget(
  name: string,
  baseUrl: string,
  overrides: Partial<ResolvedTarget> = {},
): ResolvedTarget {
  return {
    name,
    baseUrl,
    accountSid: 'AC-test',
    apiKey: 'key-test',
    concurrency: 4,
    requestTimeoutMs: 5_000,
    maxPauseMs: 60_000,
    ...overrides,
  };
}

export function makeRequests(target: string, count: number, prefix = 'call'): CallRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `${target}/${prefix}-${i}`;
    return { key, target, body: { key, application_sid: 'app', from: '+15550001111' } };
  });
}

export interface RunResult {
  readonly outcomes: Outcome[];
  readonly events: ExecuteEvent[];
  /** Keys passed to beforeSend, in order. */
  readonly intents: string[];
}

/** Runs executeCalls with one client per target, closing every client afterwards. */
export async function run(
  requests: readonly CallRequest[],
  targets: readonly ResolvedTarget[],
  overrides: Partial<ExecuteContext> = {},
): Promise<RunResult> {
  const clients = new Map<string, GatewayClient>();
  for (const target of targets) clients.set(target.name, createGatewayClient(target));
  const events: ExecuteEvent[] = [];
  const intents: string[] = [];
  try {
    const outcomes = await executeCalls(requests, {
      clients,
      targets: new Map(targets.map((t) => [t.name, t])),
      beforeSend: async (request) => {
        intents.push(request.key);
      },
      redact: (text) => text,
      sleep: async () => {},
      ...overrides,
      onEvent: (event) => {
        events.push(event);
        overrides.onEvent?.(event);
      },
    });
    return { outcomes, events, intents };
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close()));
  }
}

/** Polls `check` on the event loop until it holds (bounded by the test timeout). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * `serve(handler)` starts a server that is closed after each test of the file that calls
 * this at its top level.
 */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (handler) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
}
