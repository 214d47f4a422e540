import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SourceDocument } from '../../src/config/types.js';
import { type Diagnostic, sortDiagnostics } from '../../src/validate/diagnostic.js';
import { checkCallsDocument, checkConfigDocument } from '../../src/validate/schema-check.js';
import { sourceDoc } from './source-doc.js';

/** `line:column path message` of each diagnostic, in reporting order, for exact comparison. */
const lines = (diagnostics: Diagnostic[], file: string): string[] =>
  sortDiagnostics(diagnostics).map((d) => {
    expect(d.severity).toBe('error');
    expect(d.file).toBe(file);
    return `${d.line}:${d.column} ${d.path} ${d.message}`;
  });

const calls = (text: string): string[] =>
  lines(checkCallsDocument(sourceDoc(text), text), 'calls/test.yaml');

const config = (text: string): string[] =>
  lines(checkConfigDocument(sourceDoc(text, 'callops.yaml'), text), 'callops.yaml');

const call = (body: string) => `calls:\n  - name: a\n${body.replace(/^/gm, '    ')}\n`;

describe('valid documents', () => {
  test('the call file of the SPEC passes', () => {
    const text = `# yaml-language-server: $schema=../schemas/callops-calls.schema.json
defaults:
  application_sid: \${APP_SID}
  from: "+15550001111"
calls:
  - name: welcome-alice
    to: { type: phone, number: "+15550002222" }
    tag: { customer: alice }
  - name: weekday-check
    to: { type: sip, sipUri: "sip:probe@example.com" }
    schedule: { cron: "0 9 * * 1-5", timezone: Europe/Berlin }
`;
    expect(calls(text)).toEqual([]);
  });

  test('relative webhook paths are accepted, as the gateway accepts them', () => {
    const text = call(`application_sid: abc
actionHook: /call-ended
confirmHook: { url: /confirm, method: GET, username: u, password: p }
referHook: https://example.com/refer
amd: { actionHook: /amd, thresholdWordCount: 5, timers: { noSpeechTimeoutMs: 3000 } }
listen: { url: wss://example.com/audio, actionHook: /listen-done, mixType: stereo }
transcribe: { transcriptionHook: /transcripts, recognizer: { vendor: google, language: en-US } }
call_hook: { url: /answer }
to: { type: user, name: bob }`);
    expect(calls(text)).toEqual([]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  test('${VAR} is accepted where a number, an integer, a phone number or a URL is expected', () => {
    const text = call(`timeout: \${RING_SECONDS}
timeLimit: "\${MAX_SECONDS:-600}"
to: { type: phone, number: "\${ALICE_NUMBER}" }
amd: { actionHook: "\${BASE}/amd", thresholdWordCount: "\${WORDS}" }
actionHook: \${BASE_URL}/ended`);
    expect(calls(text)).toEqual([]);
  });

  test('a callops.yaml like the SPEC passes', () => {
    const text = `targets:
  production:
    base_url: https://vg.example.com
    account_sid: \${VG_ACCOUNT_SID}
    api_key: \${VG_API_KEY}
    concurrency: 8
    rate: 5/s
    request_timeout: 15s
default_target: production
calls: ["calls/**/*.yaml"]
lockfile: callops.lock
defaults: { timeout: 45 }
`;
    expect(config(text)).toEqual([]);
  });
});

describe('unknown keys', () => {
  test('a misspelt option names the closest one', () => {
    expect(calls(call('timelimit: 30'))).toEqual([
      '3:5 /calls/0/timelimit unknown option `timelimit` — did you mean `timeLimit`?',
    ]);
  });

  test('an unknown option with nothing close gets no suggestion', () => {
    expect(calls(call('colour: red'))).toEqual(['3:5 /calls/0/colour unknown option `colour`']);
  });

  test('a misspelt option in defaults, and a misspelt document key', () => {
    expect(calls('defaults:\n  timout: 30\ncalls: []\ncall: []\n')).toEqual([
      '2:3 /defaults/timout unknown option `timout` — did you mean `timeout`?',
      '4:1 /call unknown key `call` — did you mean `calls`?',
    ]);
  });

  test('a misspelt key nested in amd (a gateway schema) is still an error', () => {
    expect(calls(call('amd: {actionHook: /amd, thresholdWordCont: 5}'))).toEqual([
      '3:29 /calls/0/amd/thresholdWordCont unknown key `thresholdWordCont` — did you mean `thresholdWordCount`?',
    ]);
  });

  test('a misspelt schedule key', () => {
    expect(calls(call('schedule:\n  cron: "0 9 * * *"\n  timezon: UTC'))).toEqual([
      '5:7 /calls/0/schedule/timezon unknown key `timezon` — did you mean `timezone`?',
    ]);
  });
});

describe('to', () => {
  test('a string instead of an object', () => {
    expect(calls(call('to: "+15551234567"'))).toEqual([
      '3:9 /calls/0/to must be an object, got string "+15551234567" — write it as to: { type: phone, number: "+15551234567" }',
    ]);
  });

  test('an unknown type', () => {
    expect(calls(call('to: {type: fax, number: "+15551234567"}'))).toEqual([
      '3:16 /calls/0/to/type must be one of `phone`, `sip`, `user`, `teams`, got string "fax"',
    ]);
  });

  test('the address field each type needs', () => {
    expect(calls(call('to: {type: sip}'))).toEqual([
      '3:9 /calls/0/to must have `sipUri` (needed when `type` is `sip`)',
    ]);
    expect(calls(call('to: {type: teams, tenant: t}'))).toEqual([
      '3:9 /calls/0/to must have `number` (needed when `type` is `phone` or `teams`)',
    ]);
  });

  test('a phone number must be an optional + and 3–15 digits', () => {
    expect(calls(call('to: {type: phone, number: "555-1234"}'))).toEqual([
      '3:31 /calls/0/to/number must be a phone number: an optional + and 3–15 digits, got "555-1234"',
    ]);
    expect(calls(call('to: {type: phone, number: "+1234567890123456"}'))).toEqual([
      '3:31 /calls/0/to/number must be a phone number: an optional + and 3–15 digits, got "+1234567890123456"',
    ]);
  });

  test('an unquoted number is a string to quote, and the lost + is explained', () => {
    expect(calls(call('to: {type: phone, number: +15551234567}'))).toEqual([
      '3:31 /calls/0/to/number must be a string — quote it: "+15551234567" (unquoted, YAML reads +15551234567 as the number 15551234567 and drops the +)',
    ]);
    expect(calls(call('from: 15551234567'))).toEqual([
      '3:11 /calls/0/from must be a string — quote it: "15551234567"',
    ]);
  });

  test('without the source text, the value is quoted back as YAML read it', () => {
    const doc = sourceDoc(call('to: {type: phone, number: +15551234567}'));
    expect(checkCallsDocument(doc).map((d) => d.message)).toEqual([
      'must be a string — quote it: "15551234567" (unquoted, YAML reads it as a number: a leading + or 0 is lost)',
    ]);
  });
});

describe('numbers and strings', () => {
  test.each([
    ['0', 'must be a positive integer, got 0'],
    ['-1', 'must be a positive integer, got -1'],
    ['1.5', 'must be an integer, got number 1.5'],
    ['abc', 'must be an integer, got string "abc"'],
    ['true', 'must be an integer, got boolean true'],
    ['', 'must be an integer, got an empty value'],
    ['99999999999999999999999', 'must be at most 2147483647, got 1e+23'],
  ])('timeout: %s is rejected', (value, message) => {
    expect(calls(call(`timeout: ${value}`))).toEqual([`3:14 /calls/0/timeout ${message}`]);
  });

  test('from must not be empty nor longer than 256 characters', () => {
    expect(calls(call('from: ""'))).toEqual(['3:11 /calls/0/from must not be empty']);
    expect(calls(call(`from: "${'1'.repeat(257)}"`))).toEqual([
      '3:11 /calls/0/from must be at most 256 characters long, got 257',
    ]);
  });

  test('dtmfCapture is a list of strings, headers an object of strings, tag an object', () => {
    expect(calls(call('dtmfCapture: "*2"\nheaders: {X-Campaign: 5}\ntag: [a]'))).toEqual([
      '3:18 /calls/0/dtmfCapture must be a list, got string "*2"',
      '4:27 /calls/0/headers/X-Campaign must be a string — quote it: "5"',
      '5:10 /calls/0/tag must be an object, got a list',
    ]);
  });
});

describe('webhooks', () => {
  test('a wrong type is one error, not one per alternative', () => {
    expect(calls(call('actionHook: 5'))).toEqual([
      '3:17 /calls/0/actionHook must be a string or an object, got number 5',
    ]);
  });

  test('an object webhook reports its own mistakes only', () => {
    expect(calls(call('actionHook: {urll: /x}'))).toEqual([
      '3:17 /calls/0/actionHook must have `url`',
      '3:18 /calls/0/actionHook/urll unknown key `urll` — did you mean `url`?',
    ]);
  });

  test('a string that is not a URL nor a path', () => {
    expect(calls(call('referHook: "not a url"'))).toEqual([
      '3:16 /calls/0/referHook must be a URL or a path such as "/hook", got string "not a url"',
    ]);
  });
});

describe('nested gateway objects', () => {
  test('listen is checked against the gateway listen schema, down to its transcribe', () => {
    const text = call(`listen:
  urll: wss://example.com
  mixType: quad
  transcribe:
    recognizer: {vendr: google}`);
    expect(calls(text)).toEqual([
      '4:7 /calls/0/listen must have `url`',
      '4:7 /calls/0/listen/urll unknown key `urll` — did you mean `url`?',
      '5:16 /calls/0/listen/mixType must be one of `mono`, `stereo`, `mixed`, got string "quad"',
      '7:21 /calls/0/listen/transcribe/recognizer must have `vendor`',
      '7:22 /calls/0/listen/transcribe/recognizer/vendr unknown key `vendr` — did you mean `vendor`?',
    ]);
  });

  test('transcribe is checked against the gateway transcribe schema', () => {
    const text = call('transcribe: {transcriptionHook: 5, channel: 3, earlyMedia: "yes"}');
    expect(calls(text)).toEqual([
      '3:37 /calls/0/transcribe/transcriptionHook must be a string — quote it: "5"',
      '3:49 /calls/0/transcribe/channel must be one of `1`, `2`, got number 3',
      '3:64 /calls/0/transcribe/earlyMedia must be true or false, got string "yes" (YAML 1.2 reads `yes` as text: write true or false)',
    ]);
  });

  test('amd needs its actionHook', () => {
    expect(calls(call('amd: {thresholdWordCount: 5}'))).toEqual([
      '3:10 /calls/0/amd must have `actionHook`',
    ]);
  });
});

describe('calls and schedules', () => {
  test('a call needs a name of the allowed form', () => {
    expect(calls('calls:\n  - to: {type: user, name: bob}\n  - name: Welcome Alice\n')).toEqual([
      '2:5 /calls/0 must have `name`',
      '3:11 /calls/1/name must be lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit, got "Welcome Alice"',
    ]);
  });

  test('a schedule has not both cron and at; a call may leave both to its defaults', () => {
    // Its defaults, perhaps callops.yaml's, may give them: validate judges the merged call.
    expect(calls(call('schedule: {timezone: UTC}'))).toEqual([]);
    expect(calls(call('schedule: {cron: "0 9 * * *", at: "2026-12-01T09:00:00Z"}'))).toEqual([
      '3:15 /calls/0/schedule must have only one of `cron` and `at`',
    ]);
    expect(calls('defaults:\n  schedule: {timezone: UTC}\ncalls: []\n')).toEqual([]);
    expect(calls('defaults:\n  schedule: {cron: x, at: y}\ncalls: []\n')).toEqual([
      '2:13 /defaults/schedule must not have both `cron` and `at`',
    ]);
  });

  test('a schedule that is not an object is one type error', () => {
    expect(calls(call('schedule: daily'))).toEqual([
      '3:15 /calls/0/schedule must be an object, got string "daily"',
    ]);
    expect(calls('defaults:\n  schedule: daily\ncalls: []\n')).toEqual([
      '2:13 /defaults/schedule must be an object, got string "daily"',
    ]);
  });

  test('a document must be a mapping with calls', () => {
    expect(calls('- name: a\n')).toEqual(['1:1  must be an object, got a list']);
    expect(calls('defaults: {timeout: 5}\n')).toEqual(['1:1  must have `calls`']);
  });
});

describe('callops.yaml', () => {
  test('unknown keys, wrong types and missing target fields', () => {
    const text = `targets:
  production:
    base_url: https://vg.example.com
    api_key: \${VG_API_KEY}
    concurency: 8
    allow_insecure: "yes"
  Bad/Name: {base_url: x, account_sid: y, api_key: z}
default_targt: production
calls: "calls/*.yaml"
`;
    expect(config(text)).toEqual([
      '3:5 /targets/production must have `account_sid`',
      '5:5 /targets/production/concurency unknown key `concurency` — did you mean `concurrency`?',
      '6:21 /targets/production/allow_insecure must be true or false, got string "yes" (YAML 1.2 reads `yes` as text: write true or false)',
      '7:3 /targets/Bad~1Name key must be lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit, got "Bad/Name"',
      '8:1 /default_targt unknown key `default_targt` — did you mean `default_target`?',
      '9:8 /calls must be a list, got string "calls/*.yaml"',
    ]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  test('concurrency is a positive integer or a ${VAR}', () => {
    const target = (v: string) =>
      `targets:\n  t:\n    base_url: u\n    account_sid: a\n    api_key: k\n    concurrency: ${v}\n`;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
    expect(config(target('${CONCURRENCY}'))).toEqual([]);
    expect(config(target('0'))).toEqual([
      '6:18 /targets/t/concurrency must be a positive integer, got 0',
    ]);
  });

  test('defaults in callops.yaml are checked like a call file’s', () => {
    expect(config('defaults: {timeLimt: 60}\n')).toEqual([
      '1:12 /defaults/timeLimt unknown option `timeLimt` — did you mean `timeLimit`?',
    ]);
  });
});

describe('robustness', () => {
  const fake = (data: unknown): SourceDocument => ({
    file: 'f.yaml',
    index: 0,
    data,
    locate: () => ({ line: 1, column: 1 }),
    locateKey: () => ({ line: 1, column: 1 }),
  });

  test('any JSON value gives diagnostics, never an exception', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        for (const data of [
          a,
          { calls: [a, { name: 'x', to: b, amd: a, listen: b }] },
          { targets: { t: a } },
        ]) {
          const all = [...checkCallsDocument(fake(data)), ...checkConfigDocument(fake(data))];
          for (const d of all) {
            expect(d.severity).toBe('error');
            expect(d.path === '' || d.path.startsWith('/')).toBe(true);
            expect(d.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  test('one mistake gives one diagnostic, even deep in the gateway schemas', () => {
    const text = call('listen: {url: wss://x, actionHook: {url: 5, basicAuth: {username: u}}}');
    expect(calls(text)).toEqual([
      '3:46 /calls/0/listen/actionHook/url must be a string — quote it: "5"',
      '3:60 /calls/0/listen/actionHook/basicAuth must have `password`',
    ]);
  });
});
