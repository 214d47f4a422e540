import { appendFile } from 'node:fs/promises';
import type { Outcome } from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { CallRequest, ResolvedTarget } from '../execute/target.js';
import { markReported, withSchedules } from '../plan/memory.js';
import type { PlanItem } from '../plan/types.js';
import {
  type ApplyReporter,
  type ApplySummary,
  applyJson,
  applyMarkdown,
  createJsonReporter,
  createPlainReporter,
  isFailure,
} from '../report/apply.js';
import { renderDiagnosticsGithub } from '../report/diagnostics.js';
import { renderChangedHuman } from '../report/plan.js';
import { makeRedactor } from '../report/redact.js';
import { makeStyle } from '../report/style.js';
import {
  renderUnsettledHuman,
  unsettledAnnotations,
  unsettledEntries,
} from '../report/unsettled.js';
import { writeLockfileAtomic } from '../state/lockfile.js';
import type { Lockfile } from '../state/types.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import { parseRate } from '../validate/parse.js';
import type { CommandContext } from './context.js';
import { CliError, EXIT, UsageError } from './exit.js';
import { diagnosticsObject, reportDiagnostics } from './load.js';
import { placeCalls } from './place.js';
import type { Prepared } from './prepare.js';
import { resolveRequests } from './resolve-requests.js';
import type { StatePaths } from './state.js';

export interface PlaceFlags {
  readonly maxCalls?: number;
  readonly concurrency?: number;
  readonly rate?: { readonly count: number; readonly perMs: number };
}

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
  const maxCalls = positiveInt('max-calls', values['max-calls']);
  const concurrency = positiveInt('concurrency', values.concurrency);
  return {
    ...(maxCalls !== undefined && { maxCalls }),
    ...(concurrency !== undefined && { concurrency }),
    ...(rate !== undefined && { rate }),
  };
};

const pickReporter = (
  ctx: CommandContext,
  target: string,
): Promise<ApplyReporter> | ApplyReporter => {
  const write = (text: string) => {
    ctx.stdout.write(text);
  };
  if (ctx.format === 'json') return createJsonReporter(write, target);
  const style = makeStyle(ctx.color);
  const ci = ctx.env.CI !== undefined && ctx.env.CI !== '' && ctx.env.CI !== 'false';
  if (ctx.format === 'human' && ctx.stdoutIsTTY && !ci) {
    return import('../report/progress.js').then((m) => m.createListrReporter(write, style));
  }
  return createPlainReporter(write, style);
};

export interface DueRun {
  readonly prepared: Prepared;
  readonly due: readonly PlanItem[];
  readonly note: string;
  readonly lock: Lockfile;
  readonly paths: StatePaths;
  readonly flags: PlaceFlags;
  /**
   * The plan's `now` minus the real time when it was made (0 unless `--now` was given): a
   * slot's deadline is enforced on the real clock, shifted as the plan was.
   */
  readonly planShiftMs?: number;
  /** Rate limiters kept across batches (`run`). */
  readonly limiters?: Map<string, RateLimiter>;
  /** Placed calls whose definition changed since (not placed again without --replace). */
  readonly changed?: readonly PlanItem[];
  /** Missed slots to report with this run's outcomes (not reported before). */
  readonly missed?: readonly PlanItem[];
}

/** A slot the plan found missed, as an outcome: nothing was sent, nothing is recorded. */
const missedOutcome = (item: PlanItem, at: string): Outcome => ({
  key: item.key,
  status: 'missed',
  at,
  message: item.reason ?? 'missed',
});

const missedLine = (item: PlanItem): string =>
  `missed  ${item.key}${item.local ? ` (${item.local})` : ''}  ${item.reason ?? ''}`.trimEnd();

/** Each scheduled request gets its slot's deadline: it is never sent from then on. */
const withDeadlines = (requests: readonly CallRequest[], run: DueRun): CallRequest[] => {
  const items = new Map(run.due.map((i) => [i.key, i]));
  const calls = new Map(run.prepared.project.calls.map((c) => [c.name, c]));
  return requests.map((request) => {
    const item = items.get(request.key);
    const deadlineMs = item && calls.get(item.name)?.schedule?.deadlineMs;
    if (item?.slot === undefined || deadlineMs === undefined) return request;
    return { ...request, notAfterMs: Date.parse(item.slot) + deadlineMs - (run.planShiftMs ?? 0) };
  });
};

export interface DueResult {
  readonly code: number;
  readonly lock: Lockfile;
  /** Keys whose slot's deadline passed before they could be sent (reported already). */
  readonly missed?: readonly string[];
}

/** Annotations, the step summary: what GitHub Actions shows of a run. */
const reportToGithub = async (
  ctx: CommandContext,
  run: DueRun,
  summary: ApplySummary,
  due: readonly PlanItem[],
): Promise<void> => {
  if (ctx.format === 'github') {
    const bad = summary.outcomes.filter((o) => o.status !== 'placed');
    const items = [...due, ...(run.missed ?? [])];
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
      renderDiagnosticsGithub([
        ...annotations.filter((a) => !fresh.has(a.path)),
        ...unsettledAnnotations(summary.unsettled),
      ]),
    );
  }
  const summaryFile = ctx.env.GITHUB_STEP_SUMMARY;
  if (ctx.env.GITHUB_ACTIONS === 'true' && summaryFile) {
    await appendFile(summaryFile, applyMarkdown(summary, run.prepared.choice.runTarget)).catch(
      () => undefined,
    );
  }
};

/** With nothing due: say so, and still name what needs a person or a decision. */
const reportNothingDue = async (
  ctx: CommandContext,
  run: DueRun,
  missed: readonly Outcome[],
  missedText: string,
): Promise<void> => {
  const unsettled = unsettledEntries(run.lock, run.prepared.project.calls);
  const changed = run.changed ?? [];
  const summary: ApplySummary = {
    outcomes: missed,
    notStarted: [],
    elapsedMs: 0,
    interrupted: false,
    unsettled,
    changed,
  };
  if (ctx.format === 'json') {
    ctx.stdout.write(
      `${JSON.stringify(applyJson(summary, run.prepared.choice.runTarget), null, 2)}\n`,
    );
  } else {
    const style = makeStyle(ctx.color);
    const clean = unsettled.length === 0 && changed.length === 0;
    const lines = [
      run.note,
      ...(missedText === '' ? [] : [missedText.trimEnd()]),
      clean
        ? 'Nothing is due: every call is placed, scheduled later, or skipped (see `callops plan`).'
        : 'Nothing is due now (see `callops plan`).',
      ...renderChangedHuman(changed, style),
      ...renderUnsettledHuman(unsettled, style),
    ];
    ctx.stdout.write(`${lines.join('\n')}\n`);
  }
  if (unsettled.length > 0 || missed.length > 0) await reportToGithub(ctx, run, summary, []);
};

/** resolve → execute → record → report, for calls already confirmed. */
export const runDue = async (ctx: CommandContext, run: DueRun): Promise<DueResult> => {
  const { note } = run;
  // One placement per key per run, whatever the list says (a plan file naming a key twice).
  const due = [...new Map(run.due.map((item) => [item.key, item])).values()];
  const reportedAt = new Date().toISOString();
  const before = (run.missed ?? []).map((item) => missedOutcome(item, reportedAt));
  const missedText = (run.missed ?? []).map((item) => `${missedLine(item)}\n`).join('');
  if (due.length === 0) {
    await reportNothingDue(ctx, run, before, missedText);
    return { code: EXIT.ok, lock: run.lock };
  }
  const resolved = await resolveRequests(run.prepared, due, run.flags);
  const problems: Diagnostic[] = resolved.diagnostics;
  if (hasErrors(problems)) {
    if (ctx.format === 'json')
      ctx.stdout.write(`${JSON.stringify(diagnosticsObject(problems), null, 2)}\n`);
    else reportDiagnostics(ctx, problems, run.prepared.sourceText);
    await resolved.close();
    throw new CliError('cannot resolve every value; nothing was sent');
  }
  const redact = makeRedactor(resolved.secrets);
  try {
    const reporter = await pickReporter(ctx, run.prepared.choice.runTarget);
    reporter.start({
      items: due,
      targetNote: missedText === '' ? note : `${note}\n${missedText.trimEnd()}`,
      signal: ctx.signal,
    });
    const result = await placeCalls({
      items: due,
      requests: withDeadlines(resolved.requests, run),
      targets: resolved.targets as Map<string, ResolvedTarget>,
      lock: run.lock,
      paths: run.paths,
      reporter,
      redact,
      signal: ctx.signal,
      ...(run.limiters ? { limiters: run.limiters } : {}),
    });
    const summary: ApplySummary = {
      outcomes: [...before, ...result.outcomes],
      notStarted: result.notStarted,
      elapsedMs: result.elapsedMs,
      interrupted: result.interrupted,
      unsettled: unsettledEntries(result.lock, run.prepared.project.calls),
      changed: run.changed ?? [],
    };
    await reporter.finish(summary);
    await reportToGithub(ctx, run, summary, due);
    // After the summary: what was placed is reported and recorded; nothing more may go.
    if (result.stateError) throw result.stateError;
    const code = result.interrupted
      ? EXIT.interrupted
      : result.outcomes.some(isFailure)
        ? EXIT.failed
        : EXIT.ok;
    const missed = result.outcomes.filter((o) => o.status === 'missed').map((o) => o.key);
    // A slot missed while it waited its turn was reported just now: remember it, once.
    const lock = await rememberMissed(run, result.lock, missed);
    return { code, lock, missed };
  } finally {
    await resolved.close();
  }
};

const rememberMissed = async (
  run: DueRun,
  lock: Lockfile,
  keys: readonly string[],
): Promise<Lockfile> => {
  if (keys.length === 0 || lock.schedules === undefined) return lock;
  const byKey = new Map(run.due.map((item) => [item.key, item]));
  const items = keys.flatMap((key) => byKey.get(key) ?? []);
  const memory = withSchedules(lock, markReported(lock.schedules, items));
  if (memory.changed) await writeLockfileAtomic(run.paths.lockPath, memory.lock);
  return memory.lock;
};

export const executeDue = async (ctx: CommandContext, run: DueRun): Promise<number> =>
  (await runDue(ctx, run)).code;
