import { brokenLink } from './exists.js';

/** Why a project file (a call file, callops.yaml, a recipients CSV) could not be read. */
export const ioMessage = (error: unknown): string => {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const broken = path === undefined ? undefined : brokenLink(path);
  if (broken !== undefined) return broken;
  if (code === 'ENOENT') return 'file does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot read file: permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot read file (${code ?? String(error)})`;
};
