import { renderDiagnosticsGithub } from '../report/diagnostics.js';
import { type Unsettled, unsettledAnnotations, unsettledMarkdown } from '../report/unsettled.js';
import type { CommandContext } from './context.js';
import { appendStepSummary } from './step-summary.js';

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
  await appendStepSummary(ctx, unsettledMarkdown(unsettled));
};
