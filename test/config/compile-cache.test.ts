import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../src/config/compile-cache.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODULE = pathToFileURL(join(ROOT, 'dist/config/compile-cache.js')).href;
const work = mkdtempSync(join(tmpdir(), 'callops-compile-cache-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A CommonJS module with a lazily compiled function, its own require and a non-ASCII string.
const SOURCE = [
  '"use strict";',
  'const { join } = require("node:path");',
  'module.exports = (x) => ({ doubled: x * 2, joined: join("a", String(x)), dash: "—", file: __filename.endsWith(".cjs") });',
  '',
].join('\n');
const file = join(work, 'module.cjs');
writeFileSync(file, SOURCE);

interface Loaded {
  readonly cache: string;
  readonly result: unknown;
}

/** Loads `file` through the cache in a fresh process (the entry is written at its exit). */
const load = (dir: string | null, variant = ''): Loaded => {
  const script = `const { requireWithCodeCache } = await import(${JSON.stringify(MODULE)});
const loaded = requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(dir)}, ${JSON.stringify(variant)});
process.stdout.write(JSON.stringify({ cache: loaded.cache, result: loaded.exports(21) }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Loaded;
};

const RESULT = { doubled: 42, joined: join('a', '21'), dash: '—', file: true };

const entriesIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.v8'));

/** Loads once into `dir`, and the path of the one entry that wrote. */
const firstEntry = (dir: string): string => {
  load(dir);
  const entries = entriesIn(dir);
  expect(entries).toHaveLength(1);
  return join(dir, entries[0] ?? '');
};

/** A well-formed entry (digest right) whose payload is V8's data for another source. */
const foreignEntry = (): Buffer => {
  const other = join(work, 'other.cjs');
  writeFileSync(other, 'module.exports = 1;\n');
  const made = spawnSync(
    process.execPath,
    [
      '-e',
      `const vm = require('node:vm'); const zlib = require('node:zlib');
const s = new vm.Script('(function () { return 1; })', { filename: ${JSON.stringify(other)} });
const data = s.createCachedData();
const head = Buffer.alloc(4); head.writeUInt32BE(zlib.crc32(data));
process.stdout.write(Buffer.concat([head, data]).toString('base64'));`,
    ],
    { encoding: 'utf8' },
  );
  expect(made.status).toBe(0);
  return Buffer.from(made.stdout, 'base64');
};

describe('requireWithCodeCache', () => {
  it('writes an entry on a miss, private to the user, and reads it on the next start', () => {
    const dir = join(work, 'fresh', 'cache');
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    const entries = entriesIn(dir);
    expect(entries).toHaveLength(1);
    // The text's CRC-32 and length, the path's CRC-32, the Node version and the architecture.
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    expect(entries[0]).toBe(
      `module.cjs-${hex(crc32(readFileSync(file)))}-${readFileSync(file).length}-${hex(crc32(file))}-${process.version}-${process.arch}.v8`,
    );
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, entries[0] ?? '')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(load(dir)).toEqual({ cache: 'hit', result: RESULT });
  });

  it('removes the week-old entries of other texts of the same file and variant as it writes one', () => {
    const dir = join(work, 'stale', 'cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000);
    const entry = (name: string, mtime?: Date): string => {
      writeFileSync(join(dir, name), 'old code', { mode: 0o600 });
      if (mtime !== undefined) utimesSync(join(dir, name), mtime, mtime);
      return name;
    };
    const gone = [
      entry(`module.cjs-0badc0de-10-${process.version}-${process.arch}.v8`, old),
      entry('module.cjs-cb7e6a0cd90b2aafc9617fd670725b77fd0508b0.v8', old),
    ];
    const kept = [
      // Another text written this week: perhaps another installed version's, still in use.
      entry(`module.cjs-0badcafe-10-${process.version}-${process.arch}.v8`),
      // Another variant, another file, and what is not an entry.
      entry(`module.cjs.plan-0badc0de-10-${process.version}-${process.arch}.v8`, old),
      entry(`other.cjs-0badc0de-10-${process.version}-${process.arch}.v8`, old),
      entry('module.cjs-notes.txt', old),
    ];
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    const now = readdirSync(dir);
    for (const name of gone) expect(now).not.toContain(name);
    for (const name of kept) expect(now).toContain(name);
    expect(now).toHaveLength(kept.length + 1);
    expect(load(dir)).toEqual({ cache: 'hit', result: RESULT });
  });

  it('keeps at most 8 entries of a file and variant, however recent: a new path per job cannot fill the disk', () => {
    const dir = join(work, 'many', 'cache');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Ten installs' entries of this week, one an hour older than the next.
    const names = Array.from({ length: 10 }, (_, i) => {
      const name = `module.cjs-0badc0de-10-${(0x1000 + i).toString(16)}-${process.version}-${process.arch}.v8`;
      writeFileSync(join(dir, name), 'code of another install', { mode: 0o600 });
      const mtime = new Date(Date.now() - (10 - i) * 60 * 60 * 1000);
      utimesSync(join(dir, name), mtime, mtime);
      return name;
    });
    const variant = `module.cjs.plan-0badc0de-10-${process.version}-${process.arch}.v8`;
    writeFileSync(join(dir, variant), 'code of a variant', { mode: 0o600 });
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    const now = entriesIn(dir);
    // The new entry and the seven written last; the variant is counted apart.
    expect(now.filter((n) => n.startsWith('module.cjs-'))).toHaveLength(8);
    for (const name of names.slice(0, 3)) expect(now).not.toContain(name);
    for (const name of names.slice(3)) expect(now).toContain(name);
    expect(now).toContain(variant);
    expect(load(dir)).toEqual({ cache: 'hit', result: RESULT });
  });

  it('ignores an entry whose bytes were damaged, and writes it again', () => {
    const dir = join(work, 'corrupt');
    const path = firstEntry(dir);
    const bytes = readFileSync(path);
    for (let i = 40; i < bytes.length; i += 7) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
    writeFileSync(path, bytes);
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    expect(load(dir)).toEqual({ cache: 'hit', result: RESULT });
  });

  it('compiles afresh when V8 rejects an entry (made for other code), and writes it again', () => {
    const dir = join(work, 'rejected');
    const path = firstEntry(dir);
    writeFileSync(path, foreignEntry());
    expect(load(dir)).toEqual({ cache: 'rejected', result: RESULT });
    expect(load(dir)).toEqual({ cache: 'hit', result: RESULT });
  });

  it('never reads a directory that others may write, and works without writing', () => {
    const dir = join(work, 'shared');
    load(dir);
    expect(entriesIn(dir)).toHaveLength(1);
    chmodSync(dir, 0o777);
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
  });

  it('loads the module all the same when the cache directory cannot be made', () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'not a directory\n');
    const dir = join(blocker, 'cache');
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    expect(load(dir)).toEqual({ cache: 'miss', result: RESULT });
    expect(readFileSync(blocker, 'utf8')).toBe('not a directory\n');
  });

  it('is off without a directory', () => {
    expect(load(null)).toEqual({ cache: 'off', result: RESULT });
  });

  it('keys an entry by the exact text: a changed module never runs old code', () => {
    const dir = join(work, 'changed');
    mkdirSync(dir, { recursive: true });
    load(dir);
    writeFileSync(file, SOURCE.replace('x * 2', 'x * 3'));
    try {
      expect(load(dir)).toEqual({ cache: 'miss', result: { ...RESULT, doubled: 63 } });
      expect(entriesIn(dir)).toHaveLength(2);
    } finally {
      writeFileSync(file, SOURCE);
    }
  });
});

describe('requireWithCodeCache installs', () => {
  it('keeps an entry per path: a stack trace names the file that ran, not another copy', () => {
    const dir = join(work, 'copies');
    const copies = ['one', 'two'].map((name) => {
      mkdirSync(join(work, name), { recursive: true });
      const path = join(work, name, 'same.cjs');
      writeFileSync(path, 'module.exports = () => new Error("here").stack;\n');
      return path;
    });
    const stackOf = (path: string): { cache: string; stack: string } => {
      const script = `const { requireWithCodeCache } = await import(${JSON.stringify(MODULE)});
const loaded = requireWithCodeCache(${JSON.stringify(path)}, ${JSON.stringify(dir)});
process.stdout.write(JSON.stringify({ cache: loaded.cache, stack: loaded.exports() }));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as { cache: string; stack: string };
    };
    const [one = '', two = ''] = copies;
    expect(stackOf(one).cache).toBe('miss');
    const second = stackOf(two);
    expect(second.cache).toBe('miss');
    expect(second.stack).toContain(two);
    expect(second.stack).not.toContain(one);
    expect(stackOf(two)).toEqual({ cache: 'hit', stack: second.stack });
    expect(entriesIn(dir)).toHaveLength(2);
  });
});

describe('requireWithCodeCache variants', () => {
  it('keeps the entries of variants of one file apart', () => {
    const dir = join(work, 'variants');
    expect(load(dir, 'validate')).toEqual({ cache: 'miss', result: RESULT });
    expect(load(dir, 'plan')).toEqual({ cache: 'miss', result: RESULT });
    expect(load(dir, 'validate')).toEqual({ cache: 'hit', result: RESULT });
    expect(
      entriesIn(dir)
        .map((f) => f.replace(/-.*/, ''))
        .sort(),
    ).toEqual(['module.cjs.plan', 'module.cjs.validate']);
  });
});

describe('requireWithCodeCache eager', () => {
  // Functions the module's first run never calls: what a lazy entry leaves out.
  const unused = Array.from(
    { length: 40 },
    (_, i) =>
      `exports.f${i} = function f${i}(o) { const out = []; for (const k of Object.keys(o)) { if (k.length > ${i}) out.push({ k, v: o[k], i: ${i} }); else if (typeof o[k] === 'object') out.push(...exports.f${i}(o[k])); } return out; };`,
  );
  const big = join(work, 'big.cjs');
  writeFileSync(big, `${unused.join('\n')}\nexports.used = (x) => x + 1;\n`);

  const loadBig = (dir: string, eager: boolean): string => {
    const script = `const { requireWithCodeCache } = await import(${JSON.stringify(MODULE)});
const loaded = requireWithCodeCache(${JSON.stringify(big)}, ${JSON.stringify(dir)}, '', { eager: ${eager} });
process.stdout.write(JSON.stringify({ cache: loaded.cache, result: loaded.exports.used(1) }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    return run.stdout;
  };

  it('writes on a miss an entry that holds the functions the run never called', () => {
    const lazy = join(work, 'lazy');
    const eager = join(work, 'eager');
    expect(JSON.parse(loadBig(lazy, false))).toEqual({ cache: 'miss', result: 2 });
    expect(JSON.parse(loadBig(eager, true))).toEqual({ cache: 'miss', result: 2 });
    const size = (dir: string) => statSync(join(dir, entriesIn(dir)[0] ?? '')).size;
    // Each of the 40 functions' bytecode is in the eager entry only.
    expect(size(eager)).toBeGreaterThan(size(lazy) + 40 * 100);
    // And it is read as any other entry; lazy compilation is back on for the rest of the run.
    expect(JSON.parse(loadBig(eager, true))).toEqual({ cache: 'hit', result: 2 });
  });

  it('writes every function again in place of an entry V8 rejects (made under other flags)', () => {
    const lazy = join(work, 'lazy-again');
    const rejected = join(work, 'eager-rejected');
    expect(JSON.parse(loadBig(lazy, false))).toEqual({ cache: 'miss', result: 2 });
    expect(JSON.parse(loadBig(rejected, true))).toEqual({ cache: 'miss', result: 2 });
    const path = join(rejected, entriesIn(rejected)[0] ?? '');
    writeFileSync(path, foreignEntry());
    expect(JSON.parse(loadBig(rejected, true))).toEqual({ cache: 'rejected', result: 2 });
    const size = (dir: string) => statSync(join(dir, entriesIn(dir)[0] ?? '')).size;
    expect(size(rejected)).toBeGreaterThan(size(lazy) + 40 * 100);
    expect(JSON.parse(loadBig(rejected, true))).toEqual({ cache: 'hit', result: 2 });
  });
});

describe('compileCacheDir', () => {
  it('is CALLOPS_CACHE_DIR, else under XDG_CACHE_HOME, else per user under the temp dir', () => {
    expect(compileCacheDir({ CALLOPS_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(compileCacheDir({ CALLOPS_CACHE_DIR: 'off', XDG_CACHE_HOME: '/x' })).toBeNull();
    expect(compileCacheDir({ CALLOPS_CACHE_DIR: '', XDG_CACHE_HOME: '/x' })).toBe(
      join('/x', 'callops'),
    );
    const uid = process.getuid?.() ?? 'user';
    expect(compileCacheDir({})).toBe(join(tmpdir(), `callops-compile-cache-${uid}`));
  });
});
