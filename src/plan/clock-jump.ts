import { skippedWindow } from '../schedule/index.js';
import type { ScheduleSpec } from '../validate/model.js';
import { formatSlot } from './keys.js';

const DAY = 86_400_000;

/** A wall time's clock, `02:30`. */
const clock = (wall: number): string => {
  const minutes = Math.floor((((wall % DAY) + DAY) % DAY) / 60_000);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

/**
 * Why slot `slot` of `spec` can never be placed, when the clocks jumped forward over the time
 * it names and its window is closed when they land (`30 2 * * *` with `02:00-03:00` in
 * America/New_York on 2026-03-08: the whole window is skipped): `missed` as plan, apply and run
 * report it once over, `ahead` as plan lists it to come. Undefined for any other slot.
 */
export const clockJumpWords = (
  spec: ScheduleSpec,
  slot: number,
  tense: 'missed' | 'ahead',
): string | undefined => {
  const jump = skippedWindow(spec, slot);
  if (jump === undefined) return undefined;
  const jumped = `${clock(jump.from)} to ${clock(jump.to)} ${spec.timezone}`;
  const window = spec.window ?? '';
  return tense === 'missed'
    ? `its time was skipped: the clocks jumped from ${jumped} at ${formatSlot(new Date(slot))}, and its window ${window} was closed when they landed; never placed late`
    : `to be missed: the clocks jump from ${jumped} over its time, and its window ${window} is closed when they land`;
};
