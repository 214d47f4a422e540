export { decodeText, firstInvalidUtf8 } from './decode.js';
export { MAX_ALIAS_COUNT, MAX_ALIAS_EXPANSION, MAX_FILE_BYTES, tooLargeMessage } from './limits.js';
export {
  CONFIG_FILES,
  DEFAULT_CALL_GLOBS,
  type LoadedProject,
  type LoadOptions,
  loadProject,
  type ProjectLook,
  projectLook,
  projectStamp,
} from './load.js';
export { type ParsedSource, parseSource } from './parse.js';
export type { PathSegments, Position, SourceDocument, SourceFile } from './types.js';
