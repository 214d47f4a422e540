export { buildPlan } from './build.js';
export {
  canonicalJson,
  definitionEntries,
  definitionsOf,
  PlanDigest,
  planDigest,
  sha256,
} from './digest.js';
export {
  byteChunks,
  checkPlanFile,
  JsonEntries,
  JsonItems,
  jsonBytes,
  type PlanFile,
  type PlanFileCheck,
  type PlanFileContext,
  type PlanFileItem,
  planFileJson,
  planFileSelection,
  toPlanFile,
} from './file.js';
export type { PlanInput } from './input.js';
export { formatSlot, placementKey, renderTo } from './keys.js';
export {
  markChecked,
  markReported,
  memoryAt,
  memoryKey,
  missedToReport,
  type Schedules,
  withSchedules,
} from './memory.js';
export { selectedBy } from './only.js';
export { newSalt, type PlanFileDigests, saltedDigest, withoutSecrets } from './resolved.js';
export { MISSED_LOOKBACK_MS, MISSED_PER_CALL } from './slot-search.js';
export { type TargetNotes, targetNotes } from './target-notes.js';
export type { MissedCount, MissedReport, Plan, PlanItem } from './types.js';
export { suppressedNow } from './wake.js';
