import { watchedByReader } from '../engine/entry-readers.js';
import { recordObservations } from '../engine/observe.js';
import type { Prepared } from '../engine/prepare.js';
import { openReaders } from '../engine/readers.js';
import { observeCycle, otherNumberWords, type RecordObservations } from '../execute/observe.js';
import type { StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { CommandContext } from './context.js';
import { stateNotes } from './run-report.js';

export { openReaders, type Readers, targetOfKey } from '../engine/readers.js';

/**
 * Outcomes read from the gateway, recorded through the project's state store (see
 * recordObservations): the file store takes its run lock (refused at once, exit 75, while
 * another run holds it) unless the caller holds it already (`apply --wait`).
 */
export const storeRecorder =
  (
    ctx: CommandContext,
    store: StateStore,
    lockName: string,
    command: string,
    options: { readonly held?: boolean } = {},
  ): RecordObservations =>
  (updates) =>
    recordObservations(store, updates, {
      lockName,
      command,
      sink: stateNotes(ctx),
      ...(options.held === true && { held: true }),
    });

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * `status --refresh`: one cycle per target for its placed calls without a final outcome,
 * recorded through `record`. Says on stderr what was asked and what came of it; a gateway
 * that cannot be read is reported there and changes nothing.
 */
export const refreshOutcomes = async (
  ctx: CommandContext,
  prepared: Prepared,
  lock: Lockfile,
  record: RecordObservations,
): Promise<{ readonly recorded: number; readonly problems: number }> => {
  const now = new Date();
  // An entry of a target that does not resolve here is asked through the target on the
  // gateway it records (entryReaders).
  const asked = [...watchedByReader(prepared, lock, now)];
  if (asked.length === 0) {
    ctx.stderr.write('refresh: every placed call has its final outcome; nothing to ask\n');
    return { recorded: 0, problems: 0 };
  }
  const readers = openReaders(
    prepared,
    asked.map(([name]) => name),
  );
  let recorded = 0;
  let problems = 0;
  try {
    for (const s of readers.skipped) {
      problems += 1;
      ctx.stderr.write(`refresh: target ${s.target} not asked: ${s.why}\n`);
    }
    for (const [name, watched] of asked) {
      const open = readers.readers.get(name);
      if (open === undefined) continue;
      const cycle = await observeCycle(open.reader, watched, new Date(), ctx.signal);
      await record(cycle.observations);
      recorded += cycle.observations.length;
      const finals = cycle.observations.filter((o) => o.outcome.status !== 'in-progress').length;
      const seen = cycle.observations.length;
      const other = cycle.otherNumber ?? [];
      // A call is not found only once the gateway was read whole: a read that stopped early
      // (an error page, a 401, rate limiting) checked none of the rest.
      const rest = watched.length - seen - other.length;
      const elsewhere = other.length === 0 ? '' : `, ${other.length} to another number`;
      const found =
        cycle.problem === undefined
          ? `${finals} ended, ${seen - finals} in progress${elsewhere}, ${rest} not found`
          : seen + other.length === 0
            ? 'none checked'
            : `${finals} ended, ${seen - finals} in progress${elsewhere}, ${rest} not checked`;
      ctx.stderr.write(
        `refresh: asked target ${name} about ${plural(watched.length, 'call')} (${plural(cycle.requests, 'request')}): ${found}\n`,
      );
      for (const w of other) ctx.stderr.write(`refresh: ${otherNumberWords(w)}\n`);
      if (cycle.problem) {
        problems += 1;
        ctx.stderr.write(
          `refresh: ${cycle.problem.kind === 'rate-limited' ? 'the gateway is rate limiting; stopped asking' : 'could not read the gateway'}: ${cycle.problem.message}\n`,
        );
      }
    }
  } finally {
    await readers.close();
  }
  return { recorded, problems };
};
