import type { EngineEvent, EventSink } from '../engine/events.js';
import type { Outcome } from '../execute/outcome.js';
import type { ApplySummary, Held } from '../report/apply.js';
import {
  type LockfileText,
  shownItem,
  shownItems,
  shownTargetNotes,
  shownUnsettled,
} from '../report/lockfile-shown.js';

/**
 * What `apply` and `run` print of the lockfile, shown as `status` shows it. They plan,
 * place and record with the lockfile itself (a `--replace` keeps the real earlier sid in the
 * entry's history; the journal and the lockfile are written as ever), but the words they
 * print may quote it: a plan's reasons (`already placed <sid> at …`, a key of a call's old
 * name, a missed slot's), the unknown entries (key, message, hint), another runner's
 * replacement. Each event's such text is shown through the command's LockfileText on its
 * way to the reporter; what no event carries, and what the run placed itself, as it is.
 * Nothing is read but what is printed: no pass over the lockfile, none over the calls
 * placed but to find a missed slot among them.
 */
export const shownSink = (sink: EventSink, text: LockfileText | undefined): EventSink =>
  text === undefined ? sink : (event) => sink(shownEvent(event, text));

/** Each line on its own, as a plan reason is (a line quoting the lockfile). */
const shownLines = (lines: string, text: LockfileText): string =>
  lines === '' ? lines : lines.split('\n').map(text).join('\n');

const shownHeld = <H extends Held>(list: readonly H[] | undefined, text: LockfileText) =>
  list === undefined || list.length === 0
    ? list
    : list.map((h) => {
        const reason = text(h.reason);
        return reason === h.reason ? h : { ...h, reason };
      });

/** A missed slot's outcome says the plan's reason, which may quote the lockfile. */
const shownOutcomes = (outcomes: readonly Outcome[], text: LockfileText): readonly Outcome[] =>
  outcomes.some((o) => o.status === 'missed')
    ? outcomes.map((o) => {
        if (o.status !== 'missed' || o.message === undefined) return o;
        const message = text(o.message);
        return message === o.message ? o : { ...o, message };
      })
    : outcomes;

const shownSummary = (summary: ApplySummary, text: LockfileText): ApplySummary => {
  const { suppressed, waiting, stillClaimed, inFlight, recordedElsewhere, skipped } = summary;
  return {
    ...summary,
    outcomes: shownOutcomes(summary.outcomes, text),
    unsettled: shownUnsettled(summary.unsettled, text),
    changed: shownItems(summary.changed, text),
    ...(suppressed !== undefined && { suppressed: shownHeld(suppressed, text) }),
    ...(waiting !== undefined && { waiting: shownHeld(waiting, text) }),
    ...(stillClaimed !== undefined && { stillClaimed: shownHeld(stillClaimed, text) }),
    ...(inFlight !== undefined && { inFlight: shownHeld(inFlight, text) }),
    ...(recordedElsewhere !== undefined && {
      recordedElsewhere: shownHeld(recordedElsewhere, text),
    }),
    ...(skipped !== undefined && { skipped: shownHeld(skipped, text) }),
  };
};

/** The event with what it carries of the lockfile shown by `text` (see shownSink). */
export const shownEvent = (event: EngineEvent, text: LockfileText): EngineEvent => {
  switch (event.type) {
    case 'run:start':
      // The missed slots' lines said with a batch (the target's note is no lockfile text).
      return event.missedText === undefined
        ? event
        : { ...event, missedText: shownLines(event.missedText, text) };
    case 'run:nothing-due':
      return {
        ...event,
        summary: shownSummary(event.summary, text),
        missedText: shownLines(event.missedText, text),
      };
    case 'run:finish':
      return { ...event, summary: shownSummary(event.summary, text) };
    case 'run:claimed-elsewhere':
      // A replacement another runner made first names the sid it replaced.
      return { ...event, calls: shownHeld(event.calls, text) ?? event.calls };
    case 'scheduler:targets':
      // A target no longer defined is named by the lockfile's keys alone.
      return { ...event, notes: shownTargetNotes(event.notes, text) };
    case 'scheduler:missed':
    case 'scheduler:suppressed':
    case 'scheduler:waiting':
      return { ...event, item: shownItem(event.item, text) };
    default:
      return event;
  }
};
