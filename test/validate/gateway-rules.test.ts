// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APPLICATION_OVERRIDES,
  FLAVORS,
  JAMBONZ_REJECTED_OPTIONS,
} from '../../src/options/flavor.js';
import { REPO_ROOT } from '../../src/options/generate.js';
import { REST_DIAL_PROPERTIES, REST_DIAL_SOURCE } from '../../src/options/rest-dial.js';
import { REST_DIAL_FILE, renderRestDial } from '../../src/options/rest-dial-source.js';
import { OPTION_NAMES } from '../../src/options/table.js';
import { error, validate, warning, yaml } from './fixtures.js';

const C = 'callops.yaml';
const A = 'calls/a.yaml';

/** callops.yaml with targets `lab` (flavor given) and `cloud` (no flavor); `extra` lines at top level. */
const config = (flavor: string | undefined, ...extra: string[]) =>
  yaml(
    'targets:',
    '  lab:',
    '    base_url: https://lab.example.com',
    '    account_sid: ${SID}',
    '    api_key: ${KEY}',
    ...(flavor === undefined ? [] : [`    flavor: ${flavor}`]),
    '  cloud:',
    '    base_url: https://vg.example.com',
    '    account_sid: ${SID}',
    '    api_key: ${KEY}',
    ...extra,
  );

/** A call file: line 4 onwards are the call's `extra` lines (column 5). */
const callFile = (...extra: string[]) =>
  yaml(
    'calls:',
    '  - name: c',
    '    from: "+15550001111"',
    ...extra.map((l) => `    ${l}`),
    '    to: { type: phone, number: "+15550002222" }',
    '    application_sid: app-1',
  );

const rejected = (target: string, option: string) =>
  `target \`${target}\` has flavor: jambonz, and a stock jambonz feature server rejects \`${option}\` on create-call (it is not a rest:dial property): move it into the application's verbs, or target a Cognigy Voice Gateway with flavor: cognigy`;

const noEffect = (key: string) =>
  `\`${key}\` has no effect when \`application_sid\` is set: the gateway uses the application's instead; remove it, or drop application_sid and use call_hook`;

describe('the rest:dial data', () => {
  it('is read from the published verb specifications', () => {
    expect(REST_DIAL_SOURCE).toMatch(/^@jambonz\/verb-specifications@\d+\.\d+\.\d+$/);
    expect(REST_DIAL_PROPERTIES).toContain('application_sid');
    expect(REST_DIAL_PROPERTIES).toContain('timeLimit');
  });

  it('is what the installed package gives (run `npm run schema`)', () => {
    expect(readFileSync(join(REPO_ROOT, REST_DIAL_FILE), 'utf8')).toBe(renderRestDial());
  });

  it('rejects exactly the options measured against a stock jambonz server', () => {
    expect([...JAMBONZ_REJECTED_OPTIONS].sort()).toEqual([
      'actionHook',
      'answerOnBridge',
      'confirmHook',
      'dtmfCapture',
      'dtmfHook',
      'listen',
      'transcribe',
    ]);
    const accepted = OPTION_NAMES.filter((o) => !JAMBONZ_REJECTED_OPTIONS.includes(o));
    expect(accepted.length).toBe(OPTION_NAMES.length - 7);
    for (const option of accepted) expect(REST_DIAL_PROPERTIES).toContain(option);
  });

  it('lists the values an application replaces', () => {
    expect(APPLICATION_OVERRIDES).toHaveLength(8);
    expect(FLAVORS).toEqual(['cognigy', 'jambonz']);
  });
});

describe('flavor of a target', () => {
  it('defaults to cognigy: every documented option is accepted', () => {
    const result = validate({
      [C]: config(undefined, 'default_target: lab'),
      [A]: callFile('listen: { url: wss://x.example.com }'),
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.config.targets.map((t) => t.flavor)).toEqual([undefined, undefined]);
  });

  it('reads jambonz and cognigy', () => {
    const result = validate({ [C]: config('jambonz'), [A]: callFile() });
    expect(result.config.targets.map((t) => [t.name, t.flavor])).toEqual([
      ['lab', 'jambonz'],
      ['cloud', undefined],
    ]);
    expect(validate({ [C]: config('cognigy'), [A]: callFile() }).diagnostics).toEqual([]);
  });

  it('refuses another value at its place, with a suggestion', () => {
    const result = validate({ [C]: config('jambnoz'), [A]: callFile() });
    expect(result.diagnostics).toEqual([
      error(
        C,
        6,
        13,
        '/targets/lab/flavor',
        'must be one of `cognigy`, `jambonz`, got string "jambnoz" — did you mean `jambonz`?',
        ['cognigy', 'jambonz'],
      ),
    ]);
  });

  it('refuses a value that is not a string', () => {
    const result = validate({ [C]: config('3'), [A]: callFile() });
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ line: 6, column: 13, severity: 'error' });
    expect(result.diagnostics[0]?.message).toMatch(/must be one of `cognigy`, `jambonz`/);
  });
});

describe('options a stock jambonz server rejects', () => {
  it('are errors at the option of a call going to the default target', () => {
    const result = validate({
      [C]: config('jambonz', 'default_target: lab'),
      [A]: callFile(
        'listen: { url: wss://x.example.com }',
        'timeLimit: 60',
        'actionHook: https://h.example.com/end',
      ),
    });
    expect(result.diagnostics).toEqual([
      error(A, 4, 5, '/calls/0/listen', rejected('lab', 'listen')),
      error(A, 6, 5, '/calls/0/actionHook', rejected('lab', 'actionHook')),
    ]);
  });

  it('are errors for a call pinned to the target, not for calls going elsewhere', () => {
    const result = validate({
      [C]: config('jambonz', 'default_target: cloud'),
      [A]: yaml(
        'defaults:',
        '  from: "+15550001111"',
        '  application_sid: app-1',
        '  to: { type: phone, number: "+15550002222" }',
        '  dtmfCapture: ["*2"]',
        'calls:',
        '  - name: pinned',
        '    target: lab',
        '  - name: elsewhere',
        '  - name: own',
        '    target: lab',
        '    dtmfCapture: ["#9"]',
      ),
    });
    expect(result.diagnostics).toEqual([
      error(A, 5, 3, '/defaults/dtmfCapture', rejected('lab', 'dtmfCapture')),
      error(A, 12, 5, '/calls/2/dtmfCapture', rejected('lab', 'dtmfCapture')),
    ]);
  });

  it('are errors in the defaults of callops.yaml, once however many calls inherit them', () => {
    const result = validate({
      [C]: config('jambonz', 'defaults:', '  transcribe: { transcriptionHook: /t }'),
      [A]: yaml(
        'defaults:',
        '  from: "+15550001111"',
        '  application_sid: app-1',
        '  to: { type: phone, number: "+15550002222" }',
        'calls:',
        '  - name: one',
        '    target: lab',
        '  - name: two',
        '    target: lab',
        '  - name: three',
        '    target: cloud',
      ),
    });
    expect(result.diagnostics).toEqual([
      error(C, 12, 3, '/defaults/transcribe', rejected('lab', 'transcribe')),
    ]);
  });

  it('uses the only target when there is no default_target', () => {
    const only = yaml(
      'targets:',
      '  lab:',
      '    base_url: https://lab.example.com',
      '    account_sid: ${SID}',
      '    api_key: ${KEY}',
      '    flavor: jambonz',
    );
    const result = validate({ [C]: only, [A]: callFile('answerOnBridge: true') });
    expect(result.diagnostics).toEqual([
      error(A, 4, 5, '/calls/0/answerOnBridge', rejected('lab', 'answerOnBridge')),
    ]);
  });

  it('are not checked for a call whose target is not known from the files', () => {
    const result = validate({ [C]: config('jambonz'), [A]: callFile('confirmHook: /confirm') });
    expect(result.diagnostics).toEqual([]);
  });
});

describe('values the application replaces', () => {
  it('warn beside application_sid, whatever the flavor', () => {
    const result = validate({
      [A]: callFile(
        'call_status_hook: https://h.example.com/status',
        'speech_synthesis_voice: en-US-Wavenet-C',
        'timeout: 30',
      ),
    });
    expect(result.diagnostics).toEqual([
      warning(A, 4, 5, '/calls/0/call_status_hook', noEffect('call_status_hook')),
      warning(A, 5, 5, '/calls/0/speech_synthesis_voice', noEffect('speech_synthesis_voice')),
    ]);
  });

  it('warn at the defaults that set them', () => {
    const result = validate({
      [A]: yaml(
        'defaults:',
        '  call_hook: https://h.example.com/app',
        '  application_sid: app-1',
        'calls:',
        '  - name: c',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
      ),
    });
    expect(result.diagnostics).toEqual([
      warning(A, 2, 3, '/defaults/call_hook', noEffect('call_hook')),
    ]);
  });

  it('are fine without application_sid', () => {
    const result = validate({
      [A]: yaml(
        'calls:',
        '  - name: c',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550002222" }',
        '    call_hook: https://h.example.com/app',
        '    call_status_hook: https://h.example.com/status',
        '    speech_synthesis_vendor: google',
      ),
    });
    expect(result.diagnostics).toEqual([]);
  });
});
