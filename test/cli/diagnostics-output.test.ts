import { describe, expect, it } from 'vitest';
import type { CommandContext, Format } from '../../src/cli/context.js';
import { showDiagnostics } from '../../src/cli/load.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';

const stream = () => {
  const writes: string[] = [];
  const s = { write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { s, text: () => writes.join('') };
};

const shown = (format: Format, diagnostics: readonly Diagnostic[]) => {
  const out = stream();
  const err = stream();
  const ctx = { format, color: false, stdout: out.s, stderr: err.s } as unknown as CommandContext;
  const failed = showDiagnostics(
    ctx,
    diagnostics,
    () => undefined,
    (text) => text,
  );
  return { failed, stdout: out.text(), stderr: err.text() };
};

const URL_ERROR: Diagnostic = {
  file: 'callops.yaml',
  line: 10,
  column: 8,
  path: '/state/url',
  message: '`state.url` (from DBURL) is not a URL',
  severity: 'error',
};

describe('showDiagnostics', () => {
  it('csv (report) shows them on stderr, as human does, leaving stdout to the CSV', () => {
    for (const format of ['human', 'csv'] as const) {
      const { failed, stdout, stderr } = shown(format, [URL_ERROR]);
      expect(failed).toBe(true);
      expect(stdout, format).toBe('');
      expect(stderr, format).toContain(
        'callops.yaml:10:8: error: `state.url` (from DBURL) is not a URL',
      );
    }
  });

  it('json prints the one object { ok: false, errors } on stdout when one is an error', () => {
    const { failed, stdout, stderr } = shown('json', [URL_ERROR]);
    expect(failed).toBe(true);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      errors: [expect.objectContaining({ line: 10, column: 8, path: '/state/url' })],
    });
  });

  it('json prints nothing for warnings alone: the command embeds them', () => {
    const { failed, stdout } = shown('json', [{ ...URL_ERROR, severity: 'warning' }]);
    expect(failed).toBe(false);
    expect(stdout).toBe('');
  });
});
