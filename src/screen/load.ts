import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { brokenLink } from '../config/exists.js';
import { leavesProject } from '../config/inside.js';
import { notUtf8In } from '../config/recipients.js';
import { readRegularFile } from '../config/regular-file.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { findListed, type Listed, type SuppressList } from './list.js';

/** A `suppress:` entry of callops.yaml: the list's path and where callops.yaml names it. */
export interface SuppressSpec {
  /** As written, relative to the project root. */
  readonly path: string;
  readonly site: { readonly file: string; readonly line: number; readonly column: number };
}

interface Read {
  readonly list: SuppressList;
  /** What reading it says without refusing it (numbers written without `+`). */
  readonly warnings: readonly Diagnostic[];
  /** mtime and size when read: a change makes the list be read again. */
  readonly stamp: string;
}

const stampOf = async (path: string): Promise<string> => {
  const s = await stat(path);
  return `${s.mtimeMs}:${s.size}:${s.ino}`;
};

/** A list's bytes and stamp, or why they cannot be read. */
const bytesOf = async (
  full: string,
): Promise<{ bytes: Buffer; stamp: string } | { why: string }> => {
  try {
    const stamp = await stampOf(full);
    // Its kind checked before a byte is read: a FIFO there would hold the command for ever.
    const read = await readRegularFile(full);
    return 'problem' in read ? { why: read.problem } : { bytes: read.bytes, stamp };
  } catch (error) {
    const why =
      brokenLink(full) ??
      ((error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message);
    return { why };
  }
};

const readList = async (
  root: string,
  spec: SuppressSpec,
): Promise<{ read: Read } | { diagnostics: readonly Diagnostic[] }> => {
  const full = isAbsolute(spec.path) ? spec.path : resolve(root, spec.path);
  const file = relative(root, full).split('\\').join('/');
  // Never read from outside the project: a bad row or header would be shown back.
  const away = leavesProject(root)(full);
  const got = away === undefined ? await bytesOf(full) : { why: away };
  if ('why' in got) {
    return {
      diagnostics: [
        {
          ...spec.site,
          path: '/suppress',
          message: `do-not-call list ${spec.path}: ${got.why}`,
          severity: 'error',
        },
      ],
    };
  }
  const { bytes, stamp } = got;
  // A byte that is not UTF-8 is refused where it is, as in a recipients CSV: decoded, it
  // would be a U+FFFD in a reason, or a number that seems not to be one.
  const bad = notUtf8In(bytes);
  if (bad !== undefined) {
    const { line, column, message } = bad;
    return { diagnostics: [{ file, line, column, path: '', message, severity: 'error' }] };
  }
  // csv-parse is loaded only by projects that have lists.
  const { parseSuppressList } = await import('./parse-list.js');
  const parsed = parseSuppressList(bytes.toString('utf8'), file);
  return 'list' in parsed
    ? { read: { list: parsed.list, warnings: parsed.warnings, stamp } }
    : parsed;
};

/**
 * The project's do-not-call lists, read once when a command starts and again, just before a
 * request, for each list whose file changed since (mtime, size or inode). A list that turns
 * bad while a run goes on stops the run: `check` rejects, and nothing more is sent.
 */
export interface Suppression {
  readonly lists: readonly SuppressList[];
  /** Whether a number is listed, by the lists as they are on disk now. */
  check(number: string): Promise<Listed | undefined>;
  /**
   * Reads again each list whose file changed since (`lists` then holds it as it is now):
   * `run` does before each plan, so a number taken off a list is placed at its next slot.
   */
  refresh(): Promise<void>;
}

export const loadSuppression = async (
  root: string,
  specs: readonly SuppressSpec[],
): Promise<
  | { suppression: Suppression; warnings: readonly Diagnostic[] }
  | { diagnostics: readonly Diagnostic[] }
> => {
  const diagnostics: Diagnostic[] = [];
  const reads: Read[] = [];
  for (const spec of specs) {
    const r = await readList(root, spec);
    if ('read' in r) reads.push(r.read);
    else for (const item of r.diagnostics) diagnostics.push(item);
  }
  if (diagnostics.length > 0) return { diagnostics };
  const current = [...reads];
  const refresh = async (): Promise<void> => {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as SuppressSpec;
      const full = isAbsolute(spec.path) ? spec.path : resolve(root, spec.path);
      const stamp = await stampOf(full).catch(() => 'gone');
      if (stamp === current[i]?.stamp) continue;
      const again = await readList(root, spec);
      if (!('read' in again)) {
        const d = again.diagnostics[0];
        throw new Error(
          `the do-not-call list changed and cannot be read: ${d ? `${d.file}:${d.line}:${d.column}: ${d.message}` : spec.path}`,
        );
      }
      current[i] = again.read;
    }
  };
  const check = async (number: string): Promise<Listed | undefined> => {
    await refresh();
    return findListed(
      current.map((r) => r.list),
      number,
    );
  };
  return {
    // Said when the lists are first read; a list read again during a run is matched alike.
    warnings: reads.flatMap((r) => r.warnings),
    suppression: {
      get lists() {
        return current.map((r) => r.list);
      },
      check,
      refresh,
    },
  };
};
