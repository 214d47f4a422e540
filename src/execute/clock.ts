/**
 * The time now as toISOString writes it, made once a millisecond: a run reads it a few times
 * for every call, and several calls share a millisecond.
 */
export const isoClock = (): (() => string) => {
  let ms = Number.NaN;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== ms) {
      ms = now;
      text = new Date(now).toISOString();
    }
    return text;
  };
};
