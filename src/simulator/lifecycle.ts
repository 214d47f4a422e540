import type { Outcome } from './outcomes.js';

/** jambonz' call_status values, as the feature server writes them. */
export type CallStatus =
  | 'trying'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed';

export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set([
  'completed',
  'busy',
  'no-answer',
  'failed',
]);

/** One status change, `afterMs` after the previous one (the first: after the 201). */
export interface Step {
  readonly afterMs: number;
  readonly call_status: CallStatus;
  readonly sip_status: number;
  readonly sip_reason: string;
}

export interface Durations {
  /** From ringing to answer, busy or no-answer. */
  readonly ringMs: number;
  /** From answer to hangup. */
  readonly talkMs: number;
}

const step = (afterMs: number, call_status: CallStatus, sip: number, reason: string): Step => ({
  afterMs,
  call_status,
  sip_status: sip,
  sip_reason: reason,
});

/**
 * The statuses a call goes through for its outcome: trying → ringing → in-progress →
 * completed; or trying → ringing → busy (486) / no-answer (487, the ring timeout);
 * or trying → failed (503).
 */
export const stepsFor = (outcome: Outcome, { ringMs, talkMs }: Durations): readonly Step[] => {
  const start = [step(0, 'trying', 100, 'Trying')];
  const ringing = step(0, 'ringing', 180, 'Ringing');
  switch (outcome) {
    case 'answered':
      return [
        ...start,
        ringing,
        step(ringMs, 'in-progress', 200, 'OK'),
        step(talkMs, 'completed', 200, 'OK'),
      ];
    case 'busy':
      return [...start, ringing, step(ringMs, 'busy', 486, 'Busy Here')];
    case 'no-answer':
      return [...start, ringing, step(ringMs, 'no-answer', 487, 'Request Terminated')];
    case 'failed':
      return [...start, step(0, 'failed', 503, 'Service Unavailable')];
  }
};

/** A completed call's duration in whole seconds (jambonz rounds the talk time). */
export const talkSeconds = (talkMs: number): number => Math.round(talkMs / 1000);
