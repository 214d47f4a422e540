import { bodyTooLarge, kib, MAX_BODY_BYTES } from '../options/body-size.js';
import { APPLICATION_OVERRIDES, type Flavor, JAMBONZ_REJECTED_OPTIONS } from '../options/flavor.js';
import type { CallEntry } from './calls.js';
import { CALL_KEYS } from './definition.js';
import { siteInLayers } from './merge.js';
import type { CallRule, RuleContext } from './rules.js';
import { errorAt, hasReference, warningAt } from './site.js';

/** Rules about what a real gateway does with a call's options. */

const present = (value: unknown): boolean => value !== undefined && value !== null;

/** Where the option `key` of the merged call is written: its key in the highest layer. */
const optionSite = (entry: CallEntry, key: string) => siteInLayers(entry.layers, [key], true);

/**
 * The target the call goes to as far as the files tell: its own `target` (or one from
 * defaults), else the project's default target. A `--target` flag is not known here.
 */
export const targetOfCall = (entry: CallEntry, context: RuleContext): string | undefined => {
  const { target } = entry.merged;
  if (typeof target === 'string' && target !== '' && !hasReference(target)) return target;
  return context.defaultTarget;
};

export const jambonzRejects = (option: string): string =>
  `a stock jambonz feature server rejects \`${option}\` on create-call (it is not a rest:dial property): move it into the application's verbs, or target a Cognigy Voice Gateway with flavor: cognigy`;

/** A target with `flavor: jambonz` refuses options that are not rest:dial properties. */
export const flavorOptions: CallRule = {
  name: 'flavor-options',
  kind: 'semantic',
  check: (entry, context) => {
    const target = targetOfCall(entry, context);
    const flavor: Flavor | undefined =
      target === undefined ? undefined : context.flavors?.get(target);
    if (flavor !== 'jambonz') return [];
    return JAMBONZ_REJECTED_OPTIONS.filter((option) => present(entry.merged[option])).map(
      (option) =>
        errorAt(
          optionSite(entry, option),
          `target \`${target}\` has flavor: jambonz, and ${jambonzRejects(option)}`,
        ),
    );
  },
};

/** Beside `application_sid`, the API server replaces these values with the application's. */
export const overriddenByApplication: CallRule = {
  name: 'overridden-by-application',
  kind: 'semantic',
  check: (entry) => {
    if (!present(entry.merged.application_sid)) return [];
    return APPLICATION_OVERRIDES.filter((key) => present(entry.merged[key])).map((key) =>
      warningAt(
        optionSite(entry, key),
        `\`${key}\` has no effect when \`application_sid\` is set: the gateway uses the application's instead; remove it, or drop application_sid and use call_hook`,
      ),
    );
  },
};

/**
 * A request body the gateway would refuse as too large (413) is an error before anything is
 * sent, at the option that takes the most room. `${VAR}` references count as written.
 */
export const bodySize: CallRule = {
  name: 'body-size',
  kind: 'semantic',
  check: (entry) => {
    const options = Object.fromEntries(
      Object.entries(entry.merged).filter(([key]) => !CALL_KEYS.includes(key)),
    );
    const bytes = bodyTooLarge(options);
    if (bytes === undefined) return [];
    const [largest] = Object.entries(options)
      .map(([key, value]) => [key, JSON.stringify(value)?.length ?? 0] as const)
      .sort((a, b) => b[1] - a[1]);
    return [
      errorAt(
        optionSite(entry, largest?.[0] ?? 'name'),
        `the request body of this call is ${kib(bytes)} as JSON, most of it \`${largest?.[0]}\`; a gateway accepts up to ${kib(MAX_BODY_BYTES)} (jambonz answers 413 past it)`,
      ),
    ];
  },
};

export const GATEWAY_RULES: readonly CallRule[] = [
  flavorOptions,
  overriddenByApplication,
  bodySize,
];
