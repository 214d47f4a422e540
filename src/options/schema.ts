import { withEditorMessages } from './editor-messages.js';
import { requiredKeys, type SchemaFragment, VAR_RULE, webhookDef } from './fragments.js';
import { bundleJambonz, jambonzRefsIn } from './jambonz.js';
import {
  CALL_KEYS,
  CALL_ONLY_KEYS,
  CONFIG_KEYS,
  DEFAULTS_SCHEDULE,
  DOCUMENT_KEYS,
  type KeyRow,
  SCHEDULE_KEYS,
  STATE_KEYS,
  TARGET_KEYS,
} from './keys.js';
import { ROW_ZONE_PATTERN, rowNeedsCampaignMessage } from './literal.js';
import { OPTIONS } from './table.js';

/** JSON Schemas (draft 2020-12) of call files and callops.yaml, generated from the tables. */

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const GENERATED = 'Generated from src/options/ by `npm run schema`; do not edit by hand.';

type Row = Pick<KeyRow, 'name' | 'description' | 'schema' | 'required'>;

/** Hover docs: plain `description` plus `markdownDescription` for editors that render it. */
export const describe = (markdown: string): SchemaFragment => ({
  description: markdown.replaceAll('`', ''),
  markdownDescription: markdown,
});

const properties = (rows: readonly Row[]): Record<string, SchemaFragment> =>
  Object.fromEntries(rows.map((r) => [r.name, { ...r.schema, ...describe(r.description) }]));

const required = (rows: readonly Row[]): string[] =>
  rows.filter((r) => r.required).map((r) => r.name);

const objectOf = (title: string, rows: readonly Row[], markdown: string) => ({
  title,
  type: 'object',
  ...describe(markdown),
  properties: properties(rows),
  ...(required(rows).length > 0 ? requiredKeys(required(rows)) : {}),
  additionalProperties: false,
});

const optionRows = (): Row[] => OPTIONS.map((o) => ({ ...o, required: false }));

const withoutName = (): Row[] => CALL_KEYS.filter((k) => !CALL_ONLY_KEYS.includes(k.name));

const defaultsRows = (): Row[] => [
  ...optionRows(),
  ...withoutName().map((k) => (k.name === 'schedule' ? { ...k, schema: DEFAULTS_SCHEDULE } : k)),
];

/**
 * A schedule's `timezone` may be a campaign's rows' zone (`${row.COLUMN}`, which the schedule
 * schema lets through): in a call without `recipients` it is refused, saying that only a
 * campaign's rows fill it, in validate's words. (Defaults cannot know: the call that takes
 * them may be a campaign.)
 */
const rowZoneNeedsRecipients: SchemaFragment = {
  if: { required: ['recipients'] },
  else: {
    properties: {
      schedule: {
        properties: {
          timezone: {
            if: { type: 'string', pattern: ROW_ZONE_PATTERN },
            // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
            then: { type: 'null', errorMessage: rowNeedsCampaignMessage() },
          },
        },
      },
    },
  },
};

const ownDefs = (): Record<string, SchemaFragment> => ({
  // A call's `schedule` may lack `cron` and `at`: its defaults (perhaps callops.yaml's,
  // which no schema of a call file sees) may give them; validate judges the merged call.
  call: {
    ...objectOf(
      'call',
      [...CALL_KEYS, ...optionRows()],
      `One call: a \`name\`, the options sent to the gateway, and optionally \`schedule\`, \`target\`, \`enabled\`, \`recipients\`. Options may also come from defaults. ${VAR_RULE}`,
    ),
    ...rowZoneNeedsRecipients,
  },
  defaults: objectOf(
    'defaults',
    defaultsRows(),
    'Options merged under each call (objects merged deeply; the call wins).',
  ),
  schedule: objectOf(
    'schedule',
    SCHEDULE_KEYS,
    'When a call is due: `{cron, timezone?}` or `{at}`, plus optional `start`, `end`, `window`, `deadline`, `catchup`.',
  ),
  target: objectOf('target', TARGET_KEYS, 'A gateway the calls are placed on.'),
  state: objectOf(
    'state',
    STATE_KEYS,
    'Where the project keeps what was placed: `backend: file` (default) or `backend: postgres` with `url`, optional `schema`, and `keep`.',
  ),
  webhook: webhookDef(),
});

const withJambonz = (defs: Record<string, SchemaFragment>): Record<string, SchemaFragment> => ({
  ...defs,
  ...bundleJambonz(jambonzRefsIn(defs)),
});

const pick = (
  defs: Record<string, SchemaFragment>,
  names: readonly string[],
): Record<string, SchemaFragment> =>
  Object.fromEntries(names.flatMap((n) => (defs[n] ? [[n, defs[n]]] : [])));

export const buildCallsSchema = (): Record<string, unknown> => {
  const defs = pick(ownDefs(), ['call', 'defaults', 'schedule', 'webhook']);
  return withEditorMessages({
    $schema: DRAFT,
    $comment: GENERATED,
    ...objectOf(
      'callops call file',
      DOCUMENT_KEYS,
      `A callops call file: \`defaults\` and a list of \`calls\`. ${VAR_RULE}`,
    ),
    $defs: withJambonz(defs),
  });
};

export const buildConfigSchema = (): Record<string, unknown> => {
  const defs = pick(ownDefs(), ['defaults', 'schedule', 'state', 'target', 'webhook']);
  return withEditorMessages({
    $schema: DRAFT,
    $comment: GENERATED,
    ...objectOf(
      'callops.yaml',
      CONFIG_KEYS,
      `callops project configuration: targets (gateways), the default target, where call files are, project-wide defaults, and where state is kept. ${VAR_RULE}`,
    ),
    $defs: withJambonz(defs),
  });
};
