import { type Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly reason: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Whether the request went out on a socket a previous request had used. */
  readonly reused: boolean;
}

export interface Send {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly agent?: Agent;
}

/** One request to the simulator over node:http; bounded by a 10 s timeout. */
export const send = (baseUrl: string, options: Send): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${options.path}`,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            reused: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });

export interface Target {
  readonly url: string;
  readonly accountSid: string;
  readonly apiKey: string;
}

/** POST create-call with the simulator's credentials unless overridden. */
export const createCall = (
  sim: Target,
  body: unknown,
  overrides: {
    readonly account?: string;
    readonly headers?: Record<string, string>;
    readonly raw?: string;
    readonly agent?: Agent;
  } = {},
): Promise<Reply> =>
  send(sim.url, {
    method: 'POST',
    path: `/v1/Accounts/${overrides.account ?? sim.accountSid}/Calls`,
    headers: {
      authorization: `Bearer ${sim.apiKey}`,
      'content-type': 'application/json',
      ...overrides.headers,
    },
    body: overrides.raw ?? JSON.stringify(body),
    ...(overrides.agent ? { agent: overrides.agent } : {}),
  });

export const APP_SID = '5d3f0d1c-7a3e-4c59-9b5e-2f1a6f0e8c11';

/** A body the simulator accepts. */
export const goodCall = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  application_sid: APP_SID,
  from: '+15550001111',
  to: { type: 'phone', number: '+15550002222' },
  ...extra,
});

export const json = (reply: Reply): unknown => JSON.parse(reply.text);
