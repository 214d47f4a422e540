// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { describe, expect, it } from 'vitest';
import type { PathSegments } from '../../src/config/types.js';
import { resolveTarget } from '../../src/resolve/index.js';
import type { TargetSpec } from '../../src/validate/model.js';
import { oneCall, validate, yaml } from '../validate/fixtures.js';

const spec = (over: Partial<TargetSpec> = {}): TargetSpec => ({
  name: 'prod',
  base_url: 'https://vg.example.com',
  account_sid: 'AC1',
  api_key: '${VG_API_KEY}',
  file: 'callops.yaml',
  locate: (_: PathSegments) => ({ line: 3, column: 14 }),
  ...over,
});
const env = { VG_API_KEY: 'key-abcdef' };

const told = (over: Partial<TargetSpec>): string => {
  const r = resolveTarget(spec(over), env);
  expect(r.ok).toBe(false);
  return JSON.stringify(r.ok ? [] : r.diagnostics);
};

describe('messages about a target never show its secrets', () => {
  it('a malformed reference in a literal api_key names the key, not its text', () => {
    const out = told({ api_key: 'sk-live-${abc' });
    expect(out).toContain('malformed reference in `api_key`');
    expect(out).not.toContain('sk-live');
  });

  it('a password in the base URL is not repeated', () => {
    const out = told({ base_url: 'https://user:hunter22@vg.example.com' });
    expect(out).toContain('must not carry credentials');
    expect(out).not.toContain('hunter22');
  });

  it('validate refuses credentials in base_url too, without showing the password', () => {
    const config = yaml(
      'targets:',
      '  prod:',
      '    base_url: https://user:hunter22@vg.example.com/?token=abc',
      '    account_sid: AC1',
      '    api_key: ${VG_API_KEY}',
    );
    const { diagnostics } = validate({ 'callops.yaml': config, 'calls/a.yaml': oneCall('a') });
    expect(diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([
      [
        3,
        15,
        'base_url `https://user:***@vg.example.com/?***` must not carry credentials, a query or a fragment',
      ],
    ]);
  });
});
