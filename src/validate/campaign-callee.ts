import { hasRowReference } from '../campaign/template.js';
import { defaultsNamed, siteIn } from './calls.js';
import type { CallRule } from './rules.js';
import { errorAt, hasReference, isRecord } from './site.js';

/**
 * What names the callee of each `to.type`, the first key the one a message points at, and
 * what the callee is called. A trunk, an auth or a header changes how a row is called, not
 * whom: a row that fills only those calls the same callee as every other row.
 */
const CALLEE = new Map<
  string,
  { readonly keys: readonly [string, ...string[]]; readonly noun: string }
>([
  ['phone', { keys: ['number'], noun: 'number' }],
  ['sip', { keys: ['sipUri'], noun: 'SIP URI' }],
  ['user', { keys: ['name'], noun: 'user' }],
  ['teams', { keys: ['number', 'tenant'], noun: 'Teams number' }],
]);

/**
 * A campaign's rows are its recipients: a `to` whose callee no `${row.COLUMN}` fills (a
 * literal, or only `${VAR}` of the environment) gives every row the same one. A number is
 * then called once and every other row held (a campaign calls a number once), 1 call for N
 * rows; a SIP URI, a user or a Teams number is rung once per row. Nothing says so later, so
 * it is an error at the value, whatever the rows, unless `shared_numbers: true` says the rows
 * share it on purpose. A `to` the schema refuses (no type it knows, no callee) is its to say.
 */
export const campaignCallee: CallRule = {
  name: 'campaign-callee',
  kind: 'semantic',
  check: (entry) => {
    const { recipients, shared_numbers: shared, to } = entry.merged;
    if (typeof recipients !== 'string' || recipients === '' || shared === true) return [];
    if (!isRecord(to) || typeof to.type !== 'string') return [];
    const callee = CALLEE.get(to.type);
    if (callee === undefined) return [];
    const [key] = callee.keys;
    const value = to[key];
    if (typeof value !== 'string') return [];
    if (callee.keys.some((k) => hasRowReference(to[k]))) return [];
    const path = ['to', key];
    const where = defaultsNamed(entry, path);
    // A `${VAR}` is quoted as written, never its value.
    const env = hasReference(value) ? ', only the environment' : '';
    const written = where === undefined ? '' : `; written in ${where}`;
    const effect =
      to.type === 'phone'
        ? 'every row would dial that one number, and a campaign calls a number once: 1 call for all its rows, every other row held'
        : `every row would call that one ${callee.noun}, once per row`;
    const name = typeof entry.item.name === 'string' ? entry.item.name : '';
    return [
      errorAt(
        siteIn(entry, path),
        `\`to.${key}\` is \`${value}\` for every row of campaign \`${name}\` (no \`\${row.COLUMN}\` in it${env}${written}): ${effect}; to call each row's own ${callee.noun}, write its column there (\`${key}: "\${row.COLUMN}"\`), or write \`shared_numbers: true\` (with an \`id\` column in the CSV) to call this one once per row on purpose`,
      ),
    ];
  },
};
