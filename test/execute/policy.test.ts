// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} markers are the expected redacted text
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptResult } from '../../src/execute/client.js';
import {
  backoffDelay,
  classifyAttempt,
  gatewayMessage,
  nextOutageStep,
  type Outage,
  parseRetryAfter,
  retryDelay,
} from '../../src/execute/policy.js';
import { makeRedactor } from '../../src/report/redact.js';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const same = (text: string) => text;
const options = { target: 'prod', nowMs: NOW, redact: same };
const SID = '98e4dd21-b178-4af1-83b6-3c1582893890';

function response(
  status: number,
  bodyText: string,
  headers: Record<string, string> = {},
  statusText = '',
): AttemptResult {
  return { kind: 'response', status, statusText, headers, bodyText };
}

const classify = (result: AttemptResult) => classifyAttempt(result, options);

describe('classifyAttempt', () => {
  it('places a 2xx that carries a sid, keeping the callId', () => {
    expect(classify(response(201, `{"sid":"${SID}","callId":"c-1@10.0.0.1"}`))).toEqual({
      kind: 'placed',
      httpStatus: 201,
      sid: SID,
      callId: 'c-1@10.0.0.1',
    });
    expect(classify(response(200, `{"sid":"${SID.toUpperCase()}"}`))).toEqual({
      kind: 'placed',
      httpStatus: 200,
      sid: SID.toUpperCase(),
    });
  });

  it('calls a 2xx whose sid is not a call sid, or echoes a secret, unknown, and says why', () => {
    const KEY = 'Zq8Xv3-api-key-Kd7Wm2';
    const redact = makeRedactor([{ name: 'VG_API_KEY', value: KEY, always: true }]);
    const withKey = (result: AttemptResult) => classifyAttempt(result, { ...options, redact });
    const echoed = withKey(response(201, JSON.stringify({ sid: KEY, callId: KEY })));
    expect(echoed).toMatchObject({ kind: 'unknown', httpStatus: 201 });
    expect(JSON.stringify(echoed)).not.toContain('Zq8Xv3');
    expect(echoed.kind === 'unknown' && echoed.message).toBe(
      'the gateway answered 201 Created with a sid that is not a call sid ("${VG_API_KEY}") — the call may have been placed',
    );
    // A UUID key, echoed as the sid.
    const uuidKey = makeRedactor([{ name: 'VG_API_KEY', value: SID, always: true }]);
    const asSid = classifyAttempt(response(201, JSON.stringify({ sid: SID })), {
      ...options,
      redact: uuidKey,
    });
    expect(asSid.kind === 'unknown' && asSid.message).toBe(
      'the gateway answered 201 Created with a sid that holds a secret — the call may have been placed',
    );
    expect(classify(response(201, '{"sid":"s-1"}'))).toMatchObject({ kind: 'unknown' });
    // A callId that echoes a secret, or is no Call-ID, is left out; the call is placed.
    for (const callId of [KEY, 'a b', 'x'.repeat(300)]) {
      expect(withKey(response(201, JSON.stringify({ sid: SID, callId })))).toEqual({
        kind: 'placed',
        httpStatus: 201,
        sid: SID,
      });
    }
  });

  it('never takes a sid for a secret because a short value turns up inside it by chance', () => {
    // A 4-digit value from the environment sits inside about 1 in 2,000 random sids.
    const redact = makeRedactor([
      { name: 'YEAR', value: '2024' },
      { name: 'VG_API_KEY', value: 'Zq8Xv3-api-key-Kd7Wm2', always: true },
    ]);
    const sid = '8d3c2024-0000-4000-8000-000000000001';
    const callId = 'c0ffee00-2024-4000-8000-000000000002';
    expect(
      classifyAttempt(response(201, JSON.stringify({ sid, callId })), { ...options, redact }),
    ).toEqual({ kind: 'placed', httpStatus: 201, sid, callId });
    expect(redact.holds?.('2024')).toBe(true);
    expect(redact.holds?.(sid)).toBe(false);
  });

  it('calls a 2xx without a sid unknown', () => {
    for (const body of ['', '{}', '{"sid":""}', '{"sid":42}', 'OK', '{"sid":"s-1"']) {
      expect(classify(response(201, body)).kind).toBe('unknown');
    }
    const cut = classify({ ...response(201, ''), bodyError: 'other side closed' } as AttemptResult);
    expect(cut).toMatchObject({ kind: 'unknown', httpStatus: 201 });
    expect(cut.kind === 'unknown' && cut.message).toContain('other side closed');
  });

  it('calls a 2xx whose answer passed the cap unknown, even with a sid at its start', () => {
    const cut = { ...response(201, '{"sid":"s-1"}   '), truncated: true } as AttemptResult;
    const verdict = classify(cut);
    expect(verdict).toMatchObject({ kind: 'unknown', httpStatus: 201 });
    expect(verdict.kind === 'unknown' && verdict.message).toContain('larger than 64 KiB');
  });

  it('keeps the class of an error answer that passed the cap, its message cut short', () => {
    const long = (status: number) =>
      ({
        ...response(status, `no: ${'x'.repeat(5000)}`, { 'retry-after': '1' }),
        truncated: true,
      }) as AttemptResult;
    const failed = classify(long(400));
    expect(failed).toMatchObject({ kind: 'failed', httpStatus: 400 });
    expect(failed.kind === 'failed' && failed.message.length).toBeLessThanOrEqual(300);
    expect(classify(long(503))).toMatchObject({ kind: 'retry', httpStatus: 503 });
    expect(classify(long(500))).toMatchObject({ kind: 'unknown', httpStatus: 500 });
  });

  it('fails other 4xx with the gateway message', () => {
    expect(classify(response(400, '{"msg":"missing from parameter"}'))).toEqual({
      kind: 'failed',
      httpStatus: 400,
      message: 'missing from parameter',
    });
    expect(classify(response(404, 'Not Found here'))).toMatchObject({
      kind: 'failed',
      message: 'Not Found here',
    });
    expect(classify(response(422, ''))).toMatchObject({
      kind: 'failed',
      message: '422 Unprocessable Entity',
    });
  });

  it('stops the target on 401 with a hint at the api key', () => {
    const verdict = classify(response(401, 'Unauthorized', {}, 'Unauthorized'));
    expect(verdict).toMatchObject({ kind: 'failed', httpStatus: 401, signal: 'stop-target' });
    expect(verdict.kind === 'failed' && verdict.message).toBe(
      'the gateway refused the credential (401 Unauthorized) — check api_key of target `prod`',
    );
    expect(verdict.kind === 'failed' && verdict.stopReason).toContain('check api_key');
  });

  it('stops the target on 403 with a hint at the account sid', () => {
    const verdict = classify(response(403, '{"msg":"insufficient permissions"}'));
    expect(verdict).toMatchObject({ kind: 'failed', httpStatus: 403, signal: 'stop-target' });
    expect(verdict.kind === 'failed' && verdict.message).toBe(
      'the gateway refused the credential (403 Forbidden: insufficient permissions) — check account_sid of target `prod`',
    );
  });

  it('retries 429 with a target pause, 480 as an outage of the target, and 503 alone', () => {
    expect(classify(response(429, 'Too many', { 'retry-after': '300' }))).toMatchObject({
      kind: 'retry',
      httpStatus: 429,
      retryAfterMs: 300_000,
      signal: 'pause-target',
    });
    const busy = classify(response(480, '{"msg":"no available feature servers at this time"}'));
    expect(busy).toEqual({
      kind: 'retry',
      httpStatus: 480,
      reason: '480: no available feature servers at this time',
      signal: 'unavailable',
    });
    expect(classify(response(503, 'down', { 'retry-after': '2' }))).toEqual({
      kind: 'retry',
      httpStatus: 503,
      reason: '503 Service Unavailable: down',
      retryAfterMs: 2000,
    });
  });

  it('calls any other 5xx unknown', () => {
    for (const status of [500, 502, 504, 599]) {
      expect(classify(response(status, '{"msg":"fetch failed"}'))).toMatchObject({
        kind: 'unknown',
        httpStatus: status,
      });
    }
  });

  it('fails a redirect rather than following it', () => {
    for (const status of [300, 301, 302, 304, 307, 308]) {
      const verdict = classify(response(status, '', { location: 'https://vg.example.com/' }));
      expect(verdict).toMatchObject({ kind: 'failed', httpStatus: status });
    }
  });

  it('calls a 303 unknown, naming where it points: the POST was handled', () => {
    const where = 'https://vg.example.com/v1/Accounts/a/Calls/98e4dd21';
    const verdict = classify(response(303, '', { location: where }));
    expect(verdict).toEqual({
      kind: 'unknown',
      httpStatus: 303,
      message: `the gateway answered 303 See Other, pointing at ${where}: a 303 after a POST says the request was handled — the call may have been placed`,
    });
    expect(classify(response(303, ''))).toMatchObject({
      kind: 'unknown',
      message:
        'the gateway answered 303 See Other, without a Location: a 303 after a POST says the request was handled — the call may have been placed',
    });
  });

  it('calls a 503 without Retry-After unknown, as a proxy answers it once the request may have gone', () => {
    const envoy =
      'upstream connect error or disconnect/reset before headers. reset reason: connection termination';
    const verdict = classify(
      response(503, envoy, { server: 'envoy', 'content-type': 'text/plain' }),
    );
    expect(verdict).toEqual({
      kind: 'unknown',
      httpStatus: 503,
      message: `the gateway answered 503 Service Unavailable without Retry-After: ${envoy} — a proxy answers so when its connection to the gateway dropped after the gateway may have received the request: the call may have been placed; \`callops resolve --check\` looks it up on the gateway`,
    });
    // A blank Retry-After asks for nothing.
    expect(classify(response(503, '', { 'retry-after': ' ' }))).toMatchObject({
      kind: 'unknown',
    });
    // Any Retry-After is the gateway's own "later": a value that is no delay gets the backoff.
    expect(classify(response(503, 'busy', { 'retry-after': 'soon' }))).toEqual({
      kind: 'retry',
      httpStatus: 503,
      reason: '503 Service Unavailable: busy',
    });
  });

  it('says a compressed answer is not read, for a success and an error alike', () => {
    const gzip = { 'content-encoding': 'gzip' };
    expect(classify(response(201, `{"sid":"${SID}"}`, gzip))).toEqual({
      kind: 'unknown',
      httpStatus: 201,
      message:
        'the gateway answered 201 Created compressed (Content-Encoding gzip), which callops does not read: its call sid is not known — the call may have been placed',
    });
    expect(classify(response(400, '\u001f\u008b\u0008junk', gzip))).toEqual({
      kind: 'failed',
      httpStatus: 400,
      message:
        '400 Bad Request, its body compressed (Content-Encoding gzip), which callops does not read',
    });
    // identity is no compression.
    expect(
      classify(response(201, `{"sid":"${SID}"}`, { 'content-encoding': 'identity' })),
    ).toMatchObject({ kind: 'placed', sid: SID });
  });

  it('retries errors raised before sending and calls the others unknown', () => {
    const refused: AttemptResult = {
      kind: 'error',
      sent: false,
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
    };
    expect(classify(refused)).toMatchObject({ kind: 'retry' });
    expect(classify({ ...refused, sent: true, code: 'UND_ERR_SOCKET' })).toMatchObject({
      kind: 'unknown',
    });
  });
});

describe('gatewayMessage', () => {
  it('decodes HTML character references in the message, named, decimal and hex', () => {
    const page =
      '<html><body><p>token &quot;a&amp;b&#39;&#x2F;&uuml;&lt;&gt;&quot; &#8230; &bogus;</p></body></html>';
    expect(gatewayMessage(page, same)).toBe(`token "a&b'/ü<>" … &bogus;`);
    expect(gatewayMessage('{"msg":"bad &quot;to&quot;"}', same)).toBe('bad "to"');
    expect(gatewayMessage('&#0; &#x110000; &#xD800;', same)).toBe('&#0; &#x110000; &#xD800;');
  });

  it('reads msg from JSON, plain text as is, and HTML without its tags', () => {
    expect(gatewayMessage('{"msg":"Bad request"}', same)).toBe('Bad request');
    expect(gatewayMessage('Unauthorized\n', same)).toBe('Unauthorized');
    expect(gatewayMessage('<html><body><h1>Too many</h1>\n<p>later</p></body></html>', same)).toBe(
      'Too many later',
    );
    expect(gatewayMessage('x'.repeat(1000), same).length).toBeLessThanOrEqual(300);
  });

  it('strips only markup: a value between `<` and `>` echoed in NFD stays whole, and is redacted', () => {
    const HEADER = 'HdrCanary-7/+&<ü>Val';
    const redact = makeRedactor([{ name: 'HDR', value: HEADER }]);
    const body = `nfd {"headers":{"X-Canary":"${HEADER}"}}`.normalize('NFD');
    expect(body).toContain('<u\u0308>');
    expect(gatewayMessage(body, redact)).toBe('nfd {"headers":{"X-Canary":"${HDR}"}}');
    // Beside real markup too.
    expect(gatewayMessage(`<p>bad: ${HEADER.normalize('NFD')}</p><br/>`, redact)).toBe(
      'bad: ${HDR}',
    );
    expect(
      gatewayMessage('<!DOCTYPE html><a href="/x">link</a><!-- note --><p class=a>t</p>', same),
    ).toBe('link t');
  });

  it('redacts the whole message before cutting it: no start of a secret survives the cut', () => {
    const KEY = 'CanaryKey0123456789abcdefXYZ';
    const redact = makeRedactor([{ name: 'VG_API_KEY', value: KEY, always: true }]);
    for (let at = 280; at <= 300; at++) {
      const body = `${'x'.repeat(at)}${KEY} tail`;
      const msg = gatewayMessage(body, redact);
      expect(msg.length).toBeLessThanOrEqual(300);
      for (let n = 1; n <= 5; n++) expect(msg.endsWith(`${KEY.slice(0, n)}…`), msg).toBe(false);
      expect(msg).not.toContain('Canar');
    }
  });
});

describe('gatewayMessage of an answer that echoes a secret', () => {
  // The secret's letters and digits are upper case; every answer's own text, and the
  // marker, lower case: a capital or a digit in a message is a piece of the secret.
  const piece = fc.oneof(
    fc.stringMatching(/^[A-Z0-9]{1,6}$/),
    fc.constantFrom(
      '<b>',
      '</i>',
      '<script>',
      '<a href="x">',
      '<br/>',
      '<!-- c -->',
      '<p class=a>',
      '<',
      '>',
      '&',
      '&amp;',
      '&lt;',
      '&#39;',
      '"',
      "'",
      ' ',
      '  ',
      '\\',
      '\\n',
      '\t',
    ),
  );
  const secret = fc
    .array(piece, { minLength: 1, maxLength: 12 })
    .map((pieces) => pieces.join(''))
    .filter((s) => s.replace(/[^A-Z0-9]/g, '').length >= 8);
  const escapeHtml = (t: string) =>
    t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  /** Answers read as text (and one with a `msg`), each quoting the secret as gateways do. */
  const answers = (s: string): string[] => [
    `internal error for bearer ${s}: {"to":"sip:alice@example.com"}`,
    `<html>busy ${s}</html>`,
    `<html><body><h1>bad</h1><pre>bearer ${escapeHtml(s)}</pre></body></html>`,
    JSON.stringify({ error: { detail: `bearer ${s}`, note: JSON.stringify({ s }) } }),
    JSON.stringify({ msg: `invalid token ${s} (rejected)` }),
    JSON.stringify({ msg: `<p>token ${escapeHtml(s)}</p>` }),
    `too many for ${s}\n\n${s}`,
  ];

  it('shows no piece of it, whatever markup, references, quotes or white space it holds', () => {
    fc.assert(
      fc.property(secret, (s) => {
        const redact = makeRedactor([{ name: 'gw_key', value: s, always: true }]);
        for (const body of answers(s)) {
          const msg = gatewayMessage(body, redact);
          expect(msg, `${JSON.stringify(s)} in ${body}`).not.toMatch(/[A-Z0-9]/);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('shows none of the value a tag-like piece splits (three such keys)', () => {
    for (const s of ['Xq7<b>Lm9pR2vT8w', 'tok<i>abcdef123', `sEcReT-<script>&"'9f3k`]) {
      const redact = makeRedactor([{ name: 'GW_KEY', value: s, always: true }]);
      const body = `Internal error for Bearer ${s}: {"note":${JSON.stringify(s)}}`;
      expect(gatewayMessage(body, redact)).toBe(
        'Internal error for Bearer ${GW_KEY}: {"note":"${GW_KEY}"}',
      );
    }
  });

  it('finds a value that the readings put together from pieces that were none', () => {
    const redact = makeRedactor([{ name: 'GW_KEY', value: 'Xq7<b>Lm9pR2vT8w', always: true }]);
    // Another tag in the same place: stripped, it reads as the key stripped.
    expect(gatewayMessage('<p>token Xq7<i>Lm9pR2vT8w</p>', redact)).toBe('token ${GW_KEY}');
    // The key escaped twice: decoded once by the redactor's reading, once by the message's.
    expect(gatewayMessage('<p>token Xq7&amp;lt;b&amp;gt;Lm9pR2vT8w</p>', redact)).toBe(
      'token ${GW_KEY}',
    );
  });

  it('reads a large page in parts, each redacted before its markup is taken out', () => {
    const s = 'Xq7<b>Lm9pR2vT8w';
    const redact = makeRedactor([{ name: 'GW_KEY', value: s, always: true }]);
    for (const at of [4_090, 4_095, 16_380, 20_000]) {
      const body = `<p>${'<i></i>'.repeat(Math.floor(at / 7))}${s} ${'word '.repeat(400)}</p>`;
      const msg = gatewayMessage(body, redact);
      expect(msg.startsWith('${GW_KEY} word')).toBe(true);
      expect(msg).not.toMatch(/Xq|Lm9/);
    }
  });
});

describe('an attempt the HTTP client refused to write', () => {
  it('is failed, never unknown or retried, and stops the target', () => {
    const refused: AttemptResult = {
      kind: 'error',
      sent: false,
      code: 'UND_ERR_INVALID_ARG',
      message: 'invalid authorization header',
    };
    const verdict = classify(refused);
    expect(verdict).toEqual({
      kind: 'failed',
      message:
        'the request could not be sent: invalid authorization header (UND_ERR_INVALID_ARG) — check base_url, account_sid and api_key of target `prod`',
      signal: 'stop-target',
      stopReason:
        'target `prod` cannot be sent a request: invalid authorization header (UND_ERR_INVALID_ARG) — check base_url, account_sid and api_key of target `prod`',
    });
    // Written to a socket, the same code says nothing of what the gateway did.
    expect(classify({ ...refused, sent: true })).toMatchObject({ kind: 'unknown' });
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    // Neither delay-seconds nor a date: no Retry-After (the backoff), never an immediate retry.
    for (const odd of ['-5', '1.5', '12/24/2026', ' +3 '])
      expect(parseRetryAfter(odd, NOW)).toBeUndefined();
    expect(parseRetryAfter('Tuesday, 24-Nov-26 10:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Tue Nov 24 10:00:30 2026', NOW)).toBe(30_000);
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = () => 0.999_999;
    expect(backoffDelay(1, { random: top })).toBe(249);
    expect(backoffDelay(2, { random: top })).toBe(499);
    expect(backoffDelay(3, { random: top })).toBe(999);
    expect(backoffDelay(20, { random: top })).toBe(9_999);
    expect(backoffDelay(3, { random: () => 0 })).toBe(0);
  });

  it('stays within [0, min(cap, base * 2^(n-1))) for any draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, draw) => {
          const delay = backoffDelay(attempt, { random: () => draw });
          return delay >= 0 && delay < Math.min(10_000, 250 * 2 ** (attempt - 1));
        },
      ),
    );
  });

  it('honours Retry-After over the backoff', () => {
    const verdict = classify(response(503, '', { 'retry-after': '7' }));
    if (verdict.kind !== 'retry') throw new Error('expected a retry');
    expect(retryDelay(verdict, 1, { random: () => 0.5 })).toBe(7000);
    const bare = classify(response(429, ''));
    if (bare.kind !== 'retry') throw new Error('expected a retry');
    expect(retryDelay(bare, 2, { random: () => 0.5 })).toBe(250);
  });
});

describe('nextOutageStep (480: no feature server)', () => {
  const MINUTE = 60_000;
  /** The pauses of an outage that never ends, at a fixed draw, until it stops. */
  const pauses = (draw: number, maxPauseMs: number) => {
    const delays: number[] = [];
    let outage: Outage | undefined;
    let now = NOW;
    for (let round = 0; round < 100; round++) {
      const step = nextOutageStep(outage, now, maxPauseMs, { random: () => draw });
      if (step.kind === 'stop') return { delays, stop: step };
      delays.push(step.delayMs);
      outage = step.outage;
      now += step.delayMs;
    }
    throw new Error('never stopped');
  };

  it('grows 1, 2, 4, 8, 16, then 30 s, each between half and the whole', () => {
    // 15.5 s, then 15 s pauses while the outage stays within 3 minutes.
    expect(pauses(0, 3 * MINUTE).delays).toEqual([
      500,
      1_000,
      2_000,
      4_000,
      8_000,
      ...Array<number>(10).fill(15_000),
    ]);
    expect(pauses(0.999_999, 3 * MINUTE).delays.slice(0, 7)).toEqual([
      999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999,
    ]);
  });

  it('stops once waiting more would take the outage past max_pause', () => {
    const { delays, stop } = pauses(0.5, 10_000);
    expect(delays).toEqual([750, 1_500, 3_000]);
    expect(stop).toEqual({ kind: 'stop', waitedMs: 5_250, delayMs: 6_000 });
    expect(pauses(0.5, 100).delays).toEqual([]);
  });

  it('counts the outage from its first 480 and honours Retry-After', () => {
    const first = nextOutageStep(undefined, NOW, MINUTE, { random: () => 0 });
    expect(first).toEqual({ kind: 'pause', delayMs: 500, outage: { sinceMs: NOW, rounds: 1 } });
    const later = nextOutageStep({ sinceMs: NOW, rounds: 1 }, NOW + 50_000, MINUTE, {
      retryAfterMs: 20_000,
    });
    expect(later).toEqual({ kind: 'stop', waitedMs: 50_000, delayMs: 20_000 });
  });

  it('never waits past max_pause in all, for any draws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1 }),
        fc.integer({ min: 1, max: 10 * MINUTE }),
        (draws, maxPauseMs) => {
          let outage: Outage | undefined;
          let now = NOW;
          for (const draw of draws) {
            const step = nextOutageStep(outage, now, maxPauseMs, { random: () => draw });
            if (step.kind === 'stop') return;
            expect(step.delayMs).toBeGreaterThan(0);
            now += step.delayMs;
            outage = step.outage;
            expect(now - NOW).toBeLessThanOrEqual(maxPauseMs);
          }
        },
      ),
    );
  });
});
