import { EngineError } from './errors.js';
import type { EventSink } from './events.js';

/** The first wait before `run` asks a state database that failed again; it doubles from there. */
export const OUTAGE_FIRST_RETRY_MS = 1_000;
/** The longest wait between two tries: the database back is noticed within it. */
export const OUTAGE_MAX_RETRY_MS = 15_000;
/** While the database stays out of reach, `run` says so again this often. */
export const OUTAGE_REMIND_MS = 5 * 60_000;

/**
 * `run` on a database store, while its state database fails (unreachable, restarting, a
 * connection cut, a lease that could not be renewed). What failed sent nothing: a claim that
 * could not be made leaves its call unsent and still due. run does not end: it asks the
 * database again, each time twice as late (up to OUTAGE_MAX_RETRY_MS), and plans nothing
 * until it answers. Said once as it starts (again every OUTAGE_REMIND_MS), and once it ends.
 */
export class StateOutage {
  /** When the outage began (ms since the epoch); undefined while the database answers. */
  private since: number | undefined;
  private tries = 0;
  private saidAt = 0;

  constructor(
    private readonly sink: EventSink,
    private readonly redact: (text: string) => string,
  ) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  /** A state error of a wake or of a try: says it when due; resolves with the wait before the next try. */
  async failed(error: EngineError): Promise<number> {
    const now = Date.now();
    const first = this.since === undefined;
    this.since ??= now;
    const waitMs = Math.min(OUTAGE_MAX_RETRY_MS, OUTAGE_FIRST_RETRY_MS * 2 ** this.tries);
    this.tries += 1;
    if (first || now - this.saidAt >= OUTAGE_REMIND_MS) {
      this.saidAt = now;
      await this.sink({
        type: 'scheduler:state-down',
        message: this.redact(error.message),
        ...(first ? {} : { forMs: now - this.since }),
        retryMs: waitMs,
      });
    }
    return waitMs;
  }

  /** The database answered again: said once, with how long it did not. */
  async back(): Promise<void> {
    if (this.since === undefined) return;
    const forMs = Date.now() - this.since;
    this.since = undefined;
    this.tries = 0;
    await this.sink({ type: 'scheduler:state-back', forMs });
  }
}

/** A state error `run` waits out (a database store), rather than one that ends it. */
export const waitsOut = (error: unknown, backend: string): error is EngineError =>
  backend === 'postgres' && error instanceof EngineError && error.kind === 'state';
