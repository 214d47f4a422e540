import { readFile, stat } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import { decodeText } from '../config/decode.js';
import { MAX_FILE_BYTES, tooLargeMessage } from '../config/limits.js';
import type { Env } from './interpolate.js';

export type EnvFileRead =
  | { readonly env: Readonly<Record<string, string>> }
  | {
      /** Why, naming neither the file (the caller does) nor anything of its content. */
      readonly error: string;
      readonly code?: string;
      /** Where in the file, for content that cannot be read as text. */
      readonly line?: number;
      readonly column?: number;
    };

/**
 * Reads a dotenv file with Node's own parser (`util.parseEnv`: quotes, `\n` in double
 * quotes, comments). Returns the variables without touching process.env. A file that
 * cannot be read is an `error` (with the system `code`, e.g. ENOENT); a file that is too
 * large, binary, UTF-16 or not UTF-8 is an error at its line and column, as a YAML file is.
 */
export const readEnvFile = async (path: string): Promise<EnvFileRead> => {
  let bytes: Uint8Array;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { error: 'not a regular file' };
    if (info.size > MAX_FILE_BYTES) {
      return { error: tooLargeMessage(info.size), line: 1, column: 1 };
    }
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? 'unreadable'})`;
    return { error: why, ...(code ? { code } : {}) };
  }
  const decoded = decodeText(path, bytes);
  if (decoded.text === undefined) {
    const [first] = decoded.diagnostics;
    return {
      error: first?.message ?? 'not readable as text',
      line: first?.line ?? 1,
      column: first?.column ?? 1,
    };
  }
  const parsed = parseEnv(decoded.text);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== undefined) env[name] = value;
  }
  return { env };
};

/** The file's variables under the real environment: a variable set in both keeps its real value. */
export const mergeEnv = (fileEnv: Env, processEnv: Env): Record<string, string | undefined> => {
  const merged: Record<string, string | undefined> = { ...fileEnv };
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined) merged[name] = value;
  }
  return merged;
};
