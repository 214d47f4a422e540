// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { bareNames } from '../../src/validate/bare-names.js';
import { error, validate, warning, yaml } from './fixtures.js';

const A = 'calls/a.yaml';

const said = (name: string) =>
  `\`$${name}\` is sent as written: write \`\${${name}}\` to use the variable ${name}`;

describe('bareNames', () => {
  it('finds a $ followed by a name, each once, in order', () => {
    expect(bareNames('$FROM')).toEqual(['FROM']);
    expect(bareNames('sip:$AGENT@example.com')).toEqual(['AGENT']);
    expect(bareNames('https://example.com/$HOOK_PATH/$_x1/$HOOK_PATH')).toEqual([
      'HOOK_PATH',
      '_x1',
    ]);
    expect(bareNames('${A:-$B}')).toEqual(['B']);
    expect(bareNames('$$$X $Y')).toEqual(['Y']);
  });

  it('leaves references, escapes, doubled dollars and prices alone', () => {
    for (const text of [
      '${FROM}',
      '${A:-x}',
      '$${FROM}',
      '$$HOME',
      '$$$HOME',
      '$$$$HOME',
      'a$$$HOME/$${X}',
      '$$',
      '$5',
      '$5.00 or $10',
      'US$',
      '$',
      '$-x',
      '${row.phone}',
      'no dollar',
    ])
      expect(bareNames(text), text).toEqual([]);
  });
});

describe('a $NAME in a call', () => {
  const call = (...lines: string[]) =>
    yaml(
      'calls:',
      '  - name: x',
      ...[
        'application_sid: app-1',
        'from: "+15550001111"',
        'to: { type: sip, sipUri: "sip:agent@example.com" }',
        ...lines,
      ].map((l) => `    ${l}`),
    );

  it('is a warning at the value where a $ may be meant', () => {
    const text = call(
      'tag: { crm: $CRM_ID }',
      'headers: { X-Auth: $TOKEN }',
      'actionHook: https://example.com/$HOOK_PATH',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      warning(A, 6, 17, '/calls/0/tag/crm', said('CRM_ID')),
      warning(A, 7, 24, '/calls/0/headers/X-Auth', said('TOKEN')),
      warning(A, 8, 17, '/calls/0/actionHook', said('HOOK_PATH')),
    ]);
    const uri = call().replace('sip:agent@', 'sip:$AGENT@');
    expect(validate({ [A]: uri }).diagnostics).toEqual([
      warning(A, 5, 30, '/calls/0/to/sipUri', said('AGENT')),
    ]);
  });

  it('is an error in application_sid and from, where no value holds a $', () => {
    const text = yaml(
      'defaults:',
      '  from: $FROM',
      'calls:',
      '  - name: x',
      '    application_sid: $APP_SID',
      '    to: { type: user, name: bob }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(A, 2, 9, '/defaults/from', `${said('FROM')} (no calling number holds a \`$\`)`),
      error(
        A,
        5,
        22,
        '/calls/0/application_sid',
        `${said('APP_SID')} (no application sid holds a \`$\`)`,
      ),
    ]);
  });

  it('refused by the schema as a number, is said once, by the schema, with the same advice', () => {
    const text = call().replace(
      'to: { type: sip, sipUri: "sip:agent@example.com" }',
      'to: { type: phone, number: $TO }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([
      error(
        A,
        5,
        32,
        '/calls/0/to/number',
        'must be a phone number: an optional + and 3–15 digits, got "$TO" — write `${TO}` to use the variable TO',
      ),
    ]);
  });

  it('in a password is said only when the value is one $NAME, never quoting another', () => {
    const hook = (password: string) =>
      `confirmHook: { url: /c, username: u, password: ${password} }`;
    expect(validate({ [A]: call(hook('$PW')) }).diagnostics).toEqual([
      warning(A, 6, 52, '/calls/0/confirmHook/password', said('PW')),
    ]);
    expect(validate({ [A]: call(hook('"pa$sword"')) }).diagnostics).toEqual([]);
  });

  it('draws nothing where it is a reference, escaped, a price, or a key', () => {
    const text = call(
      'tag: { a: "${CRM_ID}", b: "$${LITERAL}", c: "$$HOME", d: "$5", e: "${X:-$$Y}", f: "$$$HOME", $KEY: v }',
      'headers: { X-Price: "US$ 10" }',
    );
    expect(validate({ [A]: text }).diagnostics).toEqual([]);
  });
});
