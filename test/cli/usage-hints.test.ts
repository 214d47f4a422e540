import { describe, expect, it } from 'vitest';
import { COMMON_OPTIONS } from '../../src/cli/context.js';
import { describeParseError, flagBeforeCommand } from '../../src/cli/usage-hints.js';

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

  it('a short flag written with two dashes (`--C`) is meant as the short one (`-C`), which goes before the command too', () => {
    expect(flagBeforeCommand('--C', { command: 'plan', options: COMMON_OPTIONS })).toBe(
      "Unknown option '--C' — did you mean `-C`?",
    );
    expect(flagBeforeCommand('--c', { options: COMMON_OPTIONS })).toBe(
      "Unknown option '--c' — did you mean `-C`?",
    );
    // -y goes after the command only.
    expect(
      flagBeforeCommand('--y', {
        command: 'apply',
        options: { ...APPLY, yes: { type: 'boolean', short: 'y' } },
      }),
    ).toBe(
      "Unknown option '--y' — did you mean `-y`? (flags go after the command: callops apply …)",
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

describe('describeParseError', () => {
  it('an unknown `--C` after the command is meant as -C', () => {
    const error = new Error(
      "Unknown option '--C'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--C\"",
    );
    expect(describeParseError(error, COMMON_OPTIONS, 'plan')).toBe(
      "Unknown option '--C' — did you mean `-C`?",
    );
    const misspelt = new Error("Unknown option '--tagret'");
    expect(describeParseError(misspelt, COMMON_OPTIONS, 'plan')).toBe(
      "Unknown option '--tagret' — did you mean `--target`?",
    );
  });
});
