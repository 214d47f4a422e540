import type { Prepared } from '../engine/prepare.js';
import { SIMULATOR_TARGET } from '../engine/targets.js';
import { otherNumberWords, type Watched, waitForOutcomes } from '../execute/observe.js';
import { emptyOutcomeCounts } from '../state/outcome.js';
import type { StateStore } from '../state/store.js';
import type { CallOutcome, CallOutcomeStatus, Lockfile } from '../state/types.js';
import { parseDuration } from '../validate/parse.js';
import type { CommandContext } from './context.js';
import { UsageError } from './exit.js';
import { openReaders, storeRecorder, targetOfKey } from './outcomes.js';

/** The longest `--wait`: a CI job waits for its calls, not for a day. */
export const MAX_WAIT_MS = 3_600_000;
/** The shortest `--wait`: one poll cycle needs about that long. */
export const MIN_WAIT_MS = 1_000;
/** One cycle (one list request per target) every this often, at most. */
export const WAIT_POLL_MS = 2_000;

/**
 * What a first SIGINT/SIGTERM/SIGHUP does once apply waits for outcomes: the run is over (no
 * request is in flight, each call's result is recorded); the wait ends at once with what it
 * has, each outcome recorded as it came.
 */
export const WAIT_STOP_WORDS =
  'stopping the wait for outcomes: no call is in flight; the outcomes seen so far are recorded';

/**
 * What `--wait` says of the built-in simulator, once, before apply places anything: its
 * server ends with the command, so no later command (`status --refresh`) can ask it either.
 */
export const SIMULATOR_WAIT_NOTE =
  '--wait: the built-in simulator cannot be asked what became of its calls (it lives only as long as this command): they are placed, and not waited for';

/** `--wait DURATION` in ms, or undefined when not given; a bad value is a usage error. */
export const parseWaitFlag = (values: CommandContext['values']): number | undefined => {
  const text = values.wait;
  if (text === undefined) return undefined;
  const ms = parseDuration(String(text));
  if (ms === undefined || ms < MIN_WAIT_MS || ms > MAX_WAIT_MS) {
    throw new UsageError(
      `--wait must be a duration from 1s to 1h such as 30s or 5m (got "${String(text)}")`,
    );
  }
  return ms;
};

/** Keys this run placed: placed now, and not with the same sid before. */
export const placedBy = (before: Lockfile, after: Lockfile): Watched[] =>
  Object.entries(after.calls).flatMap(([key, e]) =>
    e.status === 'placed' && e.sid !== undefined && before.calls[key]?.sid !== e.sid
      ? [{ key, sid: e.sid, at: e.at, ...(e.number === undefined ? {} : { number: e.number }) }]
      : [],
  );

type Counts = Record<CallOutcomeStatus | 'none', number>;

const countsOf = (keys: readonly string[], outcomes: ReadonlyMap<string, CallOutcome>): Counts => {
  const counts: Counts = emptyOutcomeCounts();
  for (const key of keys) counts[outcomes.get(key)?.status ?? 'none'] += 1;
  return counts;
};

export interface Captured {
  readonly ctx: CommandContext;
  text(): string;
}

/** stdout kept in memory: the run's one JSON object gets the outcomes before it is printed. */
export const captured = (ctx: CommandContext): Captured => {
  let text = '';
  const stdout = {
    write: (chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
    isTTY: false,
    // What writeChunks (the JSON reporter) listens with: the text never waits.
    on: () => stdout,
    off: () => stdout,
  };
  return { ctx: { ...ctx, stdout: stdout as unknown as NodeJS.WriteStream }, text: () => text };
};

/**
 * `apply --wait`: after the run, a bounded wait for the outcomes of the calls it placed,
 * recorded beside their entries while the run still holds its state (the file store's run
 * lock), and counted in the summary. The exit code stays the run's: a busy or unanswered
 * call is an outcome, not a failure of callops. A stop (SIGINT/SIGTERM/SIGHUP) ends the wait
 * at once, with what was recorded until then: `interrupted` (apply exits 130, and its JSON
 * object says `"interrupted": true`).
 */
export const waitForPlaced = async (
  ctx: CommandContext,
  input: {
    readonly prepared: Prepared;
    readonly store: StateStore;
    readonly lockName: string;
    readonly before: Lockfile;
    readonly after: Lockfile;
    readonly waitMs: number;
    readonly capture?: Captured;
    /** SIMULATOR_WAIT_NOTE was said already. */
    readonly simulatorSaid?: boolean;
  },
): Promise<{ readonly interrupted: boolean }> => {
  const { waitMs, capture } = input;
  const json = ctx.format === 'json';
  const watched = placedBy(input.before, input.after);
  const keys = watched.map((w) => w.key);
  const outcomes = new Map<string, CallOutcome>();
  let pending: readonly string[] = keys;
  const notes: string[] = [];
  const readers = openReaders(
    input.prepared,
    watched.map((w) => targetOfKey(w.key)),
  );
  // Calls whose target can be asked: only they are waited for, and only they may be asked
  // again later.
  const asked = watched.filter((w) => readers.readers.has(targetOfKey(w.key)));
  try {
    for (const s of readers.skipped) {
      if (s.target !== SIMULATOR_TARGET)
        notes.push(`--wait: target ${s.target} not asked: ${s.why}`);
      else if (input.simulatorSaid !== true) ctx.stderr.write(`${SIMULATOR_WAIT_NOTE}\n`);
    }
    // From here on no call is in flight: a stop cuts the wait short, and says so. Said on
    // stderr in every format (JSON's one object is stdout's): what a stop would cut short.
    // Stopped already (during the run), it asks nothing and says what it has: none.
    if (asked.length > 0 && !ctx.signal.aborted) {
      ctx.sayOnStop?.(WAIT_STOP_WORDS);
      ctx.stderr.write(
        `Waiting up to ${Math.round(waitMs / 1000)} s for the outcomes of ${asked.length} call${asked.length === 1 ? '' : 's'}…\n`,
      );
    }
    const record = storeRecorder(ctx, input.store, input.lockName, 'callops apply --wait', {
      held: true,
    });
    const deadline = Date.now() + waitMs;
    for (const [name, open] of readers.readers) {
      const mine = watched.filter((w) => targetOfKey(w.key) === name);
      const waited = await waitForOutcomes({
        reader: open.reader,
        watched: mine,
        record,
        forMs: Math.max(0, deadline - Date.now()),
        everyMs: WAIT_POLL_MS,
        signal: ctx.signal,
      });
      for (const [key, o] of waited.outcomes) outcomes.set(key, o);
      for (const w of waited.otherNumber ?? []) notes.push(`--wait: ${otherNumberWords(w)}`);
      // A read the stop cut short is no problem of the gateway's.
      if (waited.problem && !ctx.signal.aborted)
        notes.push(`--wait: target ${name}: ${waited.problem.message}`);
    }
    pending = keys.filter((k) => (outcomes.get(k)?.status ?? 'in-progress') === 'in-progress');
  } finally {
    await readers.close();
  }
  // A stop cut the wait short (or left no time for it): there was one to cut.
  const interrupted = ctx.signal.aborted && asked.length > 0;
  const counts = countsOf(keys, outcomes);
  const askedKeys = new Set(asked.map((w) => w.key));
  const askAgain = pending.some((key) => askedKeys.has(key));
  if (json && capture) {
    ctx.stdout.write(mergeJson(capture.text(), { outcomes, counts, pending, interrupted }));
  } else if (asked.length > 0) {
    ctx.stdout.write(
      `Outcomes: ${counts.completed} completed, ${counts.busy} busy, ${counts['no-answer']} no-answer, ${counts.failed} failed${pending.length > 0 ? `; ${pending.length} without a final outcome when the wait ${interrupted ? 'was interrupted' : 'ended'}${askAgain ? ' (`callops status --refresh` asks again)' : ''}` : ''}\n`,
    );
  }
  for (const note of notes) ctx.stderr.write(`${note}\n`);
  return { interrupted };
};

/**
 * The run's JSON object with each result's outcome and the counts, `interrupted` when a stop
 * cut the wait short; other text as it was.
 */
const mergeJson = (
  text: string,
  waited: {
    readonly outcomes: ReadonlyMap<string, CallOutcome>;
    readonly counts: Counts;
    readonly pending: readonly string[];
    readonly interrupted: boolean;
  },
): string => {
  const { outcomes, counts, pending } = waited;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return text;
  const object = parsed as { results?: { key: string }[]; interrupted?: unknown };
  const results = Array.isArray(object.results)
    ? object.results.map((r) => {
        const outcome = outcomes.get(r.key);
        return outcome === undefined ? r : { ...r, outcome };
      })
    : object.results;
  const interrupted = waited.interrupted || object.interrupted === true;
  return `${JSON.stringify({ ...object, interrupted, results, outcomes: counts, pending: [...pending] }, null, 2)}\n`;
};
