import { appendFile } from 'node:fs/promises';
import { renderDiagnosticsGithub } from '../report/diagnostics.js';
import { type Unsettled, unsettledAnnotations, unsettledMarkdown } from '../report/unsettled.js';
import type { CommandContext } from './context.js';

/**
 * Under GitHub Actions an unknown entry is a warning annotation (format github) and a row
 * of the step summary, so that a job that places nothing still shows it.
 */
export const reportUnsettledToGithub = async (
  ctx: CommandContext,
  unsettled: readonly Unsettled[],
): Promise<void> => {
  if (unsettled.length === 0) return;
  if (ctx.format === 'github')
    ctx.stdout.write(renderDiagnosticsGithub(unsettledAnnotations(unsettled)));
  const summaryFile = ctx.env.GITHUB_STEP_SUMMARY;
  if (ctx.env.GITHUB_ACTIONS === 'true' && summaryFile) {
    await appendFile(summaryFile, unsettledMarkdown(unsettled)).catch(() => undefined);
  }
};
