import { observeCycle, watchedEntries } from '../execute/observe.js';
import type { StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { EventSink } from './events.js';
import { recordObservations } from './observe.js';
import type { Prepared } from './prepare.js';
import { openReaders, targetOfKey } from './readers.js';
import { SIMULATOR_TARGET } from './targets.js';

/** `run`: the pace of outcome refreshes per target, unless CALLOPS_RUN_REFRESH_SECONDS says. */
export const REFRESH_EVERY_MS = 60_000;
/** The longest pause a target that keeps failing is backed off to. */
const MAX_BACKOFF_MS = 15 * 60_000;

/** The pace from the environment (whole seconds, at least 1), or the default. */
export const refreshEveryMs = (env: Readonly<Record<string, string | undefined>>): number => {
  const raw = env.CALLOPS_RUN_REFRESH_SECONDS;
  if (raw === undefined || raw === '') return REFRESH_EVERY_MS;
  const seconds = Number(raw);
  return Number.isInteger(seconds) && seconds >= 1 ? seconds * 1_000 : REFRESH_EVERY_MS;
};

/**
 * `run`'s own refresh of outcomes: at most one cycle per target per pace (one list request,
 * then CDR pages), for placed calls without a final outcome. A target that cannot be read is
 * reported once (until a cycle succeeds again) and asked again later, each time twice as
 * late (or after its Retry-After), never stopping run. The built-in simulator is never asked.
 */
export class OutcomeRefresher {
  /** When each target may be asked next (ms since the epoch). */
  private readonly next = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly input: {
      readonly store: StateStore;
      readonly lockName: string;
      readonly everyMs: number;
      readonly sink: EventSink;
      readonly signal: AbortSignal;
      /** True when the caller holds the store's single-holder lock (run's file store). */
      readonly held: boolean;
    },
  ) {}

  /** Targets with placed calls still waiting for a final outcome (the simulator excluded). */
  private waiting(lock: Lockfile, now: Date): Map<string, ReturnType<typeof watchedEntries>> {
    const byTarget = new Map<string, ReturnType<typeof watchedEntries>>();
    for (const key of Object.keys(lock.calls)) {
      const target = targetOfKey(key);
      if (target === SIMULATOR_TARGET || byTarget.has(target)) continue;
      byTarget.set(target, watchedEntries(lock, target, now));
    }
    return new Map([...byTarget].filter(([, watched]) => watched.length > 0));
  }

  /** When the next refresh is due (ms since the epoch), or undefined when none waits. */
  dueAt(lock: Lockfile, now: Date): number | undefined {
    const times = [...this.waiting(lock, now).keys()].map((t) => this.next.get(t) ?? now.getTime());
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /**
   * Waits `delayMs` before a target's first refresh: calls just placed are asked about once
   * they had a moment to end, not at once.
   */
  defer(lock: Lockfile, now: Date, delayMs: number): void {
    for (const target of this.waiting(lock, now).keys()) {
      if (!this.next.has(target)) this.next.set(target, now.getTime() + delayMs);
    }
  }

  /** One cycle for each target whose time has come; true when something was recorded. */
  async refresh(prepared: Prepared, lock: Lockfile): Promise<boolean> {
    const { store, sink, signal } = this.input;
    const now = new Date();
    const asked = [...this.waiting(lock, now)].filter(
      ([target]) => (this.next.get(target) ?? 0) <= now.getTime(),
    );
    if (asked.length === 0) return false;
    const readers = openReaders(
      prepared,
      asked.map(([target]) => target),
    );
    let recorded = false;
    try {
      for (const s of readers.skipped) {
        this.next.set(s.target, now.getTime() + MAX_BACKOFF_MS);
        await this.problem(s.target, `not asked: ${s.why}`);
      }
      for (const [target, watched] of asked) {
        const open = readers.readers.get(target);
        if (open === undefined || signal.aborted) continue;
        const cycle = await observeCycle(open.reader, watched, new Date(), signal);
        if (cycle.observations.length > 0) {
          const changed = await recordObservations(store, cycle.observations, {
            lockName: this.input.lockName,
            command: 'callops run',
            sink,
            held: this.input.held,
          });
          if (changed.length > 0) recorded = true;
        }
        const failures = cycle.problem === undefined ? 0 : (this.failures.get(target) ?? 0) + 1;
        this.failures.set(target, failures);
        const backedOff = Math.min(MAX_BACKOFF_MS, this.input.everyMs * 2 ** failures);
        const retryAfter =
          cycle.problem?.kind === 'rate-limited' ? (cycle.problem.retryAfterMs ?? 0) : 0;
        this.next.set(target, Date.now() + Math.max(backedOff, retryAfter));
        if (cycle.problem === undefined) this.reported.delete(target);
        else if (!signal.aborted) {
          const what =
            cycle.problem.kind === 'rate-limited'
              ? 'the gateway is rate limiting'
              : 'could not read the gateway';
          await this.problem(
            target,
            `${what}: ${cycle.problem.message}; asking again later, less often`,
          );
        }
      }
    } finally {
      await readers.close();
    }
    return recorded;
  }

  private async problem(target: string, message: string): Promise<void> {
    if (this.reported.has(target)) return;
    this.reported.add(target);
    await this.input.sink({ type: 'scheduler:refresh-problem', target, message });
  }
}
