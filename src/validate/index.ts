export { DEFAULT_CALLS, DEFAULT_LOCKFILE } from './config.js';
export { canonicalJson, definitionHash } from './definition.js';
export { type Diagnostic, hasErrors, sortDiagnostics } from './diagnostic.js';
export type {
  CallDefinition,
  ProjectConfig,
  ScheduleSpec,
  TargetSpec,
  ValidatedProject,
} from './model.js';
export {
  isInWindow,
  parseDuration,
  parseRate,
  parseWindow,
  type Rate,
  type TimeWindow,
} from './parse.js';
export { validateProject } from './project.js';
export {
  checkCron,
  DEFAULT_DEADLINE_MS,
  DEFAULT_TIMEZONE,
  toScheduleSpec,
} from './schedule-spec.js';
export { RESERVED_TARGETS } from './targets.js';
export { isTimeZone, suggestTimeZone } from './timezone.js';
