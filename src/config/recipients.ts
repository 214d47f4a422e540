import { readFile, stat } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { formatMiB } from './limits.js';
import type { SourceFile } from './types.js';

/** Largest recipients CSV callops reads (bytes). */
export const MAX_RECIPIENTS_BYTES = 256 * 1024 * 1024;

/** A recipients CSV as read: its text, or why it could not be read. */
export type RecipientsFile = { readonly text: string } | { readonly problem: string };

/** The project-relative path of `recipients: value` written in the call file `file`. */
export const recipientsPath = (file: string, value: string): string => {
  const path = value.replaceAll('\\', '/');
  return posix.isAbsolute(path)
    ? posix.normalize(path)
    : posix.normalize(posix.join(posix.dirname(file), path));
};

/** Every `recipients:` string of the calls of a file (defaults do not take one). */
export const recipientsOf = (file: SourceFile): string[] =>
  file.documents.flatMap((doc) => {
    const calls = (doc.data as { calls?: unknown } | null | undefined)?.calls;
    if (!Array.isArray(calls)) return [];
    return calls.flatMap((call: unknown) => {
      const value = (call as { recipients?: unknown } | null)?.recipients;
      return typeof value === 'string' && value !== '' ? [recipientsPath(file.file, value)] : [];
    });
  });

/** Reads one recipients CSV (a BOM is left for the CSV reader). */
export const readRecipients = async (
  root: string,
  path: string,
  limit = MAX_RECIPIENTS_BYTES,
): Promise<RecipientsFile> => {
  try {
    const absolute = resolve(root, path);
    const info = await stat(absolute);
    if (!info.isFile()) return { problem: 'is not a regular file' };
    if (info.size > limit)
      return {
        problem: `file is ${formatMiB(info.size)}; callops reads recipients files up to ${formatMiB(limit)} — split the campaign`,
      };
    const bytes = await readFile(absolute);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { text };
  } catch (error) {
    if (error instanceof TypeError) return { problem: 'is not UTF-8 text' };
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return { problem: 'file does not exist' };
    if (code === 'EACCES' || code === 'EPERM')
      return { problem: 'cannot read file: permission denied' };
    return { problem: `cannot read file (${code ?? String(error)})` };
  }
};

/** Reads the recipients CSVs of the call files (each once). */
export const readAllRecipients = async (
  root: string,
  files: readonly SourceFile[],
): Promise<ReadonlyMap<string, RecipientsFile>> => {
  const out = new Map<string, RecipientsFile>();
  for (const file of files) {
    for (const path of recipientsOf(file)) {
      if (!out.has(path)) out.set(path, await readRecipients(root, path));
    }
  }
  return out;
};
