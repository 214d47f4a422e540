import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * A cache of V8's compiled code for the large generated modules (the schema validators), so
 * that a later start reads bytecode instead of parsing and compiling half a megabyte of
 * JavaScript again. It holds compiled code only, never a result: a cache entry is keyed by
 * the module's exact text, the Node version and the architecture, and a missing, rejected,
 * corrupt or unwritable cache changes nothing but the time taken.
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

const sha1 = (...parts: (string | Buffer)[]): Buffer => {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** Entry layout: 20 bytes of SHA-1 over the payload, then V8's cached data. */
const DIGEST = 20;

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
    return sha1(payload).equals(entry.subarray(0, DIGEST)) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

/** Writes an entry whole or not at all (temporary file, then rename); failures are ignored. */
const writeEntry = (dir: string, path: string, payload: Buffer): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!privateTo(lstatSync(dir))) return;
    writeFileSync(temporary, Buffer.concat([sha1(payload), payload]), { mode: 0o600 });
    renameSync(temporary, path);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never written.
    }
  }
};

/** The CommonJS wrapper Node itself uses, on one line so that line numbers stay true. */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * Loads a CommonJS module file as `require` would (its own `require`, `module`, `exports`),
 * compiled from the code cache when there is a valid entry for this exact text. Without
 * one, the entry is written when the process exits: by then the functions the run called
 * have been compiled too, and a later start skips their compilation as well.
 */
export const requireWithCodeCache = (
  file: string,
  dir: string | null = compileCacheDir(),
): LoadedModule => {
  const bytes = readFileSync(file);
  const source = wrap(bytes.toString('utf8'));
  const entryPath =
    dir === null
      ? undefined
      : join(
          dir,
          `${basename(file)}-${sha1(bytes, '\0', process.version, '\0', process.arch).toString('hex')}.v8`,
        );
  const cachedData = dir !== null && entryPath ? readEntry(dir, entryPath) : undefined;
  const script = new Script(source, {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  const cache: CacheOutcome =
    dir === null
      ? 'off'
      : cachedData === undefined
        ? 'miss'
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'hit';
  if (dir !== null && entryPath !== undefined && cache !== 'hit') {
    process.once('exit', () => {
      try {
        writeEntry(dir, entryPath, script.createCachedData());
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
