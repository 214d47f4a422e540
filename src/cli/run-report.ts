import type { EngineEvent, EventSink } from '../engine/events.js';
import { OUTAGE_MAX_RETRY_MS } from '../engine/outage.js';
import type { PlaceFlags } from '../engine/resolve.js';
import { targetsOf } from '../engine/targets.js';
import type { PlanItem } from '../plan/types.js';
import {
  type ApplyReporter,
  type ApplySummary,
  applyJson,
  applyMarkdown,
  createJsonReporter,
  createPlainReporter,
  missedText as missedCount,
  renderHeldHuman,
  summaryCounts,
} from '../report/apply.js';
import { renderDiagnosticsGithub } from '../report/diagnostics.js';
import { renderChangedHuman, targetNoteLines } from '../report/plan.js';
import { printable } from '../report/printable.js';
import { makeStyle } from '../report/style.js';
import { renderUnsettledHuman, unsettledAnnotations } from '../report/unsettled.js';
import { describeHolder, goneWords, RECEIVER_WAIT_MS } from '../state/runlock.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import { MAX_TIMER_MS, MAX_TIMER_TEXT, parseRate } from '../validate/parse.js';
import { annotated } from './annotation-files.js';
import type { CommandContext } from './context.js';
import { UsageError } from './exit.js';
import { diagnosticsObject, type Redact, reportDiagnostics } from './load.js';
import { writeChunks } from './output.js';
import { receivedNote } from './received-note.js';
import { appendStepSummary } from './step-summary.js';
import type { UnknownsSaid } from './unsettled.js';

/** "4 s", "12 min": how long an outage lasted, or a wait. */
const duration = (ms: number): string =>
  ms < 120_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;

const positiveInt = (flag: string, value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^[1-9][0-9]*$/.test(text))
    throw new UsageError(`--${flag} must be a positive whole number (got "${text}")`);
  return Number(text);
};

export const parsePlaceFlags = (values: CommandContext['values']): PlaceFlags => {
  const rateText = values.rate;
  const rate = rateText === undefined ? undefined : parseRate(String(rateText));
  if (rateText !== undefined && rate === undefined) {
    throw new UsageError(
      `--rate must be N/s, N/m or N/WINDOW such as 600/5m (got "${String(rateText)}")`,
    );
  }
  // The limiter waits up to one window in a timer.
  if (rate !== undefined && rate.perMs > MAX_TIMER_MS) {
    throw new UsageError(
      `--rate window must be at most ${MAX_TIMER_TEXT} (got "${String(rateText)}")`,
    );
  }
  const maxCalls = positiveInt('max-calls', values['max-calls']);
  const concurrency = positiveInt('concurrency', values.concurrency);
  return {
    ...(maxCalls !== undefined && { maxCalls }),
    ...(concurrency !== undefined && { concurrency }),
    ...(rate !== undefined && { rate }),
  };
};

/** Text held for stdout, written in few large writes. */
export interface BatchedWriter {
  write(text: string): void;
  /** Write what is held now (before any other write to the stream, and at the end). */
  flush(): void;
}

/** How long a line may be held before it is written, at most. */
export const FLUSH_AFTER_MS = 50;
/** Held text of this many characters is written at once. */
const FLUSH_AT_CHARS = 32 * 1024;

/**
 * The plain lines of a run go out batched: every line of up to FLUSH_AFTER_MS (or 32 KiB
 * of them) in one write, not one write per call nor per turn of the event loop — each
 * write to a pipe wakes its reader. Lines keep their order. Held text is written before
 * the process exits, however it exits (a second Ctrl-C exits at once), so no line of a
 * recorded outcome is lost; after a SIGKILL the journal, not stdout, holds what happened.
 */
export const batchedWriter = (stream: NodeJS.WritableStream): BatchedWriter => {
  let held: string[] = [];
  let chars = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (held.length === 0) return;
    const text = held.length === 1 ? (held[0] as string) : held.join('');
    held = [];
    chars = 0;
    stream.write(text);
  };
  process.once('exit', flush);
  return {
    write: (text) => {
      held.push(text);
      chars += text.length;
      if (chars >= FLUSH_AT_CHARS) flush();
      else if (timer === undefined) {
        timer = setTimeout(flush, FLUSH_AFTER_MS);
        // Never what keeps the process alive: the exit handler writes what is held.
        timer.unref();
      }
    },
    flush,
  };
};

const pickReporter = (
  ctx: CommandContext,
  targets: readonly string[],
  out: BatchedWriter,
  warnings: () => readonly unknown[],
): Promise<ApplyReporter> | ApplyReporter => {
  const write = (text: string) => {
    ctx.stdout.write(text);
  };
  if (ctx.format === 'json')
    return createJsonReporter(
      (chunks) => writeChunks(ctx.stdout, chunks),
      targets[0] as string,
      warnings,
      targets,
    );
  const style = makeStyle(ctx.color);
  const ci = ctx.env.CI !== undefined && ctx.env.CI !== '' && ctx.env.CI !== 'false';
  // A terminal that reports no width (some CI runners' and wrappers' pseudo-terminals) gets
  // plain lines: listr2 would wrap its progress at zero columns, a character a line.
  const width = ctx.stdout.columns ?? 0;
  if (ctx.format === 'human' && ctx.stdoutIsTTY && !ci && width > 0) {
    return import('../report/progress.js').then((m) => m.createListrReporter(write, style));
  }
  return createPlainReporter(out.write, style);
};

/** Annotations, the step summary: what GitHub Actions shows of a run. */
const reportToGithub = async (
  ctx: CommandContext,
  targets: readonly string[],
  summary: ApplySummary,
  items: readonly PlanItem[],
): Promise<void> => {
  if (ctx.format === 'github') {
    const bad = summary.outcomes.filter((o) => o.status !== 'placed');
    const annotations: Diagnostic[] = bad.map((o) => {
      const item = items.find((i) => i.key === o.key);
      return {
        file: item?.file ?? '',
        line: item?.line ?? 0,
        column: 1,
        path: o.key,
        message: `${o.key} ${o.status}: ${o.httpStatus ?? ''} ${o.message ?? ''}`.trim(),
        severity: o.status === 'failed' ? 'error' : 'warning',
      };
    });
    // A key that became unknown in this run is annotated once, with the hint.
    const fresh = new Set(bad.filter((o) => o.status === 'unknown').map((o) => o.key));
    ctx.stdout.write(
      renderDiagnosticsGithub(
        annotated(ctx, [
          ...annotations.filter((a) => !fresh.has(a.path)),
          ...unsettledAnnotations(summary.unsettled),
        ]),
      ),
    );
  }
  await appendStepSummary(ctx, applyMarkdown(summary, targets[0] as string, targets));
};

/** With nothing due: say so, and still name what needs a person or a decision. */
const reportNothingDue = async (
  ctx: CommandContext,
  target: string,
  event: Extract<EngineEvent, { type: 'run:nothing-due' }>,
  warnings: () => readonly unknown[],
): Promise<void> => {
  const { summary, note, missedText } = event;
  const { unsettled, changed } = summary;
  if (ctx.format === 'json') {
    ctx.stdout.write(`${JSON.stringify(applyJson(summary, target, warnings()), null, 2)}\n`);
  } else {
    const style = makeStyle(ctx.color);
    const missed = summaryCounts(summary).missed;
    const clean =
      unsettled.length === 0 &&
      changed.length === 0 &&
      missed === 0 &&
      (summary.inFlight?.length ?? 0) === 0 &&
      (summary.recordedElsewhere?.length ?? 0) === 0 &&
      (summary.skipped?.length ?? 0) === 0;
    const lines = [
      note,
      ...(missedText === '' ? [] : [missedText.trimEnd()]),
      ...renderHeldHuman(summary, style),
      // Missed slots are counted as in any summary, never hidden behind "nothing to do".
      ...(missed > 0 ? [`${style('yellow', missedCount(summary))}, never placed late.`] : []),
      clean && (summary.waiting?.length ?? 0) === 0
        ? 'Nothing is due: every call is placed, scheduled later, or skipped (see `callops plan`).'
        : 'Nothing is due now (see `callops plan`).',
      ...heldCounts(summary),
      ...renderChangedHuman(changed, style),
      ...renderUnsettledHuman(unsettled, style),
    ];
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  if (unsettled.length > 0 || summary.outcomes.length > 0)
    await reportToGithub(ctx, [target], summary, event.items);
};

/**
 * A batch's summary with the lockfile's unknown entries only when they differ from those
 * said last (`unknowns`: run's), and the line said after it of them, if any. `Unknown: none
 * left` only when the state, as read after the batch, holds no unknown entry and the batch
 * itself left none (an unknown call, a claim it could not give up): an outcome kept to be
 * recorded later is in no list yet. A state that could not be read says so, and the list
 * said last stands. JSON keeps every entry in every batch's object: each object stands alone.
 */
const unknownsOf = (
  ctx: CommandContext,
  summary: ApplySummary,
  unknowns: UnknownsSaid | undefined,
): { summary: ApplySummary; after?: string } => {
  if (unknowns === undefined || ctx.format === 'json') return { summary };
  if (summary.unsettledUnread !== undefined)
    return {
      summary,
      after: printable(
        `Unknown: not known — the state could not be read after this batch (${summary.unsettledUnread.replace(/^the state could not be read: /, '')}); \`callops status\` lists the unknown entries once it answers.`,
      ),
    };
  const leftUnknown = summaryCounts(summary).unknown > 0 || (summary.stillClaimed?.length ?? 0) > 0;
  // Nothing in the list yet of what the batch left unknown: the list said last stands.
  if (summary.unsettled.length === 0 && leftUnknown) return { summary };
  if (!unknowns.changed(summary.unsettled)) return { summary: { ...summary, unsettled: [] } };
  return summary.unsettled.length === 0
    ? { summary, after: 'Unknown: none left — every entry is settled.' }
    : { summary };
};

/** `N suppressed, M waiting`, when any placement was held back. */
const heldCounts = (summary: ApplySummary): string[] => {
  const parts = [
    summary.suppressed?.length ? `${summary.suppressed.length} suppressed` : '',
    summary.waiting?.length ? `${summary.waiting.length} waiting` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? [] : [`Held back: ${parts.join(', ')}.`];
};

/** What the state said while it was opened: on stderr, as notes. */
export const renderStateEvent = (ctx: CommandContext, event: EngineEvent): boolean => {
  if (event.type === 'state:took-over') {
    ctx.stderr.write(
      `note: took over a stale run lock (${describeHolder(event.holder, new Date())}; ${goneWords(event.holder)})\n`,
    );
    return true;
  }
  if (event.type === 'state:waiting') {
    ctx.stderr.write(
      `note: waiting for \`callops receive\` (pid ${event.holder.pid}) to record a batch of statuses: it holds the run lock meanwhile (waiting up to ${RECEIVER_WAIT_MS / 1000} s)\n`,
    );
    return true;
  }
  if (event.type === 'state:recovered') {
    ctx.stderr.write(
      `note: recorded what an interrupted run left in its journal: ${event.placed} placed, ${event.failed} failed, ${event.unknown} unknown${event.unknown > 0 ? ' (settle unknown ones with `callops resolve` or `apply --retry-unknown`)' : ''}\n`,
    );
    return true;
  }
  if (event.type === 'state:received') {
    ctx.stderr.write(receivedNote(event.recorded));
    return true;
  }
  if (event.type === 'state:warning') {
    ctx.stderr.write(`warning: ${event.message}\n`);
    return true;
  }
  return false;
};

/** A sink for commands that only open the state: its notes on stderr. */
export const stateNotes =
  (ctx: CommandContext): EventSink =>
  (event) => {
    renderStateEvent(ctx, event);
  };

/**
 * The reporter of apply and run: the progress (listr2 on a terminal, plain lines, or JSON),
 * the summary, GitHub annotations and the step summary, all from the engine's events.
 */
export const runReporter = (
  ctx: CommandContext,
  target: string,
  unknowns?: UnknownsSaid,
  /** The warnings of the input read before the run (Prepared's), said by its first object. */
  said?: { readonly warnings: readonly Diagnostic[]; readonly redact: Redact },
): EventSink => {
  let reporter: ApplyReporter | undefined;
  let out: BatchedWriter | undefined;
  let targets: readonly string[] = [target];
  // Under json: the warnings said since the last object written, which the next one carries.
  const pending: unknown[] =
    said === undefined || ctx.format !== 'json'
      ? []
      : [...diagnosticsObject(said.warnings, said.redact).errors];
  const warnings = (): readonly unknown[] => pending.splice(0);
  return async (event) => {
    ctx.progress?.note(event);
    // Held lines first: whatever else is written keeps its place among them.
    if (
      out !== undefined &&
      event.type !== 'call:start' &&
      event.type !== 'call:retry' &&
      event.type !== 'call:done'
    )
      out.flush();
    if (renderStateEvent(ctx, event)) return;
    switch (event.type) {
      case 'diagnostics':
        // Under json, the one object of a refused run; warnings alone go into the run's own
        // object (`warnings`, as plan's), the only output.
        if (ctx.format !== 'json')
          reportDiagnostics(ctx, event.diagnostics, event.sourceText, event.redact);
        else if (hasErrors(event.diagnostics))
          ctx.stdout.write(
            `${JSON.stringify(diagnosticsObject(event.diagnostics, event.redact), null, 2)}\n`,
          );
        else pending.push(...diagnosticsObject(event.diagnostics, event.redact).errors);
        return;
      case 'run:nothing-due':
        await reportNothingDue(ctx, target, event, warnings);
        return;
      case 'run:start':
        out ??= batchedWriter(ctx.stdout);
        // The batch's targets: those its due calls go to, as its first lines name them.
        targets = targetsOf(target, event.items);
        reporter = await pickReporter(ctx, targets, out, warnings);
        reporter.start({
          items: event.items,
          targetNote:
            event.missedText === undefined || event.missedText === ''
              ? event.targetNote
              : `${event.targetNote}\n${event.missedText.trimEnd()}`,
          signal: ctx.signal,
        });
        return;
      case 'run:stopping':
        ctx.stderr.write(
          `stopping: ${event.reason} — no new calls; finishing and recording the ones in flight\n`,
        );
        return;
      case 'run:claimed-elsewhere':
        for (const { key, reason } of event.calls)
          ctx.stderr.write(`skipped  ${printable(key)}  ${printable(reason)}\n`);
        return;
      case 'run:finish': {
        const { summary, after } = unknownsOf(ctx, event.summary, unknowns);
        await reporter?.finish(summary);
        reporter = undefined;
        out?.flush();
        if (after !== undefined) ctx.stdout.write(`${after}\n`);
        await reportToGithub(ctx, targets, summary, event.items);
        return;
      }
      case 'call:start':
      case 'call:retry':
      case 'call:done':
      case 'target:paused':
      case 'target:stopped':
        reporter?.event(event);
        return;
      case 'scheduler:missed': {
        const { item } = event;
        const local = item.local ? ` (${item.local})` : '';
        ctx.stderr.write(
          `${printable(`missed ${item.key}${local} — ${item.reason ?? 'not placed'}`)}\n`,
        );
        return;
      }
      case 'scheduler:suppressed': {
        // The line apply's summary gives it (renderHeldHuman).
        const { key, reason } = event.item;
        ctx.stderr.write(`${printable(`suppressed ${key}  ${reason ?? 'do-not-call'}`)}\n`);
        return;
      }
      case 'scheduler:waiting': {
        // The line apply's summary gives it (renderHeldHuman).
        const { key, reason } = event.item;
        ctx.stderr.write(`${printable(`waiting ${key}  ${reason ?? 'per-number limit'}`)}\n`);
        return;
      }
      case 'scheduler:missed-count': {
        const { memory, count, listed, atLeast } = event;
        ctx.stderr.write(
          `${printable(`missed ${atLeast ? 'at least ' : ''}${count} slots of ${memory} in all (the ${count - listed} earlier ones not listed)`)}\n`,
        );
        return;
      }
      case 'scheduler:expired': {
        const { memory, count, end } = event;
        ctx.stderr.write(
          `${printable(`expired: ${count} row${count === 1 ? '' : 's'} of campaign ${memory} never reached before its end (${end}); never placed (see callops plan)`)}
`,
        );
        return;
      }
      case 'scheduler:paused':
        ctx.stderr.write(`${event.reason}\n`);
        return;
      case 'scheduler:resumed':
        ctx.stderr.write(`${event.reason}\n`);
        return;
      case 'scheduler:reloaded':
        ctx.stderr.write(`definitions reloaded: ${event.calls} calls (were ${event.were})\n`);
        return;
      case 'scheduler:targets':
        // The lines apply says under its target line; run's own came with it as it started.
        for (const line of targetNoteLines(event.notes, event.target))
          ctx.stderr.write(`${line}\n`);
        return;
      case 'scheduler:clock-ahead':
        ctx.stderr.write(`${event.warning}\n`);
        return;
      case 'scheduler:batch-failed':
        ctx.stderr.write(`${event.message}\n`);
        return;
      case 'scheduler:definitions-changed': {
        const { notSent } = event;
        ctx.stderr.write(
          `${printable(`${event.file} changed after callops read it (${event.what}); ${notSent} call${notSent === 1 ? '' : 's'} not sent, still due: run reads the definitions again before it places ${notSent === 1 ? 'it' : 'them'}`)}\n`,
        );
        return;
      }
      case 'scheduler:recipients-changed':
        ctx.stderr.write(
          `${printable(`${event.file} changed after callops read it (${event.what}): run reads it again before it places anything from it`)}\n`,
        );
        return;
      case 'scheduler:state-down': {
        const what =
          event.forMs === undefined
            ? `${event.message} — run goes on`
            : `the state database still fails after ${duration(event.forMs)} (${event.message})`;
        ctx.stderr.write(
          `${printable(what)}: nothing is claimed or sent until the state database answers again (asked in ${duration(event.retryMs)}, then less often, at least every ${duration(OUTAGE_MAX_RETRY_MS)})\n`,
        );
        return;
      }
      case 'scheduler:state-back':
        ctx.stderr.write(
          `the state database answers again (after ${duration(event.forMs)}): placing resumes\n`,
        );
        return;
      case 'scheduler:clock-wrong':
        ctx.stderr.write(`${event.message}\n`);
        return;
      case 'scheduler:clock-right':
        ctx.stderr.write(`${event.message} (held for ${duration(event.forMs)}): placing resumes\n`);
        return;
      case 'scheduler:recorded':
        for (const o of event.outcomes) {
          const detail =
            o.status === 'placed'
              ? `sid ${o.sid ?? '?'}`
              : [o.httpStatus, o.message].filter((p) => p !== undefined && p !== '').join(' ');
          ctx.stderr.write(
            `${printable(`recorded  ${o.key}  ${o.status}${detail === '' ? '' : ` (${detail})`}: the outcome run kept while the state database failed`)}\n`,
          );
        }
        return;
      case 'scheduler:unrecorded':
        for (const o of event.outcomes)
          ctx.stderr.write(`${printable(`unknown  ${o.key}  ${o.message ?? ''}`)}\n`);
        return;
      case 'scheduler:stopped':
        ctx.stderr.write('stopped\n');
        return;
      default:
        return;
    }
  };
};
