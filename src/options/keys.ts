import { FLAVORS } from './flavor.js';
import {
  boolean,
  defRef,
  NAME_MESSAGE,
  NAME_PATTERN,
  nonEmptyString,
  notBoth,
  positiveInteger,
  REFERENCE_PATTERN,
  type SchemaFragment,
} from './fragments.js';
import { LITERAL_WHY, literalOnly, ROW_ZONE_PATTERN } from './literal.js';
import { OPTION_NAMES } from './table.js';

/** The keys callops itself reads: a call's own keys, schedules, and callops.yaml. */

export interface KeyRow {
  readonly name: string;
  readonly required: boolean;
  /** Markdown. */
  readonly description: string;
  readonly type: string;
  readonly schema: SchemaFragment;
}

const key = (
  name: string,
  type: string,
  schema: SchemaFragment,
  description: string,
  required = false,
): KeyRow => ({ name, required, description, type, schema });

/** A non-empty string that holds no reference (see literal.ts). */
const literalString = (name: string, why: string): SchemaFragment =>
  nonEmptyString(literalOnly(name, why));

/** A schedule's text: read when validated, before the environment is. */
const scheduleText = (name: string, except?: string): SchemaFragment =>
  nonEmptyString(literalOnly(name, LITERAL_WHY.schedule, except === undefined ? {} : { except }));

/**
 * `true` or `false`. A string is taken by the type only to be refused in validate's words: a
 * reference by `literalOnly`, any other string by the pattern (said as "must be true or false").
 */
const literalBoolean = (name: string, why: string): SchemaFragment => ({
  type: ['boolean', 'string'],
  pattern: REFERENCE_PATTERN,
  ...literalOnly(name, why),
});

/** Keys of a call besides the documented options. */
// biome-ignore format: one row per line reads as a table
export const CALL_KEYS: readonly KeyRow[] = [
  key('name', 'string', { type: 'string', pattern: `${NAME_PATTERN}|${REFERENCE_PATTERN}`, patternErrorMessage: NAME_MESSAGE, ...literalOnly('name', LITERAL_WHY.name) }, 'Name of the call, unique across the project: lowercase letters, digits, `.`, `_`, `-`. Part of the key under which a placement is recorded in the lockfile.', true),
  key('schedule', 'schedule', { allOf: [{ $ref: defRef('schedule') }], ...notBoth('cron', 'at', 'must have only one of `cron` and `at`') }, 'When the call is due: `{cron, timezone?}` (recurring) or `{at}` (once). Without a schedule the call is due once, as soon as it is applied. A campaign (`recipients`) may leave out both: `{start?, end?, window?, timezone?}` places each row once, as soon as it may be called. Merged key by key over a `schedule` in defaults: a call may write only what differs, e.g. `{timezone}` under their `cron`.'),
  key('target', 'string', literalString('target', LITERAL_WHY.target), 'Name of the target (gateway) in callops.yaml the call is placed on; default: the default target.'),
  key('enabled', 'boolean', literalBoolean('enabled', LITERAL_WHY.enabled), 'Set to `false` to keep the call in the file without placing it (default `true`).'),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${row.COLUMN} reference
  key('recipients', 'string', literalString('recipients', LITERAL_WHY.recipients), 'Makes the call a campaign: a CSV file (relative to this file) with a header row and one recipient per row. Each row is placed once under `<target>/<call>/<row id>` (the `id` column, else the row number); `${row.COLUMN}` in the call is that row\'s cell.'),
  key('redial', 'redial', { type: 'object', properties: { on: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['no-answer', 'busy', 'failed'] } }, after: literalString('after', LITERAL_WHY.after), backoff: { type: 'number', minimum: 1 }, max_attempts: { type: 'integer', minimum: 1 } }, required: ['on', 'after', 'max_attempts'], additionalProperties: false }, 'A campaign only: call a row again when an attempt ended so: `{on: [no-answer, busy, failed], after: 30m, backoff: 2, max_attempts: 3}`. Required: `on` (each status once), `after` (a duration, at most 366d) and `max_attempts` (a whole number ≥ 1; the first call counts); `backoff` (a number ≥ 1) defaults to 1. Attempt n+1 waits `after × backoff^(n−1)` from the end of attempt n. Never after an answered call or a decline (SIP 603), never while an attempt\'s outcome is not known; an answer to an earlier attempt that arrives after a later one was placed ends the row too. Attempt n ≥ 2 is recorded under `<target>/<call>/<row id>#n`.'),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${row.COLUMN} and ${VAR} references
  key('shared_numbers', 'boolean', literalBoolean('shared_numbers', LITERAL_WHY.shared_numbers), 'A campaign with an `id` column only: `true` calls each row even when rows of other ids dial the same number (people sharing a phone). Default `false`: a campaign calls a number once — of rows that dial one number, the one that comes due first is placed and the others are held (`plan` lists them as skipped, `validate` warns at each later row); a `to` whose callee no `${row.COLUMN}` fills (a literal, or a `${VAR}` alone: every row one callee) is an error without it.'),
];

/** Call keys that defaults do not take. */
export const CALL_ONLY_KEYS: readonly string[] = ['name', 'recipients', 'redial', 'shared_numbers'];

// biome-ignore format: one row per line reads as a table
export const SCHEDULE_KEYS: readonly KeyRow[] = [
  key('cron', 'string', scheduleText('cron'), 'Cron expression of a recurring schedule: 5 fields, or 6 with seconds first, e.g. `"0 9 * * 1-5"`. Exactly one of `cron` and `at`.'),
  key('at', 'string', scheduleText('at'), 'One instant: ISO-8601 with an offset or Z (e.g. `"2026-12-01T09:00:00-05:00"`), or a wall time in `timezone`. Exactly one of `cron` and `at`.'),
  key('timezone', 'string', scheduleText('timezone', ROW_ZONE_PATTERN), 'IANA time zone the schedule is read in, e.g. `Europe/Berlin` (default UTC).'),
  key('start', 'string', scheduleText('start'), 'Date or time from which the schedule is valid.'),
  key('end', 'string', scheduleText('end'), 'Date or time until which the schedule is valid.'),
  key('window', 'string', scheduleText('window'), 'Allowed local time of day, e.g. `"08:00-21:00"`; a time outside it is no slot (never due, missed or listed), and nothing is sent after it closes (a slot is then missed; a campaign row waits for its hours to open).'),
  key('deadline', 'string', scheduleText('deadline'), 'How long after a slot falls due it may still be placed, e.g. `10m` (default); later, it is missed, never placed late.'),
  key('catchup', '`latest` or `all`', { type: 'string', enum: ['latest', 'all'] }, 'After downtime or a late start: `latest` (default) places only the most recent slot still within its deadline and reports the older ones as missed (superseded), as a Kubernetes CronJob does; `all` places every slot still within its deadline (the latest 1000 at most).'),
];

// biome-ignore format: one row per line reads as a table
export const TARGET_KEYS: readonly KeyRow[] = [
  key('base_url', 'string', nonEmptyString(), 'Base URL of the gateway API, without a trailing `/v1`, e.g. `https://vg.example.com`. Must be https unless loopback or `allow_insecure`.', true),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  key('account_sid', 'string', nonEmptyString(), 'Account SID the calls are created under, e.g. `${VG_ACCOUNT_SID}`.', true),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  key('api_key', 'string', nonEmptyString(), 'API key (bearer token). Always a secret: write a reference such as `${VG_API_KEY}`.', true),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  key('concurrency', 'positive integer', positiveInteger(), 'Requests in flight at most (default 4). A `${VAR}` reference is accepted.'),
  key('rate', 'string', nonEmptyString(), 'Most new calls per time: `5/s`, `600/5m` (default: no limit).'),
  key('request_timeout', 'string', nonEmptyString(), 'Longest time for one whole request — connecting, sending, the answer headers and body — before the call is `unknown`, e.g. `15s`.'),
  key('allow_insecure', 'boolean', boolean(), 'Allow a plain http base URL that is not loopback.'),
  key('max_pause', 'string', nonEmptyString(), 'Longest pause when the gateway answers 429, or longest outage it answers 480 (no feature server), before the remaining calls fail, e.g. `5m`.'),
  key('flavor', '`cognigy` or `jambonz`', { enum: [...FLAVORS] }, 'What the gateway is: `cognigy` (default), a Cognigy Voice Gateway, which takes every documented option; `jambonz`, a stock jambonz feature server, which refuses create-call options that are not properties of its `rest:dial` verb (`validate` reports them).'),
];

// biome-ignore format: one row per line reads as a table
export const CONFIG_KEYS: readonly KeyRow[] = [
  key('targets', 'map of targets', { type: 'object', propertyNames: { pattern: NAME_PATTERN, patternErrorMessage: NAME_MESSAGE }, additionalProperties: { $ref: defRef('target') } }, 'Named gateways: name to `{base_url, account_sid, api_key, …}`.'),
  key('default_target', 'string', literalString('default_target', LITERAL_WHY.default_target), 'Target used when a call names none and no `--target` is given.'),
  key('calls', 'array of strings', { type: 'array', items: nonEmptyString() }, 'Glob patterns of the call files, relative to callops.yaml (default `["calls/**/*.yaml", "calls/**/*.yml"]`).'),
  key('lockfile', 'string', literalString('lockfile', LITERAL_WHY.lockfile), 'Path of the lockfile (default `callops.lock`).'),
  key('defaults', 'object', { allOf: [{ $ref: defRef('defaults') }] }, 'Options merged under every call of the project (a file\'s and the call\'s own values win).'),
  key('state', 'state', { allOf: [{ $ref: defRef('state') }] }, 'Where the project keeps what was placed: `{backend: file}` (default: the lockfile and `.callops/`) or `{backend: postgres, url}`, and `keep`.'),
  key('suppress', 'array of strings', { type: 'array', items: literalString('suppress', LITERAL_WHY.suppress) }, 'Do-not-call lists: CSV files (relative to callops.yaml) with a header, a `number` column and optionally `reason`. A phone number listed there is never called, by any call of the project.'),
  key('limits', 'limits', { type: 'object', properties: { per_number: literalString('limits.per_number', LITERAL_WHY['limits.per_number']) }, additionalProperties: false }, 'Limits across every call, run and runner: `per_number: 3/24h` — at most 3 calls to one number within any trailing 24 hours.'),
];

/** A schema name callops accepts for the Postgres store (an unquoted SQL identifier). */
export const STATE_SCHEMA_PATTERN = '^[a-z_][a-z0-9_]{0,62}$';

/** Keys of `state:` in callops.yaml. */
// biome-ignore format: one row per line reads as a table
export const STATE_KEYS: readonly KeyRow[] = [
  key('backend', '`file` or `postgres`', { enum: ['file', 'postgres'] }, 'The store: `file` (default; the lockfile and `.callops/`, one runner at a time) or `postgres` (several runners on any hosts share one project).'),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
  key('url', 'string', nonEmptyString(), 'With `backend: postgres` (required): the `postgres://` URL of the database. A secret like an api key: write a reference such as `${CALLOPS_DATABASE_URL}`.'),
  key('schema', 'string', { type: 'string', pattern: STATE_SCHEMA_PATTERN, patternErrorMessage: 'must be lower-case letters, digits and `_`, starting with a letter or `_` (at most 63)' }, 'With `backend: postgres`: the database schema holding callops\' tables (default `callops`).'),
  key('keep', 'string', literalString('state.keep', LITERAL_WHY['state.keep']), 'How long entries of recurring calls past their deadline stay in the lockfile view, e.g. `30d` (default), `12h`.'),
];

/** Keys of a call file document. */
// biome-ignore format: one row per line reads as a table
export const DOCUMENT_KEYS: readonly KeyRow[] = [
  key('defaults', 'object', { allOf: [{ $ref: defRef('defaults') }] }, "Options merged under each call of this document (the call's own values win)."),
  key('calls', 'array of calls', { type: 'array', items: { $ref: defRef('call') } }, 'The calls: each a `name` plus the call options, and optionally `schedule`, `target`, `enabled`.', true),
];

/** In defaults a schedule may be partial (e.g. only a timezone), but never both cron and at. */
export const DEFAULTS_SCHEDULE: SchemaFragment = {
  allOf: [{ $ref: defRef('schedule') }],
  ...notBoth('cron', 'at'),
};

const names = (rows: readonly KeyRow[]): readonly string[] => rows.map((r) => r.name);

/** Every key known at each level, for "did you mean" suggestions. */
export const KNOWN_KEYS = {
  callsDocument: names(DOCUMENT_KEYS),
  call: [...names(CALL_KEYS), ...OPTION_NAMES],
  defaults: [...OPTION_NAMES, ...names(CALL_KEYS).filter((n) => !CALL_ONLY_KEYS.includes(n))],
  schedule: names(SCHEDULE_KEYS),
  config: names(CONFIG_KEYS),
  target: names(TARGET_KEYS),
  state: names(STATE_KEYS),
} as const satisfies Record<string, readonly string[]>;
