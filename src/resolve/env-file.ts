import { readFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import type { Env } from './interpolate.js';

export type EnvFileRead =
  | { readonly env: Readonly<Record<string, string>> }
  | { readonly error: string; readonly code?: string };

/**
 * Reads a dotenv file with Node's own parser (`util.parseEnv`: quotes, `\n` in double
 * quotes, comments). Returns the variables without touching process.env. A file that
 * cannot be read is an `error` (with the system `code`, e.g. ENOENT); the message names
 * the file, never its content.
 */
export const readEnvFile = async (path: string): Promise<EnvFileRead> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable');
    return { error: `cannot read ${path}: ${why}`, ...(code ? { code } : {}) };
  }
  const parsed = parseEnv(text);
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
