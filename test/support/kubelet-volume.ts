import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The data folder's name: `..`, the UTC time of the write, then os.MkdirTemp's digits. */
export const KUBELET_DATA_DIR = '..2026_12_02_17_50_00.123456789';

/**
 * Lays out `files` (path → text) in `dir` as kubelet's atomic writer mounts a ConfigMap,
 * Secret or projected volume: the files in KUBELET_DATA_DIR (subfolders for paths like
 * `calls/x.yaml`), `..data` a link to it, and each top-level name a link `NAME ->
 * ..data/NAME`.
 */
export const kubeletVolume = async (
  dir: string,
  files: Readonly<Record<string, string>>,
): Promise<void> => {
  const data = join(dir, KUBELET_DATA_DIR);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(data, path)), { recursive: true });
    await writeFile(join(data, path), text);
  }
  await symlink(KUBELET_DATA_DIR, join(dir, '..data'));
  const top = new Set(Object.keys(files).map((path) => path.split('/')[0] ?? path));
  for (const name of top) await symlink(`..data/${name}`, join(dir, name));
};
