import { createRuntime, type ExecuteContext, type Runtime } from './context.js';
import type { Outcome } from './outcome.js';
import { placeCall } from './place.js';
import type { CallRequest } from './target.js';
import { createTargetState, type TargetState } from './target-state.js';

export type { ExecuteContext, ExecuteEvent } from './context.js';

/**
 * Requests built one at a time, when their turn comes: the executor then holds only the
 * requests in flight, not every resolved body of the run.
 */
export interface RequestSource {
  readonly length: number;
  /** The target of request `index`, known before it is built. */
  target(index: number): string;
  /**
   * Request `index`, built now; undefined when it is not to be started (the source stops the
   * run so, aborting the run's signal: the calls already started are finished as on a stop).
   */
  request(index: number): CallRequest | undefined;
}

const arraySource = (requests: readonly CallRequest[]): RequestSource => ({
  length: requests.length,
  target: (index) => (requests[index] as CallRequest).target,
  request: (index) => requests[index] as CallRequest,
});

/**
 * Sends every request to its target: per target at most `concurrency` in flight and at
 * most `rate` new requests; targets run side by side. Returns the outcomes in request
 * order (those `ctx.keep` keeps). A call the run never started (aborted before its first intent) has no outcome.
 */
export async function executeCalls(
  requests: readonly CallRequest[] | RequestSource,
  ctx: ExecuteContext,
): Promise<Outcome[]> {
  const source = Array.isArray(requests)
    ? arraySource(requests as readonly CallRequest[])
    : (requests as RequestSource);
  const rt = createRuntime(ctx);
  // By request index: the order they are returned in. Every outcome kept: an array, without
  // a map or a sort; only some (`keep`): a map of those, sorted at the end, not an array
  // with a slot for each request.
  const { keep } = ctx;
  const all: (Outcome | undefined)[] = keep === undefined ? new Array(source.length) : [];
  const kept = new Map<number, Outcome>();
  const record = (index: number, outcome: Outcome) => {
    if (keep === undefined) all[index] = outcome;
    else if (keep(outcome)) kept.set(index, outcome);
    rt.emit({ type: 'call:done', outcome });
  };

  const byTarget = requestsByTarget(source);

  const runs: Promise<void>[] = [];
  for (const [name, indexes] of byTarget) {
    const target = ctx.targets.get(name);
    const client = ctx.clients.get(name);
    if (!target || !client) {
      for (const index of indexes) {
        const request = source.request(index);
        if (request) record(index, notSent(request, rt, `not sent: no target named \`${name}\``));
      }
      continue;
    }
    const state = createTargetState(target, client, rt);
    runs.push(runTarget(source, indexes, state, rt, record));
  }
  await Promise.all(runs);

  if (keep === undefined) return all.filter((o) => o !== undefined);
  return [...kept.keys()].sort((a, b) => a - b).map((index) => kept.get(index) as Outcome);
}

/** The request indexes of each target, in order: 4 bytes a request (a run may hold 100,000). */
const requestsByTarget = (source: RequestSource): Map<string, Int32Array> => {
  const counts = new Map<string, number>();
  for (let index = 0; index < source.length; index++) {
    const name = source.target(index);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const byTarget = new Map<string, Int32Array>();
  for (const [name, count] of counts) byTarget.set(name, new Int32Array(count));
  const filled = new Map<string, number>();
  for (let index = 0; index < source.length; index++) {
    const name = source.target(index);
    const at = filled.get(name) ?? 0;
    (byTarget.get(name) as Int32Array)[at] = index;
    filled.set(name, at + 1);
  }
  return byTarget;
};

/** `concurrency` workers share the target's queue; each takes one call at a time. */
async function runTarget(
  source: RequestSource,
  indexes: Int32Array,
  state: TargetState,
  rt: Runtime,
  record: (index: number, outcome: Outcome) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < indexes.length) {
      const index = indexes[next++] as number;
      if (rt.signal?.aborted) return;
      const request = source.request(index);
      if (request === undefined) continue;
      const outcome = await placeCall(request, state, rt);
      if (outcome) record(index, outcome);
    }
  };
  const { concurrency } = state.target;
  const limit = Number.isFinite(concurrency) && concurrency >= 1 ? Math.floor(concurrency) : 1;
  const workers = Math.min(limit, indexes.length);
  await Promise.all(Array.from({ length: workers }, worker));
}

function notSent(request: CallRequest, rt: Runtime, message: string): Outcome {
  return {
    key: request.key,
    status: 'failed',
    at: rt.nowIso(),
    attempts: 0,
    message: rt.redact(message),
  };
}
