import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Never searched: dependencies and version control. */
export const IGNORE = ['**/node_modules/**', '**/.git/**'];

/** `dir/**\/*.ext` (dir optional, plain names only): the shape of every default pattern. */
const SIMPLE = /^((?:[A-Za-z0-9_][A-Za-z0-9_ .-]*\/)*)\*\*\/\*\.([A-Za-z0-9]+)$/;

interface Simple {
  readonly dir: string;
  readonly ext: string;
}

const simpleOf = (pattern: string): Simple | undefined => {
  const m = SIMPLE.exec(pattern);
  if (!m) return undefined;
  const dir = (m[1] ?? '').replace(/\/$/, '');
  return dir.split('/').some((s) => s === '.' || s === '..') ? undefined : { dir, ext: `.${m[2]}` };
};

/** Thrown when the tree holds what the plain walk leaves to the glob library. */
class NotPlain extends Error {}

/**
 * Every file below `dir` ending in one of `exts`, as tinyglobby finds it for `dir/**\/*.ext`:
 * no names starting with a dot, nothing under node_modules, unreadable directories skipped.
 * A symbolic link ends the walk (the glob library decides how to follow it).
 */
const walk = async (root: string, dir: string, exts: readonly string[], out: Set<string>) => {
  let entries: Dirent[];
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.')) continue;
    if (entry.isSymbolicLink()) throw new NotPlain();
    const rel = dir === '' ? name : `${dir}/${name}`;
    if (entry.isDirectory()) {
      if (name !== 'node_modules') await walk(root, rel, exts, out);
    } else if (entry.isFile() && exts.some((ext) => name.endsWith(ext))) {
      out.add(rel);
    }
  }
};

/**
 * The files under `cwd` the glob patterns match, relative to it with `/`. The default
 * patterns (`calls/**\/*.yaml`…) are walked with readdir; any other pattern, or a tree with
 * symbolic links, goes to tinyglobby, loaded only then: a command that needs only the
 * defaults does not pay for loading a glob library at start-up.
 */
export const findFiles = async (globs: readonly string[], cwd: string): Promise<string[]> => {
  const simple = globs.map(simpleOf);
  if (simple.every((s): s is Simple => s !== undefined)) {
    const byDir = new Map<string, string[]>();
    for (const s of simple) byDir.set(s.dir, [...(byDir.get(s.dir) ?? []), s.ext]);
    const out = new Set<string>();
    try {
      for (const [dir, exts] of byDir) await walk(cwd, dir, exts, out);
      return [...out];
    } catch (error) {
      if (!(error instanceof NotPlain)) throw error;
    }
  }
  const { glob } = await import('tinyglobby');
  return glob([...globs], { cwd, ignore: IGNORE });
};
