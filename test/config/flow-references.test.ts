// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import { error, yaml } from '../validate/fixtures.js';

const F = 'calls/x.yaml';

describe('a ${VAR} in a flow collection', () => {
  it('an unquoted ${VAR} inside { … } or [ … ] is one error with the quoted value, not a cascade', () => {
    const quote = (token: string) =>
      `a \`\${…}\` inside { … } or [ … ] must be quoted (unquoted, YAML reads its braces as a map) — quote it: ${JSON.stringify(token)}`;
    const text = yaml(
      'calls:',
      '  - name: a',
      '    to: { type: phone, number: ${TO_C} }',
      '  - name: b',
      '    to: { type: sip, sipUri: sip:${USER}@example.com }',
      '    tag: [${X}, "${Y}", ${Z:-${W}}]',
      '    headers: { X-A: 1, X-A: 2 }',
    );
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([
      error(F, 3, 32, '', quote('${TO_C}')),
      error(F, 5, 30, '', quote('sip:${USER}@example.com')),
      error(F, 6, 11, '', quote('${X}')),
      error(F, 6, 25, '', quote('${Z:-${W}}')),
      // The file's other problems are still reported, at their places in the written text.
      error(F, 7, 24, '', 'duplicate key `X-A` (first at line 7); each key may appear once'),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('a quoted ${VAR} in a flow map, and an unquoted one in block style, read as text', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      '    to: { type: phone, number: "${TO_C}" }',
      '    from: ${FROM}',
    );
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([]);
    expect(source.documents[0]?.data).toEqual({
      calls: [{ name: 'a', to: { type: 'phone', number: '${TO_C}' }, from: '${FROM}' }],
    });
  });

  it("a `${` left outside quotes by a stray quote is no unquoted value: yaml's errors stand", () => {
    const text = 'calls: [{calls: {calls: "$${"LITERAL}", transcribe: "${APP_SID}"}, type: a}]\n';
    const { diagnostics } = parseSource(F, text);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.filter((d) => d.message.includes('quote it'))).toEqual([]);
    // Every one at a place of the text.
    for (const d of diagnostics)
      expect(d.line === 1 || (d.line === 2 && d.column === 1)).toBe(true);
  });
});
