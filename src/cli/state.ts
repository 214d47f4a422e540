import { type OpenedState, openState } from '../engine/state.js';
import type { Env } from '../resolve/index.js';
import type { ProjectConfig } from '../validate/model.js';
import type { CommandContext } from './context.js';
import { reportDiagnostics } from './load.js';

/** The project's state store; a `state.url` that cannot be resolved is shown at its place. */
export const openProjectState = (
  ctx: CommandContext,
  config: ProjectConfig,
  env: Env,
  command: string,
  options: { readonly restore?: boolean } = {},
): Promise<OpenedState> =>
  openState(config, env, {
    command,
    signal: ctx.signal,
    ...options,
    onDiagnostics: (diagnostics) => {
      reportDiagnostics(ctx, diagnostics, () => undefined);
    },
  });
