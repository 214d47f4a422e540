import { isAscii } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { crc32 } from 'node:zlib';

/**
 * A cache of V8's compiled code for the large CommonJS files a command runs (the CLI's own
 * bundle, the generated schema validators, the bundled schedule libraries and undici), so
 * that a later start reads bytecode instead of parsing and compiling megabytes of
 * JavaScript again. It holds compiled code only, never a result: a cache entry is keyed by
 * the module's exact text (its CRC-32 and length, as Node's own compile cache keys a module),
 * its path (V8's cached code keeps the file name it was made for, which a stack trace then
 * shows: two installs of one release keep an entry each), the Node version and the
 * architecture, and a missing, rejected, corrupt or unwritable cache
 * changes nothing but the time taken. CRC-32 rather than a cryptographic hash: the text and
 * the entries are hashed at every start (over two megabytes for the CLI's bundle and the calls
 * validator), and zlib's is several times faster than SHA-1; who could forge a collision could
 * write the cache directory or dist/ themselves, and neither is read then.
 *
 * Where: `$CALLOPS_CACHE_DIR`, else `$XDG_CACHE_HOME/callops`, else
 * `<os.tmpdir()>/callops-compile-cache-<uid>`; `CALLOPS_CACHE_DIR=off` turns it off. The
 * directory is created private (0700), and a directory or entry that another user owns or
 * could write is never read: cached code runs as ours.
 */

const OFF = 'off';

/** The cache directory for an environment, or null when the cache is off. */
export const compileCacheDir = (env: NodeJS.ProcessEnv = process.env): string | null => {
  const own = env.CALLOPS_CACHE_DIR;
  if (own !== undefined && own !== '') return own === OFF ? null : own;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && xdg !== '') return join(xdg, 'callops');
  const uid = process.getuid?.() ?? 'user';
  return join(tmpdir(), `callops-compile-cache-${uid}`);
};

/** What a load did with the cache (for tests and profiling; never changes the module). */
export type CacheOutcome = 'off' | 'miss' | 'hit' | 'rejected';

export interface LoadedModule {
  readonly exports: unknown;
  readonly cache: CacheOutcome;
}

/** A file only we can write: ours, no group or other write bit, not a symbolic link. */
const privateTo = (stat: { uid: number; mode: number }): boolean => {
  const uid = process.getuid?.();
  return uid === undefined || (stat.uid === uid && (stat.mode & 0o022) === 0);
};

/** Entry layout: the CRC-32 of the payload (4 bytes, big-endian), then V8's cached data. */
const DIGEST = 4;

const digest = (payload: Buffer): Buffer => {
  const head = Buffer.allocUnsafe(DIGEST);
  head.writeUInt32BE(crc32(payload));
  return head;
};

const readEntry = (dir: string, path: string): Buffer | undefined => {
  let fd: number | undefined;
  try {
    const folder = lstatSync(dir);
    if (!folder.isDirectory() || !privateTo(folder)) return undefined;
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stat = fstatSync(fd);
    if (!stat.isFile() || !privateTo(stat) || stat.size <= DIGEST) return undefined;
    const entry = readFileSync(fd);
    const payload = entry.subarray(DIGEST);
    return entry.readUInt32BE(0) === crc32(payload) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

/**
 * How old an entry for another text of the same file must be before a new entry replaces it.
 * Each build or upgrade of callops makes new entries (several hundred kilobytes a command);
 * an entry is written only on a miss, so one older than this that another installed version
 * still uses is written again at its next start.
 */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How many entries of one file and variant are kept, the one just written included. Each
 * install path keeps its own entries (see above), so a machine that runs callops from a new
 * path for every job (a CI runner checking out afresh) would otherwise keep a set per job for
 * STALE_MS: some 9 MB each. Beyond this many, the oldest written go first, whatever their age;
 * one still in use is written again at its next start.
 */
const MAX_KEPT = 8;

/**
 * Removes the entries of `prefix` (one file and variant) other than `kept` that were written
 * more than STALE_MS ago, then the oldest of the others beyond MAX_KEPT: the cache holds what
 * the versions and installs in use need, not every build's.
 */
const removeStale = (dir: string, prefix: string, kept: string): void => {
  const before = Date.now() - STALE_MS;
  const others: { readonly name: string; readonly mtimeMs: number }[] = [];
  for (const name of readdirSync(dir)) {
    if (name === kept || !name.startsWith(prefix) || !name.endsWith('.v8')) continue;
    try {
      const stat = lstatSync(join(dir, name));
      if (!stat.isFile() || !privateTo(stat)) continue;
      if (stat.mtimeMs < before) unlinkSync(join(dir, name));
      else others.push({ name, mtimeMs: stat.mtimeMs });
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  others.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of others.slice(MAX_KEPT - 1)) {
    try {
      unlinkSync(join(dir, name));
    } catch {
      // Gone already.
    }
  }
};

/**
 * Writes an entry whole or not at all (temporary file, then rename), then removes the stale
 * entries of the same file and variant (`prefix`); failures are ignored.
 */
const writeEntry = (dir: string, path: string, payload: Buffer, prefix: string): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateTo(lstatSync(dir))) return;
    writeFileSync(temporary, Buffer.concat([digest(payload), payload]), { mode: 0o600 });
    renameSync(temporary, path);
    removeStale(dir, prefix, basename(path));
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never written.
    }
  }
};

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** The CommonJS wrapper Node itself uses, on one line so that line numbers stay true. */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * The same wrapper spelt with its one space moved, for a second compilation of a module this
 * process compiled already: V8 would answer it from its own in-memory cache of the first (what
 * that one compiled, nothing more). The text differs, so V8 compiles it afresh; every position
 * of the module, and the length V8 checks an entry against, are those of `wrap`, so the entry
 * made from it serves later loads of `wrap`'s text.
 */
const wrapAgain = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname){  ${source}\n});`;

export interface CacheOptions {
  /**
   * Compile every function of the module when there is no entry, so that the entry written
   * holds them all, not only those the first run happened to call: for a module any part of
   * which a later run may need (the schema validators, one function per option of the
   * gateway's verbs). Without it, an entry written by a run that checked a call with two
   * options left every later run compiling the rest of a 600 KB validator as it met them.
   * Done with V8's `--no-lazy` for that one compilation (Node does not promise that flags set
   * at run time take effect: without it, the entry is what the run compiled, as before).
   */
  readonly eager?: boolean;
}

/** Turns V8's lazy compilation off or back on (see CacheOptions.eager). */
const setLazy = (lazy: boolean): void => {
  process.getBuiltinModule('node:v8').setFlagsFromString(lazy ? '--lazy' : '--no-lazy');
};

/**
 * Loads a CommonJS module file as `require` would (its own `require`, `module`, `exports`),
 * compiled from the code cache when there is a valid entry for this exact text. Without
 * one, the entry is written when the process exits: by then the functions the run called
 * have been compiled too, and a later start skips their compilation as well. A `variant`
 * keeps entries apart for the same file (the CLI's bundle, one entry per command: each holds
 * the functions its command runs).
 */
export const requireWithCodeCache = (
  file: string,
  dir: string | null = compileCacheDir(),
  variant = '',
  options: CacheOptions = {},
): LoadedModule => {
  const bytes = readFileSync(file);
  // Pure ASCII (the bundles are): read as Latin-1, the same text without UTF-8 decoding.
  const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const source = wrap(text);
  const prefix = `${basename(file)}${variant === '' ? '' : `.${variant}`}-`;
  const entryPath =
    dir === null
      ? undefined
      : join(
          dir,
          `${prefix}${hex(crc32(bytes))}-${bytes.length}-${hex(crc32(file))}-${process.version}-${process.arch}.v8`,
        );
  const cachedData = dir !== null && entryPath ? readEntry(dir, entryPath) : undefined;
  const compile = (eager: boolean, data: Buffer | undefined, code = source): Script => {
    if (eager) setLazy(false);
    try {
      return new Script(code, {
        filename: file,
        ...(data !== undefined ? { cachedData: data } : {}),
      });
    } finally {
      if (eager) setLazy(true);
    }
  };
  let script = compile(
    options.eager === true && dir !== null && cachedData === undefined,
    cachedData,
  );
  const cache: CacheOutcome =
    dir === null
      ? 'off'
      : cachedData === undefined
        ? 'miss'
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'hit';
  // V8 rejects an entry made under other V8 flags (a run under --cpu-prof, another
  // NODE_OPTIONS): the entry written in its place must hold every function too, or each later
  // run compiles what this one did not call.
  if (cache === 'rejected' && options.eager === true) {
    script = compile(true, undefined, wrapAgain(text));
  }
  if (dir !== null && entryPath !== undefined && cache !== 'hit') {
    process.once('exit', () => {
      try {
        writeEntry(dir, entryPath, script.createCachedData(), prefix);
      } catch {
        // No cache this time; the module ran all the same.
      }
    });
  }
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, cache };
};
