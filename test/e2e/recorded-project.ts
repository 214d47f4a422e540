import { afterAll, beforeAll } from 'vitest';
import { type CliResult, makeProject, type Project, runCli } from './helpers.js';

/** A CLI result and what was run, for a check over every output of a test. */
export interface Seen {
  readonly what: string;
  readonly result: CliResult;
}

/**
 * A project of `files`, made before the enclosing block's tests and removed after them, and
 * `run`, which runs the CLI in it with `env` (see `cliEnv`) and keeps each result in `seen`.
 */
export const recordedProject = (files: Readonly<Record<string, string>>) => {
  let project: Project | undefined;
  const seen: Seen[] = [];
  beforeAll(async () => {
    project = await makeProject(files);
  });
  afterAll(async () => {
    await project?.cleanup();
  });
  const made = (): Project => {
    if (project === undefined) throw new Error('the project is made before the tests run');
    return project;
  };
  return {
    get project() {
      return made();
    },
    seen,
    run: async (
      what: string,
      args: readonly string[],
      env: Readonly<Record<string, string>>,
    ): Promise<CliResult> => {
      const result = await runCli(args, { cwd: made().dir, env });
      seen.push({ what, result });
      return result;
    },
  };
};
