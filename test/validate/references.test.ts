// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { CALL, error, oneCall, validate, warning, yaml } from './fixtures.js';

const A = 'calls/a.yaml';
const HOW = 'write ${NAME} or ${NAME:-fallback}, or $${ for a literal ${';

describe('malformed references are found by validate, without the environment', () => {
  it('reports an unclosed reference, a bad name and an empty one where they are written', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      '    application_sid: ${APP',
      '    from: "${1BAD}"',
      '    to: { type: phone, number: "+15550002222" }',
      '    tag: { ok: "$${LITERAL}", empty: "${}", fine: "${X:-}" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 3, 22, '/calls/0/application_sid', `malformed reference in \`\${APP\`: ${HOW}`),
      error(A, 4, 11, '/calls/0/from', `malformed reference in \`\${1BAD}\`: ${HOW}`),
      error(A, 6, 38, '/calls/0/tag/empty', `malformed reference in \`\${}\`: ${HOW}`),
    ]);
  });

  it('reports one in file defaults once, at the defaults, however many calls inherit it', () => {
    const text = yaml(
      'defaults:',
      '  tag: { who: "${WHO" }',
      'calls:',
      '  - name: a',
      ...CALL.map((l) => `    ${l}`),
      '  - name: b',
      ...CALL.map((l) => `    ${l}`),
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 2, 15, '/defaults/tag/who', `malformed reference in \`\${WHO\`: ${HOW}`),
    ]);
  });

  it('reports one in project defaults and in a target in callops.yaml', () => {
    const config = yaml(
      'targets:',
      '  prod:',
      '    base_url: https://vg.example.com',
      '    account_sid: ${SID',
      '    api_key: ${VG_API_KEY}',
      'defaults:',
      '  timeout: ${T',
    );
    expect(validate({ 'callops.yaml': config, [A]: oneCall('a') }).diagnostics).toEqual([
      error(
        'callops.yaml',
        4,
        18,
        '/targets/prod/account_sid',
        `malformed reference in \`\${SID\`: ${HOW}`,
      ),
      error('callops.yaml', 7, 12, '/defaults/timeout', `malformed reference in \`\${T\`: ${HOW}`),
    ]);
  });

  it('never quotes a malformed api_key back: it may be the key itself', () => {
    const config = yaml(
      'targets:',
      '  prod:',
      '    base_url: https://vg.example.com',
      '    account_sid: AC1',
      '    api_key: sk-live-${abc',
    );
    const found = validate({ 'callops.yaml': config, [A]: oneCall('a') }).diagnostics;
    expect(found).toContainEqual(
      error(
        'callops.yaml',
        5,
        14,
        '/targets/prod/api_key',
        `malformed reference in \`api_key\`: ${HOW}`,
      ),
    );
    expect(JSON.stringify(found)).not.toContain('sk-live');
  });
});

describe('references in keys', () => {
  it('warns that a key is sent as written, not expanded', () => {
    const text = oneCall('a', 'tag:', '  ${CUSTOMER}: alice', 'headers: { "X-${H}": v }');
    expect(validate({ [A]: text }).diagnostics).toEqual([
      warning(
        A,
        7,
        7,
        '/calls/0/tag/${CUSTOMER}',
        'the key `${CUSTOMER}` is sent as written: references are expanded in values, not in keys',
      ),
      // Not a header name either: the schema refuses it (a token has no `$`, `{` or `}`).
      error(
        A,
        8,
        16,
        '/calls/0/headers/X-${H}',
        'key must be a SIP header name: letters, digits and -.!%*_+`\'~ (no space or colon), got "X-${H}"',
      ),
      warning(
        A,
        8,
        16,
        '/calls/0/headers/X-${H}',
        'the key `X-${H}` is sent as written: references are expanded in values, not in keys',
      ),
    ]);
  });
});
