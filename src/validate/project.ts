import { joinRuns, type Run } from '../campaign/lazy-list.js';
import type { LoadedProject } from '../config/load.js';
import { bareReferenceRule } from './bare-references.js';
import { collectCalls } from './calls.js';
import { CAMPAIGN_RULES, campaignRows } from './campaign.js';
import { readConfig } from './config.js';
import { toCallDefinition } from './definition.js';
import { type Diagnostic, sortDiagnostics, uniqueDiagnostics } from './diagnostic.js';
import { GATEWAY_RULES } from './gateway-rules.js';
import type { CallDefinition, CampaignSummary, ValidatedProject } from './model.js';
import { jsonNumbers } from './numbers.js';
import { referenceSyntax } from './references.js';
import { CALL_RULES, type RuleContext } from './rules.js';
import { SCHEDULE_RULES } from './schedule.js';
import { errorAt, type Site } from './site.js';

const RULES = [
  ...CALL_RULES,
  ...GATEWAY_RULES,
  referenceSyntax,
  bareReferenceRule,
  jsonNumbers,
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

/** Where a call is named: its `name` comes from the call alone, never from defaults. */
const nameSite = (call: CallDefinition): Site => call.locate(['name']);

/**
 * Names must be unique across the project; the second and later uses are errors. A site is
 * looked up only for a repeated name: positions cost more than the check.
 */
const checkUniqueNames = (calls: readonly CallDefinition[]): Diagnostic[] => {
  const first = new Map<string, CallDefinition>();
  const out: Diagnostic[] = [];
  for (const call of calls) {
    const earlier = first.get(call.name);
    if (!earlier) {
      first.set(call.name, call);
      continue;
    }
    const at = nameSite(earlier);
    const where = `${at.file}:${at.line}:${at.column}`;
    out.push(
      errorAt(nameSite(call), `duplicate call name \`${call.name}\` (first defined at ${where})`),
    );
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
  const found = readConfig(loaded.root, loaded.configFile, {
    ...(loaded.lockfileInProject === undefined
      ? {}
      : { lockfileInProject: loaded.lockfileInProject }),
    ...(loaded.lockfileLeaves === undefined ? {} : { lockfileLeaves: loaded.lockfileLeaves }),
    ...(loaded.lockfileRead === undefined ? {} : { lockfileRead: loaded.lockfileRead }),
  });
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
  const named: CallDefinition[] = [];
  for (const file of loaded.callFiles) {
    const collected = collectCalls(file, found.defaults);
    if (collected.schema.length > 0) for (const item of collected.schema) schema.push(item);
    if (collected.structural.length > 0)
      for (const item of collected.structural) structural.push(item);
    if (collected.semantic.length > 0) for (const item of collected.semantic) semantic.push(item);
    // A file that let go of its data at load (a large project) was read again for this:
    // its calls (not a campaign's, whose rows read it) let go of theirs once made. Not
    // digested now: `validate` needs no digest, and apply makes each from the text.
    const letGo = file.documents.some((doc) => doc.released === true);
    for (const entry of collected.entries) {
      for (const rule of RULES) {
        const found = rule.check(entry, context);
        // Most calls have no problem: nothing to spread.
        if (found.length > 0) (rule.kind === 'structural' ? structural : semantic).push(...found);
      }
      const definition = toCallDefinition(entry);
      if (definition) {
        named.push(definition);
        const recipients = entry.merged.recipients;
        if (typeof recipients === 'string' && recipients !== '') {
          const found = campaignRows(entry, definition, recipients, loaded.recipients);
          for (const item of found.diagnostics) semantic.push(item);
          calls.push(found.rows);
          campaigns.push({
            name: definition.name,
            recipients: found.file,
            rows: found.rows.length,
          });
        } else {
          calls.push(definition);
          if (letGo) definition.release?.(false);
        }
      }
    }
  }
  for (const item of checkUniqueNames(named)) semantic.push(item);
  const all = [
    ...loaded.diagnostics,
    ...schema,
    ...structural.filter((d) => !coveredBy(schema)(d)),
    ...semantic,
  ];
  return {
    config: found.config,
    calls: joinRuns(calls),
    named,
    ...(campaigns.length > 0 ? { campaigns } : {}),
    diagnostics: sortDiagnostics(uniqueDiagnostics(all)),
  };
};
