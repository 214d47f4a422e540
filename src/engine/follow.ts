/**
 * A controller that aborts when `parent` does, for as long as `release` is not called: one
 * per batch on the run's long-lived signal. AbortSignal.any would keep a reference on the run's
 * signal for every batch, which Node does not let go while that signal lives: a run that
 * places every second would grow by each one. A listener is taken off once the batch ends.
 */
export const follow = (parent: AbortSignal): { controller: AbortController; release(): void } => {
  const controller = new AbortController();
  const abort = () => controller.abort(parent.reason);
  if (parent.aborted) abort();
  else parent.addEventListener('abort', abort, { once: true });
  return { controller, release: () => parent.removeEventListener('abort', abort) };
};
