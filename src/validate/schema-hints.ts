/** Notes added to schema messages for the slips YAML makes easy. */

/** Booleans of YAML 1.1 that YAML 1.2 reads as text. */
const YAML11_BOOLEAN = /^(?:y|n|yes|no|on|off)$/i;

/** Why a text was read where a boolean or a number belongs, when it is a common slip. */
export const typeHint = (types: readonly string[], data: unknown): string => {
  if (typeof data !== 'string') return '';
  if (types.includes('boolean') && YAML11_BOOLEAN.test(data)) {
    return ` (YAML 1.2 reads \`${data}\` as text: write true or false)`;
  }
  const numeric = types.includes('integer') || types.includes('number');
  return numeric && /^[+-]?\d+(?:\.\d+)?$/.test(data) ? ' (write it without quotes)' : '';
};

/** Keys that are YAML features rather than typos. */
export const KEY_NOTES: ReadonlyMap<string, string> = new Map([
  ['', ' (an empty key: YAML reads a key written as `null`, `~` or nothing as empty)'],
  ['<<', ': YAML merge keys are not read; put shared options under `defaults:`'],
]);

/** Where a call's `to` and `schedule` sit: in a call, or in defaults. */
const TO_AT = /^\/(?:calls\/\d+|defaults)\/to$/;
const SCHEDULE_AT = /^\/(?:calls\/\d+|defaults)\/schedule$/;

/** A number as people write one (`+1 555-000 2222`): its digits, with its +. */
const phoneLike = (text: string): string | undefined => {
  const compact = text.replace(/[\s().-]/g, '');
  return /^\+?\d{3,15}$/.test(compact) ? compact : undefined;
};

const REFERENCE = /^\$\{[^}]+\}$/;

/** The object a `to` written as one string stands for, in flow style. */
const targetFor = (text: string): string | undefined => {
  const quoted = JSON.stringify(text);
  if (/^sips?:/i.test(text)) return `{ type: sip, sipUri: ${quoted} }`;
  if (REFERENCE.test(text))
    return `{ type: phone, number: ${quoted} } (a SIP address: { type: sip, sipUri: ${quoted} })`;
  const number = phoneLike(text);
  return number === undefined ? undefined : `{ type: phone, number: ${JSON.stringify(number)} }`;
};

/** The object a `schedule` written as one string stands for. */
const scheduleFor = (text: string): string | undefined => {
  const trimmed = text.trim();
  const fields = trimmed.split(/\s+/).length;
  if (fields === 5 || fields === 6) return `{ cron: ${JSON.stringify(trimmed)} }`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(trimmed))
    return `{ at: ${JSON.stringify(trimmed)} }`;
  return undefined;
};

/**
 * How to write as an object a `to` or a `schedule` given as one value (`to: "+1555…"`,
 * `schedule: "0 9 * * *"`), or "". `raw` is the text the value was written as (a number
 * YAML read from `to: +15550002222` keeps its + there).
 */
export const objectHint = (pointer: string, data: unknown, raw?: string): string => {
  const text = typeof data === 'string' ? data : typeof data === 'number' ? raw : undefined;
  if (text === undefined) return '';
  const shape = TO_AT.test(pointer)
    ? targetFor(text)
    : SCHEDULE_AT.test(pointer)
      ? scheduleFor(text)
      : undefined;
  const key = pointer.slice(pointer.lastIndexOf('/') + 1);
  return shape === undefined ? '' : ` — write it as ${key}: ${shape}`;
};
