import { expandCampaign } from '../campaign/expand.js';
import { Run } from '../campaign/lazy-list.js';
import { MAX_REDIAL_AFTER_TEXT, redialAfterMs } from '../campaign/redial.js';
import { findRowReferences, mayHoldRowReference } from '../campaign/template.js';
import { type RecipientsFile, recipientsPath } from '../config/recipients.js';
import { LITERAL_WHY, noReferenceMessage } from '../options/literal.js';
import { type CallEntry, siteIn } from './calls.js';
import type { Diagnostic } from './diagnostic.js';
import type { CallDefinition } from './model.js';
import { parseDuration } from './parse.js';
import type { CallRule } from './rules.js';
import { errorAt, hasReference, isRecord } from './site.js';

/** `${row.X}` needs rows: in a call without `recipients` it is an error where it is written. */
const rowsWithoutRecipients: CallRule = {
  name: 'row-reference-without-recipients',
  kind: 'semantic',
  check: (entry) => {
    if (entry.merged.recipients !== undefined || !mayHoldRowReference(entry.merged)) return [];
    const { name: _name, ...rest } = entry.merged;
    return findRowReferences(rest).map((ref) =>
      errorAt(
        siteIn(entry, ref.path),
        `\`\${row.${ref.name}}\` needs a campaign: this call has no \`recipients\` CSV whose rows fill it`,
      ),
    );
  },
};

/** `${row.X}` in a schedule key other than `timezone` (checked per row nowhere else). */
const rowsInSchedule: CallRule = {
  name: 'row-reference-in-schedule',
  kind: 'semantic',
  check: (entry) => {
    const schedule = entry.merged.schedule;
    if (entry.merged.recipients === undefined || !isRecord(schedule)) return [];
    return findRowReferences(schedule, ['schedule'])
      .filter((ref) => ref.path[1] !== 'timezone')
      .map((ref) =>
        errorAt(
          siteIn(entry, ref.path),
          `\`${String(ref.path[1])}\` cannot use \`\${row.${ref.name}}\`: only \`schedule.timezone\` may differ per row`,
        ),
      );
  },
};

/**
 * `redial:` needs rows placed once each: a call without `recipients`, or a campaign with
 * `cron`/`at`, is an error; so is an `after` that holds a reference, is not a duration, or
 * is longer than a year (MAX_REDIAL_AFTER_MS; the schema checks the rest).
 */
const redialRule: CallRule = {
  name: 'redial',
  kind: 'semantic',
  check: (entry) => {
    const redial = entry.merged.redial;
    if (redial === undefined) return [];
    if (entry.merged.recipients === undefined) {
      return [
        errorAt(
          siteIn(entry, ['redial']),
          '`redial` needs a campaign: this call has no `recipients` CSV whose rows are called again',
        ),
      ];
    }
    const out: Diagnostic[] = [];
    const schedule = entry.merged.schedule;
    if (isRecord(schedule) && (schedule.cron !== undefined || schedule.at !== undefined)) {
      out.push(
        errorAt(
          siteIn(entry, ['redial']),
          '`redial` is for a campaign whose rows are each called once (a schedule without `cron` or `at`)',
        ),
      );
    }
    if (isRecord(redial) && typeof redial.after === 'string') {
      if (hasReference(redial.after)) {
        out.push(
          errorAt(
            siteIn(entry, ['redial', 'after']),
            noReferenceMessage('after', LITERAL_WHY.after),
          ),
        );
      } else if (parseDuration(redial.after) === undefined) {
        out.push(
          errorAt(
            siteIn(entry, ['redial', 'after']),
            `\`after\` must be a duration such as 30m, 2h or 0s, not \`${redial.after}\``,
          ),
        );
      } else if (redialAfterMs(redial.after) === undefined) {
        out.push(
          errorAt(
            siteIn(entry, ['redial', 'after']),
            `\`after\` must be at most ${MAX_REDIAL_AFTER_TEXT} (a year), not \`${redial.after}\``,
          ),
        );
      }
    }
    return out;
  },
};

export const CAMPAIGN_RULES: readonly CallRule[] = [
  rowsWithoutRecipients,
  rowsInSchedule,
  redialRule,
];

const NO_ROWS = new Run<CallDefinition>(0, () => {
  throw new RangeError('no rows');
});

/** The rows of a campaign call, or why there are none. */
export const campaignRows = (
  entry: CallEntry,
  definition: CallDefinition,
  recipients: string,
  files: ReadonlyMap<string, RecipientsFile> | undefined,
): {
  readonly file: string;
  /** The rows without a problem, each made when read. */
  readonly rows: Run<CallDefinition>;
  readonly diagnostics: readonly Diagnostic[];
} => {
  const file = recipientsPath(entry.doc.file, recipients);
  if (hasReference(recipients)) {
    const why = noReferenceMessage('recipients', LITERAL_WHY.recipients);
    return { file, rows: NO_ROWS, diagnostics: [errorAt(siteIn(entry, ['recipients']), why)] };
  }
  const read = files?.get(file);
  if (read === undefined || 'problem' in read) {
    const why = read === undefined ? 'file was not read' : read.problem;
    return {
      file,
      rows: NO_ROWS,
      diagnostics: [
        errorAt(siteIn(entry, ['recipients']), `recipients \`${recipients}\` (${file}): ${why}`),
      ],
    };
  }
  const schedule = isRecord(entry.merged.schedule) ? entry.merged.schedule : undefined;
  // A zone its defaults give is for rows without one of their own (see zoneSlot).
  const own = entry.item.schedule;
  const callZone = isRecord(own) && own.timezone !== undefined;
  const expanded = expandCampaign(definition, file, read, schedule, callZone);
  if (expanded.problem !== undefined) {
    return {
      file,
      rows: NO_ROWS,
      diagnostics: [
        errorAt(
          siteIn(entry, ['recipients']),
          `recipients \`${recipients}\` (${file}): ${expanded.problem}`,
        ),
      ],
    };
  }
  return { file, rows: expanded.rows, diagnostics: expanded.diagnostics };
};
