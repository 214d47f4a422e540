import { setMaxListeners } from 'node:events';
import { observeCycle, otherNumberWords, type Watched } from '../execute/observe.js';
import type { StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { watchedByReader } from './entry-readers.js';
import type { EventSink } from './events.js';
import { recordObservations } from './observe.js';
import type { Prepared } from './prepare.js';
import { openReaders } from './readers.js';
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

export interface RefresherInput {
  readonly store: StateStore;
  readonly lockName: string;
  readonly everyMs: number;
  readonly sink: EventSink;
  /** run's stop: a cycle in flight is cut short (its reads aborted) and records nothing. */
  readonly signal: AbortSignal;
  /** True when the caller holds the store's single-holder lock (run's file store). */
  readonly held: boolean;
  /**
   * Runs `work` in a turn of its own at the state: what a cycle found is recorded between
   * the scheduler's wakes, never while one plans or places (see Turns).
   */
  readonly turn: <T>(work: () => Promise<T>) => Promise<T>;
  /** Said once a cycle recorded something, or could not record it (see `failure`). */
  readonly changed: () => void;
}

/**
 * `run`'s own refresh of outcomes: at most one cycle per target per pace (one list request,
 * then CDR pages), for placed calls without a final outcome. It runs beside the scheduler,
 * on a timer of its own: the scheduler never waits for a gateway's reads, so a read that
 * hangs (until the target's request timeout) delays no slot, of that target or another.
 * Each target has one cycle at a time, and the targets' cycles run side by side. What a
 * cycle found is recorded in a turn at the state (`turn`), not while a wake plans or places.
 * A target that cannot be read is reported once (until a cycle succeeds again) and asked
 * again later, each time twice as late (or after its Retry-After), never stopping run. The
 * built-in simulator is never asked.
 */
export class OutcomeRefresher {
  /** When each target may be asked next (ms since the epoch). */
  private readonly next = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly reported = new Set<string>();
  /** Keys said to have a sid the gateway records to another number (said once each). */
  private readonly otherNumber = new Set<string>();
  /** Each target's cycle in flight. */
  private readonly cycles = new Map<string, Promise<void>>();
  /** Aborted by run's stop, or once the refresher is closed. */
  private readonly stop = new AbortController();
  private readonly unlisten: () => void;
  private timer: NodeJS.Timeout | undefined;
  /** The definitions and the state view the scheduler last planned with. */
  private view: { readonly prepared: Prepared; readonly lock: Lockfile } | undefined;
  /** A recording that failed: the scheduler's to handle, as its own failures of the state. */
  private failed: { readonly error: unknown } | undefined;
  /** The scheduler places nothing (its definitions paused it): nor is anything refreshed. */
  private paused = false;

  constructor(private readonly input: RefresherInput) {
    // Each target's read in flight listens on it: as many as the project has targets.
    setMaxListeners(0, this.stop.signal);
    const abort = () => this.stop.abort();
    if (input.signal.aborted) abort();
    input.signal.addEventListener('abort', abort, { once: true });
    this.unlisten = () => input.signal.removeEventListener('abort', abort);
  }

  /** Targets with placed calls still waiting for a final outcome (the simulator excluded). */
  private waiting(prepared: Prepared, lock: Lockfile, now: Date): Map<string, readonly Watched[]> {
    // An entry of a target that does not resolve here is asked through the target on the
    // gateway it records (entryReaders).
    const byTarget = watchedByReader(prepared, lock, now);
    byTarget.delete(SIMULATOR_TARGET);
    return byTarget;
  }

  /**
   * Waits `delayMs` before a target's first refresh: calls just placed are asked about once
   * they had a moment to end, not at once.
   */
  defer(prepared: Prepared, lock: Lockfile, now: Date, delayMs: number): void {
    for (const target of this.waiting(prepared, lock, now).keys()) {
      if (!this.next.has(target)) this.next.set(target, now.getTime() + delayMs);
    }
  }

  /**
   * The definitions and the state as the scheduler sees them now: each target whose time has
   * come, and whose last cycle ended, is asked; the others when their time comes.
   */
  watch(prepared: Prepared, lock: Lockfile): void {
    this.view = { prepared, lock };
    this.paused = false;
    this.kick();
  }

  /**
   * The scheduler paused placing (its definitions are invalid, or moved the target or the
   * state): no cycle starts, and one in flight records nothing, until `watch` again.
   */
  pause(): void {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A recording that failed since last asked, once. */
  takeFailure(): { readonly error: unknown } | undefined {
    const failed = this.failed;
    this.failed = undefined;
    return failed;
  }

  /** Starts no cycle more, cuts those in flight short and waits for them to end. */
  async close(): Promise<void> {
    this.stop.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unlisten();
    await Promise.allSettled([...this.cycles.values()]);
  }

  /** Starts each cycle whose time has come; arms the timer for the next one. */
  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const view = this.view;
    if (view === undefined || this.paused || this.stop.signal.aborted) return;
    const now = new Date();
    let soonest = Number.POSITIVE_INFINITY;
    for (const [target, watched] of this.waiting(view.prepared, view.lock, now)) {
      if (this.cycles.has(target)) continue;
      const at = this.next.get(target) ?? 0;
      if (at > now.getTime()) {
        soonest = Math.min(soonest, at);
        continue;
      }
      const cycle = this.cycle(view.prepared, target, watched).finally(() => {
        this.cycles.delete(target);
        this.kick();
      });
      this.cycles.set(target, cycle);
    }
    if (soonest === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, soonest - Date.now()));
    // Never what keeps the process alive: the scheduler is.
    this.timer.unref();
  }

  /** One cycle of one target; never rejects. */
  private async cycle(prepared: Prepared, target: string, watched: readonly Watched[]) {
    const { signal } = this.stop;
    const readers = openReaders(prepared, [target]);
    try {
      for (const s of readers.skipped) {
        this.next.set(s.target, Date.now() + MAX_BACKOFF_MS);
        await this.problem(s.target, `not asked: ${s.why}`);
      }
      const open = readers.readers.get(target);
      if (open === undefined || signal.aborted) return;
      const cycle = await observeCycle(open.reader, watched, new Date(), signal);
      // Cut short by a stop (what it read may be partial), or placing paused meanwhile: the
      // next refresh reads it again.
      if (signal.aborted || this.paused) return;
      for (const w of cycle.otherNumber ?? []) {
        if (this.otherNumber.has(w.key)) continue;
        this.otherNumber.add(w.key);
        await this.input.sink({
          type: 'scheduler:refresh-problem',
          target,
          message: otherNumberWords(w),
        });
      }
      if (cycle.observations.length > 0) {
        // Looked at again once it is the refresh's turn: a wake may have paused placing.
        const changed = await this.input.turn(async () =>
          signal.aborted || this.paused
            ? []
            : recordObservations(this.input.store, cycle.observations, {
                lockName: this.input.lockName,
                command: 'callops run',
                sink: this.input.sink,
                held: this.input.held,
              }),
        );
        if (changed.length > 0) this.input.changed();
      }
      const failures = cycle.problem === undefined ? 0 : (this.failures.get(target) ?? 0) + 1;
      this.failures.set(target, failures);
      const backedOff = Math.min(MAX_BACKOFF_MS, this.input.everyMs * 2 ** failures);
      const retryAfter =
        cycle.problem?.kind === 'rate-limited' ? (cycle.problem.retryAfterMs ?? 0) : 0;
      this.next.set(target, Date.now() + Math.max(backedOff, retryAfter));
      if (cycle.problem === undefined) this.reported.delete(target);
      else {
        const what =
          cycle.problem.kind === 'rate-limited'
            ? 'the gateway is rate limiting'
            : 'could not read the gateway';
        await this.problem(
          target,
          `${what}: ${cycle.problem.message}; asking again later, less often`,
        );
      }
    } catch (error) {
      // The state could not take what was found: asked again at the pace, and the scheduler
      // handles the failure as its own (a database store's is waited out).
      this.next.set(target, Date.now() + this.input.everyMs);
      if (!signal.aborted) {
        this.failed ??= { error };
        this.input.changed();
      }
    } finally {
      await readers.close();
    }
  }

  private async problem(target: string, message: string): Promise<void> {
    if (this.reported.has(target)) return;
    this.reported.add(target);
    await this.input.sink({ type: 'scheduler:refresh-problem', target, message });
  }
}
