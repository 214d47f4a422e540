#!/usr/bin/env node
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the campaign bench writes literal ${row.X} references
// Throughput and start-up of callops against baselines measured in the same run, on the
// same machine, against the same simulator on 127.0.0.1. Prints ratios; asserts nothing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { parseAllDocuments } from 'yaml';
import { benchBody } from './body.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin/callops.js');
const N = Number(process.env.BENCH_CALLS ?? 2000);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOCK_ENTRIES = Number(process.env.BENCH_LOCK_ENTRIES ?? 100_000);
/** Runs of each no-op command with the large and the empty lockfile, interleaved. */
const LOCK_RUNS = Number(process.env.BENCH_LOCK_RUNS ?? 7);
const APPLY_CALLS = Number(process.env.BENCH_APPLY_CALLS ?? 10_000);
const APPLY_CONCURRENCY = Number(process.env.BENCH_APPLY_CONCURRENCY ?? 32);
const RSS_CALLS = Number(process.env.BENCH_RSS_CALLS ?? 100_000);
const RSS_RUNS = Number(process.env.BENCH_RSS_RUNS ?? 1);
/** Pairs of `apply` and raw undici at APPLY_CALLS (the ratio is their median). */
const APPLY_PAIRS = Number(process.env.BENCH_APPLY_PAIRS ?? 5);
const CALLS_PER_FILE = 50;
// BENCH_ONLY=lockfile runs the large-lockfile comparison alone; =rate the rate limiter
// alone; =startup the start-up ratios alone; =campaign the recipients-CSV one; =apply the
// whole-process apply against raw undici (time at APPLY_CALLS, peak RSS at RSS_CALLS);
// =validate the large validate against yaml.parse; =rss callops' peak RSS alone, each of
// BENCH_RSS_RUNS runs of `apply --yes` of BENCH_RSS_CALLS calls printed, then the best.
const ONLY = process.env.BENCH_ONLY;
// A start-up floor is Node's own start. NODE_EXTRA_CA_CERTS, set machine-wide on some
// hosts, makes every node process read and parse a CA bundle before any script runs (some
// 90 ms of CPU on a 2-CPU machine): added to both sides of a ratio, it shrinks the ratio.
// Nothing the bench starts uses TLS (all of it is http on 127.0.0.1), so every process it
// starts runs without it; BENCH_KEEP_CA_CERTS=1 keeps it, to see the difference.
const CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
const keepCaCerts = process.env.BENCH_KEEP_CA_CERTS === '1';
if (CA_CERTS !== undefined && !keepCaCerts) delete process.env.NODE_EXTRA_CA_CERTS;
const { DEFAULT_API_KEY, DEFAULT_ACCOUNT_SID } = await import(
  join(ROOT, 'dist/simulator/index.js')
);
const { createGatewayClient } = await import(join(ROOT, 'dist/execute/client.js'));
const { executeCalls } = await import(join(ROOT, 'dist/execute/run.js'));
const { openJournal } = await import(join(ROOT, 'dist/state/journal.js'));
const { serializeLockfile } = await import(join(ROOT, 'dist/state/lockfile.js'));

const body = benchBody;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const startSimulator = (extra = []) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', CLI, 'simulator', '--port', '0', ...extra], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (url) => resolve({ url: url.trim(), child }));
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}`)));
  });

const rawUndici = async (url) => {
  const pool = new Pool(url, { connections: C });
  const path = `/v1/Accounts/${DEFAULT_ACCOUNT_SID}/Calls`;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < N) {
      const i = next++;
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${DEFAULT_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`raw: ${res.statusCode} ${text}`);
    }
  };
  await Promise.all(Array.from({ length: C }, worker));
  const ms = performance.now() - started;
  await pool.close();
  return ms;
};

const target = (url) => ({
  name: 'bench',
  baseUrl: url,
  accountSid: DEFAULT_ACCOUNT_SID,
  apiKey: DEFAULT_API_KEY,
  concurrency: C,
  requestTimeoutMs: 15_000,
  maxPauseMs: 60_000,
});

const engine = async (url, withJournal) => {
  const client = createGatewayClient(target(url));
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-'));
  const journal = withJournal ? await openJournal(join(dir, '.callops')) : undefined;
  const requests = Array.from({ length: N }, (_, i) => ({
    key: `bench/c${i}`,
    target: 'bench',
    body: body(i),
  }));
  const writes = [];
  const started = performance.now();
  const outcomes = await executeCalls(requests, {
    clients: new Map([['bench', client]]),
    targets: new Map([['bench', target(url)]]),
    redact: (t) => t,
    beforeSend: async (r) => {
      if (journal)
        await journal.intent({
          key: r.key,
          target: 'bench',
          attempt: 1,
          definition: 'sha256:x',
          file: 'b.yaml',
        });
    },
    onEvent: (e) => {
      if (journal && e.type === 'call:done')
        writes.push(journal.outcome({ ...e.outcome, definition: 'sha256:x', file: 'b.yaml' }));
    },
  });
  await Promise.all(writes);
  const ms = performance.now() - started;
  await journal?.close();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
  const placed = outcomes.filter((o) => o.status === 'placed').length;
  if (placed !== N) throw new Error(`engine: ${placed}/${N} placed`);
  return ms;
};

const project = (url, calls) => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-'));
  mkdirSync(join(dir, 'calls'));
  writeFileSync(
    join(dir, 'callops.yaml'),
    `targets:\n  bench:\n    base_url: ${url}\n    account_sid: ${DEFAULT_ACCOUNT_SID}\n    api_key: \${BENCH_API_KEY}\n    concurrency: ${C}\n`,
  );
  const lines = [
    'defaults:',
    '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
    '  from: "+15550001111"',
    'calls:',
  ];
  for (let i = 0; i < calls; i++) {
    lines.push(
      `  - name: call-${i}`,
      `    to: { type: phone, number: "+1555${String(i).padStart(7, '0')}" }`,
      `    tag: { run: bench, i: ${i} }`,
    );
  }
  const text = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'calls/bench.yaml'), text);
  return { dir, text };
};

/** `stdout: 'ignore'` sends a large output to /dev/null (a pipe's buffer here holds 1 MB). */
const timeCommand = (args, env = {}, stdout = 'pipe') => {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
};

/**
 * Two projects with the same three calls, placed already on the built-in simulator (the
 * default target): one with an otherwise empty lockfile, one whose lockfile also holds
 * `entries` placed slots of a per-minute call (built once). A no-op apply and a plan of
 * each are timed in turn, so the ratio is measured on one machine state.
 */
const lockfileProjects = (entries) => {
  const make = (n) => {
    const dir = mkdtempSync(join(tmpdir(), 'callops-bench-lock-'));
    mkdirSync(join(dir, 'calls'));
    const calls = [0, 1, 2].map(
      (i) => `  - name: c${i}\n    to: { type: phone, number: "+1555000000${i}" }\n`,
    );
    writeFileSync(
      join(dir, 'calls/a.yaml'),
      `defaults:\n  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b\n  from: "+15550001111"\ncalls:\n${calls.join('')}`,
    );
    // A keep longer than the slots' age: the bench measures 100,000 entries, not what
    // state.keep would let go of them on the first apply.
    writeFileSync(join(dir, 'callops.yaml'), 'state:\n  keep: 36500d\n');
    const lock = { lockfileVersion: 1, calls: {} };
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < n; i++) {
      const slot = new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z');
      lock.calls[`simulator/minutely@${slot}`] = {
        status: 'placed',
        sid: `0b6c6a4e-${String(i).padStart(4, '0').slice(-4)}-4c1e-9a57-${String(i).padStart(12, '0')}`,
        callId: `c5f2a0d4-${String(i).padStart(4, '0').slice(-4)}-4b8e-8f1a-${String(i).padStart(12, '0')}`,
        at: slot,
        definition: `sha256:${'0123456789abcdef'.repeat(4)}`,
        file: 'calls/minutely.yaml',
      };
    }
    const text = serializeLockfile(lock);
    writeFileSync(join(dir, 'callops.lock'), text);
    // The first apply places the three calls and writes the lockfile and its copy.
    timeCommand(['--', CLI, '-C', dir, 'apply', '--yes']);
    return { dir, bytes: Buffer.byteLength(text) };
  };
  return { big: make(entries), empty: make(0) };
};

/**
 * `callops apply --rate 100/s` of 1,000 calls, whole process, against a simulator that logs
 * the instant it receives each create-call request: the achieved rate is the pace of those
 * arrivals (start-up and the last answer excluded), beside (n − 1) over the span from the
 * first to the last; and the busiest window of one second as the simulator saw it.
 */
const RATE_CALLS = Number(process.env.BENCH_RATE_CALLS ?? 1000);
const RATE = 100;
const rateRun = async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'callops-bench-rate-'));
  const log = join(logDir, 'sim.log');
  const sim = await startSimulator(['--log', log]);
  try {
    const { dir } = project(sim.url, RATE_CALLS);
    timeCommand(
      ['--', CLI, '-C', dir, 'apply', '--yes', '--rate', `${RATE}/s`, '--format', 'json'],
      { BENCH_API_KEY: DEFAULT_API_KEY },
    );
    rmSync(dir, { recursive: true, force: true });
  } finally {
    sim.child.kill('SIGTERM');
  }
  const times = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((r) => r.event === undefined && r.status === 201)
    .map((r) => Date.parse(r.at))
    .sort((a, b) => a - b);
  rmSync(logDir, { recursive: true, force: true });
  if (times.length !== RATE_CALLS) throw new Error(`rate: ${times.length}/${RATE_CALLS} received`);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  // The pace is the slope of arrival time over request number (least squares): one late
  // first or last request (its intent's fsync) does not stretch or shrink the whole span.
  const n = times.length;
  const meanI = (n - 1) / 2;
  const meanT = times.reduce((a, t) => a + t, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - meanI) * (times[i] - meanT);
    den += (i - meanI) ** 2;
  }
  const achieved = 1000 / (num / den);
  const span = ((n - 1) * 1000) / (times.at(-1) - times[0]);
  return { achieved, span, busiest };
};

/**
 * Start-up of a callops command against `node -e 0`, the two in turn (A B A B …) so that a
 * change in the machine's speed touches both: the ratio is taken pair by pair.
 */
const startupRatio = (args, pairs = 9, command = ['--', CLI, ...args]) => {
  const ratios = [];
  const ours = [];
  const base = [];
  for (let i = 0; i < pairs; i++) {
    const b = timeCommand(['-e', '0']);
    const a = timeCommand(command);
    ratios.push(a / b);
    ours.push(a);
    base.push(b);
  }
  return { ratio: median(ratios), ours: median(ours), base: median(base) };
};

/**
 * What a validate of the examples cannot do without: a process that loads the generated
 * schema validator of call files (through the same code cache) and js-yaml, reads calls/*.yaml
 * and checks every document against the schema. No positions, no other check, no output.
 */
const SCHEMA_FLOOR = `'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const root = ${JSON.stringify(ROOT)};
const { requireWithCodeCache } = require(join(root, 'dist/bundle/loader.cjs'));
const check = requireWithCodeCache(join(root, 'schemas/callops-calls.validate.cjs'), undefined, '', { eager: true }).exports.default;
const { loadAll } = require(require.resolve('js-yaml', { paths: [root] }));
let bad = 0;
for (const name of readdirSync(join(root, 'calls')).filter((n) => n.endsWith('.yaml')))
  for (const doc of loadAll(readFileSync(join(root, 'calls', name), 'utf8'))) if (!check(doc)) bad++;
if (bad > 0) throw new Error(bad + ' example documents fail the schema');
`;

/**
 * `callops validate` of 10,000 calls in 200 files, whole process, against a process that
 * reads the same files and `yaml.parse`s each one (the floor: the same parser, no
 * positions kept, no checks), in turn, best of RUNS each.
 */
const VALIDATE_FILES = 200;
const VALIDATE_PER_FILE = 50;
const validateRatio = () => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-validate-'));
  mkdirSync(join(dir, 'calls'));
  let bytes = 0;
  for (let f = 0; f < VALIDATE_FILES; f++) {
    const lines = [
      'defaults:',
      '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '  from: "+15550001111"',
      'calls:',
    ];
    for (let c = 0; c < VALIDATE_PER_FILE; c++) {
      const i = f * VALIDATE_PER_FILE + c;
      lines.push(
        `  - name: call-${i}`,
        `    to: { type: phone, number: "+1555${String(i).padStart(7, '0')}" }`,
        `    tag: { run: bench, i: ${i} }`,
      );
    }
    const text = `${lines.join('\n')}\n`;
    bytes += text.length;
    writeFileSync(join(dir, `calls/f${String(f).padStart(3, '0')}.yaml`), text);
  }
  const yamlPath = createRequire(join(ROOT, 'package.json')).resolve('yaml');
  const floor = [
    `const { parse } = require(${JSON.stringify(yamlPath)});`,
    `const { readdirSync, readFileSync } = require('node:fs');`,
    `const d = ${JSON.stringify(join(dir, 'calls'))};`,
    `for (const f of readdirSync(d).sort()) parse(readFileSync(d + '/' + f, 'utf8'));`,
  ].join('\n');
  const ours = [];
  const base = [];
  for (let r = 0; r < RUNS; r++) {
    base.push(timeWithCpu(['-e', floor]));
    ours.push(timeWithCpu(['--', CLI, '-C', dir, 'validate']));
  }
  rmSync(dir, { recursive: true, force: true });
  const best = (xs, k) => Math.min(...xs.map((x) => x[k]));
  return {
    ours: best(ours, 'ms'),
    base: best(base, 'ms'),
    oursCpu: best(ours, 'cpu'),
    baseCpu: best(base, 'cpu'),
    bytes,
    runs: { ours: ours.map((x) => x.ms), base: base.map((x) => x.ms) },
  };
};

/**
 * Wall time and CPU time (user + system, as the process itself counts it at exit) of a
 * node process. On a machine shared with other work the CPU time moves far less than the
 * wall time.
 */
const CPU_AT_EXIT =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\ncpu-us "+(u.user+u.system)+"\\n")})';
const timeWithCpu = (args) => {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_AT_EXIT, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpu = Number(/cpu-us (\d+)/.exec(String(r.stderr))?.[1]) / 1000;
  return { ms, cpu };
};

/** The goals of the performance issue, each as a ratio callops / floor (or achieved / ideal). */
const goals = [];

/**
 * A campaign project of `n` rows (three zones, a window) on the built-in simulator, and a
 * script that reads the same CSV with csv-parse alone: the baseline.
 */
/**
 * A campaign of `n` rows. With `url`, one `apply` places every row of now: no window, and a
 * target at that simulator.
 */
const campaignProject = (n, url) => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-campaign-'));
  if (url !== undefined) {
    writeFileSync(
      join(dir, 'callops.yaml'),
      `targets:\n  bench:\n    base_url: ${url}\n    account_sid: ${DEFAULT_ACCOUNT_SID}\n    api_key: \${BENCH_API_KEY}\n    concurrency: ${APPLY_CONCURRENCY}\n`,
    );
  }
  mkdirSync(join(dir, 'calls'));
  mkdirSync(join(dir, 'lists'));
  const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'];
  const lines = ['id,name,phone,timezone'];
  for (let i = 0; i < n; i++)
    lines.push(`r${i},Patient ${i},+1555${String(i).padStart(7, '0')},${zones[i % 3]}`);
  writeFileSync(join(dir, 'lists/people.csv'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(dir, 'calls/remind.yaml'),
    [
      'calls:',
      '  - name: remind',
      '    recipients: ../lists/people.csv',
      '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "${row.phone}" }',
      '    tag: { patient: "${row.name}", row: "${row.id}" }',
      ...(url === undefined ? ['    schedule: { window: "08:00-21:00" }'] : []),
      '',
    ].join('\n'),
  );
  return dir;
};

const CSV_ALONE = [
  `import { readFileSync } from 'node:fs';`,
  `import { parse } from ${JSON.stringify(join(ROOT, 'node_modules/csv-parse/dist/esm/sync.js'))};`,
  `const rows = parse(readFileSync(process.argv[2], 'utf8'), { bom: true });`,
  `if (rows.length < 2) process.exit(1);`,
].join('\n');

/**
 * Peak RSS (bytes) and CPU time (user + system, ms) of a node child: an --import hook writes
 * them to a file as the process exits. CPU time is the measure on a shared machine, where
 * the wall time of a child moves with the load of other work.
 */
const USAGE_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ rss: u.maxRSS * 1024, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 })); });`,
)}`;

const timeWithUsage = (args, stdout = 'pipe') => {
  const file = join(tmpdir(), `callops-bench-usage-${process.pid}`);
  const ms = timeCommand(['--import', USAGE_HOOK, ...args], { BENCH_USAGE_FILE: file }, stdout);
  const usage = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  return { ms, ...usage };
};

/**
 * A project of `calls` calls in files of CALLS_PER_FILE, going to `url` with the given
 * concurrency: the calls whose bodies are benchBody(0 … calls-1).
 */
const applyProject = (url, calls, concurrency) => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-apply-'));
  mkdirSync(join(dir, 'calls'));
  writeFileSync(
    join(dir, 'callops.yaml'),
    `targets:\n  bench:\n    base_url: ${url}\n    account_sid: ${DEFAULT_ACCOUNT_SID}\n    api_key: \${BENCH_API_KEY}\n    concurrency: ${concurrency}\n`,
  );
  const head = [
    'defaults:',
    '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
    '  from: "+15550001111"',
    'calls:',
  ];
  for (let first = 0; first < calls; first += CALLS_PER_FILE) {
    const lines = [...head];
    for (let i = first; i < Math.min(calls, first + CALLS_PER_FILE); i++) {
      lines.push(
        `  - name: call-${i}`,
        `    to: { type: phone, number: "+1555${String(i).padStart(7, '0')}" }`,
        `    tag: { run: bench, i: ${i} }`,
      );
    }
    const name = `f${String(first / CALLS_PER_FILE).padStart(5, '0')}.yaml`;
    writeFileSync(join(dir, 'calls', name), `${lines.join('\n')}\n`);
  }
  return dir;
};

let measured = 0;
/**
 * Runs `node …args` as a child under /usr/bin/time, its stdout drained through a pipe (as a
 * CI log reads it). Resolves with its wall time (ms), peak RSS (KB) and CPU time (user +
 * system, ms: steadier than the wall time on a machine shared with other work); rejects
 * when it fails or runs past `limitMs`.
 */
const measureChild = (args, env = {}, limitMs = 600_000) =>
  new Promise((resolve, reject) => {
    const rssFile = join(tmpdir(), `callops-bench-rss-${process.pid}-${measured++}`);
    const started = performance.now();
    const child = spawn(
      '/usr/bin/time',
      ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let tail = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      tail = (tail + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const [rss, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1).split(' ');
      rmSync(rssFile, { force: true });
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${tail}`));
      else
        resolve({
          ms,
          rssKB: Number.parseInt(rss, 10),
          cpuMs: (Number(user) + Number(sys)) * 1000,
        });
    });
  });

const rawPost = (url, calls) =>
  measureChild([join(ROOT, 'bench/raw-post.mjs'), url, String(calls), String(APPLY_CONCURRENCY)]);

/** The same, each intent durable before its request and each outcome after (raw-post.mjs DIR). */
const durablePost = async (url, calls) => {
  const dir = mkdtempSync(join(tmpdir(), 'callops-bench-durable-'));
  try {
    return await measureChild([
      join(ROOT, 'bench/raw-post.mjs'),
      url,
      String(calls),
      String(APPLY_CONCURRENCY),
      dir,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * `measure(url)` against a simulator of its own, started for it and warmed by 1,000 raw
 * calls: neither side meets a simulator slowed by the records of the other's calls (kept
 * 5 s after they end, not the default hour).
 */
const onFreshSimulator = async (measure) => {
  const sim = await startSimulator(['--record-ttl', '5s']);
  try {
    await rawPost(sim.url, 1000);
    return await measure(sim.url);
  } finally {
    const exited = new Promise((resolve) => sim.child.once('exit', resolve));
    sim.child.kill('SIGTERM');
    await exited;
  }
};

/** One `callops apply --yes` of a fresh project of `calls` calls, on a fresh simulator. */
const applyOnce = (calls, withPlan = false) =>
  onFreshSimulator(async (url) => {
    const dir = applyProject(url, calls, APPLY_CONCURRENCY);
    const env = { BENCH_API_KEY: DEFAULT_API_KEY };
    try {
      // What apply does before its first request (load, validate, resolve, plan), alone.
      const plan = withPlan ? await measureChild(['--', CLI, '-C', dir, 'plan'], env) : undefined;
      const applied = await measureChild(['--', CLI, '-C', dir, 'apply', '--yes'], env);
      return plan === undefined ? applied : { ...applied, planMs: plan.ms };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

/**
 * One `callops apply --yes` of a campaign of `n` rows, every row placed, on a fresh
 * simulator. With `again`, also the cost of running it again once all is placed (a campaign
 * applied from cron): `apply --yes` then, against `plan` of the campaign before any row was
 * placed (medians of `again` runs each, CPU time).
 */
const campaignApplyOnce = (n, again = 0) =>
  onFreshSimulator(async (url) => {
    const dir = campaignProject(n, url);
    const env = { BENCH_API_KEY: DEFAULT_API_KEY };
    try {
      const before = [];
      for (let r = 0; r < again; r++)
        before.push(await measureChild(['--', CLI, '-C', dir, 'plan'], env));
      const placed = await measureChild(['--', CLI, '-C', dir, 'apply', '--yes'], env);
      const after = [];
      for (let r = 0; r < again; r++)
        after.push(await measureChild(['--', CLI, '-C', dir, 'apply', '--yes'], env));
      // What a person reads once all is placed: every row's entry, each read in turn.
      const views = {};
      if (again > 0)
        for (const [name, args] of [
          ['plan', ['plan']],
          ['status', ['status']],
          ['status --format json', ['status', '--format', 'json']],
        ])
          views[name] = await measureChild(['--', CLI, '-C', dir, ...args], env);
      const cpu = (xs) => median(xs.map((x) => x.cpuMs));
      return {
        ...placed,
        ...(again > 0 ? { planBefore: cpu(before), applyAgain: cpu(after), views } : {}),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

/** One `callops apply --yes` of `calls` calls and the raw floor beside it (raw first if asked). */
const applyPair = async (calls, rawFirst = false, durable = false) => {
  const rawRun = () => onFreshSimulator((url) => rawPost(url, calls));
  const durableRun = () => onFreshSimulator((url) => durablePost(url, calls));
  const raw = rawFirst ? await rawRun() : undefined;
  const floor = durable && rawFirst ? await durableRun() : undefined;
  const ours = await applyOnce(calls, durable);
  return {
    ours,
    raw: raw ?? (await rawRun()),
    ...(durable ? { durable: floor ?? (await durableRun()) } : {}),
  };
};

/** Thrown to end the measuring early (BENCH_ONLY). */
class Done extends Error {}

const CAMPAIGN_ROWS = [20_000, 50_000, 100_000];
const campaign = [];
/** Peak RSS of `apply --yes` of a campaign, every row placed, at the fewest and most rows. */
const campaignApply = [];
const rows = [];
/** The issue's rows, as it states them: measure, callops, floor, ratio, goal. */
const applyRows = [];
const row = (what, ours, base, unit, higherIsBetter) => {
  const ratio = higherIsBetter ? ours / base : base / ours;
  rows.push({ what, ours, base, unit, ratio });
};

const { url, child } = await startSimulator();
try {
  if (ONLY === undefined || ONLY === 'lockfile') {
    const { big, empty } = lockfileProjects(LOCK_ENTRIES);
    const times = {
      apply: { big: [], empty: [] },
      plan: { big: [], empty: [] },
      one: { big: [], empty: [] },
    };
    // Commands of 150-250 ms on a machine whose speed moves: more runs than elsewhere.
    for (let r = 0; r < LOCK_RUNS; r++) {
      for (const [size, project] of [
        ['big', big],
        ['empty', empty],
      ]) {
        times.apply[size].push(timeCommand(['--', CLI, '-C', project.dir, 'apply', '--yes']));
        times.plan[size].push(timeCommand(['--', CLI, '-C', project.dir, 'plan']));
        // One new call placed: the lockfile is written again with its entry.
        writeFileSync(
          join(project.dir, `calls/new-${r}.yaml`),
          `defaults:\n  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b\n  from: "+15550001111"\ncalls:\n  - name: new-${r}\n    to: { type: phone, number: "+1555000100${r % 10}" }\n`,
        );
        times.one[size].push(timeCommand(['--', CLI, '-C', project.dir, 'apply', '--yes']));
      }
    }
    const label = `${LOCK_ENTRIES.toLocaleString('en')} entries, ${(big.bytes / 1024 / 1024).toFixed(0)} MiB`;
    for (const command of ['apply', 'plan']) {
      row(
        `no-op ${command === 'apply' ? 'apply --yes' : 'plan'}, lockfile of ${label} vs empty`,
        median(times[command].big),
        median(times[command].empty),
        'ms',
        false,
      );
    }
    row(
      `apply --yes placing one new call, lockfile of ${label} vs empty`,
      median(times.one.big),
      median(times.one.empty),
      'ms',
      false,
    );
    // Peak memory of one call placed beside it: read through its index, and read in full
    // once a pull brought an entry placed elsewhere (the index no longer describes the file).
    const memory = { index: [], pulled: [] };
    const lockPath = join(big.dir, 'callops.lock');
    const newCall = (name, digit) =>
      writeFileSync(
        join(big.dir, `calls/${name}.yaml`),
        `defaults:\n  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b\n  from: "+15550001111"\ncalls:\n  - name: ${name}\n    to: { type: phone, number: "+155500020${digit}0" }\n`,
      );
    for (let r = 0; r < 3; r++) {
      newCall(`kept-${r}`, r);
      memory.index.push(timeWithUsage(['--', CLI, '-C', big.dir, 'apply', '--yes']));
      const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
      const [first] = Object.values(lock.calls);
      lock.calls[`simulator/elsewhere-${r}`] = {
        ...first,
        sid: `0b6c6a4e-ffff-4c1e-9a57-00000000000${r}`,
        callId: `c5f2a0d4-ffff-4b8e-8f1a-00000000000${r}`,
      };
      writeFileSync(lockPath, serializeLockfile(lock));
      newCall(`pulled-${r}`, 5 + r);
      memory.pulled.push(timeWithUsage(['--', CLI, '-C', big.dir, 'apply', '--yes']));
    }
    const mib = (runs) => (median(runs.map((u) => u.rss)) / 1024 / 1024).toFixed(0);
    const cpu = (runs) => (median(runs.map((u) => u.cpu)) / 1000).toFixed(2);
    goals.push(
      `peak RSS, apply --yes placing one new call beside ${label}, medians of 3: through its index ${mib(memory.index)} MiB (${cpu(memory.index)} s CPU); read in full after a pull brought an entry placed elsewhere ${mib(memory.pulled)} MiB (${cpu(memory.pulled)} s CPU)`,
    );
    rmSync(big.dir, { recursive: true, force: true });
    rmSync(empty.dir, { recursive: true, force: true });
  }
  if (ONLY === undefined || ONLY === 'rate') {
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await rateRun());
    const achieved = median(runs.map((r) => r.achieved));
    const busiest = Math.max(...runs.map((r) => r.busiest));
    row(`apply --rate ${RATE}/s, ${RATE_CALLS} calls (achieved)`, achieved, RATE, 'calls/s', true);
    goals.push(
      `--rate ${RATE}/s over ${RATE_CALLS} calls, achieved / ideal: ${(achieved / RATE).toFixed(3)} (goal ≥ 0.99, never above; runs ${runs.map((r) => (r.achieved / RATE).toFixed(3)).join(', ')}; first to last: ${runs.map((r) => (r.span / RATE).toFixed(3)).join(', ')}); busiest 1 s window at the simulator: ${busiest}`,
    );
  }
  if (ONLY === undefined || ONLY === 'startup') {
    const validate = startupRatio(['-C', ROOT, 'validate']);
    const version = startupRatio(['--version']);
    const floorDir = mkdtempSync(join(tmpdir(), 'callops-bench-floor-'));
    const floorScript = join(floorDir, 'schema-floor.cjs');
    writeFileSync(floorScript, SCHEMA_FLOOR);
    const floor = startupRatio([], 9, ['--', floorScript]);
    rmSync(floorDir, { recursive: true, force: true });
    goals.push(
      `validate of the examples / node -e 0: ${validate.ratio.toFixed(2)}× (${validate.ours.toFixed(0)} vs ${validate.base.toFixed(0)} ms; goal ≤ 2×)`,
      `  its floor, node + the calls schema validator (code cache) + js-yaml over calls/*.yaml, no other check / node -e 0: ${floor.ratio.toFixed(2)}× (${floor.ours.toFixed(0)} ms)`,
      `--version / node -e 0: ${version.ratio.toFixed(2)}× (${version.ours.toFixed(0)} vs ${version.base.toFixed(0)} ms; goal ≤ 1.3×)`,
    );
  }
  if (ONLY === undefined || ONLY === 'campaign') {
    for (const n of CAMPAIGN_ROWS) {
      const dir = campaignProject(n);
      const script = join(dir, 'csv-alone.mjs');
      writeFileSync(script, CSV_ALONE);
      const ours = [];
      const base = [];
      // plan --format json writes every row (~370 bytes each): its memory must stay flat too.
      const json = [];
      for (let r = 0; r < RUNS; r++) {
        base.push(timeWithUsage(['--', script, join(dir, 'lists/people.csv')]));
        ours.push(timeWithUsage(['--', CLI, '-C', dir, 'plan']));
        json.push(timeWithUsage(['--', CLI, '-C', dir, 'plan', '--format', 'json'], 'ignore'));
      }
      const mid = (xs, key) => median(xs.map((x) => x[key]));
      campaign.push({
        n,
        ours: mid(ours, 'cpu'),
        base: mid(base, 'cpu'),
        rss: mid(ours, 'rss'),
        baseRss: mid(base, 'rss'),
        jsonRss: mid(json, 'rss'),
        jsonCpu: mid(json, 'cpu'),
      });
      row(
        `callops plan, campaign of ${n.toLocaleString('en')} rows vs csv-parse reading the CSV (CPU time)`,
        mid(ours, 'cpu'),
        mid(base, 'cpu'),
        'ms',
        false,
      );
      rmSync(dir, { recursive: true, force: true });
    }
    // Placing every row: what a run holds for each call it places shows here.
    const most = CAMPAIGN_ROWS[CAMPAIGN_ROWS.length - 1];
    for (const n of [CAMPAIGN_ROWS[0], most]) {
      const m = await campaignApplyOnce(n, n === most ? RUNS : 0);
      campaignApply.push({ n, ...m });
    }
  }
  if (ONLY === undefined || ONLY === 'apply') {
    const best = (xs, f) => Math.min(...xs.map(f));
    const median = (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    };
    // Pairs, each side on a fresh simulator, the order alternating: this machine's speed
    // moves within minutes, so a ratio is taken within a pair and the pairs' median shown.
    const small = [];
    for (let r = 0; r < APPLY_PAIRS; r++)
      small.push(await applyPair(APPLY_CALLS, r % 2 === 1, true));
    const large = [];
    for (let r = 0; r < RSS_RUNS; r++) large.push(await applyPair(RSS_CALLS));
    const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;
    const ratios = (f) => small.map((p) => f(p.ours) / f(p.raw));
    const shown = (xs) =>
      `${median(xs).toFixed(2)}× (pairs: ${xs.map((x) => x.toFixed(2)).join(', ')})`;
    applyRows.push({
      what: `apply ${APPLY_CALLS.toLocaleString('en')} calls, journal on, concurrency ${APPLY_CONCURRENCY}`,
      ours: seconds(median(small.map((p) => p.ours.ms))),
      floor: `raw undici Pool, same bodies: ${seconds(median(small.map((p) => p.raw.ms)))}`,
      ratio: shown(ratios((m) => m.ms)),
      goal: '≤ 1.3×',
    });
    const durableRatios = (f) => small.map((p) => f(p.ours) / f(p.durable));
    applyRows.push({
      what: `the same against the floor of the promise (each intent durable before its request)`,
      ours: seconds(median(small.map((p) => p.ours.ms))),
      floor: `raw undici Pool + a group-committed journal, pre-sized: ${seconds(median(small.map((p) => p.durable.ms)))} (${median(small.map((p) => p.durable.ms / p.raw.ms)).toFixed(2)}× raw)`,
      ratio: shown(durableRatios((m) => m.ms)),
      goal: '(what bounds the 1.3×)',
    });
    const before = median(small.map((p) => p.ours.planMs));
    applyRows.push({
      what: `the same against that floor plus \`callops plan\` of the project (all apply does before its first request)`,
      ours: seconds(median(small.map((p) => p.ours.ms))),
      floor: `${seconds(median(small.map((p) => p.durable.ms)))} + ${seconds(before)} (${median(small.map((p) => (p.durable.ms + p.ours.planMs) / p.raw.ms)).toFixed(2)}× raw)`,
      ratio: shown(small.map((p) => p.ours.ms / (p.durable.ms + p.ours.planMs))),
      goal: '(callops’ own cost while sending)',
    });
    applyRows.push({
      what: `CPU time (user + sys) of the same, ${APPLY_CALLS.toLocaleString('en')} calls`,
      ours: seconds(median(small.map((p) => p.ours.cpuMs))),
      floor: `raw: ${seconds(median(small.map((p) => p.raw.cpuMs)))}`,
      ratio: shown(ratios((m) => m.cpuMs)),
      goal: '(the steadier measure)',
    });
    const mb = (kb) => `${Math.round(kb / 1024).toLocaleString('en')} MB`;
    const oursLarge = best(large, (p) => p.ours.rssKB);
    const oursSmall = best(small, (p) => p.ours.rssKB);
    const perCall = (oursLarge - oursSmall) / (RSS_CALLS - APPLY_CALLS);
    applyRows.push({
      what: `peak RSS, apply ${RSS_CALLS.toLocaleString('en')} calls`,
      ours: mb(oursLarge),
      floor: `raw: ${mb(best(large, (p) => p.raw.rssKB))}`,
      ratio: `${(oursLarge / best(large, (p) => p.raw.rssKB)).toFixed(2)}×; ${mb(oursSmall)} at ${APPLY_CALLS.toLocaleString('en')}: ${perCall.toFixed(2)} KB/call`,
      goal: '≤ 250 MB, flat',
    });
  }
  if (ONLY === 'rss') {
    const runs = [];
    for (let r = 0; r < RSS_RUNS; r++) {
      const m = await applyOnce(RSS_CALLS);
      runs.push(m.rssKB);
      console.log(
        `apply ${RSS_CALLS} calls, run ${r + 1}: ${(m.rssKB / 1024).toFixed(1)} MB peak RSS, ${(m.cpuMs / 1000).toFixed(2)} s CPU, ${(m.ms / 1000).toFixed(2)} s wall`,
      );
    }
    console.log(`best of ${RSS_RUNS}: ${(Math.min(...runs) / 1024).toFixed(1)} MB`);
  }
  if (ONLY === undefined || ONLY === 'validate') {
    const v = validateRatio();
    const calls = (VALIDATE_FILES * VALIDATE_PER_FILE).toLocaleString('en');
    const ms = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
    goals.push(
      `validate ${calls} calls in ${VALIDATE_FILES} files (${(v.bytes / 1024).toFixed(0)} KiB) / yaml.parse of the same files, whole processes: ${(v.ours / v.base).toFixed(2)}× wall (${v.ours.toFixed(0)} vs ${v.base.toFixed(0)} ms, best of ${RUNS}; runs ${ms(v.runs.ours)} vs ${ms(v.runs.base)}), ${(v.oursCpu / v.baseCpu).toFixed(2)}× CPU (${v.oursCpu.toFixed(0)} vs ${v.baseCpu.toFixed(0)} ms); goal ≤ 1.2×, moonshot ≤ 1.0×`,
    );
  }
  if (ONLY !== undefined) throw new Done();
  // Warm the simulator and the JIT once, then take medians.
  await rawUndici(url);
  const raw = [];
  const eng = [];
  const engJ = [];
  for (let r = 0; r < RUNS; r++) {
    raw.push(await rawUndici(url));
    eng.push(await engine(url, false));
    engJ.push(await engine(url, true));
  }
  const rate = (ms) => (N * 1000) / ms;
  row(
    `engine, no journal (${N} calls, c=${C})`,
    rate(median(eng)),
    rate(median(raw)),
    'calls/s',
    true,
  );
  row(
    `engine + fsync journal (${N} calls, c=${C})`,
    rate(median(engJ)),
    rate(median(raw)),
    'calls/s',
    true,
  );

  const cli = [];
  for (let r = 0; r < RUNS; r++) {
    const { dir } = project(url, N);
    cli.push(
      timeCommand(['--', CLI, '-C', dir, 'apply', '--yes', '--format', 'json'], {
        BENCH_API_KEY: DEFAULT_API_KEY,
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  row(
    `callops apply, whole process (${N} calls)`,
    rate(median(cli)),
    rate(median(raw)),
    'calls/s',
    true,
  );

  const node0 = median(Array.from({ length: 7 }, () => timeCommand(['-e', '0'])));
  const version = median(Array.from({ length: 7 }, () => timeCommand(['--', CLI, '--version'])));
  const validateExamples = median(
    Array.from({ length: 7 }, () => timeCommand(['--', CLI, '-C', ROOT, 'validate'])),
  );
  row('callops --version start-up', version, node0, 'ms', false);
  row('callops validate calls/ (examples)', validateExamples, node0, 'ms', false);

  const big = project(url, 5000);
  const yamlMs = median(
    Array.from({ length: 3 }, () => {
      const s = performance.now();
      for (const d of parseAllDocuments(big.text)) d.toJS();
      return performance.now() - s;
    }),
  );
  const validateBig = median(
    Array.from({ length: 3 }, () => timeCommand(['--', CLI, '-C', big.dir, 'validate'])),
  );
  row(
    `callops validate, 5000 calls (${(big.text.length / 1024).toFixed(0)} KiB) vs yaml parse alone`,
    validateBig,
    yamlMs + node0,
    'ms',
    false,
  );
  rmSync(big.dir, { recursive: true, force: true });
} catch (error) {
  if (!(error instanceof Done)) throw error;
} finally {
  child.kill('SIGTERM');
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  `callops bench — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} CPU, ${RUNS} runs (median)`,
);
console.log(
  'baselines: raw undici Pool against the same simulator; `node -e 0`; yaml parseAllDocuments (+ node start-up)',
);
if (CA_CERTS !== undefined)
  console.log(
    keepCaCerts
      ? 'NODE_EXTRA_CA_CERTS kept (BENCH_KEEP_CA_CERTS=1): every process, floors included, loads it first'
      : 'NODE_EXTRA_CA_CERTS was set: every process the bench started ran without it (BENCH_KEEP_CA_CERTS=1 keeps it)',
  );
console.log('');
console.log(['metric', 'callops', 'baseline', 'unit', 'callops/baseline'].join(' | '));
for (const r of rows)
  console.log([r.what, fmt(r.ours), fmt(r.base), r.unit, `${r.ratio.toFixed(2)}×`].join(' | '));
console.log(
  '\nratio: throughput callops/baseline (1.00 = as fast as the baseline); for times, baseline/callops.',
);
if (goals.length > 0) {
  console.log('performance goals (median of pairs/runs):');
  for (const g of goals) console.log(`  ${g}`);
}
if (applyRows.length > 0) {
  console.log(
    `\napply, whole process: ${APPLY_PAIRS} sets of callops, raw undici and raw undici with a durable journal, each on a fresh simulator, the ratio their median (peak RSS: best of the runs); ${CALLS_PER_FILE} calls a file:`,
  );
  console.log('| measure | callops | floor | ratio | goal |');
  console.log('|---|---|---|---|---|');
  for (const r of applyRows)
    console.log(`| ${[r.what, r.ours, r.floor, r.ratio, r.goal].join(' | ')} |`);
}
const lockRows = rows.filter((r) => r.what.startsWith('no-op'));
if (lockRows.length > 0) {
  console.log(
    `large lockfile: time with it / time with an empty one, medians of ${LOCK_RUNS} interleaved runs (goal ≤ 1.5×):`,
  );
  for (const r of lockRows) console.log(`  ${r.what}: ${(r.ours / r.base).toFixed(2)}×`);
}
if (campaign.length > 0) {
  console.log(
    'campaign: validate+plan CPU time / csv-parse alone (goal ≤ 2×); peak RSS of callops plan (of csv-parse alone):',
  );
  for (const c of campaign)
    console.log(
      `  ${c.n.toLocaleString('en')} rows: ${(c.ours / c.base).toFixed(2)}×, ${(c.rss / 1024 / 1024).toFixed(0)} MiB (${(c.baseRss / 1024 / 1024).toFixed(0)} MiB); plan --format json: ${(c.jsonRss / 1024 / 1024).toFixed(0)} MiB, ${(c.jsonCpu / 1000).toFixed(2)} s CPU`,
    );
  // Memory flat in rows: the peak RSS each row adds, between the smallest and largest run.
  const first = campaign[0];
  const last = campaign[campaign.length - 1];
  if (first !== undefined && last !== undefined && last.n > first.n) {
    const per = (last.rss - first.rss) / (last.n - first.n);
    const basePer = (last.baseRss - first.baseRss) / (last.n - first.n);
    console.log(
      `  peak RSS growth per row, ${first.n.toLocaleString('en')} → ${last.n.toLocaleString('en')} rows: ${per.toFixed(0)} bytes (csv-parse alone: ${basePer.toFixed(0)} bytes); ${last.n.toLocaleString('en')} rows / ${first.n.toLocaleString('en')} rows: ${(last.rss / first.rss).toFixed(2)}×`,
    );
    const jsonPer = (last.jsonRss - first.jsonRss) / (last.n - first.n);
    console.log(
      `  plan --format json, peak RSS growth per row: ${jsonPer.toFixed(0)} bytes; ${last.n.toLocaleString('en')} rows / ${first.n.toLocaleString('en')} rows: ${(last.jsonRss / first.jsonRss).toFixed(2)}×`,
    );
  }
  const [few, most] = campaignApply;
  if (few !== undefined && most !== undefined) {
    const per = ((most.rssKB - few.rssKB) * 1024) / (most.n - few.n);
    console.log(
      `  apply --yes, every row placed: ${(few.rssKB / 1024).toFixed(0)} MiB at ${few.n.toLocaleString('en')} rows (${(few.ms / 1000).toFixed(1)} s), ${(most.rssKB / 1024).toFixed(0)} MiB at ${most.n.toLocaleString('en')} (${(most.ms / 1000).toFixed(1)} s); peak RSS growth per row ${per.toFixed(0)} bytes; ${(most.rssKB / few.rssKB).toFixed(2)}×`,
    );
    if (most.applyAgain !== undefined)
      console.log(
        `  apply --yes again, all ${most.n.toLocaleString('en')} rows placed: ${(most.applyAgain / 1000).toFixed(2)} s CPU; plan before any was placed: ${(most.planBefore / 1000).toFixed(2)} s; ${(most.applyAgain / most.planBefore).toFixed(2)}× (each row's entry read from the 38 MB lockfile, its digest compared)`,
      );
    for (const [name, v] of Object.entries(most.views ?? {}))
      console.log(
        `  ${name}, all ${most.n.toLocaleString('en')} rows placed: peak RSS ${(v.rssKB / 1024).toFixed(0)} MiB, ${(v.cpuMs / 1000).toFixed(2)} s CPU`,
      );
  }
}
