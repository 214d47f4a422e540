import { describe, expect, it } from 'vitest';
import { oneCall, validate, yaml } from './fixtures.js';

const C = 'callops.yaml';
const CALLS = { 'calls/a.yaml': oneCall('a') };
const messages = (r: ReturnType<typeof validate>) =>
  r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);

describe('suppress: and limits: in callops.yaml', () => {
  it('reads the lists and the per-number limit', () => {
    const result = validate({
      [C]: yaml('suppress: [lists/dnc.csv, lists/more.csv]', 'limits:', '  per_number: 3/24h'),
      ...CALLS,
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.config.suppress?.map((s) => [s.path, s.site.line, s.site.column])).toEqual([
      ['lists/dnc.csv', 1, 12],
      ['lists/more.csv', 1, 27],
    ]);
    expect(result.config.perNumber).toEqual({ count: 3, windowMs: 86_400_000, text: '3/24h' });
  });

  it('reads a list named twice once, with a warning at its second mention', () => {
    const result = validate({
      [C]: yaml('suppress: [lists/dnc.csv, lists/more.csv, ./lists/dnc.csv, lists/more.csv]'),
      ...CALLS,
    });
    expect(messages(result)).toEqual([
      'callops.yaml:1:43: `suppress` names ./lists/dnc.csv again (its entry 1 is the same list): it is read once',
      'callops.yaml:1:60: `suppress` names lists/more.csv again (its entry 2 is the same list): it is read once',
    ]);
    expect(result.diagnostics.map((d) => d.severity)).toEqual(['warning', 'warning']);
    expect(result.config.suppress?.map((s) => s.path)).toEqual(['lists/dnc.csv', 'lists/more.csv']);
  });

  it('refuses a limit that is not N/DURATION, at its place', () => {
    for (const bad of ['three', '0/24h', '3/soon', 'x/1h']) {
      const result = validate({ [C]: yaml('limits:', `  per_number: ${bad}`), ...CALLS });
      expect(messages(result)).toEqual([
        `callops.yaml:2:15: limits.per_number must be N/DURATION, e.g. 3/24h (at most 3 calls to one number in any 24 hours); got \`${bad}\``,
      ]);
    }
  });

  it('refuses a reference in a list path, and an unknown key under limits', () => {
    const result = validate({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${VAR} reference
      [C]: yaml('suppress: ["${DNC}"]', 'limits: { per_hour: 3 }'),
      ...CALLS,
    });
    const found = messages(result).join('\n');
    expect(found).toMatch(/callops\.yaml:1:12: `suppress` cannot use a reference/);
    expect(found).toMatch(/callops\.yaml:2:\d+: .*per_hour/);
  });
});
