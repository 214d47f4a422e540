import {
  campaignEndedWords,
  campaignEndsWords,
  campaignEndWords,
  rowEndAt,
} from '../campaign/end.js';
import {
  type AttemptState,
  attemptKey,
  type DoneResult,
  type RedialPolicy,
  type RowProgress,
  rowProgress,
} from '../campaign/redial.js';
import type { CallDefinition } from '../validate/model.js';
import type { Bucket } from './buckets.js';
import { editedSincePlaced, redialledEditedWords, replacementOf } from './changed.js';
import { entryAt } from './entries.js';
import type { PlanInput } from './input.js';
import { amendItem } from './item.js';
import { type RowAttempt, rowAttempts } from './twin-attempts.js';
import { type TargetTwins, twinWords } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * What a campaign row placed once places next: its one placement (onceRow), or the next
 * attempt its redial policy allows (nextAttempt).
 */

/** What a row places next (its item, from when), or the bucket it settles in now. */
type RowNext =
  | { readonly item: PlanItem; readonly notBefore?: Date }
  | { readonly bucket: Bucket; readonly item: PlanItem };

/**
 * A campaign row without cron/at that is called once (no redial): placed again only when
 * `--replace` names it (its item then replaces the earlier placement, within the row's
 * hours; never once its `end`, at `ended`, passed); edited since it was placed, it is
 * changed since placed and not placed again.
 */
export const onceRow = (
  call: CallDefinition,
  built: PlanItem,
  input: PlanInput,
  ended: number | undefined,
): RowNext => {
  const entry = entryAt(input.lock.calls, built.key);
  if (
    ended === undefined &&
    entry?.status === 'placed' &&
    entry.sid !== undefined &&
    input.replace?.includes(call.name)
  ) {
    return { item: replacementOf(built, entry, entry.sid) };
  }
  const edited = editedSincePlaced(call, entry === undefined ? [] : [{ entry }], built, ended);
  return edited === undefined ? { item: built } : { bucket: 'skipped', item: edited };
};

const OUTCOME_WORDS: Record<DoneResult, string> = {
  answered: 'answered',
  declined: 'declined (SIP 603): never redialled',
  exhausted: 'max_attempts reached',
  final: 'ended with an outcome redial.on does not name',
  beyond: 'no redial: its wait (after × backoff^(n−1)) ends past the last date there is',
};

/**
 * `, placed as gw/camp/r1 under target gw, which this checkout's callops.yaml does not define`
 * for an attempt placed under a twin of the row's target (twin-attempts.ts); else nothing.
 */
const placedAsWords = (attempt: RowAttempt | undefined): string =>
  attempt?.twin === undefined
    ? ''
    : `, placed as ${attempt.key} under target ${attempt.twin.target}, ${twinWords(attempt.twin)}`;

/**
 * How the outcome of attempt `attempt` (not known yet) comes to be known: a target no longer
 * defined is asked by no `status --refresh`, and `apply --wait` waits for its own calls only.
 */
const outcomeHint = (attempt: RowAttempt | undefined): string =>
  attempt?.twin?.gone === true
    ? `\`callops receive\` records it, or \`status --refresh\` asks once target ${attempt.twin.target} is defined again`
    : 'status --refresh, apply --wait';

/** How the words of a row that is done begin (doneWords, and a row the campaign's end stops). */
const DONE_PREFIX = 'done after attempt ';

/**
 * Whether `reason` says a row is done: of an unknown attempt, that an earlier attempt of its
 * row was answered or declined (its wait, `max_attempts` and `end` speak of placed attempts
 * only), so that no `--retry-unknown` places it again.
 */
export const isDoneWords = (reason: string | undefined): boolean =>
  reason?.startsWith(DONE_PREFIX) === true;

/**
 * Why a row is done (`done after attempt 2 (no-answer SID): max_attempts reached`), its
 * attempts `found` as rowAttempts reads them: the plan's words, and a redial's claim's when
 * the state ended the row after its plan (engine/place.ts).
 */
export const doneWords = (
  progress: Extract<RowProgress, { kind: 'done' }>,
  found: readonly RowAttempt[],
): string => {
  const attemptWords = (n: number): string => {
    const entry = found[n - 1]?.entry;
    const status = entry?.outcome?.status ?? entry?.status ?? '?';
    return `${status}${entry?.sid ? ` ${entry.sid}` : ''}${placedAsWords(found[n - 1])}`;
  };
  // An earlier attempt answered (or declined) after a later one was placed: said so.
  const why =
    progress.by === undefined
      ? OUTCOME_WORDS[progress.result]
      : `attempt ${progress.by} (${attemptWords(progress.by)}) ${progress.result === 'answered' ? 'answered' : 'declined (SIP 603)'}, its status received after a later attempt was placed: never redialled`;
  return `${DONE_PREFIX}${progress.n} (${attemptWords(progress.n)}): ${why}`;
};

/**
 * Which attempt of a row with a redial policy is next (see rowProgress): the item to plan
 * (its key `KEY#n` for attempt n ≥ 2) and from when, or the bucket it settles in now. A row
 * that dials another number now than its latest placed attempt did (its cells edited, or a
 * `${VAR}` in its `to`: editedSincePlaced) places no further attempt: changed since placed.
 * One edited otherwise goes on as it is now, its attempts counted as they were, and its
 * redial says it was edited since that attempt. Once
 * the campaign's `end` passed (at `ended`), a row reached before it is not redialled: it
 * stands at its latest placed attempt, never expired. Its attempts are read across its
 * target's twins (twin-attempts.ts): those its target placed under an old name are its own.
 */
export const nextAttempt = (
  call: CallDefinition,
  policy: RedialPolicy,
  built: PlanItem,
  input: PlanInput,
  ended: number | undefined,
  cutOff: number | undefined,
  twins: TargetTwins,
): RowNext => {
  const now = input.now.getTime();
  const found = rowAttempts(input.lock.calls, built.key, built.target, twins);
  const attempts = found.map((a): AttemptState => ({ entry: a.entry }));
  // A row that dials another number now (an edited cell, or a `${VAR}` in `to` that resolves
  // to another) is not redialled: a redial would call another number than its attempts did.
  const edited = editedSincePlaced(call, attempts, built, ended, input.callNumber);
  if (edited !== undefined) return { bucket: 'skipped', item: edited };
  const progress = rowProgress(attempts, policy);
  const latest = (n: number) => attempts[n - 1]?.entry;
  const as = (n: number) => placedAsWords(found[n - 1]);
  /**
   * Attempt `n` (placed, with its outcome) is the row's last: the campaign ended, its hours do
   * not open again before `end`, or the next attempt would come at or after `end`.
   */
  const noRedial = (n: number, why: string): RowNext => {
    const entry = latest(n);
    const status = entry?.outcome?.status ?? entry?.status ?? '?';
    return {
      bucket: 'skipped',
      item: amendItem(built, {
        key: attemptKey(built.key, n),
        reason: `${DONE_PREFIX}${n} (${status}${entry?.sid ? ` ${entry.sid}` : ''}${as(n)}): no redial: ${why}`,
      }),
    };
  };
  const cutOffWords = (end: number): string =>
    ended !== undefined
      ? campaignEndedWords(call, end)
      : `no opening before the campaign's end (${campaignEndsWords(call, end)})`;
  const endAt = rowEndAt(call);
  switch (progress.kind) {
    case 'first':
      return { item: built };
    case 'retry':
      // Attempt n's request failed: attempt n - 1 (if any) reached the row.
      if (cutOff !== undefined && progress.n >= 2)
        return noRedial(progress.n - 1, cutOffWords(cutOff));
      return { item: amendItem(built, { key: attemptKey(built.key, progress.n) }) };
    case 'pending': {
      const key = attemptKey(built.key, progress.n);
      const entry = latest(progress.n);
      // Settled as any key is (decide): unknown, or being placed by another runner.
      if (progress.why === 'unknown' || progress.why === 'in-flight')
        return { item: amendItem(built, { key }) };
      // The last attempt max_attempts allows is never followed by a redial, whatever its outcome.
      const after =
        progress.n >= policy.maxAttempts
          ? `no redial after it (max_attempts ${policy.maxAttempts})`
          : 'no redial before it is';
      return {
        bucket: 'skipped',
        item: amendItem(built, {
          key,
          reason: `attempt ${progress.n} of ${policy.maxAttempts} placed ${entry?.sid ?? '(no sid)'} at ${entry?.at ?? '?'}${as(progress.n)}; its outcome is not known yet (${outcomeHint(found[progress.n - 1])}): ${after}`,
        }),
      };
    }
    case 'done':
      return {
        bucket: 'skipped',
        item: amendItem(built, {
          key: attemptKey(built.key, progress.n),
          reason: doneWords(progress, found),
        }),
      };
    case 'redial': {
      if (cutOff !== undefined) return noRedial(progress.n - 1, cutOffWords(cutOff));
      if (endAt !== undefined && progress.notBefore.getTime() >= endAt) {
        return noRedial(
          progress.n - 1,
          `the next attempt would fall after the campaign's end (${campaignEndWords(call, endAt, now)})`,
        );
      }
      const before = latest(progress.n - 1);
      return {
        item: amendItem(built, {
          key: attemptKey(built.key, progress.n),
          reason: `redial ${progress.n} of ${policy.maxAttempts}: attempt ${progress.n - 1} ${before?.outcome?.status ?? ''} (${before?.sid ?? 'no sid'}${as(progress.n - 1)})${redialledEditedWords(attempts, built)}`,
        }),
        notBefore: progress.notBefore,
      };
    }
  }
};
