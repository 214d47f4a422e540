import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import { callOf } from '../plan/item.js';
import type { PlanItem } from '../plan/types.js';
import type { Body } from '../resolve/call.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_PAUSE_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  resolveCall,
  resolveTarget,
  type Secret,
  secretsOf,
} from '../resolve/index.js';
import { type Diagnostic, uniqueDiagnostics } from '../validate/diagnostic.js';
import type { CallDefinition } from '../validate/model.js';
import { paceLoop } from './heap.js';
import type { Prepared } from './prepare.js';
import { rowWarnings } from './row-warnings.js';
import { type BoundCache, sendBound } from './send-bound.js';
import { SIMULATOR_TARGET } from './targets.js';

/** Overrides of the targets' settings for one run (apply's and run's flags). */
export interface PlaceFlags {
  readonly maxCalls?: number;
  readonly concurrency?: number;
  readonly rate?: { readonly count: number; readonly perMs: number };
}

export interface ResolvedRequests {
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  readonly secrets: readonly Secret[];
  /** Problems found resolving (nothing may be sent when one is an error) and warnings. */
  readonly diagnostics: Diagnostic[];
  /** The due items that have a call to send (every one, unless a call is gone). */
  readonly items: readonly PlanItem[];
  /**
   * The request of a due item, resolved again when its turn comes: the check found that it
   * resolves, and resolving is pure, so it gives the body the check saw. Nothing resolved
   * is kept for the whole run.
   */
  request(item: PlanItem): CallRequest;
  /** Stops the built-in simulator when this run started it. */
  close(): Promise<void>;
}

/** The message of a run stopped because a due call or its target does not resolve. */
export const UNRESOLVED = 'cannot resolve every value; nothing was sent';

const withFlags = (target: ResolvedTarget, flags: PlaceFlags): ResolvedTarget => ({
  ...target,
  ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
  ...(flags.rate !== undefined && { rate: flags.rate }),
});

/**
 * Interpolates every due call and every target it goes to, reporting all missing variables
 * at once; each call's request is built again when its turn comes (`request`). The built-in
 * simulator is started in this process when a call goes to it.
 */
export const resolveRequests = async (
  prepared: Prepared,
  due: readonly PlanItem[],
  flags: PlaceFlags,
  /**
   * The plan's `now` minus the real time when it was made: a slot's deadline and window, and
   * a campaign's hours, move with it.
   */
  shiftMs = 0,
  /**
   * The instant the plan found the due items due (its `now`, epoch ms): a campaign row's
   * hours are those open then. By default, now on the plan's clock.
   */
  plannedAt?: number,
): Promise<ResolvedRequests> => {
  const diagnostics: Diagnostic[] = [];
  const secrets: Secret[] = [];
  const targets = new Map<string, ResolvedTarget>();
  let close = async () => {};
  for (const name of new Set(due.map((i) => i.target))) {
    if (name === SIMULATOR_TARGET) {
      const { startSimulator } = await import('../simulator/index.js');
      const sim = await startSimulator({ keepHistory: false });
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
    const result = resolveTarget(spec, prepared.env, prepared.envFile);
    if ('diagnostics' in result) {
      for (const item of result.diagnostics) diagnostics.push(item);
      continue;
    }
    for (const item of result.secrets) secrets.push(item);
    targets.set(name, withFlags(result.target, flags));
  }
  // A call's or a campaign row's item holds its definition; an item read from a plan file is
  // looked up by name, in a map made only when one is met.
  let byName: Map<string, CallDefinition> | undefined;
  const definitionOf = (item: PlanItem): CallDefinition | undefined => {
    const call = callOf(item);
    if (call !== undefined) return call;
    byName ??= new Map(prepared.project.calls.map((c) => [c.name, c]));
    return byName.get(item.name);
  };
  // Every call is resolved once here, to report every problem before anything is sent;
  // only its problems and secrets are kept (each secret once).
  let callSecrets: Secret[] = [];
  let missing = false;
  const rows = rowWarnings(prepared.project.named);
  // Definitions whose options hold no `${` and passed the check as they are: their body is
  // their options, sent as checked without checking them again (resolving is pure). A call's
  // definition keeps the mark itself (a weak set of 100,000 calls held 4 MB); others are
  // noted in a weak set, which keeps none of them alive.
  const literal = new WeakSet<CallDefinition>();
  const markLiteral = (def: CallDefinition): void => {
    if (def.markLiteral) def.markLiteral();
    else literal.add(def);
  };
  const isLiteral = (def: CallDefinition): boolean => def.literal === true || literal.has(def);
  let looked = 0;
  for (const item of due) {
    paceLoop(looked++);
    const def = definitionOf(item);
    if (def === undefined) {
      missing = true;
      continue;
    }
    if (isLiteral(def)) continue;
    const result = resolveCall(def, prepared.env, prepared.envFile);
    // A campaign's rows share their call's references: their warnings are counted, said once.
    for (const item of result.ok ? (result.warnings ?? []) : result.diagnostics)
      if (def.campaign !== undefined && item.severity === 'warning') rows.add(def.campaign, item);
      else diagnostics.push(item);
    if (!result.ok) continue;
    if (result.secrets.length > 0) callSecrets = secretsOf(callSecrets, result.secrets);
    else if (result.literal === true) markLiteral(def);
  }
  for (const item of callSecrets) secrets.push(item);
  for (const item of rows.list()) diagnostics.push(item);
  // A campaign row's hours are those the plan found open (on its clock): they close at the
  // end of that window, or at the campaign's `end`. Not the time of this check: a question
  // answered after the close would name that moment as the close.
  const foundAt = plannedAt ?? Date.now() + shiftMs;
  const bounds: BoundCache = new Map();
  const request = (item: PlanItem): CallRequest => {
    const def = definitionOf(item);
    let body: Body | undefined;
    if (def !== undefined && isLiteral(def)) body = def.options;
    else {
      const result = def && resolveCall(def, prepared.env, prepared.envFile);
      if (!result?.ok) throw new Error(`${item.key} did not resolve as it did when checked`);
      body = result.body;
    }
    // Its request made, the call lets go of what its file can give again: the run keeps no
    // parsed call for the calls it has placed.
    def?.release?.();
    const bound =
      def === undefined
        ? undefined
        : sendBound(
            def,
            item.slot === undefined ? undefined : Date.parse(item.slot),
            foundAt,
            bounds,
          );
    if (bound?.notAfterMs === undefined && bound?.heldFromMs === undefined) {
      return { key: item.key, target: item.target, body };
    }
    // On the real clock: the plan's instants shifted back as `--now` shifted them.
    return {
      key: item.key,
      target: item.target,
      body,
      ...(bound.notAfterMs !== undefined && { notAfterMs: bound.notAfterMs - shiftMs }),
      ...(bound.closedWhy !== undefined && { closedWhy: bound.closedWhy }),
      ...(bound.heldFromMs !== undefined && { heldFromMs: bound.heldFromMs - shiftMs }),
      ...(bound.heldWhy !== undefined && { heldWhy: bound.heldWhy }),
    };
  };
  const items = missing ? due.filter((item) => definitionOf(item) !== undefined) : due;
  return {
    targets,
    secrets,
    diagnostics: uniqueDiagnostics(diagnostics),
    items,
    request,
    close,
  };
};

/**
 * What resolving these items and their targets now finds wrong, as `apply` reports it (its
 * warnings too): for `apply --plan`, before the plan file's digests are compared.
 */
export const resolutionProblems = (prepared: Prepared, due: readonly PlanItem[]): Diagnostic[] => {
  const found: Diagnostic[] = [];
  for (const name of new Set(due.map((i) => i.target))) {
    const spec = prepared.choice.specs.get(name);
    if (name === SIMULATOR_TARGET || spec === undefined) continue;
    const result = resolveTarget(spec, prepared.env, prepared.envFile);
    if ('diagnostics' in result) for (const item of result.diagnostics) found.push(item);
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
  const rows = rowWarnings(prepared.project.named);
  for (const name of names) {
    const def = byName.get(name);
    const result = def && resolveCall(def, prepared.env, prepared.envFile);
    if (result === undefined) continue;
    for (const item of result.ok ? (result.warnings ?? []) : result.diagnostics)
      if (def?.campaign !== undefined && item.severity === 'warning') rows.add(def.campaign, item);
      else found.push(item);
  }
  return uniqueDiagnostics([...found, ...rows.list()]);
};
