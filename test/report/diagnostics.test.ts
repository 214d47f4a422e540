// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${VAR} references are the input here
import { describe, expect, it } from 'vitest';
import {
  maskSecretLine,
  renderDiagnosticsGithub,
  renderDiagnosticsHuman,
} from '../../src/report/diagnostics.js';
import { makeStyle } from '../../src/report/style.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';

const d = (over: Partial<Diagnostic>): Diagnostic => ({
  file: 'calls/a.yaml',
  line: 2,
  column: 5,
  path: '/calls/0/x',
  message: 'bad',
  severity: 'error',
  ...over,
});

describe('human diagnostics', () => {
  it('prints file:line:column, the offending line and a caret under the column', () => {
    const text = 'calls:\n  - nmae: x\n';
    const out = renderDiagnosticsHuman(
      [d({ column: 5, message: 'unknown option `nmae`' })],
      () => text,
      makeStyle(false),
    );
    expect(out).toBe(
      'calls/a.yaml:2:5: error: unknown option `nmae`\n    2 |   - nmae: x\n      |     ^\n',
    );
  });

  it('orders by file, line, column and omits the source for whole-file problems', () => {
    const out = renderDiagnosticsHuman(
      [
        d({
          file: 'b.yaml',
          line: 0,
          column: 0,
          severity: 'warning',
          message: 'file has no calls',
        }),
        d({ line: 1, column: 1 }),
      ],
      () => undefined,
      makeStyle(false),
    );
    expect(out).toBe('b.yaml: warning: file has no calls\ncalls/a.yaml:1:1: error: bad\n');
  });

  it('never repeats a literal api_key from the source line', () => {
    const text = 'targets:\n  prod:\n    api_key: sk-live-12345\n';
    const out = renderDiagnosticsHuman(
      [d({ file: 'callops.yaml', line: 3, column: 14 })],
      () => text,
      makeStyle(false),
    );
    expect(out).not.toContain('sk-live-12345');
    expect(out).toContain('api_key: ***');
    expect(maskSecretLine('    api_key: ${VG_API_KEY}')).toBe('    api_key: ${VG_API_KEY}');
    expect(maskSecretLine('    "api_key": "abc"')).toBe('    "api_key": ***');
  });
});

describe('github annotations', () => {
  it('escapes properties and data as workflow commands require', () => {
    const out = renderDiagnosticsGithub([d({ file: 'a,b.yaml', message: 'two\nlines 100%' })]);
    expect(out).toBe(
      '::error file=a%2Cb.yaml,line=2,col=5,title=callops%3A /calls/0/x::two%0Alines 100%25\n',
    );
  });
});
