import { expandCampaign } from '../campaign/expand.js';
import { Run } from '../campaign/lazy-list.js';
import { MAX_REDIAL_AFTER_TEXT, redialAfterMs } from '../campaign/redial.js';
import { findRowReferences, mayHoldRowReference } from '../campaign/template.js';
import { type RecipientsFile, recipientsPath } from '../config/recipients.js';
import type { PathSegments } from '../config/types.js';
import {
  LITERAL_WHY,
  noReferenceMessage,
  ROW_ZONE_PATTERN,
  rowNeedsCampaignMessage,
} from '../options/literal.js';
import { type CallEntry, defaultsNamed, siteIn, textSiteIn } from './calls.js';
import { campaignCallee } from './campaign-callee.js';
import { CALL_KEYS } from './definition.js';
import type { Diagnostic } from './diagnostic.js';
import type { CallDefinition } from './model.js';
import { parseDuration } from './parse.js';
import type { CallRule } from './rules.js';
import { errorAt, hasReference, isRecord } from './site.js';

const ROW_ZONE = new RegExp(ROW_ZONE_PATTERN);

/**
 * Where a campaign puts a row's cell: its options, and its schedule's `timezone` when that is
 * one whole `${row.COLUMN}`. A `${row.X}` anywhere else (`target`, `enabled`, another key of
 * `schedule`, …) is refused in any call, as any reference there is, in those words.
 */
const filledByRows = (path: PathSegments, value: string): boolean => {
  const [key, sub] = path;
  if (key === 'schedule') return sub === 'timezone' && ROW_ZONE.test(value);
  return !CALL_KEYS.includes(String(key));
};

/**
 * `${row.X}` needs rows: in a call without `recipients` it is an error at the template,
 * saying that only a campaign's rows fill it, and whose defaults hold it when the call does
 * not write it (they reach calls without `recipients` too). A call's own `timezone` is said
 * at its value in the schema's words, which cannot quote the column, so the two say it once.
 */
const rowsWithoutRecipients: CallRule = {
  name: 'row-reference-without-recipients',
  kind: 'semantic',
  check: (entry) => {
    if (entry.merged.recipients !== undefined || !mayHoldRowReference(entry.merged)) return [];
    const { name: _name, ...rest } = entry.merged;
    // The same template twice in one string: each at its own place.
    const seen = new Map<string, number>();
    return findRowReferences(rest)
      .filter((ref) => filledByRows(ref.path, ref.written))
      .map((ref) => {
        const template = `\${row.${ref.name}}`;
        const id = `${JSON.stringify(ref.path)}\n${template}`;
        const nth = seen.get(id) ?? 0;
        seen.set(id, nth + 1);
        const where = defaultsNamed(entry, ref.path);
        const own = where === undefined && ref.path[0] === 'schedule';
        // The call's own zone where the schema says it (at the value), in its words.
        return own
          ? errorAt(siteIn(entry, ref.path), rowNeedsCampaignMessage())
          : errorAt(
              textSiteIn(entry, ref.path, template, nth),
              rowNeedsCampaignMessage(template, where),
            );
      });
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

/**
 * `shared_numbers:` says how a campaign's rows share numbers: a call without `recipients` has
 * no rows (one without an `id` column is said where its CSV is read: expand.ts).
 */
const sharedNumbersRule: CallRule = {
  name: 'shared-numbers',
  kind: 'semantic',
  check: (entry) =>
    entry.merged.shared_numbers === undefined || entry.merged.recipients !== undefined
      ? []
      : [
          errorAt(
            siteIn(entry, ['shared_numbers']),
            '`shared_numbers` needs a campaign: this call has no `recipients` CSV whose rows may share a number',
          ),
        ],
};

export const CAMPAIGN_RULES: readonly CallRule[] = [
  rowsWithoutRecipients,
  rowsInSchedule,
  redialRule,
  sharedNumbersRule,
  campaignCallee,
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
  const shared = entry.merged.shared_numbers === true;
  const expanded = expandCampaign(definition, file, read, schedule, callZone, shared);
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
