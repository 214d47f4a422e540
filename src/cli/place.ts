import type { GatewayClient } from '../execute/client.js';
import type { ExecuteEvent } from '../execute/context.js';
import type { Outcome } from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import type { PlanItem } from '../plan/types.js';
import type { ApplyReporter } from '../report/apply.js';
import { openJournal } from '../state/journal.js';
import { writeLockfileAtomic } from '../state/lockfile.js';
import { type DefinitionMeta, recordOutcomes } from '../state/record.js';
import { clearJournal } from '../state/replay.js';
import type { Lockfile } from '../state/types.js';
import type { StatePaths } from './state.js';

export interface PlaceInput {
  readonly items: readonly PlanItem[];
  readonly requests: readonly CallRequest[];
  readonly targets: ReadonlyMap<string, ResolvedTarget>;
  readonly lock: Lockfile;
  readonly paths: StatePaths;
  readonly reporter: ApplyReporter;
  readonly redact: (text: string) => string;
  readonly signal: AbortSignal;
  /** Rate limiters kept across batches (`run`). */
  readonly limiters?: Map<string, RateLimiter>;
}

export interface PlaceResult {
  readonly lock: Lockfile;
  readonly outcomes: readonly Outcome[];
  readonly notStarted: readonly PlanItem[];
  readonly interrupted: boolean;
  readonly elapsedMs: number;
}

/**
 * The first SIGINT/SIGTERM stops new calls but lets the requests already on the wire finish
 * (each bounded by the target's request timeout), so their answers are recorded rather than
 * turned into `unknown`. A second signal exits at once; the journal then holds the rest.
 */
const finishInFlight = (client: GatewayClient): GatewayClient => ({
  target: client.target,
  post: (request) => client.post(request),
  close: () => client.close(),
});

/** What the executor says of a call a stop caught after its intent, before its request left. */
const UNSENT = 'interrupted before the request was sent';

/**
 * A call the stop caught before anything left for it: nothing happened at the gateway, so
 * it is "not sent — still due", like a call never started, and gets no lockfile entry.
 */
const isUnsent = (o: Outcome): boolean => o.status === 'failed' && o.message === UNSENT;

/**
 * execute → record: every attempt's intent is durable in the journal before it leaves, every
 * outcome is journalled when it arrives, and the lockfile is replaced once at the end — then
 * the journal is cleared. A crash anywhere leaves a journal the next command folds in.
 */
export const placeCalls = async (input: PlaceInput): Promise<PlaceResult> => {
  const { createGatewayClient } = await import('../execute/client.js');
  const { executeCalls } = await import('../execute/run.js');
  const meta = new Map(
    input.items.map((i) => [
      i.key,
      {
        definition: i.definition,
        file: i.file,
        ...(i.replaces === undefined ? {} : { replace: true }),
      },
    ]),
  );
  // A call pinned to a target that could not be set up (`env` without CALLOPS_*) has no
  // client: executeCalls fails it unsent, and the others still go.
  const clients = new Map(
    [...new Set(input.requests.map((r) => r.target))].flatMap((name) => {
      const target = input.targets.get(name);
      return target ? [[name, finishInFlight(createGatewayClient(target))] as const] : [];
    }),
  );
  const journal = await openJournal(input.paths.stateDir);
  const attempts = new Map<string, number>();
  const writes: Promise<void>[] = [];
  const records: { outcome: Outcome; meta: DefinitionMeta }[] = [];
  const started = Date.now();
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
        const m: DefinitionMeta = meta.get(request.key) ?? { definition: '', file: '' };
        await journal.intent({ key: request.key, target: request.target, attempt, ...m });
      },
      onEvent: (event: ExecuteEvent) => {
        // A missed slot sent nothing and wrote no intent: nothing to journal or record.
        if (event.type === 'call:done' && event.outcome.status !== 'missed') {
          const m: DefinitionMeta = meta.get(event.outcome.key) ?? { definition: '', file: '' };
          writes.push(journal.outcome({ ...event.outcome, ...m }));
          // Stopped before its request left: no entry; it stays due, as if never started.
          if (isUnsent(event.outcome)) return;
          records.push({ outcome: event.outcome, meta: m });
        }
        input.reporter.event(event);
      },
    });
  } finally {
    await Promise.allSettled(writes);
    await journal.close();
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  const lock = recordOutcomes(input.lock, records);
  await writeLockfileAtomic(input.paths.lockPath, lock);
  await clearJournal(input.paths.stateDir);
  const settled = outcomes.filter((o) => !isUnsent(o));
  const done = new Set(settled.map((o) => o.key));
  const notStarted = input.items.filter((i) => !done.has(i.key));
  return {
    lock,
    outcomes: settled,
    notStarted,
    // A stop that came after every call was settled cut nothing short.
    interrupted:
      input.signal.aborted &&
      (notStarted.length > 0 || settled.some((o) => o.message?.startsWith('interrupted'))),
    elapsedMs: Date.now() - started,
  };
};
