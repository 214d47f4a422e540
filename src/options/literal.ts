import { REFERENCE_PATTERN, type SchemaFragment } from './fragments.js';

/**
 * The keys read before the environment is, so that a `${…}` in one is refused: by the
 * generated schema (an editor marks it) and by validate, in the same words. Every other string
 * may hold references; enums, booleans and whole numbers of callops's own keys never do.
 */

/** Why each key takes no reference: the end of its message. */
export const LITERAL_WHY = {
  name: "a call's name is its identity in the lockfile",
  enabled: 'write true or false',
  shared_numbers: 'write true or false',
  target: 'write the target name',
  default_target: 'write the target name',
  schedule: 'schedules are checked before the environment is read',
  after: 'write a duration such as 30m, 2h or 0s',
  suppress: 'write the path',
  lockfile: 'write the path: the lockfile is read before the environment is',
  recipients: 'write the path of the CSV, relative to this file',
  'state.keep': 'write a duration',
  'limits.per_number': 'write N/DURATION, e.g. 3/24h',
} as const;

/** A schedule's `timezone` in a campaign may be its rows' zone, and nothing else. */
export const ROW_ZONE_PATTERN = String.raw`^\$\{row\.[^}]+\}$`;

/**
 * What validate (and, for a call's own `schedule.timezone`, the schema) says of a
 * `${row.COLUMN}` in a call without `recipients`: only a campaign's rows fill it. `written`
 * is the template as written (the schema cannot know it); `where`, where it is written when
 * that is not the call itself (defaults, which calls without `recipients` take too).
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a row template, as a message quotes it
export const rowNeedsCampaignMessage = (written = '${row.…}', where?: string): string =>
  `\`${written}\` only works in a call with \`recipients\` (a campaign)${
    where === undefined
      ? ', and this call has none'
      : `: it is written in ${where}, which calls without \`recipients\` take too (write it in the campaign itself)`
  }`;

/**
 * What validate says of a `${row.COLUMN}` in callops.yaml outside `defaults` (a target's
 * values, `state.url`, a `calls` pattern): only a campaign's rows fill one, and such a value
 * is read once, not per row. `written` is the template quoted (`` `${row.region}` ``), or
 * `a row template` where quoting it would show part of a secret; `place` names where it is
 * written (`a target`), `why` says why no row fills it there and what to write instead.
 */
export const rowOutsideCallMessage = (written: string, place: string, why: string): string =>
  `${written} only works in a call with \`recipients\` (a campaign) and cannot be used in ${place}: ${why}`;

/** What validate and the schema say of a `${…}` in a key read before the environment is. */
export const noReferenceMessage = (key: string, why: string): string =>
  `\`${key}\` cannot use a reference (\`\${…}\`): ${why}`;

/**
 * A string holding a reference (`pattern`, REFERENCE_PATTERN unless given) fails a `then` no
 * value satisfies, so that the message (`errorMessage`, read by editors and by callops) is
 * validate's own, at the value. `except`: a pattern of references the key does take.
 */
export const literalOnly = (
  key: string,
  why: string,
  { pattern = REFERENCE_PATTERN, except }: { pattern?: string; except?: string } = {},
): SchemaFragment => ({
  if: { type: 'string', pattern, ...(except === undefined ? {} : { not: { pattern: except } }) },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
  then: { type: 'null', errorMessage: noReferenceMessage(key, why) },
});
