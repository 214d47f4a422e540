/**
 * The commands, by name. bin/callops.js reads this list too (bundled alone, as
 * dist/bundle/commands.cjs) to keep a code-cache entry per command before the CLI loads.
 */
export const COMMAND_NAMES = [
  'validate',
  'plan',
  'apply',
  'run',
  'status',
  'resolve',
  'report',
  'receive',
  'unlock',
  'state',
  'simulator',
  'schema',
  'init',
  'demo',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** Whether `name` is a command (an own name: never `toString` or `constructor`). */
export const isCommandName = (name: string): name is CommandName =>
  (COMMAND_NAMES as readonly string[]).includes(name);
