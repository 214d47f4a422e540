import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';
import { validateProject } from '../../src/validate/index.js';
import type { ValidatedProject } from '../../src/validate/model.js';

/** Lines joined with newlines, so a fixture's line numbers read off its array index + 1. */
export const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** A LoadedProject built in memory: `callops.yaml` is the config, every other file a call file. */
export const loadedFrom = (files: Readonly<Record<string, string>>): LoadedProject => {
  const parsed = Object.entries(files).map(([file, text]) => parseSource(file, text));
  const config = parsed.find((p) => p.source.file === 'callops.yaml');
  return {
    root: '/project',
    ...(config ? { configFile: config.source } : {}),
    callFiles: parsed.filter((p) => p !== config).map((p) => p.source),
    diagnostics: parsed.flatMap((p) => p.diagnostics),
  };
};

export const validate = (files: Readonly<Record<string, string>>): ValidatedProject =>
  validateProject(loadedFrom(files));

/** An error; `vocabulary`: the words of callops' own its message quotes (Diagnostic). */
export const error = (
  file: string,
  line: number,
  column: number,
  path: string,
  message: string,
  vocabulary?: readonly string[],
): Diagnostic => ({
  file,
  line,
  column,
  path,
  message,
  severity: 'error',
  ...(vocabulary === undefined ? {} : { vocabulary }),
});

export const warning = (
  file: string,
  line: number,
  column: number,
  path: string,
  message: string,
): Diagnostic => ({
  ...error(file, line, column, path, message),
  severity: 'warning',
});

/** A call that needs nothing from defaults. */
export const CALL = [
  'application_sid: app-1',
  'from: "+15550001111"',
  'to: { type: phone, number: "+15550002222" }',
];

/** One call file with one call, `extra` lines indented under it. */
export const oneCall = (name: string, ...extra: string[]): string =>
  yaml('calls:', `  - name: ${name}`, ...[...CALL, ...extra].map((l) => `    ${l}`));
