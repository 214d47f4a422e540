import type { Outcome } from '../execute/outcome.js';
import { MayBeWritten, OutcomeJournaled } from '../state/store.js';

/*
 * The words of a call whose claim or outcome the state could not take: what the gateway said,
 * why the state does not hold it, and what settles it (a command, the next run, or nothing).
 */

/** When the state can take a `callops resolve` again. */
const settleWhen = (backend: string): string =>
  backend === 'postgres'
    ? 'once the state database is back'
    : 'once the state can be written again';

/**
 * Why a claim stands though its request never left, and the command that settles it: the
 * state shows it `unknown` ("may have been placed") until then.
 */
export const keptClaimReason = (
  key: string,
  why: string,
  error: unknown,
  backend: string,
  redact: (text: string) => string = (t) => t,
): string => {
  const cause = error instanceof Error ? error.message : String(error);
  const settle = `callops resolve ${key} --not-placed`;
  // Its intent's write failed, and may be there all the same.
  if (error instanceof MayBeWritten) {
    return redact(
      `never sent, but its claim may or may not be recorded (${cause}); if \`callops status\` shows it unknown ${settleWhen(backend)}, settle it: ${settle}`,
    );
  }
  const failed = cause.includes('could not be given up')
    ? cause
    : `its claim could not be given up (${cause})`;
  return redact(
    `${why}; never sent, but ${failed}; the state still holds its claim: ${settleWhen(backend)}, settle it: ${settle}`,
  );
};

/** What the gateway said of a call: the first words of its line when its outcome is not recorded. */
const gatewaySaid = (o: Omit<Outcome, 'at'>): string => {
  const ids = `sid ${o.sid ?? '?'}${o.callId === undefined ? '' : ` callId ${o.callId}`}`;
  return o.status === 'placed'
    ? `the gateway placed it (${ids})`
    : o.status === 'failed'
      ? `it was not placed (${[o.httpStatus, o.message].filter((p) => p !== undefined && p !== '').join(' ')})`
      : (o.message ?? 'its outcome is not known');
};

/** Why an outcome could not be recorded, in words that name what failed. */
const notRecordedWords = (error: unknown): string => {
  const cause = error instanceof Error ? error.message : String(error);
  return cause.includes('could not be recorded')
    ? cause
    : `its outcome could not be recorded (${cause})`;
};

/**
 * Why a run stopped sending when the outcome whose write failed first is recorded since
 * (tried again, or taken by the state otherwise): what failed, without calling that outcome
 * unrecorded. Undefined when the failure's own words do not name the outcome (a journal that
 * could not be written), which stay true.
 */
export const recordedLateWords = (key: string, error: unknown): string | undefined => {
  const cause = error instanceof Error ? error.message : String(error);
  const said = `the outcome of ${key} could not be recorded: `;
  if (!cause.startsWith(said)) return undefined;
  return `the run stopped: ${cause.slice(said.length)} while recording the outcome of ${key}, which has been recorded since`;
};

/**
 * A call whose outcome `run` keeps to record once the state database answers again: its claim
 * stays that run's meanwhile, so the line says what the gateway said and that run records it
 * (no command to run). Listed `unknown` until then: the state does not hold it yet.
 */
export const keptOutcome = (
  o: Outcome,
  error: unknown,
  redact: (text: string) => string = (t) => t,
): Outcome => ({
  key: o.key,
  status: 'unknown',
  at: o.at,
  sid: o.sid,
  callId: o.callId,
  httpStatus: undefined,
  message: redact(
    `${gatewaySaid(o)}, but ${notRecordedWords(error)}; run records it once the state database answers again, before it places anything more`,
  ),
  attempts: o.attempts,
});

/**
 * A call whose outcome the state does not hold: its claim stands without an outcome, so it
 * is `unknown` there. What the gateway said is kept (sid and callId), and the message gives
 * the command that settles it once the state can be written again; or, when the journal
 * holds it (OutcomeJournaled), that the next command records it (nothing to settle); when
 * the journal may hold it or not (MayBeWritten), that `callops status` tells which.
 */
export const unrecordedOutcome = (
  o: Outcome,
  error: unknown,
  backend: string,
  redact: (text: string) => string = (t) => t,
): Outcome => {
  const when = settleWhen(backend);
  const command =
    o.status === 'placed'
      ? `callops resolve ${o.key} --placed ${o.sid ?? 'SID'}`
      : o.status === 'failed'
        ? `callops resolve ${o.key} --not-placed`
        : undefined;
  const settle = command === undefined ? '' : `; ${when}, settle it: ${command}`;
  // In the journal already: the next command records it, nobody settles it.
  const words =
    error instanceof OutcomeJournaled
      ? `it could not be written into ${error.lockName} (${error.message}); it is kept in ${error.journalName}: the next command records it`
      : error instanceof MayBeWritten && command !== undefined
        ? `its outcome may or may not be recorded (${error.message}); if \`callops status\` shows it unknown once the state can be written again, settle it: ${command}`
        : `${notRecordedWords(error)}; it stays unknown${settle}`;
  return {
    key: o.key,
    status: 'unknown',
    at: o.at,
    sid: o.sid,
    callId: o.callId,
    httpStatus: undefined,
    message: redact(`${gatewaySaid(o)}, but ${words}`),
    attempts: o.attempts,
  };
};

/**
 * The line of a call whose outcome the state does not hold yet as callops exits at once (a
 * second Ctrl-C): its claim is left without an outcome, `unknown`, and the command that
 * settles it needs the sid the gateway gave, said nowhere else.
 */
export const exitingLine = (
  o: Omit<Outcome, 'at'>,
  redact: (text: string) => string = (t) => t,
): string => {
  const settle =
    o.status === 'placed'
      ? `callops resolve ${o.key} --placed ${o.sid ?? 'SID'}`
      : `callops resolve ${o.key} --not-placed`;
  return redact(
    `unknown  ${o.key}  ${gatewaySaid(o)}, but callops exits before the state holds its outcome: it stays unknown; settle it: ${settle}`,
  );
};
