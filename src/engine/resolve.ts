import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import type { PlanItem } from '../plan/types.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  resolveCall,
  resolveTarget,
  type Secret,
} from '../resolve/index.js';
import { type Diagnostic, uniqueDiagnostics } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import type { Prepared } from './prepare.js';
import { SIMULATOR_TARGET } from './targets.js';

/** Overrides of the targets' settings for one run (apply's and run's flags). */
export interface PlaceFlags {
  readonly maxCalls?: number;
  readonly concurrency?: number;
  readonly rate?: { readonly count: number; readonly perMs: number };
}

export interface ResolvedRequests {
  readonly requests: readonly CallRequest[];
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  readonly secrets: readonly Secret[];
  readonly diagnostics: Diagnostic[];
  /** Stops the built-in simulator when this run started it. */
  close(): Promise<void>;
}

const withFlags = (target: ResolvedTarget, flags: PlaceFlags): ResolvedTarget => ({
  ...target,
  ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
  ...(flags.rate !== undefined && { rate: flags.rate }),
});

/**
 * Interpolates every due call and every target it goes to, reporting all missing variables
 * at once. The built-in simulator is started in this process when a call goes to it.
 */
export const resolveRequests = async (
  prepared: Prepared,
  due: readonly PlanItem[],
  flags: PlaceFlags,
): Promise<ResolvedRequests> => {
  const diagnostics: Diagnostic[] = [];
  const secrets: Secret[] = [];
  const targets = new Map<string, ResolvedTarget>();
  let close = async () => {};
  for (const name of new Set(due.map((i) => i.target))) {
    if (name === SIMULATOR_TARGET) {
      const { startSimulator } = await import('../simulator/index.js');
      const sim = await startSimulator({});
      close = () => sim.close();
      secrets.push({ name: 'api_key of the simulator', value: sim.apiKey });
      targets.set(
        name,
        withFlags(
          {
            name,
            baseUrl: sim.url,
            accountSid: sim.accountSid,
            apiKey: sim.apiKey,
            concurrency: DEFAULT_CONCURRENCY,
            requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
            maxPauseMs: DEFAULT_MAX_PAUSE_MS,
            builtin: true,
          },
          flags,
        ),
      );
      continue;
    }
    const spec = prepared.choice.specs.get(name);
    if (spec === undefined) continue;
    const result = resolveTarget(spec, prepared.env);
    if ('diagnostics' in result) {
      diagnostics.push(...result.diagnostics);
      continue;
    }
    secrets.push(...result.secrets);
    targets.set(name, withFlags(result.target, flags));
  }
  const byName = new Map(prepared.project.calls.map((c) => [c.name, c]));
  const requests: CallRequest[] = [];
  for (const item of due) {
    const def = byName.get(item.name);
    if (def === undefined) continue;
    const result = resolveCall(def, prepared.env);
    if ('diagnostics' in result) {
      diagnostics.push(...result.diagnostics);
      continue;
    }
    secrets.push(...result.secrets);
    requests.push({ key: item.key, target: item.target, body: result.body });
  }
  return { requests, targets, secrets, diagnostics: uniqueDiagnostics(diagnostics), close };
};

/**
 * What `apply` would find wrong when resolving these items now (missing variables, values
 * that break a rule), without starting anything: for `plan`, as warnings.
 */
export const resolutionWarnings = (prepared: Prepared, due: readonly PlanItem[]): Diagnostic[] => {
  const found: Diagnostic[] = [];
  for (const name of new Set(due.map((i) => i.target))) {
    const spec = prepared.choice.specs.get(name);
    if (name === SIMULATOR_TARGET || spec === undefined) continue;
    const result = resolveTarget(spec, prepared.env);
    if ('diagnostics' in result) found.push(...result.diagnostics);
  }
  // A campaign's rows were checked when read: the environment is the same for each, so
  // one row per campaign says what resolving would find.
  const names = new Set<string>();
  const campaigns = new Set<string>();
  for (const item of due) {
    if (item.campaign !== undefined) {
      if (campaigns.has(item.campaign)) continue;
      campaigns.add(item.campaign);
    }
    names.add(item.name);
  }
  // Only the calls named above are looked up (a campaign has many rows).
  const byName = new Map<string, CallDefinition>();
  for (const call of prepared.project.calls) {
    const name = call.name;
    if (names.has(name)) byName.set(name, call);
  }
  for (const name of names) {
    const def = byName.get(name);
    const result = def && resolveCall(def, prepared.env);
    if (result && 'diagnostics' in result) found.push(...result.diagnostics);
  }
  return uniqueDiagnostics(found).map((d) => ({ ...d, severity: 'warning' }));
};
