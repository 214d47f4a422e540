import { Listr } from 'listr2';
import type { Outcome } from '../execute/outcome.js';
import type { PlanItem } from '../plan/types.js';
import {
  type ApplyReporter,
  describeOutcome,
  type ProgressEvent,
  rateText,
  renderHeldHuman,
  summaryLine,
  wasSent,
} from './apply.js';
import { renderChangedHuman } from './plan.js';
import { printable } from './printable.js';
import type { Style } from './style.js';
import { renderUnsettledHuman } from './unsettled.js';

/** Up to this many due calls get a line each; more share one aggregated line. */
export const PER_CALL_LIMIT = 12;
const TITLE_INTERVAL_MS = 100;

/** Shown while a stop (the first Ctrl-C) lets the calls in flight finish. */
export const STOPPING = 'stopping: no new calls; waiting for the answers in flight';

/** How a call's line ends: with its outcome, or unsent when the run stopped first. */
type End = { readonly outcome: Outcome } | { readonly notSent: true };

interface Deferred {
  resolve(end: End): void;
  promise: Promise<End>;
}

const deferred = (): Deferred => {
  let resolve: (end: End) => void = () => {};
  const promise = new Promise<End>((r) => {
    resolve = r;
  });
  return { resolve, promise };
};

/** One line per call: its state in words, so a queued call never looks like one in flight. */
class CallLine {
  readonly done = deferred();
  started = false;
  note: string | undefined;
  setTitle: ((title: string) => void) | undefined;

  constructor(
    readonly item: PlanItem,
    private readonly style: Style,
  ) {}

  get base(): string {
    return printable(`${this.item.key} → ${this.item.to}`);
  }

  title(stopping: boolean): string {
    if (!this.started) {
      return `${this.base} ${this.style('dim', stopping ? '(not sent: stopping)' : '(queued)')}`;
    }
    if (stopping)
      return `${this.base} ${this.style('yellow', '(stopping: waiting for its answer)')}`;
    return this.note === undefined ? this.base : `${this.base} ${this.style('dim', this.note)}`;
  }
}

/**
 * listr2 progress for a terminal. callops owns the signals, so listr2's own Ctrl-C
 * handler (which exits the process at once) is switched off. While listr2 draws, it holds
 * back other writes to stdout and stderr until it is done, so a stop is shown in the
 * progress itself.
 */
export const createListrReporter = (write: (text: string) => void, style: Style): ApplyReporter => {
  const lines = new Map<string, CallLine>();
  // Folded as they arrive: the title needs the counts, not the outcomes.
  const counts = { done: 0, sent: 0, placed: 0, failed: 0, unknown: 0, missed: 0 };
  let stopping = false;
  let titled: ((title: string) => void) | undefined;
  let finishAll: () => void = () => {};
  let running: Promise<unknown> = Promise.resolve();
  let total = 0;
  let startedAt = Date.now();
  let lastTitle = 0;
  let pending: ReturnType<typeof setTimeout> | undefined;

  const aggregateTitle = (ended = false): string => {
    const c = counts;
    const missed = c.missed > 0 ? `, ${c.missed} missed` : '';
    const head = !stopping ? '' : ended ? 'stopped — ' : `${style('yellow', STOPPING)} — `;
    return `${head}placing calls ${c.done}/${total} — ${c.placed} placed, ${c.failed} failed, ${c.unknown} unknown${missed} — ${rateText(c.sent, Date.now() - startedAt)}`;
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
  const retitle = (line: CallLine | undefined): void => {
    line?.setTitle?.(line.title(stopping));
  };
  const onEvent = (e: ProgressEvent): void => {
    if (e.type === 'call:done') {
      counts.done++;
      if (wasSent(e.outcome)) counts.sent++;
      counts[e.outcome.status]++;
      lines.get(e.outcome.key)?.done.resolve({ outcome: e.outcome });
      refresh();
      return;
    }
    const line = e.type === 'call:start' || e.type === 'call:retry' ? lines.get(e.key) : undefined;
    if (line === undefined) return;
    line.started = true;
    if (e.type === 'call:retry') {
      line.note = printable(
        `(try ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s: ${e.reason.replace(/[.;]+$/, '')})`,
      );
    }
    retitle(line);
  };
  const options = { concurrent: true, exitOnError: false, registerSignalListeners: false };
  // Keep each call's own title (key → number: outcome) on failure and skip, not the message.
  const rendererOptions = { showErrorMessage: false, showSkipMessage: false };

  return {
    start: ({ items, targetNote, signal }) => {
      write(`${targetNote}\n`);
      total = items.length;
      startedAt = Date.now();
      signal?.addEventListener(
        'abort',
        () => {
          stopping = true;
          for (const line of lines.values()) retitle(line);
          lastTitle = 0;
          refresh();
        },
        { once: true },
      );
      if (items.length <= PER_CALL_LIMIT) {
        for (const item of items) lines.set(item.key, new CallLine(item, style));
        const list = new Listr(
          [...lines.values()].map((line) => ({
            title: line.title(stopping),
            task: async (_ctx, task) => {
              line.setTitle = (t) => {
                task.title = t;
              };
              // Its request may have started before this task ran: draw its state as it is now.
              task.title = line.title(stopping);
              const end = await line.done.promise;
              line.setTitle = undefined;
              if ('notSent' in end) {
                task.title = `${line.base}: ${style('dim', 'not sent — still due')}`;
                task.skip();
                return;
              }
              const { outcome } = end;
              task.title = `${line.base}: ${outcome.status} ${printable(describeOutcome(outcome))}`;
              if (outcome.status === 'missed') task.skip();
              else if (outcome.status !== 'placed') throw new Error(outcome.status);
            },
          })),
          { ...options, rendererOptions },
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
              titled = undefined;
              task.title = aggregateTitle(true);
              // A stopped run did not do all it set out to: no ✔ for it.
              if (stopping) task.skip();
            },
          },
        ],
        { ...options, rendererOptions },
      );
      running = list.run().catch(() => undefined);
    },
    event: onEvent,
    finish: async (summary) => {
      if (pending !== undefined) clearTimeout(pending);
      for (const line of lines.values()) line.done.resolve({ notSent: true });
      finishAll();
      await running;
      for (const line of renderHeldHuman(summary, style)) write(`${line}\n`);
      write(`${summaryLine(summary, style)}\n`);
      for (const line of renderChangedHuman(summary.changed, style)) write(`${line}\n`);
      for (const line of renderUnsettledHuman(summary.unsettled, style)) write(`${line}\n`);
    },
  };
};
