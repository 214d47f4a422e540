import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * `project(files)` makes a temporary project directory holding `files` (path → text or
 * bytes); every directory it made is removed after each test of the file that calls this.
 */
export const projectDirs = (
  prefix: string,
): ((files: Readonly<Record<string, string | Uint8Array>>) => Promise<string>) => {
  const roots: string[] = [];
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });
  return async (files) => {
    const root = await mkdtemp(join(tmpdir(), prefix));
    roots.push(root);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    return root;
  };
};
