import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Loads a large generated CommonJS module (the standalone validators, 0.8 MB each) with V8's
 * code cache: the compiled code is kept in a directory private to the user
 * (`<tmpdir>/callops-<uid>/`, mode 0700, refused unless owned by the user and closed to
 * others), keyed by the file's content and the Node version, so a later run skips most of
 * the compile (measured: the first check of a call file 94 → 37 ms). Anything wrong with the cache (missing, stale, unwritable, not private) only
 * means compiling as usual; it is never reported.
 */

const privateDir = (): string | undefined => {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(tmpdir(), `callops-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    // Already there (checked below), or cannot be made.
  }
  try {
    const info = lstatSync(dir);
    const closed = (info.mode & 0o077) === 0;
    return info.isDirectory() && info.uid === uid && closed ? dir : undefined;
  } catch {
    return undefined;
  }
};

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
};

const writeCache = (file: string, data: Buffer): void => {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch {
    // The next run compiles again.
  }
};

/** `require(path)` of a CommonJS file, through the code cache when one can be used. */
export const requireCached = (path: string): unknown => {
  const source = readFileSync(path, 'utf8');
  const dir = privateDir();
  const key = createHash('sha256')
    .update(`${process.version}\0${process.arch}\0`)
    .update(source)
    .digest('hex')
    .slice(0, 32);
  const cacheFile = dir === undefined ? undefined : join(dir, `${key}.v8`);
  const cachedData = cacheFile === undefined ? undefined : readCache(cacheFile);
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: path, ...(cachedData ? { cachedData } : {}) },
  );
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(path), module, path, dirname(path));
  // Kept once the current task is over: by then the functions run so far are compiled too,
  // and the cache holds them as well (about twice the saving of the bare module).
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    setImmediate(() => writeCache(cacheFile, script.createCachedData()));
  }
  return module.exports;
};
