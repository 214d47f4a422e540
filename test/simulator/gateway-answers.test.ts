import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { APP_SID, createCall, goodCall, json, type Reply, send } from './client.js';

const OTHER_ACCOUNT = '7b0e3f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const SPEECH = {
  speech_synthesis_vendor: 'google',
  speech_synthesis_language: 'en-US',
  speech_synthesis_voice: 'en-US-Standard-C',
  speech_recognizer_vendor: 'google',
  speech_recognizer_language: 'en-US',
};

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({});
});
afterAll(async () => {
  await sim.close();
});

const expectMsg = (reply: Reply, status: number, msg: string): void => {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(json(reply)).toEqual({ msg });
};

const parseError = (text: string): string => {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parses`);
};

describe('401: no, wrong or non-Bearer token', () => {
  it('answers a missing token with the bare Bearer challenge', async () => {
    const reply = await createCall(sim, goodCall(), { headers: { authorization: '' } });
    expect(reply.status).toBe(401);
    // passport answers with res.end('Unauthorized'): no Content-Type header at all
    expect(reply.headers['content-type']).toBeUndefined();
    expect(reply.text).toBe('Unauthorized');
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  it('answers a request without an Authorization header the same way', async () => {
    const reply = await send(sim.url, {
      method: 'POST',
      path: `/v1/Accounts/${sim.accountSid}/Calls`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(goodCall()),
    });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  it('adds error="invalid_token" for a wrong token', async () => {
    const reply = await createCall(sim, goodCall(), { headers: { authorization: 'Bearer nope' } });
    expect(reply.status).toBe(401);
    expect(reply.headers['content-type']).toBeUndefined();
    expect(reply.text).toBe('Unauthorized');
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="Users", error="invalid_token"');
  });

  it('treats another scheme as no token', async () => {
    const basic = `Basic ${Buffer.from(`x:${sim.apiKey}`).toString('base64')}`;
    const reply = await createCall(sim, goodCall(), { headers: { authorization: basic } });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="Users"');
  });

  it('answers a header that is not two parts with 400 "Bad Request", as passport does', async () => {
    const reply = await createCall(sim, goodCall(), {
      headers: { authorization: `Bearer ${sim.apiKey} extra` },
    });
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('Bad Request');
  });

  it('accepts the scheme in any case', async () => {
    const reply = await createCall(sim, goodCall(), {
      headers: { authorization: `bearer ${sim.apiKey}` },
    });
    expect(reply.status).toBe(201);
  });

  it('checks the token before the account and the body', async () => {
    const reply = await createCall(
      sim,
      { to: 'x' },
      {
        account: 'not-a-uuid',
        headers: { authorization: 'Bearer nope' },
      },
    );
    expect(reply.status).toBe(401);
  });
});

describe('the path account', () => {
  it('answers 400 "Bad request" when it is not a UUID', async () => {
    expectMsg(await createCall(sim, goodCall(), { account: 'AC123' }), 400, 'Bad request');
  });

  it("answers 403 when it is not the token's account, before looking at the body", async () => {
    const reply = await createCall(sim, {}, { account: OTHER_ACCOUNT });
    expectMsg(reply, 403, 'insufficient permissions');
  });
});

describe('malformed JSON', () => {
  it.each(['{bad', '{"from": "x",}', '{"a":1'])(
    "answers %s with the parser's message",
    async (raw) => {
      expectMsg(await createCall(sim, undefined, { raw }), 400, parseError(raw));
    },
  );

  it('refuses a JSON body that is not an object or array, as the strict parser does', async () => {
    const reply = await createCall(sim, undefined, { raw: '12' });
    expect(reply.status).toBe(400);
    expect((json(reply) as { msg: string }).msg).toMatch(/JSON/);
    expect((json(reply) as { msg: string }).msg).toContain('"12"');
  });

  it('answers a body over 100 kB with 413, as the body parser does', async () => {
    const reply = await createCall(sim, goodCall({ pad: 'x'.repeat(120_000) }));
    expectMsg(reply, 413, 'request entity too large');
  });

  it('is checked before the token (the body parser runs first)', async () => {
    const reply = await createCall(sim, undefined, {
      raw: '{bad',
      headers: { authorization: 'Bearer nope' },
    });
    expectMsg(reply, 400, parseError('{bad'));
  });

  it('treats a body that is not typed application/json as empty', async () => {
    const reply = await createCall(sim, goodCall(), { headers: { 'content-type': 'text/plain' } });
    expectMsg(reply, 400, 'missing from parameter');
  });
});

describe('the body', () => {
  it.each([
    ['missing', goodCall({ from: undefined })],
    ['empty', goodCall({ from: '' })],
  ])('answers a %s from with "missing from parameter"', async (_, body) => {
    expectMsg(await createCall(sim, body), 400, 'missing from parameter');
  });

  it.each([
    ['missing', undefined],
    ['a string', '+15550002222'],
    ['of an unknown type', { type: 'pstn', number: '+15550002222' }],
    ['phone without number', { type: 'phone' }],
    ['phone with a numeric number', { type: 'phone', number: 15550002222 }],
    ['teams without number', { type: 'teams', tenant: 'x' }],
    ['sip without sipUri', { type: 'sip', number: '+1555' }],
    ['user without name', { type: 'user', number: '+1555' }],
  ])('answers a to %s with the to value as JSON', async (_, to) => {
    const reply = await createCall(sim, goodCall({ to }));
    expectMsg(reply, 400, `missing or invalid to property: ${JSON.stringify(to)}`);
  });

  it.each([
    { type: 'phone', number: '+15550002222', trunk: 'carrier' },
    { type: 'teams', number: '+15550002222' },
    { type: 'sip', sipUri: 'sip:probe@example.com' },
    { type: 'user', name: 'alice' },
  ])('accepts the target %j', async (to) => {
    expect((await createCall(sim, goodCall({ to }))).status).toBe(201);
  });

  it('checks from before to', async () => {
    const reply = await createCall(sim, { application_sid: APP_SID, to: 'x' });
    expectMsg(reply, 400, 'missing from parameter');
  });

  it('answers an application_sid that is not UUID-shaped as not found', async () => {
    const reply = await createCall(sim, goodCall({ application_sid: 'my-app' }));
    expectMsg(reply, 400, 'application_sid not found my-app');
  });

  it('answers neither application_sid nor speech settings with the jambonz message', async () => {
    const reply = await createCall(sim, goodCall({ application_sid: undefined }));
    expectMsg(
      reply,
      400,
      'either application_sid or set of speech_synthesis_vendor, speech_synthesis_language, speech_synthesis_voice, speech_recognizer_vendor, speech_recognizer_language required',
    );
  });

  it('wants a call_hook when the speech settings stand in for the application', async () => {
    const reply = await createCall(sim, goodCall({ application_sid: undefined, ...SPEECH }));
    expectMsg(reply, 400, 'either call_hook or application_sid required');
  });

  it.each(['/hook', 'example.com/hook', { url: 'ftp://x' }])(
    'answers a call_hook %j that is not absolute',
    async (call_hook) => {
      const body = goodCall({ application_sid: undefined, ...SPEECH, call_hook });
      expectMsg(await createCall(sim, body), 400, 'call_hook url be an absolute url');
    },
  );

  it('answers a call_hook object without url', async () => {
    const body = goodCall({ application_sid: undefined, ...SPEECH, call_hook: { method: 'GET' } });
    expectMsg(
      await createCall(sim, body),
      400,
      'call_hook must be string or an object containing a url property',
    );
  });

  it.each(['https://example.com/hook', { url: 'wss://example.com/ws' }])(
    'accepts call_hook %j with the five speech settings',
    async (call_hook) => {
      const body = goodCall({ application_sid: undefined, ...SPEECH, call_hook });
      expect((await createCall(sim, body)).status).toBe(201);
    },
  );
});

describe('accepted', () => {
  it('answers 201 with a sid and a callId, both UUIDs, as JSON and no Location', async () => {
    const reply = await createCall(sim, goodCall({ tag: { customer: 'alice' }, timeLimit: 60 }));
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers.location).toBeUndefined();
    const body = json(reply) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['callId', 'sid']);
    expect(body.sid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(body.callId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.sid).not.toBe(body.callId);
  });

  it('ignores the account_sid given in the body', async () => {
    const reply = await createCall(sim, goodCall({ account_sid: OTHER_ACCOUNT }));
    expect(reply.status).toBe(201);
    const { sid } = json(reply) as { sid: string };
    expect(sim.calls().find((c) => c.call_sid === sid)?.account_sid).toBe(sim.accountSid);
  });
});

describe('known applications', () => {
  it('answers an application_sid outside the given list as not found', async () => {
    const strict = await startSimulator({ applicationSids: [APP_SID] });
    try {
      const other = '9e8d7c6b-5a49-4838-a726-150f4e3d2c1b';
      expectMsg(
        await createCall(strict, goodCall({ application_sid: other })),
        400,
        `application_sid not found ${other}`,
      );
      expect((await createCall(strict, goodCall())).status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('other routes', () => {
  it("answers 404 with express' page for an unknown route under /v1, after the token", async () => {
    const auth = { authorization: `Bearer ${sim.apiKey}` };
    const reply = await send(sim.url, { path: '/v1/Applications', headers: auth });
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.text).toContain('<pre>Cannot GET /v1/Applications</pre>');
    expect((await send(sim.url, { path: '/v1/Applications' })).status).toBe(401);
  });

  it('answers 404 outside /v1 without asking for a token', async () => {
    const reply = await send(sim.url, { method: 'POST', path: '/Accounts/x/Calls' });
    expect(reply.status).toBe(404);
  });

  it('does not create a call on PUT', async () => {
    const reply = await send(sim.url, {
      method: 'PUT',
      path: `/v1/Accounts/${sim.accountSid}/Calls`,
      headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(goodCall()),
    });
    expect(reply.status).toBe(404);
  });
});
