/**
 * Turns at the state, one at a time, in the order asked. `run`'s scheduler takes one for each
 * wake (from its look at the state to the end of its batch) and its outcome refresh one for
 * each recording: the file store's writes (a persist clears the journal once no claim is
 * open) never interleave with a batch's claims, and a recording never lands between a plan
 * and the batch placed from it. Only the recording waits: a refresh's reads of the gateway
 * take no turn.
 */
export interface Turns {
  /** Resolves once it is the caller's turn, with what ends it (called once). */
  take(): Promise<() => void>;
  /** `work` in a turn of its own. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export const turns = (): Turns => {
  let last: Promise<void> = Promise.resolve();
  const take = (): Promise<() => void> => {
    let end: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const before = last;
    last = before.then(() => ended);
    return before.then(() => end);
  };
  return {
    take,
    run: async (work) => {
      const end = await take();
      try {
        return await work();
      } finally {
        end();
      }
    },
  };
};
