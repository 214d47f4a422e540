import type { Diagnostic } from '../validate/diagnostic.js';
import type { Position } from './types.js';

/** A problem about a whole file (unreadable, too big, missing): it has no position (0:0). */
export const fileProblem = (
  file: string,
  message: string,
  severity: Diagnostic['severity'] = 'error',
): Diagnostic => ({ file, line: 0, column: 0, path: '', message, severity });

export const problemAt = (
  file: string,
  position: Position,
  message: string,
  severity: Diagnostic['severity'] = 'error',
  path = '',
): Diagnostic => ({ file, line: position.line, column: position.column, path, message, severity });

/** Where a diagnostic is, as printed: `file:line:column`, or the file alone for a whole-file problem. */
export const whereOf = (d: Diagnostic): string =>
  d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
