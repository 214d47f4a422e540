import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS } from '../../src/cli/context.js';
import { flagBeforeCommand } from '../../src/cli/usage-hints.js';

const APPLY = {
  ...COMMON_OPTIONS,
  yes: { type: 'boolean' },
  'max-calls': { type: 'string' },
} as const;

describe('flagBeforeCommand', () => {
  it('a misspelt flag before the command gets the closest flag, as after it', () => {
    expect(flagBeforeCommand('--verison', { options: COMMON_OPTIONS })).toBe(
      "Unknown option '--verison' — did you mean `--version`?",
    );
    expect(flagBeforeCommand('--yess', { command: 'apply', options: APPLY })).toBe(
      "Unknown option '--yess' — did you mean `--yes`? (flags go after the command: callops apply …)",
    );
    expect(flagBeforeCommand('--dry-rn', { command: 'apply', options: APPLY })).toBe(
      "Unknown option '--dry-rn' (flags go after the command: callops apply …)",
    );
    expect(flagBeforeCommand('--xyzzy', { options: COMMON_OPTIONS })).toBe(
      "Unknown option '--xyzzy' — run `callops --help` for the list",
    );
  });

  it('a flag the command takes is said to go after it; one it refuses gets its reason', () => {
    expect(flagBeforeCommand('--verbose', { command: 'apply', options: APPLY })).toBe(
      '--verbose goes after the command: callops apply --verbose',
    );
    expect(flagBeforeCommand('--max-calls', { command: 'apply', options: APPLY })).toBe(
      '--max-calls goes after the command: callops apply --max-calls …',
    );
    expect(flagBeforeCommand('--target=lab', { options: COMMON_OPTIONS })).toBe(
      '--target goes after the command: callops <command> --target=lab',
    );
    const why = 'run follows the clock: it takes no --now (use plan --now to preview)';
    expect(flagBeforeCommand('--now', { command: 'run', options: {}, refuses: { now: why } })).toBe(
      why,
    );
  });
});
