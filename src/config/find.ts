import { type Dirent, lstat, readdir as readdirWith, realpath, type Stats, stat } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { GlobOptions } from 'tinyglobby';

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

/** Whether `name` ends in `ext` but for the case of its letters (`X.YAML` for `.yaml`). */
const endsInCaseOf = (name: string, ext: string): boolean =>
  name.length >= ext.length && name.slice(-ext.length).toLowerCase() === ext.toLowerCase();

/**
 * Every file below `dir` ending in one of `exts`, as findFiles finds it for `dir/**\/*.ext`:
 * no names starting with a dot, nothing under node_modules, unreadable directories skipped;
 * a FIFO, a device or a directory so named too. A symbolic link ends the walk (the glob
 * library decides how to follow it). `near` gathers the files that end in one of `exts`
 * but for the case of its letters.
 */
const walk = async (
  root: string,
  dir: string,
  exts: readonly string[],
  out: Set<string>,
  near: Set<string>,
) => {
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
    // Whatever is named like a call file is found, a FIFO or a directory too: reading it
    // then says it is not a regular file, where skipping it would place the rest unseen.
    if (exts.some((ext) => name.endsWith(ext))) out.add(rel);
    else if (!entry.isDirectory() && exts.some((ext) => endsInCaseOf(name, ext))) near.add(rel);
    if (entry.isDirectory() && name !== 'node_modules') await walk(root, rel, exts, out, near);
  }
};

/**
 * A FIFO, a device or a socket seen as a file, which the glob library would drop unseen:
 * it is then matched by its name, and reading it says it is not a regular file.
 */
const asFile = (entry: Dirent): Dirent =>
  entry.isFile() || entry.isDirectory() || entry.isSymbolicLink()
    ? entry
    : Object.assign(Object.create(entry) as Dirent, { isFile: () => true });

/**
 * A pattern whose last part says more than `*` or `**`: a directory it matches is named
 * like a call file (`calls/b.yaml/`), not one that holds them (`calls/sub/` for `calls/*`).
 */
const namesFiles = (pattern: string): boolean =>
  !/^\**$/.test(pattern.replace(/\/+$/, '').split('/').pop() ?? '');

type Done<T> = (error: NodeJS.ErrnoException | null, value?: T) => void;

/**
 * The file system as the glob library sees it, but for one thing: a symbolic link that
 * cannot be followed (to a missing file, or in a loop) stands as what it is, a link, where
 * the library would drop it unseen. It is matched by its name as a file is, and reading it
 * then says what is wrong: a call file that is a broken link is an error, not no call file.
 */
const showingBrokenLinks = (): GlobOptions['fs'] => {
  const broken = new Map<string, Stats>();
  const fs = {
    readdir: (path: string, options: { withFileTypes: true }, done: Done<Dirent[]>) =>
      readdirWith(path, options, (error, entries) =>
        error === null ? done(null, entries.map(asFile)) : done(error),
      ),
    realpath: (path: string, done: Done<string>) =>
      realpath(path, (error, resolved) => {
        if (error === null) return done(null, resolved);
        lstat(path, (notThere, info) => {
          if (notThere !== null || !info.isSymbolicLink()) return done(error);
          broken.set(path, info);
          done(null, path);
        });
      }),
    stat: (path: string, done: Done<Stats>) => {
      const link = broken.get(path);
      if (link !== undefined) return done(null, link);
      stat(path, done);
    },
  };
  // Node's own functions carry overloads and extras the library does not call.
  return fs as unknown as GlobOptions['fs'];
};

/** The files the `calls` patterns find, and those they would find but for the case of a letter. */
export interface FoundFiles {
  /** As findFiles returns them. */
  readonly files: string[];
  /**
   * Files the patterns would find were their extension written as the patterns write it
   * (`calls/X.YAML` for `calls/**\/*.yaml`), relative to `cwd` with `/`: never read.
   */
  readonly miscased: string[];
}

/** `.ext` or `.{ext,ext…}` (letters and digits) ending a pattern: the extensions it names. */
const EXTENSIONS = /\.(?:([A-Za-z0-9]+)|\{([A-Za-z0-9]+(?:,[A-Za-z0-9]+)*)\})$/;

/**
 * The extensions a pattern's last part ends in, each with its dot, as written: `.yaml` for
 * `calls/**\/*.yaml`, `.yaml` and `.yml` for `calls/**\/*.{yaml,yml}`; none for any other.
 */
export const patternExtensions = (pattern: string): string[] => {
  const m = EXTENSIONS.exec(pattern);
  if (m === null) return [];
  return (m[1] ?? m[2] ?? '').split(',').map((ext) => `.${ext}`);
};

const letterAnyCase = (ext: string): string =>
  ext.replace(/[A-Za-z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);

/**
 * A pattern whose last part ends in a literal extension (`*.yaml`), or a brace list of them
 * (`*.{yaml,yml}`), with each in any case (`*.[yY][aA][mM][lL]`); undefined for any other
 * pattern, or one whose extensions hold no letter.
 */
const anyCase = (pattern: string): string | undefined => {
  const m = EXTENSIONS.exec(pattern);
  if (m === null || !/[A-Za-z]/.test(m[0])) return undefined;
  const head = pattern.slice(0, m.index);
  if (m[1] !== undefined) return `${head}.${letterAnyCase(m[1])}`;
  return `${head}.{${(m[2] ?? '').split(',').map(letterAnyCase).join(',')}}`;
};

/**
 * The files under `cwd` the glob patterns match, relative to it with `/`, with the symbolic
 * links among them that cannot be followed, the FIFOs, devices and sockets, and the
 * directories named like a file they match (`calls/b.yaml/`), all for the reader to report
 * as not what a call file is. Directories that only hold call files are walked. The default
 * patterns (`calls/**\/*.yaml`…) are walked with readdir; any other pattern, or a tree with
 * symbolic links, goes to tinyglobby, loaded only then: a command that needs only the
 * defaults does not pay for loading a glob library at start-up.
 */
export const findFiles = async (globs: readonly string[], cwd: string): Promise<string[]> =>
  (await findCallFiles(globs, cwd, false)).files;

/**
 * findFiles, and (`miscased`) the files its patterns would find but for the case of their
 * extension: `calls/X.YAML` is no `calls/**\/*.yaml`, and would be left unread unseen. In
 * the walk of the default patterns they cost nothing more; other patterns are matched again,
 * their extension in any case.
 */
export const findCallFiles = async (
  globs: readonly string[],
  cwd: string,
  miscased = true,
): Promise<FoundFiles> => {
  const simple = globs.map(simpleOf);
  if (simple.every((s): s is Simple => s !== undefined)) {
    const byDir = new Map<string, string[]>();
    for (const s of simple) byDir.set(s.dir, [...(byDir.get(s.dir) ?? []), s.ext]);
    const out = new Set<string>();
    const near = new Set<string>();
    try {
      for (const [dir, exts] of byDir) await walk(cwd, dir, exts, out, near);
      return { files: [...out], miscased: miscased ? [...near].filter((n) => !out.has(n)) : [] };
    } catch (error) {
      if (!(error instanceof NotPlain)) throw error;
    }
  }
  const { glob } = await import('tinyglobby');
  const named = globs.filter(namesFiles);
  const options = { cwd, ignore: IGNORE, fs: showingBrokenLinks() };
  const [found, dirs] = await Promise.all([
    glob([...globs], options),
    named.length === 0 ? [] : glob(named, { ...options, onlyDirectories: true }),
  ]);
  const files = [...new Set([...found, ...dirs.map((d) => d.replace(/\/$/, ''))])];
  // Negations too (`!calls/drafts/*.yaml`): a file they leave out is left out in any case.
  const variants = miscased ? globs.map((g) => anyCase(g) ?? g) : [];
  if (variants.every((v, i) => v === globs[i])) return { files, miscased: [] };
  const taken = new Set(files);
  // Only files named so: not those under a folder so named (`calls/dir.YAML/x.yaml`).
  const near = await glob(variants, { cwd, ignore: IGNORE, expandDirectories: false });
  return { files, miscased: near.filter((n) => !taken.has(n)) };
};

/**
 * Whether the default patterns (`dir/**\/*.ext` each) would find a file written at `rel`
 * (relative to where they are matched, with `/`), as the walk finds one: below `dir`, named
 * `*.ext` — it, or a folder on its way, which the walk finds too — with no name starting with
 * a dot, and not under node_modules. Undefined for any other pattern: only the glob library
 * can tell (findFilesWith).
 */
export const matchedPlainly = (globs: readonly string[], rel: string): boolean | undefined => {
  const simple = globs.map(simpleOf);
  if (!simple.every((s): s is Simple => s !== undefined)) return undefined;
  const parts = rel.split('/');
  return simple.some(({ dir, ext }) => {
    const under = dir === '' ? [] : dir.split('/');
    if (!under.every((part, i) => parts[i] === part)) return false;
    for (const part of parts.slice(under.length)) {
      if (part.startsWith('.') || part === 'node_modules') return false;
      if (part.endsWith(ext)) return true;
    }
    return false;
  });
};

/** A directory entry for a name that is not there yet: a regular file, or a folder on its way. */
const entryOf = (name: string, file: boolean): Dirent =>
  ({
    name,
    isFile: () => file,
    isDirectory: () => !file,
    isSymbolicLink: () => false,
    isBlockDevice: () => false,
    isCharacterDevice: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  }) as Dirent;

/**
 * The file system with more regular files, `paths` (absolute), and the folders they would
 * need: each folder on the way lists the next part beside what it holds.
 */
const withFiles = (paths: readonly string[]): GlobOptions['fs'] => {
  const next = new Map<string, Dirent[]>();
  for (const path of paths) {
    for (let at = path; dirname(at) !== at; at = dirname(at)) {
      const there = next.get(dirname(at)) ?? [];
      if (!there.some((e) => e.name === basename(at)))
        there.push(entryOf(basename(at), at === path));
      next.set(dirname(at), there);
    }
  }
  const fs = {
    readdir: (dir: string, options: { withFileTypes: true }, done: Done<Dirent[]>) => {
      const added = next.get(resolve(dir));
      readdirWith(dir, options, (error, entries) => {
        if (added === undefined) return error === null ? done(null, entries) : done(error);
        const held = error === null ? entries : [];
        const names = new Set(held.map((e) => e.name));
        done(null, [...held, ...added.filter((e) => !names.has(e.name))]);
      });
    },
  };
  return fs as unknown as GlobOptions['fs'];
};

/**
 * What findFiles would find (absolute paths) once regular files are written at `paths`
 * (absolute, nothing there yet): the same patterns, matched by the same library, over the
 * tree with those files in it. A file so found would be read as a call file.
 */
export const findFilesWith = async (
  globs: readonly string[],
  cwd: string,
  paths: readonly string[],
): Promise<string[]> => {
  const { glob } = await import('tinyglobby');
  return glob([...globs], { cwd, ignore: IGNORE, absolute: true, fs: withFiles(paths) });
};
