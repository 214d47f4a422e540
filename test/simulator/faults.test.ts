import { describe, expect, it } from 'vitest';
import { type SimulatorOptions, startSimulator } from '../../src/simulator/index.js';
import { createCall, goodCall, json, send } from './client.js';

/** A random source that replays `values` in a loop and counts its draws. */
const replay = (values: readonly number[]) => {
  let draws = 0;
  return {
    random: () => values[draws++ % values.length] ?? 0,
    draws: () => draws,
  };
};

const withSim = async <T>(
  options: SimulatorOptions,
  body: (sim: Awaited<ReturnType<typeof startSimulator>>) => Promise<T>,
): Promise<T> => {
  const sim = await startSimulator(options);
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
};

describe('fault injection', () => {
  it('answers the fault status for the share the random source picks', async () => {
    const source = replay([0.1, 0.9, 0.49, 0.5]);
    const statuses = await withSim(
      { failStatus: 503, failRate: 0.5, random: source.random },
      async (sim) => {
        const out: number[] = [];
        for (let i = 0; i < 8; i++) out.push((await createCall(sim, goodCall())).status);
        return out;
      },
    );
    expect(statuses).toEqual([503, 201, 503, 201, 503, 201, 503, 201]);
    expect(source.draws()).toBe(8);
  });

  it('fails every request when only the status is given', async () => {
    await withSim({ failStatus: 480 }, async (sim) => {
      for (let i = 0; i < 5; i++) expect((await createCall(sim, goodCall())).status).toBe(480);
      expect(sim.received().map((r) => r.status)).toEqual([480, 480, 480, 480, 480]);
    });
  });

  it('fails nothing at rate 0', async () => {
    await withSim({ failStatus: 500, failRate: 0 }, async (sim) => {
      expect((await createCall(sim, goodCall())).status).toBe(201);
    });
  });

  it('comes after the token, and draws only for create-call requests that passed it', async () => {
    const source = replay([0]);
    await withSim({ failStatus: 500, random: source.random }, async (sim) => {
      const wrong = await createCall(sim, goodCall(), { headers: { authorization: 'Bearer no' } });
      expect(wrong.status).toBe(401);
      const list = await send(sim.url, {
        path: `/v1/Accounts/${sim.accountSid}/Calls`,
        headers: { authorization: `Bearer ${sim.apiKey}` },
      });
      expect(list.status).toBe(200);
      expect(source.draws()).toBe(0);
      // before the account and body checks, like the gateway's own 480
      expect((await createCall(sim, {}, { account: 'nope' })).status).toBe(500);
      expect(source.draws()).toBe(1);
    });
  });

  it('answers 480 as jambonz does, with the reason phrase "unknown"', async () => {
    await withSim({ failStatus: 480 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.reason).toBe('unknown');
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(json(reply)).toEqual({ msg: 'no available feature servers at this time' });
      expect(reply.headers['retry-after']).toBeUndefined();
    });
  });

  it("answers 500 with express' plain text", async () => {
    await withSim({ failStatus: 500 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(reply.text).toBe('Internal Server Error');
    });
  });

  it('answers 503 with an HTML page and Retry-After (default 1)', async () => {
    await withSim({ failStatus: 503 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.text).toContain('503 Service Unavailable');
      expect(reply.headers['retry-after']).toBe('1');
    });
  });

  it('answers 429 as the rate limiter does, with the configured Retry-After', async () => {
    await withSim({ failStatus: 429, retryAfterS: 7 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.status).toBe(429);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.text).toBe('Too many requests, please try again later.');
      expect(reply.headers['retry-after']).toBe('7');
    });
  });

  it('answers 401 with the invalid_token challenge', async () => {
    await withSim({ failStatus: 401 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.text).toBe('Unauthorized');
      expect(reply.headers['content-type']).toBeUndefined();
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="Users", error="invalid_token"');
    });
  });

  it.each([
    [400, 'Bad request'],
    [403, 'insufficient permissions'],
    [404, 'Not Found'],
    [422, 'Unprocessable Entity'],
  ])('answers %i with a {"msg"} body', async (status, msg) => {
    await withSim({ failStatus: status }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.status).toBe(status);
      expect(json(reply)).toEqual({ msg });
    });
  });

  it.each([502, 504])('answers %i with a proxy page and no Retry-After', async (status) => {
    await withSim({ failStatus: status, retryAfterS: 9 }, async (sim) => {
      const reply = await createCall(sim, goodCall());
      expect(reply.status).toBe(status);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.headers['retry-after']).toBeUndefined();
    });
  });

  it('refuses impossible options', async () => {
    await expect(startSimulator({ failStatus: 200 })).rejects.toThrow(/failStatus/);
    await expect(startSimulator({ failStatus: 500, failRate: 1.5 })).rejects.toThrow(/failRate/);
    await expect(startSimulator({ accountSid: 'AC1' })).rejects.toThrow(/accountSid/);
  });
});
