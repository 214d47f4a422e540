import { join, resolve } from 'node:path';
import { envFilesOf } from '../config/env-files.js';
import { CONFIG_FILES } from '../config/index.js';
import { seeFile } from '../config/watched.js';
import { loadAndValidate } from '../engine/load.js';
import { loadEnv } from '../engine/prepare.js';
import { stateMoved } from '../engine/state-moved.js';
import type { Env } from '../resolve/index.js';
import { movedText, readMoved } from '../state/moved.js';
import type { ProjectConfig } from '../validate/model.js';
import type { CommandContext } from './context.js';
import { prepareInput } from './load.js';

/**
 * For a command that records for as long as it runs (`callops receive`): why the state is no
 * longer where the command opened it, looked at before each record; undefined while it is.
 * On the file store, `.callops/moved-to-postgres.json` says `state push` moved it (one
 * lstat); either way, a callops.yaml (or env file) edited since is read again, and a
 * `state:` that now names another place (as `run` judges it) says so. A callops.yaml that
 * cannot be read then is an error: nothing is recorded until it can be, or the files change.
 */
export const stateAway = async (
  ctx: CommandContext,
  opened: { readonly config: ProjectConfig; readonly env: Env; readonly stateDir: string },
): Promise<() => Promise<string | undefined>> => {
  const { config, stateDir } = opened;
  const root = resolve(ctx.root);
  const files: [string, string][] = [
    ...CONFIG_FILES.map((name): [string, string] => [name, join(root, name)]),
    // `.env`, and `--env-file FILE` over it: an edit of either is seen.
    ...envFilesOf(root, ctx.envFile).map((at): [string, string] => [
      at.flag ? at.path : '.env',
      at.path,
    ]),
  ];
  const look = async (): Promise<string> =>
    JSON.stringify(await Promise.all(files.map(([name, path]) => seeFile(name, path))));
  let seen = await look();
  let verdict: Promise<string | undefined> = Promise.resolve(undefined);

  /** How `state:` as written now differs from where the state was opened. */
  const reread = async (): Promise<string | undefined> => {
    const loaded = await loadAndValidate(
      ctx.root,
      undefined,
      ctx.envFile === undefined ? {} : { envFile: ctx.envFile },
    );
    const names: ReadonlySet<string> = new Set(CONFIG_FILES);
    const wrong = loaded.diagnostics.find((d) => names.has(d.file) && d.severity === 'error');
    if (wrong !== undefined) {
      throw new Error(
        `${wrong.file} changed and has errors (\`callops validate\` shows them): where the state lives cannot be told`,
      );
    }
    const next = loaded.project.config.state;
    const env = next.backend === 'file' ? ctx.env : await loadEnv(prepareInput(ctx));
    const moved = stateMoved({ state: config.state, env: opened.env }, { state: next, env });
    return moved === undefined
      ? undefined
      : `callops.yaml changed where the state lives (\`state:\` ${moved})`;
  };

  return async () => {
    if (config.state.backend === 'file') {
      const moved = await readMoved(stateDir);
      if (moved !== undefined) return movedText(moved);
    }
    const now = await look();
    if (now !== seen) {
      seen = now;
      // Kept until the files change again: an error is said again, not read again, each try.
      verdict = reread();
      verdict.catch(() => undefined);
    }
    return verdict;
  };
};
