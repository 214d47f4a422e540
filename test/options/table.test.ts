import { describe, expect, test } from 'vitest';
import { KNOWN_KEYS } from '../../src/options/keys.js';
import { buildCallsSchema, buildConfigSchema } from '../../src/options/schema.js';
import { distance, suggestKey } from '../../src/options/suggest.js';
import {
  OPTION_NAMES,
  OPTIONS,
  optionByName,
  optionsInGroup,
  REQUIRED_OPTIONS,
} from '../../src/options/table.js';

type Obj = Record<string, unknown>;
const defOf = (schema: Obj, name: string) => (schema.$defs as Record<string, Obj>)[name] as Obj;

describe('the option table', () => {
  test('holds exactly the documented options, by group', () => {
    const names = (g: 'basic' | 'advanced' | 'extension') => optionsInGroup(g).map((o) => o.name);
    expect(names('basic')).toEqual([
      'application_sid',
      'from',
      'to',
      'timeLimit',
      'timeout',
      'tag',
    ]);
    expect(names('advanced')).toEqual([
      'actionHook',
      'amd',
      'confirmHook',
      'dtmfCapture',
      'dtmfHook',
      'headers',
      'listen',
      'referHook',
      'transcribe',
    ]);
    expect(names('extension')).toEqual([
      'answerOnBridge',
      'call_hook',
      'call_status_hook',
      'fromHost',
      'callerName',
      'sipRequestWithinDialogHook',
      'dual_streams',
      'speech_synthesis_vendor',
      'speech_synthesis_voice',
      'speech_synthesis_language',
      'speech_recognizer_vendor',
      'speech_recognizer_language',
    ]);
    expect(new Set(OPTION_NAMES).size).toBe(OPTIONS.length);
  });

  test('requires application_sid, from and to', () => {
    expect(REQUIRED_OPTIONS).toEqual(['application_sid', 'from', 'to']);
  });

  test('optionByName finds a row, and nothing for an unknown name', () => {
    expect(optionByName('timeLimit')?.group).toBe('basic');
    expect(optionByName('call_hook')?.group).toBe('extension');
    expect(optionByName('timelimit')).toBeUndefined();
  });

  test('every row has a description and a type', () => {
    expect(OPTIONS.length).toBeGreaterThan(10);
    for (const o of OPTIONS) {
      expect(o.description.length, o.name).toBeGreaterThan(20);
      expect(o.type.length, o.name).toBeGreaterThan(0);
    }
  });

  test('knows the keys at each level', () => {
    expect(KNOWN_KEYS.call).toEqual(
      expect.arrayContaining(['name', 'schedule', 'target', 'enabled', ...OPTION_NAMES]),
    );
    expect(KNOWN_KEYS.defaults).not.toContain('name');
    expect(KNOWN_KEYS.schedule).toEqual([
      'cron',
      'at',
      'timezone',
      'start',
      'end',
      'window',
      'deadline',
      'catchup',
    ]);
    expect(KNOWN_KEYS.config).toEqual([
      'targets',
      'default_target',
      'calls',
      'lockfile',
      'defaults',
      'state',
      'suppress',
      'limits',
    ]);
    expect(KNOWN_KEYS.state).toEqual(['backend', 'url', 'schema', 'keep']);
    expect(KNOWN_KEYS.target).toContain('max_pause');
  });
});

/** Keys an object schema requires: in an `allOf` of their own, never beside `properties`. */
const requiredOf = (schema: Obj): unknown[] => {
  expect(schema.required).toBeUndefined();
  return ((schema.allOf ?? []) as Obj[]).flatMap((s) => (s.required ?? []) as unknown[]);
};

describe('the generated schemas follow the table', () => {
  const calls = buildCallsSchema();

  test('a call item has every option and callops key, documented, and requires only name', () => {
    const call = defOf(calls, 'call');
    const props = call.properties as Record<string, Obj>;
    expect(Object.keys(props).sort()).toEqual([...KNOWN_KEYS.call].sort());
    expect(requiredOf(call)).toEqual(['name']);
    expect(call.additionalProperties).toBe(false);
    for (const [name, p] of Object.entries(props)) {
      expect(typeof p.description, name).toBe('string');
      expect(typeof p.markdownDescription, name).toBe('string');
      expect(String(p.description)).not.toContain('`');
    }
  });

  test('defaults carry every option and no name, nothing required', () => {
    const defaults = defOf(calls, 'defaults');
    expect(Object.keys(defaults.properties as Obj).sort()).toEqual([...KNOWN_KEYS.defaults].sort());
    expect(requiredOf(defaults)).toEqual([]);
  });

  test('callops.yaml has its keys and a closed target', () => {
    const config = buildConfigSchema();
    expect(Object.keys(config.properties as Obj)).toEqual([...KNOWN_KEYS.config]);
    expect(requiredOf(defOf(config, 'target'))).toEqual(['base_url', 'account_sid', 'api_key']);
    expect(config.additionalProperties).toBe(false);
  });
});

describe('suggestKey', () => {
  test.each([
    ['timelimit', 'timeLimit'],
    ['timout', 'timeout'],
    ['aplication_sid', 'application_sid'],
    ['time_limit', 'timeLimit'],
    ['thresholdWordCont', 'thresholdWordCount'],
  ])('%s → %s', (key, expected) => {
    expect(suggestKey(key, [...OPTION_NAMES, 'thresholdWordCount'])).toBe(expected);
  });

  test('suggests nothing when nothing is close', () => {
    expect(suggestKey('colour', OPTION_NAMES)).toBeUndefined();
    expect(suggestKey('x', ['to'])).toBeUndefined();
  });

  test.each([
    ['form', 'from', KNOWN_KEYS.call],
    ['corn', 'cron', KNOWN_KEYS.schedule],
    ['tpye', 'type', ['type', 'number', 'trunk', 'sipUri', 'name', 'tenant', 'vmail']],
    ['nmae', 'name', KNOWN_KEYS.call],
    ['tga', 'tag', KNOWN_KEYS.call],
    ['timeLimti', 'timeLimit', KNOWN_KEYS.call],
  ] as const)('two adjacent letters swapped are one edit: %s → %s', (key, expected, known) => {
    expect(suggestKey(key, known)).toBe(expected);
  });

  test('every swap of two adjacent letters of a known key suggests that key, never another', () => {
    for (const known of Object.values(KNOWN_KEYS)) {
      for (const name of known) {
        for (let i = 0; i + 1 < name.length; i++) {
          const swapped = `${name.slice(0, i)}${name[i + 1]}${name[i]}${name.slice(i + 2)}`;
          if (known.includes(swapped)) continue;
          expect(suggestKey(swapped, known), swapped).toBe(name);
        }
      }
    }
  });

  test('a short key further than one swap suggests nothing', () => {
    // Letters moved further (two edits), two swaps, a key spelt backwards: no suggestion.
    for (const key of ['fmor', 'mfro', 'mane', 'nmea', 'gta', 'ncor', 'nroc', 'epyt', 'ot-x']) {
      const known = [...KNOWN_KEYS.call, ...KNOWN_KEYS.schedule, 'type'];
      expect(suggestKey(key, known), key).toBeUndefined();
    }
  });
});

describe('distance', () => {
  test('counts a swap of two adjacent characters as one edit, either way', () => {
    expect(distance('form', 'from')).toBe(1);
    expect(distance('from', 'form')).toBe(1);
    expect(distance('ab', 'ba')).toBe(1);
    expect(distance('tpye', 'type')).toBe(1);
    // Insertions, deletions and changes as before.
    expect(distance('timout', 'timeout')).toBe(1);
    expect(distance('kitten', 'sitting')).toBe(3);
    expect(distance('', 'abc')).toBe(3);
    expect(distance('abc', '')).toBe(3);
  });

  test('edits no part twice (optimal string alignment): a swap and an insertion inside it are not one pair', () => {
    expect(distance('ca', 'abc')).toBe(3);
    expect(distance('abcd', 'badc')).toBe(2);
  });
});
