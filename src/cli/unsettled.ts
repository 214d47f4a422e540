import { renderDiagnosticsGithub } from '../report/diagnostics.js';
import { type Unsettled, unsettledAnnotations, unsettledMarkdown } from '../report/unsettled.js';
import { annotated } from './annotation-files.js';
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
    ctx.stdout.write(renderDiagnosticsGithub(annotated(ctx, unsettledAnnotations(unsettled))));
  await appendStepSummary(ctx, unsettledMarkdown(unsettled));
};

/**
 * What `run` said last of the lockfile's unknown entries: it names them as it starts, and
 * in a batch's summary again only once the list changed (a new unknown, one settled), not
 * after every batch of a long run.
 */
export interface UnknownsSaid {
  /** Whether `list` differs from the list said last; from now on it is the one said. */
  changed(list: readonly Unsettled[]): boolean;
}

export const unknownsSaid = (): UnknownsSaid => {
  // The keys and times of the list said last: an entry settled and unknown again differs.
  let said = '';
  return {
    changed: (list) => {
      const now = list.map((u) => `${u.key}\t${u.at}`).join('\n');
      if (now === said) return false;
      said = now;
      return true;
    },
  };
};
