import type { CallRecord, CallStore, SimulatedCall } from './calls.js';
import type { SimulatorClock } from './clock.js';
import { type Durations, FINAL_STATUSES, stepsFor } from './lifecycle.js';

export interface CallProgress {
  /** Moves an accepted call through the statuses of its outcome, on the clock. */
  start(call: SimulatedCall): void;
  /** Cancels every pending status change; nothing moves afterwards. */
  close(): void;
}

export const createCallProgress = (deps: {
  readonly clock: SimulatorClock;
  readonly durations: Durations;
  readonly store: CallStore;
  readonly onChange: (call: SimulatedCall, record: CallRecord, final: boolean) => void;
}): CallProgress => {
  const pending = new Map<string, () => void>();
  let closed = false;
  const run = (call: SimulatedCall, index: number): void => {
    const step = stepsFor(call.outcome, deps.durations)[index];
    if (step === undefined || closed) {
      pending.delete(call.call_sid);
      return;
    }
    const cancel = deps.clock.after(step.afterMs, () => {
      if (closed) return;
      const record = deps.store.advance(
        call.call_sid,
        step,
        deps.durations.talkMs,
        deps.clock.now(),
      );
      if (record !== undefined) {
        deps.onChange(call, record, FINAL_STATUSES.has(step.call_status));
      }
      run(call, index + 1);
    });
    pending.set(call.call_sid, cancel);
  };
  return {
    start: (call) => run(call, 0),
    close() {
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
  };
};
