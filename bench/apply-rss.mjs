#!/usr/bin/env node
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the project writes a literal ${BENCH_API_KEY}
// Peak RSS of `callops apply --yes` alone, as bench/index.mjs measures it (BENCH_ONLY=apply):
// a fresh simulator (records kept 5 s) warmed by 1,000 raw calls, a project of 50 calls a
// file, the child under /usr/bin/time with its stdout drained through a pipe.
// Usage: node bench/apply-rss.mjs [calls=100000] [runs=3]; NODE_EXTRA="--flag …" adds node flags.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/callops.js');
const CALLS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 3);
const EXTRA = (process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean);
const { DEFAULT_API_KEY, DEFAULT_ACCOUNT_SID } = await import(
  join(ROOT, 'dist/simulator/index.js')
);

const startSimulator = () =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--', CLI, 'simulator', '--port', '0', '--record-ttl', '5s'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (url) => resolve({ url: url.trim(), child }));
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });

const measure = (args, env = {}) =>
  new Promise((resolve, reject) => {
    const out = join(tmpdir(), `callops-rss-${process.pid}-${Math.random()}`);
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', out, process.execPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    child.stdout.resume();
    child.stderr.on('data', (c) => {
      tail = (tail + c).slice(-4000);
    });
    child.once('close', (code) => {
      const [rss, u, s] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ');
      rmSync(out, { force: true });
      if (code !== 0) reject(new Error(`exited ${code}: ${tail}`));
      else
        resolve({
          rssKB: Number(rss),
          cpu: Number(u) + Number(s),
          ms: performance.now() - started,
        });
    });
  });

const project = (url, calls) => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-rss-'));
  mkdirSync(join(dir, 'calls'));
  writeFileSync(
    join(dir, 'callops.yaml'),
    `targets:\n  bench:\n    base_url: ${url}\n    account_sid: ${DEFAULT_ACCOUNT_SID}\n    api_key: \${BENCH_API_KEY}\n    concurrency: 32\n`,
  );
  const head = [
    'defaults:',
    '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
    '  from: "+15550001111"',
    'calls:',
  ];
  for (let first = 0; first < calls; first += 50) {
    const lines = [...head];
    for (let i = first; i < Math.min(calls, first + 50); i++)
      lines.push(
        `  - name: call-${i}`,
        `    to: { type: phone, number: "+1555${String(i).padStart(7, '0')}" }`,
        `    tag: { run: bench, i: ${i} }`,
      );
    writeFileSync(
      join(dir, 'calls', `f${String(first / 50).padStart(5, '0')}.yaml`),
      `${lines.join('\n')}\n`,
    );
  }
  return dir;
};

const results = [];
for (let r = 0; r < RUNS; r++) {
  const sim = await startSimulator();
  try {
    await measure([join(ROOT, 'bench/raw-post.mjs'), sim.url, '1000', '32']);
    const dir = project(sim.url, CALLS);
    try {
      const m = await measure([...EXTRA, '--', CLI, '-C', dir, 'apply', '--yes'], {
        BENCH_API_KEY: DEFAULT_API_KEY,
      });
      results.push(m);
      console.log(
        `${CALLS} calls run ${r + 1}: ${(m.rssKB / 1024).toFixed(1)} MB peak RSS, ${m.cpu.toFixed(2)} s CPU, ${(m.ms / 1000).toFixed(2)} s wall`,
      );
      if (process.env.KEEP) console.log(`kept ${dir}`);
    } finally {
      if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    const exited = new Promise((res) => sim.child.once('exit', res));
    sim.child.kill('SIGTERM');
    await exited;
  }
}
console.log(`best of ${RUNS}: ${(Math.min(...results.map((m) => m.rssKB)) / 1024).toFixed(1)} MB`);
