import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { decodeText } from '../config/decode.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { isErrorCode, syncDir } from './dir.js';
import { positionOf, scanJson } from './json-scan.js';
import { checkLockfileShape, cleanEntry } from './lockfile-shape.js';
import type { Lockfile } from './types.js';

export { recordOutcome, settleUnknown, summarize } from './record.js';

export const emptyLockfile = (): Lockfile => ({ lockfileVersion: 1, calls: {} });

const FIX = 'fix it or restore it from git';
const CONFLICT_MARKER = /^(?:<{7}|={7}|>{7})(?: |\r?$)/m;

const diagnostic = (
  file: string,
  text: string,
  offset: number | undefined,
  path: string,
  message: string,
): Diagnostic => {
  const { line, column } = offset === undefined ? { line: 1, column: 1 } : positionOf(text, offset);
  return { file, line, column, path, message, severity: 'error' };
};

/**
 * Parse lockfile text. `file` is the name used in diagnostics (relative to the project).
 * Never throws for bad content: the problem comes back as a positioned Diagnostic.
 */
export const parseLockfile = (
  text: string,
  file: string,
): { lock: Lockfile } | { error: Diagnostic } => {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const scan = scanJson(body);
  if (!scan.ok) {
    const marker = CONFLICT_MARKER.exec(body);
    if (marker) {
      const message = `${file} has unresolved git merge conflict markers — resolve the conflict keeping every placed entry, or restore it from git`;
      return { error: diagnostic(file, body, marker.index, '', message) };
    }
    const message = `${file} is not valid JSON (${scan.message}) — ${FIX}`;
    return { error: diagnostic(file, body, scan.offset, '', message) };
  }
  const duplicate = scan.duplicates[0];
  if (duplicate) {
    const name = duplicate.pointer.slice(duplicate.pointer.lastIndexOf('/') + 1);
    const first = positionOf(body, scan.keys.get(duplicate.pointer) ?? 0);
    const what = duplicate.pointer.split('/').length === 3 ? 'entry' : 'field';
    const message = `${file}: ${what} ${JSON.stringify(name.replace(/~1/g, '/').replace(/~0/g, '~'))} appears twice (also at line ${first.line}) — keep one (the placed one, if any), or restore it from git`;
    return { error: diagnostic(file, body, duplicate.offset, duplicate.pointer, message) };
  }
  const shape = checkLockfileShape(JSON.parse(body));
  if ('lock' in shape) return shape;
  const { pointer, message, hint } = shape.problem;
  const offset = pointer === '' ? 0 : scan.keys.get(pointer);
  return {
    error: diagnostic(file, body, offset, pointer, `${file}: ${message} — ${hint ?? FIX}`),
  };
};

/**
 * Read the lockfile at `path`. A missing file is an empty lockfile; a broken one is a
 * Diagnostic. `options.file` names it in diagnostics (default: its base name).
 */
export const readLockfile = async (
  path: string,
  options: { readonly file?: string } = {},
): Promise<{ lock: Lockfile } | { error: Diagnostic }> => {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return { lock: emptyLockfile() };
    throw error;
  }
  const file = options.file ?? basename(path);
  // Binary, UTF-16, not UTF-8 or too large: located as a YAML file's would be.
  const decoded = decodeText(file, bytes);
  const [problem] = decoded.diagnostics;
  if (decoded.text === undefined || problem) {
    const why = problem?.message ?? 'not readable as text';
    return {
      error: {
        ...(problem ?? { file, line: 1, column: 1, path: '', severity: 'error' }),
        message: `${why} — ${FIX}`,
      },
    };
  }
  return parseLockfile(decoded.text, file);
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with the keys of every object sorted (by UTF-16 code unit), 2-space indent. */
const emit = (value: unknown, indent: string): string => {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + emit(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    if (keys.length === 0) return '{}';
    const members = keys.map((key) => `${inner}${JSON.stringify(key)}: ${emit(value[key], inner)}`);
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
};

/** The lockfile as committed: keys sorted at every level, 2-space indent, trailing newline. */
export const serializeLockfile = (lock: Lockfile): string => {
  const calls = Object.fromEntries(
    Object.entries(lock.calls).map(([key, entry]) => [key, cleanEntry(entry)]),
  );
  const schedules =
    lock.schedules && Object.keys(lock.schedules).length > 0 ? lock.schedules : undefined;
  return `${emit({ lockfileVersion: lock.lockfileVersion, calls, schedules }, '')}\n`;
};

/**
 * "sha256:<hex>" of the serialized placements: a plan file uses it to see the lock moved on.
 * The `schedules` memory is left out: it changes what is reported, never what is placed.
 */
export const lockDigest = (lock: Lockfile): string =>
  `sha256:${createHash('sha256')
    .update(serializeLockfile({ lockfileVersion: lock.lockfileVersion, calls: lock.calls }))
    .digest('hex')}`;

/**
 * Replace the lockfile atomically: a temporary file in the same directory is written and
 * fsynced, renamed over the lockfile, and the directory is fsynced so the rename itself
 * survives a crash. A reader sees the old file or the new one, never a mix.
 */
export const writeLockfileAtomic = async (path: string, lock: Lockfile): Promise<void> => {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o666;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    if (!isErrorCode(error, 'ENOENT')) throw error;
  }
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(serializeLockfile(lock), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDir(dir);
};
