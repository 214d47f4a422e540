export { type CompiledSchedule, compileSchedule } from './compile.js';
export {
  COUNT_SCANS,
  countSlots,
  DEFAULT_HORIZON_MS,
  MAX_SLOTS,
  MAX_STEPS,
  NEXT_SCANS,
  type NextOptions,
  nextSlots,
  type ScanOptions,
  type SlotCount,
  type SlotScan,
  scanNextSlots,
  scanSlots,
  searchEnd,
  slotsBetween,
} from './slots.js';
export { inWindow, type SlotEnd, skippedWindow, slotEndsAt, windowClosesAt } from './window.js';
export { instantOfWall, localTime, parseInstant, zoneOf } from './zone.js';
