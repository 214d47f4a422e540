import { joinRuns, type Run } from '../campaign/lazy-list.js';
import type { LoadedProject } from '../config/load.js';
import { collectCalls, nameSite } from './calls.js';
import { CAMPAIGN_RULES, campaignRows } from './campaign.js';
import { readConfig } from './config.js';
import { toCallDefinition } from './definition.js';
import { type Diagnostic, sortDiagnostics, uniqueDiagnostics } from './diagnostic.js';
import { GATEWAY_RULES } from './gateway-rules.js';
import type { CallDefinition, CampaignSummary, ValidatedProject } from './model.js';
import { referenceSyntax } from './references.js';
import { CALL_RULES, type RuleContext } from './rules.js';
import { SCHEDULE_RULES } from './schedule.js';
import { errorAt, type Site } from './site.js';

const RULES = [
  ...CALL_RULES,
  ...GATEWAY_RULES,
  referenceSyntax,
  ...SCHEDULE_RULES,
  ...CAMPAIGN_RULES,
];

/**
 * Whether the schema already reported this place: the same pointer, or the parent pointer
 * with a message naming the key (e.g. a `required` error on the call for a missing `name`).
 */
const coveredBy = (schema: readonly Diagnostic[]) => (d: Diagnostic) =>
  schema.some((s) => {
    if (s.file !== d.file || s.severity !== 'error') return false;
    if (s.path === d.path) return true;
    const cut = d.path.lastIndexOf('/');
    return (
      cut >= 0 &&
      s.path === d.path.slice(0, cut) &&
      s.message.includes(`\`${d.path.slice(cut + 1)}\``)
    );
  });

/**
 * Names must be unique across the project; the second and later uses are errors. A site is
 * looked up only for a repeated name: positions cost more than the check.
 */
const checkUniqueNames = (
  calls: readonly { readonly name: string; readonly site: () => Site }[],
): Diagnostic[] => {
  const first = new Map<string, () => Site>();
  const out: Diagnostic[] = [];
  for (const { name, site } of calls) {
    const earlier = first.get(name)?.();
    if (!earlier) {
      first.set(name, site);
      continue;
    }
    const where = `${earlier.file}:${earlier.line}:${earlier.column}`;
    out.push(errorAt(site(), `duplicate call name \`${name}\` (first defined at ${where})`));
  }
  return out;
};

/**
 * Schema checks, normalisation and semantic rules over a loaded project. Pure. Every call
 * with a name becomes a CallDefinition, whatever its problems: callers stop on errors.
 */
export const validateProject = (
  loaded: LoadedProject,
  options: {
    /** `--target NAME`: where calls not pinned elsewhere go in this run (its flavor applies). */
    readonly target?: string;
  } = {},
): ValidatedProject => {
  const found = readConfig(loaded.root, loaded.configFile);
  const { targets, defaultTarget } = found.config;
  const routed =
    options.target ?? defaultTarget ?? (targets.length === 1 ? targets[0]?.name : undefined);
  const context: RuleContext = {
    targetNames: found.targetNames,
    ...(found.config.file === undefined ? {} : { configFile: found.config.file }),
    ...(routed === undefined ? {} : { defaultTarget: routed }),
    flavors: new Map(targets.flatMap((t) => (t.flavor === undefined ? [] : [[t.name, t.flavor]]))),
  };
  const schema: Diagnostic[] = [...found.schema];
  const structural: Diagnostic[] = [...found.structural];
  const semantic: Diagnostic[] = [...found.semantic];
  // A campaign's rows are one run, each row made when read (no object kept per row).
  const calls: (CallDefinition | Run<CallDefinition>)[] = [];
  const campaigns: CampaignSummary[] = [];
  const named: { name: string; site: () => Site }[] = [];
  for (const file of loaded.callFiles) {
    const collected = collectCalls(file, found.defaults);
    schema.push(...collected.schema);
    structural.push(...collected.structural);
    semantic.push(...collected.semantic);
    for (const entry of collected.entries) {
      for (const rule of RULES) {
        (rule.kind === 'structural' ? structural : semantic).push(...rule.check(entry, context));
      }
      const definition = toCallDefinition(entry);
      if (definition) {
        named.push({ name: definition.name, site: () => nameSite(entry) });
        const recipients = entry.merged.recipients;
        if (typeof recipients === 'string' && recipients !== '') {
          const found = campaignRows(entry, definition, recipients, loaded.recipients);
          semantic.push(...found.diagnostics);
          calls.push(found.rows);
          campaigns.push({
            name: definition.name,
            recipients: found.file,
            rows: found.rows.length,
          });
        } else calls.push(definition);
      }
    }
  }
  semantic.push(...checkUniqueNames(named));
  const all = [
    ...loaded.diagnostics,
    ...schema,
    ...structural.filter((d) => !coveredBy(schema)(d)),
    ...semantic,
  ];
  return {
    config: found.config,
    calls: joinRuns(calls),
    ...(campaigns.length > 0 ? { campaigns } : {}),
    diagnostics: sortDiagnostics(uniqueDiagnostics(all)),
  };
};
