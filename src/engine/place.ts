import type { GatewayClient } from '../execute/client.js';
import type { ExecuteEvent } from '../execute/context.js';
import type { Outcome } from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import type { PlanItem } from '../plan/types.js';
import type { DefinitionMeta } from '../state/record.js';
import type { StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { EngineError } from './errors.js';

export interface PlaceInput {
  readonly items: readonly PlanItem[];
  readonly requests: readonly CallRequest[];
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  readonly store: StateStore;
  readonly onEvent: (event: ExecuteEvent) => void;
  readonly redact: (text: string) => string;
  readonly signal: AbortSignal;
  /** `apply --retry-unknown` (or a plan file made with it): unknown keys may be claimed. */
  readonly retryUnknown?: boolean;
  /** Rate limiters kept across batches (`run`). */
  readonly limiters?: Map<string, RateLimiter>;
}

export interface PlaceResult {
  /** The state's view once the outcomes are recorded. */
  readonly lock: Lockfile;
  readonly outcomes: readonly Outcome[];
  readonly notStarted: readonly PlanItem[];
  readonly interrupted: boolean;
  readonly elapsedMs: number;
  /** Keys another runner claimed first (Postgres store): skipped, not sent by this one. */
  readonly claimedElsewhere: readonly string[];
  /**
   * The state could not be written (a full disk under the journal, a database gone): one
   * line for the user, given after the summary. What was recorded stays recorded; nothing
   * more was sent.
   */
  readonly stateError?: EngineError;
}

/**
 * The first stop (SIGINT/SIGTERM) ends new calls but lets the requests already on the wire
 * finish (each bounded by the target's request timeout), so that their answers are recorded
 * rather than turned into `unknown`: the client is given no abort signal for a request.
 */
const unabortable = (client: GatewayClient): GatewayClient => ({
  target: client.target,
  post: (request) => client.post(request),
  close: () => client.close(),
});

/** What the executor says of a call a stop caught after its claim, before its request left. */
const UNSENT = 'interrupted before the request was sent';

/**
 * A call the stop caught before anything left for it: nothing happened at the gateway, so
 * it is "not sent — still due", like a call never started, and gets no entry.
 */
const isUnsent = (o: Outcome): boolean => o.status === 'failed' && o.message === UNSENT;

/** A claim refused because another runner has the key: not an error, not sent. */
class ClaimedElsewhere extends Error {}

/**
 * execute → record: every attempt is claimed in the store (durably) before its request
 * leaves, every outcome is recorded when it arrives, and the store persists once at the end.
 * A crash anywhere leaves claims the next command folds in as `unknown`.
 */
export const placeCalls = async (input: PlaceInput): Promise<PlaceResult> => {
  const { createGatewayClient } = await import('../execute/client.js');
  const { executeCalls } = await import('../execute/run.js');
  const { store } = input;
  const meta = new Map<string, DefinitionMeta>(
    input.items.map((i) => [
      i.key,
      {
        definition: i.definition,
        file: i.file,
        ...(i.replaces === undefined ? {} : { replace: true }),
      },
    ]),
  );
  const metaOf = (key: string): DefinitionMeta => meta.get(key) ?? { definition: '', file: '' };
  // A call pinned to a target that could not be set up (`env` without CALLOPS_*) has no
  // client: executeCalls fails it unsent, and the others still go.
  const clients = new Map(
    [...new Set(input.requests.map((r) => r.target))].flatMap((name) => {
      const target = input.targets.get(name);
      return target ? [[name, unabortable(createGatewayClient(target))] as const] : [];
    }),
  );
  const targetOf = new Map(input.requests.map((r) => [r.key, r.target]));
  const started = Date.now();
  const attempts = new Map<string, number>();
  // Writes still pending: each leaves the set once settled, so none is held for the run.
  const writes = new Set<Promise<void>>();
  // The first failure to write the state; from then on no request leaves.
  let claimError: unknown;
  // Calls whose first claim failed or went to another runner: never sent, not recorded here.
  const unsent = new Set<string>();
  const elsewhere = new Set<string>();
  let outcomes: Outcome[] = [];
  try {
    outcomes = await executeCalls(input.requests, {
      clients,
      targets: input.targets,
      signal: input.signal,
      redact: input.redact,
      ...(input.limiters ? { limiters: input.limiters } : {}),
      beforeSend: async (request) => {
        const attempt = (attempts.get(request.key) ?? 0) + 1;
        attempts.set(request.key, attempt);
        let won: boolean;
        try {
          won = await store.claim({
            key: request.key,
            target: request.target,
            attempt,
            ...metaOf(request.key),
            ...(input.retryUnknown === true && { retryUnknown: true }),
          });
        } catch (error) {
          claimError ??= error;
          if (attempt === 1) unsent.add(request.key);
          throw error;
        }
        if (!won) {
          elsewhere.add(request.key);
          throw new ClaimedElsewhere('being placed by another runner');
        }
      },
      onEvent: (event: ExecuteEvent) => {
        if (event.type === 'call:done') {
          const { outcome } = event;
          if (unsent.has(outcome.key) || elsewhere.has(outcome.key)) return;
          // A missed slot sent nothing and claimed nothing: nothing to record.
          if (outcome.status !== 'missed') {
            const m = metaOf(outcome.key);
            const entry = { ...outcome, ...m };
            // Stopped before its request left: the claim is given up; it stays due. Failed
            // before any claim (a target that could not be set up): claimed now, to record it.
            const write = isUnsent(outcome)
              ? store.abandon(entry)
              : attempts.has(outcome.key)
                ? store.record(entry)
                : store
                    .claim({
                      key: outcome.key,
                      target: targetOf.get(outcome.key) ?? '',
                      attempt: 1,
                      ...m,
                    })
                    .then((won) => (won ? store.record(entry) : undefined));
            // Caught at once: a rejection left for later would end the process.
            const pending: Promise<void> = write
              .catch((error: unknown) => {
                claimError ??= error;
              })
              .finally(() => writes.delete(pending));
            writes.add(pending);
            if (isUnsent(outcome)) return;
          }
        }
        input.onEvent(event);
      },
    });
  } finally {
    await Promise.allSettled([...writes]);
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  outcomes = outcomes.filter((o) => !unsent.has(o.key) && !elsewhere.has(o.key));
  let persistError: unknown;
  try {
    await store.persist();
  } catch (error) {
    if (claimError === undefined) throw error;
    persistError = error;
  }
  const lock = (await store.read().catch(() => undefined))?.lock;
  const settled = outcomes.filter((o) => !isUnsent(o));
  const done = new Set([...settled.map((o) => o.key), ...elsewhere]);
  const notStarted = input.items.filter((i) => !done.has(i.key));
  const notSent = notStarted.length;
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  return {
    lock: lock ?? { lockfileVersion: 1, calls: {} },
    outcomes: settled,
    notStarted,
    claimedElsewhere: [...elsewhere].sort(),
    // A stop that came after every call was settled cut nothing short.
    interrupted:
      input.signal.aborted &&
      (notStarted.length > 0 || settled.some((o) => o.message?.startsWith('interrupted'))),
    elapsedMs: Date.now() - started,
    ...(claimError !== undefined && {
      stateError: new EngineError(
        'state',
        `${message(claimError)}; ${notSent} call${notSent === 1 ? '' : 's'} not sent${persistError === undefined ? '' : `; ${message(persistError)}`}`,
        { cause: claimError },
      ),
    }),
  };
};
