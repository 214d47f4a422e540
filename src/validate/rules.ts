import type { Flavor } from '../options/flavor.js';
import { LITERAL_WHY, noReferenceMessage } from '../options/literal.js';
import { REQUIRED_OPTIONS } from '../options/table.js';
import { type CallEntry, nameSite, siteIn } from './calls.js';
import { dialsLocalNumber, LOCAL_NUMBER_REASON, refusedFields } from './destination-text.js';
import type { Diagnostic } from './diagnostic.js';
import { errorAt, hasReference, siteOf, toPointer, warningAt } from './site.js';
import { NAME_PATTERN, unknownTarget } from './targets.js';

export interface RuleContext {
  /** Every target name defined in callops.yaml. */
  readonly targetNames: ReadonlySet<string>;
  /** 'callops.yaml' (or .yml) when the project has one. */
  readonly configFile?: string;
  /** Where a call that names no target goes: default_target, else the only target. */
  readonly defaultTarget?: string;
  /** The flavor of each well-formed target that sets one. */
  readonly flavors?: ReadonlyMap<string, Flavor>;
}

/**
 * A rule about one call. `structural` rules repeat what the JSON Schema checks (so the
 * pipeline stays safe on any input); their findings are dropped where the schema reported
 * the same place. `semantic` rules are what only callops knows.
 */
export interface CallRule {
  readonly name: string;
  readonly kind: 'structural' | 'semantic';
  readonly check: (entry: CallEntry, context: RuleContext) => Diagnostic[];
}

const nameShape: CallRule = {
  name: 'name-shape',
  kind: 'structural',
  check: (entry) => {
    const { name } = entry.item;
    if (name === undefined || name === null) {
      const site = {
        ...siteOf(entry.doc, entry.itemPath),
        path: toPointer([...entry.itemPath, 'name']),
      };
      return [errorAt(site, 'call has no `name`')];
    }
    if (typeof name !== 'string') return [errorAt(nameSite(entry), '`name` must be a string')];
    if (hasReference(name) || NAME_PATTERN.test(name)) return [];
    const message = `call name \`${name}\` must be lowercase letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit`;
    return [errorAt(nameSite(entry), message)];
  },
};

const nameReference: CallRule = {
  name: 'name-reference',
  kind: 'semantic',
  check: (entry) =>
    hasReference(entry.item.name)
      ? [errorAt(nameSite(entry), noReferenceMessage('name', LITERAL_WHY.name))]
      : [],
};

const absent = (value: unknown): boolean => value === undefined || value === null;

/** The options the gateway needs, checked after defaults are merged. */
const requiredOptions: CallRule = {
  name: 'required-options',
  kind: 'semantic',
  check: (entry) => {
    const call = typeof entry.item.name === 'string' ? `call \`${entry.item.name}\`` : 'this call';
    // An option written but left empty (null) is the schema's to report, at the value.
    return REQUIRED_OPTIONS.filter((option) => entry.merged[option] === undefined)
      .filter((option) => option !== 'application_sid' || absent(entry.merged.call_hook))
      .map((option) => {
        const alternative = option === 'application_sid' ? ', or give a `call_hook`' : '';
        return errorAt(
          nameSite(entry),
          `${call} has no \`${option}\` (set it on the call or in defaults${alternative})`,
        );
      });
  },
};

const enabledShape: CallRule = {
  name: 'enabled-shape',
  kind: 'structural',
  check: (entry) => {
    const { enabled } = entry.merged;
    if (enabled === undefined || typeof enabled === 'boolean' || hasReference(enabled)) return [];
    const yaml11 = typeof enabled === 'string' && /^(yes|no|on|off|y|n)$/i.test(enabled);
    const hint = yaml11 ? ` (YAML 1.2 reads \`${enabled}\` as text)` : '';
    return [errorAt(siteIn(entry, ['enabled']), `\`enabled\` must be true or false${hint}`)];
  },
};

const enabledReference: CallRule = {
  name: 'enabled-reference',
  kind: 'semantic',
  check: (entry) =>
    hasReference(entry.merged.enabled)
      ? [errorAt(siteIn(entry, ['enabled']), noReferenceMessage('enabled', LITERAL_WHY.enabled))]
      : [],
};

const targetShape: CallRule = {
  name: 'target-shape',
  kind: 'structural',
  check: (entry) => {
    const { target } = entry.merged;
    return target === undefined || (typeof target === 'string' && target !== '')
      ? []
      : [errorAt(siteIn(entry, ['target']), '`target` must be the name of a target')];
  },
};

/** A call pinned to a target must name one callops.yaml defines (or `env` / `simulator`). */
const targetDefined: CallRule = {
  name: 'target-defined',
  kind: 'semantic',
  check: (entry, context) => {
    const { target } = entry.merged;
    if (typeof target !== 'string' || target === '') return [];
    if (hasReference(target))
      return [errorAt(siteIn(entry, ['target']), noReferenceMessage('target', LITERAL_WHY.target))];
    const unknown = unknownTarget(target, context.targetNames, context.configFile);
    return unknown ? [errorAt(siteIn(entry, ['target']), unknown)] : [];
  },
};

/** A phone or teams number without + may be dialled as a local number. */
const numberPrefix: CallRule = {
  name: 'number-prefix',
  kind: 'semantic',
  check: (entry) => {
    if (!dialsLocalNumber(entry.merged.to)) return [];
    const message = `number has no leading + — ${LOCAL_NUMBER_REASON}`;
    return [warningAt(siteIn(entry, ['to', 'number']), message)];
  },
};

/**
 * Characters refused in `from`, a destination, a host or free text sent in a SIP header (see
 * destination-text.ts); a reference is judged when resolved. Structural so that a value the
 * schema already refused (a `number`) is reported once.
 */
const destinationText: CallRule = {
  name: 'destination-text',
  kind: 'structural',
  check: (entry) =>
    refusedFields(entry.merged).map(({ path, found, reason }) =>
      errorAt(siteIn(entry, path), `\`${path.join('.')}\` holds ${found}, ${reason}`),
    ),
};

export const CALL_RULES: readonly CallRule[] = [
  nameShape,
  nameReference,
  requiredOptions,
  enabledShape,
  enabledReference,
  targetShape,
  targetDefined,
  numberPrefix,
  destinationText,
];
