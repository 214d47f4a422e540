import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLIENT = fileURLToPath(new URL('../../dist/execute/client.js', import.meta.url));

/**
 * A child process (V8's flags are process-wide) places 4,000 calls through the gateway client
 * against a server on 127.0.0.1 and prints the most memory V8 allocated outside its heap. The
 * optimising compile of undici's HTTP parser, were it made, takes some 30 MB of it.
 */
const SCRIPT = `
import http from 'node:http';
import v8 from 'node:v8';
const { createGatewayClient } = await import(process.env.CLIENT_MODULE);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end('{"sid":"s-1","callId":"c-1"}');
  });
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const client = createGatewayClient({
  name: 'vg', baseUrl: 'http://127.0.0.1:' + server.address().port, accountSid: 'AC-test',
  apiKey: 'key-test', concurrency: 16, requestTimeoutMs: 5000, maxPauseMs: 60000,
});
let placed = 0;
for (let wave = 0; wave < 250; wave += 1) {
  const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => client.post({
    key: 'vg/call-' + (wave * 16 + i), target: 'vg', body: { application_sid: 'app', from: '+15550001111' },
  })));
  placed += answers.filter((a) => a.kind === 'response' && a.status === 201).length;
}
await client.close();
server.close();
process.stdout.write(JSON.stringify({ placed, peak: v8.getHeapStatistics().peak_malloced_memory }));
`;

describe('the HTTP parser stays at V8 baseline tier', () => {
  it('places 4,000 calls without the optimising compile of the parser (peak malloc under 16 MB)', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      env: { ...process.env, CLIENT_MODULE: CLIENT },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const { placed, peak } = JSON.parse(out) as { placed: number; peak: number };
    expect(placed).toBe(4_000);
    expect(peak).toBeLessThan(16 * 1024 * 1024);
  });
});
