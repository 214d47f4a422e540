// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${VAR} references are the input here
import { describe, expect, it } from 'vitest';
import { renderDiagnosticsGithub, renderDiagnosticsHuman } from '../../src/report/diagnostics.js';
import { makeStyle } from '../../src/report/style.js';
import { error, oneCall, validate, yaml } from './fixtures.js';

/** callops.yaml with one target whose api_key is written as `apiKey` (plain YAML). */
const config = (apiKey: string, ...more: string[]) =>
  yaml(
    'targets:',
    '  prod:',
    '    base_url: https://vg.example.com',
    '    account_sid: AC1',
    `    api_key: ${apiKey}`,
    ...more,
  );

/** Every way validate shows its findings: JSON, human (with source lines) and GitHub. */
const shown = (files: Record<string, string>): string => {
  const { diagnostics } = validate(files);
  return [
    JSON.stringify(diagnostics),
    renderDiagnosticsHuman(diagnostics, (f) => files[f], makeStyle(false)),
    renderDiagnosticsGithub(diagnostics),
  ].join('\n');
};

describe('an api_key written in callops.yaml is never shown by diagnostics', () => {
  it('an unquoted numeric key is not quoted back in the message', () => {
    const files = { 'callops.yaml': config('12345678901234567890'), 'calls/a.yaml': oneCall('a') };
    expect(validate(files).diagnostics).toEqual([
      error(
        'callops.yaml',
        5,
        14,
        '/targets/prod/api_key',
        'must be a string — put it in quotes, or better, use a reference such as ${VG_API_KEY}',
      ),
    ]);
    expect(shown(files)).not.toMatch(/1234567890/);
  });

  it('a hex or float-looking key is not shown either', () => {
    for (const key of ['0x1234abcdef', '1e3456', '12345.678901']) {
      const files = { 'callops.yaml': config(key), 'calls/a.yaml': oneCall('a') };
      expect(shown(files)).not.toContain(key);
    }
  });

  it('nor a key in a flow map, on the line shown under an error there', () => {
    const text = yaml(
      'targets:',
      '  prod: { base_url: "ftp://x", account_sid: AC1, api_key: sk-live-abcdef, rate: 5/x }',
    );
    const files = { 'callops.yaml': text, 'calls/a.yaml': oneCall('a') };
    expect(validate(files).diagnostics.length).toBeGreaterThan(0);
    expect(shown(files)).not.toContain('sk-live');
    const quoted = text.replace('sk-live-abcdef', '"sk-live, {abc}"');
    expect(shown({ ...files, 'callops.yaml': quoted })).not.toContain('sk-live');
  });

  it('nor a key written on the line below `api_key:`', () => {
    for (const style of ['', '>-', '|']) {
      const files = {
        'callops.yaml': config(style, '      sk-live-abcdef'),
        'calls/a.yaml': oneCall('a'),
      };
      expect(validate(files).diagnostics.length).toBeGreaterThan(0);
      expect(shown(files)).not.toContain('sk-live');
    }
  });

  it('still shows a reference, which is no secret', () => {
    const files = {
      'callops.yaml': config('${VG_API_KEY}', '    rate: 5/x'),
      'calls/a.yaml': oneCall('a'),
    };
    const flow = yaml(
      'targets:',
      '  prod: { base_url: "ftp://x", account_sid: AC1, api_key: "${VG_API_KEY}" }',
    );
    expect(shown({ ...files, 'callops.yaml': flow })).toContain('api_key: "${VG_API_KEY}"');
  });

  it('nor a key under a misspelt name, or with its colon missing', () => {
    for (const line of [
      'api_kye: sk-live-abcdef',
      'apiKey: sk-live-abcdef',
      'API-KEY: "sk-live-abcdef"',
      'api_key sk-live-abcdef',
      'token: sk-live-abcdef',
    ]) {
      const text = yaml(
        'targets:',
        '  prod:',
        '    base_url: https://vg.example.com',
        '    account_sid: AC1',
        `    ${line}`,
      );
      const files = { 'callops.yaml': text, 'calls/a.yaml': oneCall('a') };
      expect(validate(files).diagnostics.length, line).toBeGreaterThan(0);
      expect(shown(files), line).not.toContain('sk-live');
    }
  });

  it('while a misspelt key of another kind keeps its value visible', () => {
    const files = {
      'callops.yaml': config('${VG_API_KEY}', '    concurency: 3'),
      'calls/a.yaml': oneCall('a'),
    };
    expect(shown(files)).toContain('    6 |     concurency: 3\n');
  });
});
