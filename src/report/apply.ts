import type { ExecuteEvent } from '../execute/context.js';
import { type Outcome, type OutcomeCounts, tallyOutcomes } from '../execute/outcome.js';
import { JsonItems, jsonBytes, mapped } from '../plan/file.js';
import type { PlanItem } from '../plan/types.js';
import { TextBudget } from './budget.js';
import { code, oneLine } from './markdown-text.js';
import { renderChangedHuman } from './plan.js';
import { printable } from './printable.js';
import type { Style } from './style.js';
import {
  renderUnsettledHuman,
  type Unsettled,
  unsettledJson,
  unsettledMarkdown,
} from './unsettled.js';

/** Reporters subscribe to the executor's events; the engine never knows which one runs. */
export type ProgressEvent = ExecuteEvent;

export interface ApplyStart {
  readonly items: readonly PlanItem[];
  readonly targetNote: string;
  /** Aborted by the first Ctrl-C/SIGTERM: no new calls start from then on. */
  readonly signal?: AbortSignal;
}

export interface ApplySummary {
  /** The outcomes, in request order; without the placed ones when `counts` says how many. */
  readonly outcomes: readonly Outcome[];
  /**
   * How many outcomes had each status (default: those of `outcomes`); `missed` counts the
   * missed slots not listed in `outcomes` too.
   */
  readonly counts?: OutcomeCounts;
  /** The missed count is a lower bound: counting stopped at its bound. */
  readonly missedAtLeast?: true;
  /**
   * Due calls not sent, still due (interrupted, refused): those whose request never left, and
   * those a stop caught waiting to retry (a 429 pause, a 480 outage, a backoff), whose
   * attempts were answered so that the gateway certainly placed nothing.
   */
  readonly notStarted: readonly PlanItem[];
  /**
   * Rows of a campaign CSV that changed during the run, never started: counted, not in
   * `notStarted` (their ids are in the file that changed).
   */
  readonly changedRows?: { readonly file: string; readonly notStarted: number };
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  /** Stopped before its end because a campaign's CSV changed (why is said after the summary). */
  readonly stopped?: boolean;
  /** Unknown entries of the lockfile after the run: each needs a person to settle it. */
  readonly unsettled: readonly Unsettled[];
  /**
   * The state could not be read after the run (a database gone): why. `unsettled` is empty
   * for that, not because no entry is unknown.
   */
  readonly unsettledUnread?: string;
  /** Placed calls whose definition changed since: not placed again; its reason says how, if at all. */
  readonly changed: readonly PlanItem[];
  /** Due placements to a number on a do-not-call list: not sent, no entry. */
  readonly suppressed?: readonly Held[];
  /** Due placements the per-number limit held back: not sent, no entry, still due. */
  readonly waiting?: readonly Held[];
  /**
   * Never sent, but the state still holds their claim (it could not be given up): each
   * reason gives the `callops resolve KEY --not-placed` that settles it.
   */
  readonly stillClaimed?: readonly Held[];
  /**
   * Due but for another runner placing them right now (a database store): skipped, that
   * runner records them; each reason in plan's words.
   */
  readonly inFlight?: readonly Held[];
  /**
   * Due when the run planned, found at their claim placed (or left unknown) by another runner
   * since: settled, not in flight, not sent here; each reason says which.
   */
  readonly recordedElsewhere?: readonly (Held & { readonly status: 'placed' | 'unknown' })[];
  /**
   * Due, not sent for a reason found at their claim (a database store): another runner
   * replaced the call first, the campaign dialled the row's number under another key, or the
   * slot was placed to its number under a name no call has now; each reason says which.
   */
  readonly skipped?: readonly Held[];
}

/** A placement held back before its request: its key and why. */
export interface Held {
  readonly key: string;
  readonly reason: string;
}

export interface ApplyReporter {
  start(info: ApplyStart): void;
  event(event: ProgressEvent): void;
  finish(summary: ApplySummary): Promise<void>;
}

/** How many outcomes of each status the run had: its counts, or those of its list. */
export const summaryCounts = (summary: ApplySummary): OutcomeCounts =>
  summary.counts ?? tallyOutcomes(summary.outcomes);

/** A call that failed or may have been placed: the run did not do its job (exit 1). */
export const isFailure = (o: Outcome): boolean => o.status === 'failed' || o.status === 'unknown';

/** Whether a call's request went to the gateway: a missed slot, or a call failed before its first attempt, sent nothing. */
export const wasSent = (o: Outcome): boolean => o.status !== 'missed' && o.attempts !== 0;

/**
 * The calls of a run whose request went to the gateway (placed, failed or unknown, at
 * least one attempt made): what its calls/s counts. Placed calls are counted, not listed;
 * failed and unknown ones are listed, so those never sent are taken out by name.
 */
export const sentCount = (summary: ApplySummary, c: OutcomeCounts = summaryCounts(summary)) =>
  c.placed +
  c.failed +
  c.unknown -
  summary.outcomes.filter((o) => o.status !== 'missed' && o.status !== 'placed' && !wasSent(o))
    .length;

export const rateText = (count: number, elapsedMs: number): string =>
  elapsedMs > 0 ? `${((count * 1000) / elapsedMs).toFixed(1)} calls/s` : '-';

export const describeOutcome = (o: Outcome): string => {
  if (o.status === 'placed') return `sid ${o.sid ?? '?'}${o.callId ? ` callId ${o.callId}` : ''}`;
  const status = o.httpStatus !== undefined ? `${o.httpStatus} ` : '';
  return `${status}${o.message ?? ''}`.trim();
};

/** `4 missed`, or `at least 10000 missed` when counting stopped at its bound. */
export const missedText = (summary: ApplySummary, c: OutcomeCounts = summaryCounts(summary)) =>
  `${summary.missedAtLeast ? 'at least ' : ''}${c.missed} missed`;

/**
 * `3 placed by another runner since this one planned`, `1 unknown since this one planned`:
 * due keys found settled at their claim, counted apart from those in flight elsewhere.
 */
const recordedParts = (summary: ApplySummary): string[] => {
  const found = summary.recordedElsewhere ?? [];
  const placed = found.filter((h) => h.status === 'placed').length;
  const unknown = found.length - placed;
  return [
    ...(placed > 0 ? [`${placed} placed by another runner since this one planned`] : []),
    ...(unknown > 0 ? [`${unknown} unknown since this one planned`] : []),
  ];
};

export const summaryLine = (summary: ApplySummary, style: Style): string => {
  const c = summaryCounts(summary);
  const parts = [
    style('green', `${c.placed} placed`),
    c.failed > 0 ? style('red', `${c.failed} failed`) : `${c.failed} failed`,
    c.unknown > 0 ? style('yellow', `${c.unknown} unknown`) : `${c.unknown} unknown`,
  ];
  if (c.missed > 0) parts.push(style('yellow', missedText(summary, c)));
  // Not "not started": a call caught waiting to retry made an attempt already (answered
  // 429/503/480, nothing placed). Either way its call was not sent, and is still due.
  const notSent = summary.notStarted.length + (summary.changedRows?.notStarted ?? 0);
  if (notSent > 0) parts.push(`${notSent} not sent (still due)`);
  const suppressed = summary.suppressed?.length ?? 0;
  const waiting = summary.waiting?.length ?? 0;
  if (suppressed > 0) parts.push(style('yellow', `${suppressed} suppressed`));
  if (waiting > 0) parts.push(style('yellow', `${waiting} waiting`));
  const claimed = summary.stillClaimed?.length ?? 0;
  if (claimed > 0) parts.push(style('yellow', `${claimed} not sent, still claimed`));
  const inFlight = summary.inFlight?.length ?? 0;
  if (inFlight > 0) parts.push(`${inFlight} being placed by another runner`);
  parts.push(...recordedParts(summary));
  const skipped = summary.skipped?.length ?? 0;
  if (skipped > 0) parts.push(`${skipped} skipped`);
  const seconds = (summary.elapsedMs / 1000).toFixed(2);
  const head = summary.interrupted ? 'Interrupted' : summary.stopped ? 'Stopped' : 'Done';
  return `${head}: ${parts.join(', ')} in ${seconds}s (${rateText(sentCount(summary, c), summary.elapsedMs)})`;
};

const statusWord = (o: Outcome, style: Style): string => {
  const word = o.status.padEnd(7);
  if (o.status === 'placed') return style('green', word);
  if (o.status === 'missed') return style('dim', word);
  return o.status === 'failed' ? style('red', word) : style('yellow', word);
};

/** Plain lines: one per outcome, retry and pause; for pipes, CI and logs. */
export const createPlainReporter = (
  write: (text: string) => void,
  style: Style,
): ApplyReporter => ({
  start: ({ items, targetNote }) => {
    write(`${targetNote}\n`);
    write(`${items.length} call${items.length === 1 ? '' : 's'} due\n`);
  },
  event: (e) => {
    if (e.type === 'call:done') {
      const text = printable(`${e.outcome.key}  ${describeOutcome(e.outcome)}`);
      write(`${statusWord(e.outcome, style)} ${text}\n`);
    } else if (e.type === 'call:retry') {
      write(
        `${style('dim', 'retry  ')} ${printable(`${e.key}  ${e.reason.replace(/[.;]+$/, '')}`)}; try ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s\n`,
      );
    } else if (e.type === 'target:paused') {
      write(
        // untilMs is an instant (epoch ms): show how long from now.
        `${style('yellow', 'paused ')} target ${e.target} for ${(Math.max(0, e.untilMs - Date.now()) / 1000).toFixed(1)}s: ${printable(e.reason)}\n`,
      );
    } else if (e.type === 'target:stopped') {
      write(`${style('red', 'stopped')} target ${e.target}: ${printable(e.reason)}\n`);
    }
  },
  finish: async (summary) => {
    for (const item of summary.notStarted)
      write(`${style('dim', 'not sent')} ${printable(item.key)}  still due\n`);
    const rows = summary.changedRows;
    if (rows !== undefined && rows.notStarted > 0)
      write(
        `${style('dim', 'not sent')} ${rows.notStarted} row${rows.notStarted === 1 ? '' : 's'} of ${printable(rows.file)}  still due\n`,
      );
    for (const line of renderHeldHuman(summary, style)) write(`${line}\n`);
    write(`${summaryLine(summary, style)}\n`);
    for (const line of renderChangedHuman(summary.changed, style)) write(`${line}\n`);
    for (const line of renderUnsettledHuman(summary.unsettled, style)) write(`${line}\n`);
  },
});

/**
 * One line per placement held back (do-not-call, per-number limit), per claim the state
 * still holds of a call never sent, and per call another runner is placing, before the summary.
 */
export const renderHeldHuman = (summary: ApplySummary, style: Style): string[] => [
  ...(summary.suppressed ?? []).map(
    (h) => `${style('yellow', 'suppressed')} ${printable(`${h.key}  ${h.reason}`)}`,
  ),
  ...(summary.waiting ?? []).map(
    (h) => `${style('yellow', 'waiting')} ${printable(`${h.key}  ${h.reason}`)}`,
  ),
  ...(summary.stillClaimed ?? []).map(
    (h) => `${style('yellow', 'claimed')} ${printable(`${h.key}  ${h.reason}`)}`,
  ),
  ...(summary.inFlight ?? []).map((h) => `skipped ${printable(`${h.key}  ${h.reason}`)}`),
  ...(summary.recordedElsewhere ?? []).map((h) => `skipped ${printable(`${h.key}  ${h.reason}`)}`),
  ...(summary.skipped ?? []).map((h) => `skipped ${printable(`${h.key}  ${h.reason}`)}`),
];

/**
 * `warnings`: the warnings said of the input since the last object (as JSON diagnostics,
 * redacted), which human output prints on stderr: under json, in the object, as plan's.
 */
export const applyJson = (
  summary: ApplySummary,
  target: string,
  warnings: readonly unknown[] = [],
  /** Every target the batch's due calls go to, `target` first (targetsOf). */
  targets: readonly string[] = [target],
) => applyObject(summary, target, warnings, targets, summary.outcomes.map(resultOf));

/**
 * applyJson's text (as `JSON.stringify(…, null, 2)` and a line break write it), in pieces of
 * 64 KiB, each result made while it is written: an `apply` of 100,000 calls holds neither the
 * results nor their 20 MB of text at once.
 */
export const applyJsonBytes = (
  summary: ApplySummary,
  target: string,
  warnings: readonly unknown[] = [],
  targets: readonly string[] = [target],
): Iterable<Buffer> =>
  jsonBytes(
    applyObject(
      summary,
      target,
      warnings,
      targets,
      new JsonItems(() => mapped(summary.outcomes, resultOf)),
    ),
  );

/** An outcome as `results` lists it. */
const resultOf = (o: Outcome) => ({
  key: o.key,
  status: o.status,
  ...(o.sid !== undefined && { sid: o.sid }),
  ...(o.callId !== undefined && { callId: o.callId }),
  ...(o.httpStatus !== undefined && { httpStatus: o.httpStatus }),
  ...(o.message !== undefined && { message: o.message }),
});

const applyObject = <R>(
  summary: ApplySummary,
  target: string,
  warnings: readonly unknown[],
  targets: readonly string[],
  results: R,
) => {
  const c = summaryCounts(summary);
  return {
    target,
    targets,
    ...c,
    missedListed: summary.outcomes.filter((o) => o.status === 'missed').length,
    ...(summary.missedAtLeast && { missedAtLeast: true }),
    suppressed: summary.suppressed?.length ?? 0,
    waiting: summary.waiting?.length ?? 0,
    stillClaimed: summary.stillClaimed?.length ?? 0,
    inFlight: summary.inFlight?.length ?? 0,
    placedElsewhere: (summary.recordedElsewhere ?? []).filter((h) => h.status === 'placed').length,
    unknownElsewhere: (summary.recordedElsewhere ?? []).filter((h) => h.status === 'unknown')
      .length,
    skipped: summary.skipped?.length ?? 0,
    interrupted: summary.interrupted,
    results,
    notStarted: summary.notStarted.map((i) => i.key),
    ...(summary.changedRows && { changedRows: summary.changedRows }),
    changed: summary.changed.map((i) => i.key),
    unsettled: unsettledJson(summary.unsettled),
    ...(summary.unsettledUnread !== undefined && { unsettledUnread: summary.unsettledUnread }),
    held: [
      ...(summary.suppressed ?? []).map((h) => ({ ...h, status: 'suppressed' })),
      ...(summary.waiting ?? []).map((h) => ({ ...h, status: 'waiting' })),
      ...(summary.stillClaimed ?? []).map((h) => ({ ...h, status: 'claimed' })),
      ...(summary.inFlight ?? []).map((h) => ({ ...h, status: 'in-flight' })),
      ...(summary.recordedElsewhere ?? []).map((h) => ({
        key: h.key,
        reason: h.reason,
        status: `${h.status}-elsewhere`,
      })),
      ...(summary.skipped ?? []).map((h) => ({ ...h, status: 'skipped' })),
    ],
    warnings,
  };
};

/**
 * `--format json`: silent while running, one object on stdout at the end, written a piece at
 * a time (applyJsonBytes) by `writeAll`, which waits for a slow reader.
 */
export const createJsonReporter = (
  writeAll: (chunks: Iterable<Buffer>) => Promise<void>,
  target: string,
  warnings: () => readonly unknown[] = () => [],
  targets: readonly string[] = [target],
): ApplyReporter => ({
  start: () => {},
  event: () => {},
  finish: async (summary) => {
    await writeAll(applyJsonBytes(summary, target, warnings(), targets));
  },
});

/** A row of the step summary: the gateway's text escaped as `apply` prints it, on one line. */
const outcomeRow = (o: Outcome): string =>
  `| ${code(o.key)} | ${o.status} | ${oneLine(describeOutcome(o))} |`;

/**
 * The outcomes a step summary lists: every one when they fit in its budget; else the failed
 * and unknown ones first (they need someone), then placed ones, while they fit.
 */
const listedOutcomes = (outcomes: readonly Outcome[], budget: TextBudget): Set<Outcome> => {
  const listed = new Set<Outcome>();
  const take = (o: Outcome): boolean => {
    const row = outcomeRow(o);
    if (!budget.fits(row)) return false;
    budget.spend(row);
    listed.add(o);
    return true;
  };
  for (const failures of [true, false])
    for (const o of outcomes) {
      if (isFailure(o) !== failures) continue;
      if (!take(o)) return listed;
    }
  return listed;
};

/**
 * Markdown for $GITHUB_STEP_SUMMARY, under GitHub's limits however many calls the run
 * placed: the outcomes it cannot list are counted in its last row.
 */
export const applyMarkdown = (
  summary: ApplySummary,
  target: string,
  /** Every target the batch's due calls go to, `target` first (targetsOf). */
  targets: readonly string[] = [target],
): string => {
  const c = summaryCounts(summary);
  const lines = [
    `### callops apply — ${targets.length === 1 ? 'target' : 'targets'} ${targets.map((t) => `\`${t}\``).join(', ')}`,
    '',
    `${c.placed} placed · ${c.failed} failed · ${c.unknown} unknown${c.missed > 0 ? ` · ${missedText(summary, c)}` : ''}${summary.suppressed?.length ? ` · ${summary.suppressed.length} suppressed` : ''}${summary.waiting?.length ? ` · ${summary.waiting.length} waiting` : ''}${summary.stillClaimed?.length ? ` · ${summary.stillClaimed.length} not sent, still claimed` : ''}${summary.inFlight?.length ? ` · ${summary.inFlight.length} being placed by another runner` : ''}${recordedParts(
      summary,
    )
      .map((part) => ` · ${part}`)
      .join(
        '',
      )}${summary.skipped?.length ? ` · ${summary.skipped.length} skipped` : ''}${summary.interrupted ? ' · interrupted' : summary.stopped ? ' · stopped' : ''}`,
    '',
  ];
  const budget = new TextBudget();
  for (const line of lines) budget.spend(line);
  if (summary.outcomes.length > 0) {
    lines.push('| call | status | sid / message |', '| --- | --- | --- |');
    const listed = listedOutcomes(summary.outcomes, budget);
    for (const o of summary.outcomes) if (listed.has(o)) lines.push(outcomeRow(o));
    const left = summary.outcomes.length - listed.size;
    if (left > 0) {
      const problems = summary.outcomes.filter((o) => isFailure(o) && !listed.has(o));
      const line = `| ${listed.size > 0 ? `… and ${left} more` : `${left} calls`}${problems.length > 0 ? ` (${problems.length} failed or unknown)` : ''}, not listed here | | see \`callops status\` |`;
      budget.spend(line);
      lines.push(line);
    }
  }
  const unsettled = unsettledMarkdown(summary.unsettled, budget);
  return `${lines.join('\n')}\n${unsettled === '' ? '' : `\n${unsettled}`}`;
};
