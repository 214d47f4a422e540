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
