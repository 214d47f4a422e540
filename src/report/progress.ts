import { Listr } from 'listr2';
import type { Outcome } from '../execute/outcome.js';
import {
  type ApplyReporter,
  countOutcomes,
  describeOutcome,
  rateText,
  summaryLine,
} from './apply.js';
import type { Style } from './style.js';

/** Up to this many due calls get a line each; more share one aggregated line. */
export const PER_CALL_LIMIT = 12;
const TITLE_INTERVAL_MS = 100;

interface Deferred {
  resolve(outcome: Outcome): void;
  promise: Promise<Outcome>;
}

const deferred = (): Deferred => {
  let resolve: (o: Outcome) => void = () => {};
  const promise = new Promise<Outcome>((r) => {
    resolve = r;
  });
  return { resolve, promise };
};

/**
 * listr2 progress for a terminal. callops owns the signals, so listr2's own Ctrl-C
 * handler (which exits the process at once) is switched off.
 */
export const createListrReporter = (write: (text: string) => void, style: Style): ApplyReporter => {
  const done = new Map<string, Deferred>();
  const outcomes: Outcome[] = [];
  let titled: ((title: string) => void) | undefined;
  let finishAll: () => void = () => {};
  let running: Promise<unknown> = Promise.resolve();
  let total = 0;
  let startedAt = Date.now();
  let lastTitle = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const aggregateTitle = (): string => {
    const c = countOutcomes(outcomes);
    const missed = c.missed > 0 ? `, ${c.missed} missed` : '';
    return `placing calls ${outcomes.length}/${total} — ${c.placed} placed, ${c.failed} failed, ${c.unknown} unknown${missed} — ${rateText(outcomes.length, Date.now() - startedAt)}`;
  };
  const refresh = (): void => {
    if (titled === undefined) return;
    const now = Date.now();
    if (now - lastTitle >= TITLE_INTERVAL_MS) {
      lastTitle = now;
      titled(aggregateTitle());
    } else if (pending === undefined) {
      pending = setTimeout(() => {
        pending = undefined;
        refresh();
      }, TITLE_INTERVAL_MS);
    }
  };

  return {
    start: ({ items, targetNote }) => {
      write(`${targetNote}\n`);
      total = items.length;
      startedAt = Date.now();
      const options = { concurrent: true, exitOnError: false, registerSignalListeners: false };
      if (items.length <= PER_CALL_LIMIT) {
        for (const item of items) done.set(item.key, deferred());
        const list = new Listr(
          items.map((item) => ({
            title: `${item.key} → ${item.to}`,
            task: async (_ctx, task) => {
              const outcome = await (done.get(item.key) as Deferred).promise;
              task.title = `${item.key} → ${item.to}: ${outcome.status} ${describeOutcome(outcome)}`;
              if (outcome.status === 'missed') task.skip(task.title);
              else if (outcome.status !== 'placed')
                throw new Error(`${outcome.status}: ${describeOutcome(outcome)}`);
            },
          })),
          options,
        );
        running = list.run().catch(() => undefined);
        return;
      }
      const finished = new Promise<void>((r) => {
        finishAll = r;
      });
      const list = new Listr(
        [
          {
            title: aggregateTitle(),
            task: async (_ctx, task) => {
              titled = (t) => {
                task.title = t;
              };
              await finished;
              task.title = aggregateTitle();
            },
          },
        ],
        options,
      );
      running = list.run().catch(() => undefined);
    },
    event: (e) => {
      if (e.type !== 'call:done') return;
      outcomes.push(e.outcome);
      done.get(e.outcome.key)?.resolve(e.outcome);
      refresh();
    },
    finish: async (summary) => {
      if (pending !== undefined) clearTimeout(pending);
      for (const [key, d] of done) {
        if (!outcomes.some((o) => o.key === key)) {
          d.resolve({
            key,
            status: 'failed',
            at: new Date().toISOString(),
            message: 'not sent — still due',
          });
        }
      }
      finishAll();
      await running;
      write(`${summaryLine(summary, style)}\n`);
    },
  };
};
