import { appendFile, open, stat } from 'node:fs/promises';
import type { CommandContext } from './context.js';

/** GitHub shows none of a step's summary once its file passes 1 MiB. */
const SUMMARY_LIMIT = 1024 * 1024;

/** The line that ends a summary that is full (kept under the limit with it). */
const FULL =
  '\n_callops: the step summary is full (GitHub shows up to 1 MiB); `callops status` shows the rest._\n';

/**
 * Appends markdown to $GITHUB_STEP_SUMMARY under GitHub Actions. Each text is bounded on its
 * own (src/report/budget.ts); a long `run` appends one a batch, so the file as a whole is
 * kept under GitHub's 1 MiB too: a text that would pass it is left out, and the summary ends
 * with one line saying so. A summary that cannot be written is no reason to fail a run.
 */
export const appendStepSummary = async (ctx: CommandContext, text: string): Promise<void> => {
  const file = ctx.env.GITHUB_STEP_SUMMARY;
  if (ctx.env.GITHUB_ACTIONS !== 'true' || !file || text === '') return;
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  const bytes = Buffer.byteLength(text);
  if (size + bytes + FULL.length <= SUMMARY_LIMIT) {
    await appendFile(file, text).catch(() => undefined);
    return;
  }
  if (size + FULL.length > SUMMARY_LIMIT || (await endsFull(file, size))) return;
  await appendFile(file, FULL).catch(() => undefined);
};

/** Whether the summary already ends with the line that says it is full. */
const endsFull = async (file: string, size: number): Promise<boolean> => {
  if (size < FULL.length) return false;
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return false;
  try {
    const tail = Buffer.alloc(FULL.length);
    await handle.read(tail, 0, FULL.length, size - FULL.length);
    return tail.toString() === FULL;
  } finally {
    await handle.close();
  }
};
