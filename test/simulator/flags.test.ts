import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_SID,
  DEFAULT_API_KEY,
  formatBanner,
  parseSimulatorFlags,
  SIMULATOR_FLAGS,
  simulatorOptionsFromValues,
  startSimulator,
} from '../../src/simulator/index.js';

const error = (argv: string[]): string => {
  const result = parseSimulatorFlags(argv);
  if (!('error' in result)) throw new Error(`accepted ${argv.join(' ')}`);
  return result.error;
};

describe('parseSimulatorFlags', () => {
  it('gives no options for no flags', () => {
    expect(parseSimulatorFlags([])).toEqual({ options: {} });
  });

  it('reads every flag', () => {
    const sid = '1f2e3d4c-5b6a-4978-8897-a6b5c4d3e2f1';
    expect(
      parseSimulatorFlags([
        '--host=0.0.0.0',
        '--port',
        '8080',
        '--account-sid',
        sid,
        '--api-key',
        'k-1',
        '--latency',
        '250',
        '--fail-rate',
        '0.25',
        '--fail-status',
        '503',
        '--retry-after',
        '3',
        '--rate-limit',
        '600/5m',
        '--log',
        'calls.jsonl',
      ]),
    ).toEqual({
      options: {
        host: '0.0.0.0',
        port: 8080,
        accountSid: sid,
        apiKey: 'k-1',
        latencyMs: 250,
        failRate: 0.25,
        failStatus: 503,
        retryAfterS: 3,
        rateLimit: { count: 600, windowMs: 300_000 },
        logFile: 'calls.jsonl',
      },
    });
  });

  it.each([
    ['10/s', { count: 10, windowMs: 1000 }],
    ['5/1500ms', { count: 5, windowMs: 1500 }],
    ['1000/1h', { count: 1000, windowMs: 3_600_000 }],
    ['3/2m', { count: 3, windowMs: 120_000 }],
  ])('reads --rate-limit %s', (text, rateLimit) => {
    expect(parseSimulatorFlags(['--rate-limit', text])).toEqual({ options: { rateLimit } });
  });

  it.each([
    [
      ['--fail-rate', '1.5', '--fail-status', '500'],
      '--fail-rate must be a number between 0 and 1',
    ],
    [
      ['--fail-rate', 'half', '--fail-status', '500'],
      '--fail-rate must be a number between 0 and 1',
    ],
    [['--fail-rate', '', '--fail-status', '500'], '--fail-rate must be a number between 0 and 1'],
    [['--fail-rate', '0.5'], '--fail-rate needs --fail-status CODE (the status to answer)'],
    [['--fail-status', '200'], '--fail-status must be an HTTP status between 400 and 599'],
    [['--fail-status', '5xx'], '--fail-status must be an HTTP status between 400 and 599'],
    [['--port', '70000'], '--port must be an integer between 0 and 65535'],
    [['--port=-1'], '--port must be an integer between 0 and 65535'],
    [['--latency', '1.5'], '--latency must be a whole number of milliseconds'],
    [['--retry-after', 'soon'], '--retry-after must be a whole number of seconds'],
    [['--rate-limit', '600'], '--rate-limit must be N/WINDOW, e.g. 600/5m or 10/s'],
    [['--rate-limit', '0/5m'], '--rate-limit must be N/WINDOW, e.g. 600/5m or 10/s'],
    [['--rate-limit', '10/0s'], '--rate-limit must be N/WINDOW, e.g. 600/5m or 10/s'],
    [['--account-sid', 'AC123'], '--account-sid must be a UUID'],
    [['--api-key', 'a b'], '--api-key must be a non-empty string without spaces'],
    [['--host', ' '], '--host must not be empty'],
    [['--log', ''], '--log must name a file'],
  ])('refuses %j', (argv, message) => {
    expect(error(argv)).toBe(message);
  });

  it('reads --applications as a list of application sids', () => {
    const a = '5d3f0d1c-7a3e-4c59-9b5e-2f1a6f0e8c11';
    const b = '9e8d7c6b-5a49-4838-a726-150f4e3d2c1b';
    expect(parseSimulatorFlags(['--applications', `${a}, ${b}`])).toEqual({
      options: { applicationSids: [a, b] },
    });
    expect(error(['--applications', `${a},,${b}`])).toBe(
      '--applications must be application sids (UUIDs) separated by commas',
    );
    expect(error(['--applications', 'my-app'])).toBe(
      '--applications must be application sids (UUIDs) separated by commas',
    );
  });

  it('reads the call-life flags', () => {
    expect(
      parseSimulatorFlags([
        '--outcomes',
        'answered=0.7,busy=0.1,no-answer=0.15,failed=0.05',
        '--seed',
        '7',
        '--ring-time',
        '2s',
        '--talk-time',
        '0',
        '--record-ttl',
        '90m',
        '--status-hook',
        'http://localhost:8080/status',
        '--webhook-secret',
        'shh',
      ]),
    ).toEqual({
      options: {
        outcomes: { answered: 0.7, busy: 0.1, 'no-answer': 0.15, failed: 0.05 },
        seed: 7,
        ringMs: 2000,
        talkMs: 0,
        recordTtlMs: 5_400_000,
        statusHook: 'http://localhost:8080/status',
        webhookSecret: 'shh',
      },
    });
    expect(parseSimulatorFlags(['--ring-time', '500ms', '--talk-time', '1.5s'])).toEqual({
      options: { ringMs: 500, talkMs: 1500 },
    });
    expect(parseSimulatorFlags(['--read-latency', '1h'])).toEqual({
      options: { readLatencyMs: 3_600_000 },
    });
  });

  it.each([
    [
      ['--outcomes', 'answered=0.7,voicemail=0.3'],
      '--outcomes: unknown outcome "voicemail" (known: answered, busy, no-answer, failed)',
    ],
    [['--outcomes', 'answered=0.7'], '--outcomes: the shares must sum to 1 (they sum to 0.7)'],
    [['--outcomes', 'busy=2'], '--outcomes: busy must be a share between 0 and 1'],
    [['--seed=-1'], '--seed must be a whole number between 0 and 4294967295'],
    [['--seed', '4294967296'], '--seed must be a whole number between 0 and 4294967295'],
    [['--ring-time', '2'], '--ring-time must be a duration such as 0, 500ms, 2s, 1m or 1h'],
    [['--read-latency', '15'], '--read-latency must be a duration such as 0, 500ms, 2s, 1m or 1h'],
    [['--talk-time', 'long'], '--talk-time must be a duration such as 0, 500ms, 2s, 1m or 1h'],
    [['--record-ttl=-1h'], '--record-ttl must be a duration such as 0, 500ms, 2s, 1m or 1h'],
    [
      ['--status-hook', 'http://example.com/x'],
      '--status-hook must be an http URL on 127.0.0.1 or localhost',
    ],
    [
      ['--status-hook', 'http://192.168.1.2/x'],
      '--status-hook must be an http URL on 127.0.0.1 or localhost',
    ],
    [
      ['--webhook-secret', 's'],
      '--webhook-secret needs --status-hook URL (where to send signed requests)',
    ],
    [
      ['--status-hook', 'http://127.0.0.1:1/x', '--webhook-secret', ''],
      '--webhook-secret must not be empty',
    ],
  ])('refuses %j', (argv, message) => {
    expect(error(argv)).toBe(message);
  });

  it('names an unknown flag and a missing value', () => {
    expect(error(['--fail-ratio', '1'])).toMatch(/--fail-ratio/);
    expect(error(['--port'])).toMatch(/--port/);
    expect(error(['extra'])).toMatch(/extra/);
  });

  it('works from values parsed together with other flags', () => {
    const { values } = parseArgs({
      args: ['--latency', '5', '--format', 'json'],
      options: { ...SIMULATOR_FLAGS, format: { type: 'string' } },
    });
    expect(simulatorOptionsFromValues(values)).toEqual({ options: { latencyMs: 5 } });
  });

  it('gives options startSimulator takes', async () => {
    const result = parseSimulatorFlags(['--fail-status', '480', '--latency', '0']);
    if (!('options' in result)) throw new Error(result.error);
    const sim = await startSimulator(result.options);
    await sim.close();
    expect(sim.accountSid).toBe(DEFAULT_ACCOUNT_SID);
  });

  it('refuses delays longer than a timer takes (2^31-1 ms)', () => {
    expect(error(['--latency', '2147483648'])).toMatch(/^--latency .*at most 2147483647/);
    expect(error(['--ring-time', '597h'])).toMatch(/^--ring-time .*at most 2147483647 ms/);
    expect(error(['--read-latency', '597h'])).toMatch(/^--read-latency .*at most 2147483647 ms/);
    expect(error(['--talk-time', '99999999h'])).toMatch(/^--talk-time .*at most 2147483647 ms/);
    expect(parseSimulatorFlags(['--latency', '2147483647', '--ring-time', '596h'])).toEqual({
      options: { latencyMs: 2_147_483_647, ringMs: 596 * 3_600_000 },
    });
  });
});

describe('formatBanner', () => {
  it('puts the base URL alone on the first line and shows the default key', async () => {
    const sim = await startSimulator();
    await sim.close();
    const [first, second, ...rest] = formatBanner(sim).split('\n');
    expect(first).toBe(sim.url);
    expect(second).toContain(DEFAULT_ACCOUNT_SID);
    expect(second).toContain(DEFAULT_API_KEY);
    expect(rest).toEqual([]);
  });

  it('never prints a key given by the user', async () => {
    const sim = await startSimulator({ apiKey: 'my-own-secret-key' });
    await sim.close();
    const banner = formatBanner(sim);
    expect(banner.split('\n')[0]).toBe(sim.url);
    expect(banner).not.toContain('my-own-secret-key');
    expect(banner).toContain('--api-key');
  });

  it('the default constants are a UUID account and a key that differ', () => {
    expect(DEFAULT_ACCOUNT_SID).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(DEFAULT_API_KEY).not.toBe(DEFAULT_ACCOUNT_SID);
  });
});
