import { redialAfterMs } from '../campaign/redial.js';
import { MAX_TIMER_MS, parseDuration, parseLimit, parseRate } from './parse.js';

/**
 * What a bare number is told where callops.yaml or a call file takes a duration (`15s`), a
 * rate (`5/s`) or a limit (`3/24h`): quoted, it would be refused again, so the hint writes
 * the number in the forms the field takes — only those the field then accepts (never `0s`
 * where a duration must be longer than 0, nor `1000h` past a timer's longest) — else the
 * field's own examples.
 */

interface UnitField {
  /** JSON pointers of the field. */
  readonly at: RegExp;
  /** What the field takes, as the message opens: "must be …". */
  readonly what: string;
  /** The number written (digits) in the forms the field takes. */
  readonly forms: (n: string) => readonly string[];
  readonly accepts: (text: string) => boolean;
  /** Written when no form of the number is accepted (or it is not a whole number). */
  readonly examples: readonly string[];
  /** What a number alone lacks, closing the message. */
  readonly lacks: string;
}

const DURATION = {
  what: 'a duration with its unit',
  forms: (n: string) => [`${n}s`, `${n}m`, `${n}h`],
  lacks: 'a number alone has none',
};

/** A duration within (min, max] ms, min excluded, as the field's semantic check takes it. */
const longerThan =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (text: string): boolean => {
    const ms = parseDuration(text);
    return ms !== undefined && ms > min && ms <= max;
  };

const FIELDS: readonly UnitField[] = [
  {
    ...DURATION,
    // Waited out in timers: longer than 0, at most a timer's longest.
    at: /^\/targets\/[^/]+\/(?:request_timeout|max_pause)$/,
    accepts: longerThan(0, MAX_TIMER_MS),
    examples: ['15s', '2m', '1h'],
  },
  {
    ...DURATION,
    at: /\/schedule\/deadline$/,
    accepts: longerThan(0),
    examples: ['30s', '10m', '1h'],
  },
  { ...DURATION, at: /^\/state\/keep$/, accepts: longerThan(0), examples: ['30d', '12h', '90m'] },
  {
    ...DURATION,
    // 0s redials at once; at most a year.
    at: /\/redial\/after$/,
    accepts: (text) => redialAfterMs(text) !== undefined,
    examples: ['30m', '2h', '0s'],
  },
  {
    at: /^\/targets\/[^/]+\/rate$/,
    what: 'calls per time',
    forms: (n) => [`${n}/s`, `${n}/m`, `${n}/h`],
    accepts: (text) => {
      const rate = parseRate(text);
      return rate !== undefined && rate.perMs <= MAX_TIMER_MS;
    },
    examples: ['5/s', '600/5m', '100/1h'],
    lacks: 'a number alone has no time',
  },
  {
    at: /^\/limits\/per_number$/,
    what: 'N/DURATION',
    forms: (n) => [`${n}/24h`, `${n}/7d`],
    accepts: (text) => parseLimit(text) !== undefined,
    examples: ['3/24h', '1/7d'],
    lacks: 'a number alone has no duration',
  },
];

const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

/**
 * The message for a number written where `pointer`'s field takes a duration, a rate or a
 * limit (`token`: the number as written); undefined for any other field.
 */
export const unitHint = (pointer: string, token: string): string | undefined => {
  const field = FIELDS.find((f) => f.at.test(pointer));
  if (field === undefined) return undefined;
  const forms = /^\d+$/.test(token) ? field.forms(token).filter(field.accepts) : [];
  const shown = forms.length > 0 ? forms : field.examples;
  return `must be ${field.what} — write e.g. ${orList(shown)} (${field.lacks})`;
};
