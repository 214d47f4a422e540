import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JAMBONZ_REJECTED_OPTIONS } from '../../src/options/flavor.js';
import { REST_DIAL_PROPERTIES } from '../../src/options/rest-dial.js';
import { parseSimulatorFlags } from '../../src/simulator/flags.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import { settingsFrom } from '../../src/simulator/options.js';
import { createCall, goodCall, json } from './client.js';

let jambonz: RunningSimulator;
let cognigy: RunningSimulator;
beforeAll(async () => {
  jambonz = await startSimulator({ flavor: 'jambonz' });
  cognigy = await startSimulator({});
});
afterAll(async () => {
  await jambonz.close();
  await cognigy.close();
});

const VALUES: Readonly<Record<string, unknown>> = {
  actionHook: '/end',
  answerOnBridge: true,
  confirmHook: '/confirm',
  dtmfCapture: ['*2'],
  dtmfHook: '/dtmf',
  listen: { url: 'wss://a.example.com' },
  transcribe: { transcriptionHook: '/t' },
};

describe('flavor jambonz', () => {
  it('answers each option rest:dial lacks with a bare 500, and places nothing', async () => {
    expect(JAMBONZ_REJECTED_OPTIONS).toHaveLength(7);
    const before = jambonz.received().length;
    for (const option of JAMBONZ_REJECTED_OPTIONS) {
      const reply = await createCall(jambonz, goodCall({ [option]: VALUES[option] }));
      expect(reply.status, option).toBe(500);
      expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(reply.text).toBe('Internal Server Error');
    }
    const logged = jambonz.received().slice(before);
    expect(logged).toHaveLength(7);
    expect(logged.map((r) => r.status)).toEqual(Array(7).fill(500));
    expect(logged.every((r) => r.sid === undefined)).toBe(true);
  });

  it('answers any other key rest:dial lacks the same way (the feature server refuses unknown properties)', async () => {
    const reply = await createCall(jambonz, goodCall({ app_json: '[]' }));
    expect(reply.status).toBe(500);
  });

  it('accepts a body of rest:dial properties', async () => {
    const reply = await createCall(
      jambonz,
      goodCall({ timeLimit: 60, timeout: 30, tag: { a: 'b' }, headers: { 'X-A': '1' } }),
    );
    expect(reply.status).toBe(201);
    expect(REST_DIAL_PROPERTIES).toEqual(expect.arrayContaining(['timeLimit', 'tag', 'headers']));
  });

  it('checks after the API server: a bad application is still its 400', async () => {
    const reply = await createCall(
      jambonz,
      goodCall({ application_sid: 'not-an-app', listen: VALUES.listen }),
    );
    expect(reply.status).toBe(400);
    expect(json(reply)).toEqual({ msg: 'application_sid not found not-an-app' });
  });
});

describe('flavor cognigy (the default)', () => {
  it('accepts every documented option', async () => {
    const reply = await createCall(cognigy, goodCall({ ...VALUES }));
    expect(reply.status).toBe(201);
  });
});

describe('settings and flags', () => {
  it('refuses another flavor', () => {
    expect(() => settingsFrom({ flavor: 'asterisk' as 'jambonz' })).toThrow(
      /flavor must be cognigy or jambonz/,
    );
    expect(settingsFrom({}).flavor).toBe('cognigy');
  });

  it('reads --flavor', () => {
    expect(parseSimulatorFlags(['--flavor', 'jambonz'])).toEqual({
      options: { flavor: 'jambonz' },
    });
    expect(parseSimulatorFlags(['--flavor', 'jambonzz'])).toEqual({
      error: '--flavor must be cognigy or jambonz',
    });
  });
});
