import type { PathSegments, Position, Site } from '../config/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { fallbackDepth, MAX_FALLBACK_DEPTH } from './interpolate.js';

/** JSON pointer of path segments (`~` and `/` escaped). */
export const pointer = (path: PathSegments): string =>
  path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/**
 * An error at `position`. When it is a Site — the file and JSON pointer of the layer a
 * merged value came from (project defaults in callops.yaml, file defaults, or the call) —
 * those win over `file` and `path`.
 */
export const errorAt = (
  file: string,
  position: Position | Site,
  path: PathSegments,
  message: string,
): Diagnostic => ({
  file: 'file' in position ? position.file : file,
  line: position.line,
  column: position.column,
  path: 'path' in position ? position.path : pointer(path),
  message,
  severity: 'error',
});

/**
 * A variable a reference names that is set nowhere: where it is used, and where to set it —
 * the environment, or an env file the command reads: `.env` in the project root, there or
 * not, and `envFile`, the `--env-file FILE` given (as typed), read over it.
 */
export const missingMessage = (name: string, at: string, envFile?: string): string =>
  `missing environment variable ${name} (referenced at ${at || '/'}; set it in the environment${envFile === undefined ? ' or in .env' : `, in .env or in ${envFile} (--env-file)`})`;

export const malformedMessage = (text: string): string =>
  fallbackDepth(text) > MAX_FALLBACK_DEPTH
    ? `reference in \`${text}\` nests fallbacks ${fallbackDepth(text)} deep: callops reads up to ${MAX_FALLBACK_DEPTH} (\${A:-\${B:-…}} is 2)`
    : `malformed reference in \`${text}\`: write \${NAME} or \${NAME:-fallback}, or $\${ for a literal \${`;
