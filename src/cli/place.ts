import type { GatewayClient } from '../execute/client.js';
import type { ExecuteEvent } from '../execute/context.js';
import type { Outcome } from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import type { PlanItem } from '../plan/types.js';
import type { ApplyReporter } from '../report/apply.js';
import { type Journal, openJournal } from '../state/journal.js';
import { writeLockfileAtomic } from '../state/lockfile.js';
import { type DefinitionMeta, recordOutcomes } from '../state/record.js';
import { clearJournal } from '../state/replay.js';
import type { Lockfile } from '../state/types.js';
import { writeCopy } from '../state/written.js';
import { journalFailure, type StatePaths } from './state.js';

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
  /**
   * The state could not be written (a full disk under the journal): one line for the user,
   * given after the summary. What was recorded stays recorded; nothing more was sent.
   */
  readonly stateError?: Error;
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
  const started = Date.now();
  let journal: Journal;
  try {
    journal = await openJournal(input.paths.stateDir, { signal: input.signal });
  } catch (error) {
    // Not even opened: nothing was sent, nothing changed.
    await Promise.all([...clients.values()].map((c) => c.close()));
    return {
      lock: input.lock,
      outcomes: [],
      notStarted: input.items,
      interrupted: false,
      elapsedMs: Date.now() - started,
      stateError: journalFailure(input.paths, error, input.items.length, undefined),
    };
  }
  const attempts = new Map<string, number>();
  const writes: Promise<void>[] = [];
  const records: { outcome: Outcome; meta: DefinitionMeta }[] = [];
  // The first failure to write the journal; from then on no request leaves.
  let journalError: unknown;
  // Calls whose first intent could not be written: never sent, still due, not recorded.
  const unsent = new Set<string>();
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
        try {
          await journal.intent({ key: request.key, target: request.target, attempt, ...m });
        } catch (error) {
          journalError ??= error;
          if (attempt === 1) unsent.add(request.key);
          throw error;
        }
      },
      onEvent: (event: ExecuteEvent) => {
        if (event.type === 'call:done' && unsent.has(event.outcome.key)) return;
        // A missed slot sent nothing and wrote no intent: nothing to journal or record.
        if (event.type === 'call:done' && event.outcome.status !== 'missed') {
          const m: DefinitionMeta = meta.get(event.outcome.key) ?? { definition: '', file: '' };
          // Caught at once: a rejection left for later would end the process.
          writes.push(
            journal.outcome({ ...event.outcome, ...m }).catch((error: unknown) => {
              journalError ??= error;
            }),
          );
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
  outcomes = outcomes.filter((o) => !unsent.has(o.key));
  // Every answer is in `records`, whether or not its journal line made it: the lockfile gets
  // them all. Only once it is durable is the journal cleared (which frees room for the copy).
  const lock = recordOutcomes(input.lock, records);
  let lockError: unknown;
  try {
    // With the journal broken before any answer, nothing changed: nothing to write.
    if (journalError === undefined || records.length > 0) {
      await writeLockfileAtomic(input.paths.lockPath, lock);
    }
  } catch (error) {
    if (journalError === undefined) throw error;
    // The journal keeps what it holds; the next command folds it in.
    lockError = error;
  }
  if (lockError === undefined) {
    await clearJournal(input.paths.stateDir);
    await writeCopy(input.paths.stateDir, lock).catch((error: unknown) => {
      // An older copy only makes a newer lockfile look newer, which is accepted.
      if (journalError === undefined) throw error;
    });
  }
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
    ...(journalError !== undefined && {
      stateError: journalFailure(input.paths, journalError, notStarted.length, lockError),
    }),
  };
};
