export { type CompiledSchedule, compileSchedule } from './compile.js';
export {
  DEFAULT_HORIZON_MS,
  MAX_SLOTS,
  MAX_STEPS,
  nextSlots,
  type ScanOptions,
  type SlotScan,
  scanSlots,
  slotsBetween,
} from './slots.js';
export { inWindow } from './window.js';
export { instantOfWall, localTime, parseInstant, zoneOf } from './zone.js';
