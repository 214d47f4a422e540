// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { buildPlan } from '../../src/plan/build.js';
import { amendItem, callOf, plainItem, RowItem } from '../../src/plan/item.js';
import type { PlanItem } from '../../src/plan/types.js';
import { validateProject } from '../../src/validate/index.js';

const plan = () => {
  const source = parseSource(
    'calls/remind.yaml',
    [
      'calls:',
      '  - name: remind',
      '    recipients: ../lists/people.csv',
      '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "${row.phone}" }',
      '',
    ].join('\n'),
  ).source;
  const loaded: LoadedProject = {
    root: '/nowhere',
    callFiles: [source],
    diagnostics: [],
    recipients: new Map([
      ['lists/people.csv', { text: 'id,phone\na,+15550000001\n"b",+15550000002\n' }],
    ]),
  };
  const project = validateProject(loaded);
  expect(project.diagnostics).toEqual([]);
  return buildPlan({
    calls: project.calls,
    lock: { lockfileVersion: 1, calls: {} },
    now: new Date('2026-06-01T12:00:00Z'),
    runTarget: 'sim',
    explicitTarget: false,
  });
};

describe("a campaign row's plan item", () => {
  it('gives the definition of its row to callOf (no row is looked up by name)', () => {
    const [a, b] = plan().due as [RowItem, RowItem];
    expect(callOf(a)).toBe(a.rowCall);
    expect(callOf(b)).toBe(b.rowCall);
    expect(callOf(a)?.name).toBe('remind/a');
    expect(callOf(b)?.campaign?.id).toBe('b');
    expect(callOf(amendItem(a, { reason: 'x' }))).toBe(a.rowCall);
    expect(callOf(plainItem(a))).toBeUndefined();
  });

  it('reads its fields from its row; JSON has the fields a plain item has', () => {
    const due = plan().due;
    expect(due).toHaveLength(2);
    const [a, b] = due as [RowItem, RowItem];
    expect(a).toBeInstanceOf(RowItem);
    const plain = {
      key: 'sim/remind/a',
      name: 'remind/a',
      target: 'sim',
      file: 'lists/people.csv',
      line: 2,
      to: '+15550000001',
      definition: a.definition,
      campaign: 'remind',
      row: 'a',
    };
    expect(plainItem(a)).toEqual(plain);
    expect(JSON.parse(JSON.stringify(a))).toEqual(plain);
    expect(a.definition).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.key).toBe('sim/remind/b');
    expect(b.definition).not.toBe(a.definition);
  });

  it('amendItem keeps the row: a spread would lose every field the row gives', () => {
    const [a] = plan().due as [RowItem];
    const amended = amendItem(a, { reason: 'why', key: 'sim/remind/a#2' });
    expect(plainItem(amended)).toEqual({ ...plainItem(a), key: 'sim/remind/a#2', reason: 'why' });
    expect(Object.keys({ ...a })).toEqual([]);
    const plain = amendItem(plainItem(a), { reason: 'why' });
    expect(plain).toEqual({ ...plainItem(a), reason: 'why' });
  });

  it("items given one shared object (a zone's hours) each read it, and each keeps its own row", () => {
    const [a, b] = plan().due as [RowItem, RowItem];
    const words = { waiting: true as const, reason: 'waiting: closed' };
    const x = amendItem(a, words, true);
    const y = amendItem(b, words, true);
    expect(x.reason).toBe('waiting: closed');
    expect(y.waiting).toBe(true);
    expect(y.key).toBe('sim/remind/b');
  });
});

describe("a call's plan item", () => {
  const planOf = (lines: readonly string[]) => {
    const source = parseSource('calls/a.yaml', [...lines, ''].join('\n')).source;
    const project = validateProject({ root: '/nowhere', callFiles: [source], diagnostics: [] });
    expect(project.diagnostics).toEqual([]);
    return buildPlan({
      calls: project.calls,
      lock: { lockfileVersion: 1, calls: {} },
      now: new Date('2026-06-01T12:00:30Z'),
      runTarget: 'sim',
      explicitTarget: false,
    });
  };

  it('spreads, compares and serialises as a plain item, its keys in the same order', () => {
    const plan = planOf([
      'defaults:',
      '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '  from: "+15550001111"',
      'calls:',
      '  - name: hello',
      '    to: { type: phone, number: "+15550000001", trunk: t1 }',
      '  - name: tick',
      '    to: { type: sip, sipUri: "sip:a@b.example" }',
      '    schedule: { cron: "* * * * *", timezone: Europe/Berlin }',
    ]);
    expect(plan.due).toHaveLength(2);
    const [hello, tick] = plan.due as [PlanItem, PlanItem];
    const plain = {
      key: 'sim/hello',
      name: 'hello',
      target: 'sim',
      file: 'calls/a.yaml',
      line: 5,
      to: '+15550000001 (trunk t1)',
      definition: hello.definition,
    };
    expect(hello.definition).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hello).toEqual(plain);
    expect({ ...hello }).toEqual(plain);
    expect(JSON.stringify(hello)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(plainItem(hello))).toBe(JSON.stringify(plain));
    expect(Object.keys(tick)).toEqual([
      'key',
      'name',
      'target',
      'file',
      'line',
      'slot',
      'local',
      'to',
      'definition',
    ]);
    expect(tick).toMatchObject({
      key: 'sim/tick@2026-06-01T12:00:00Z',
      line: 7,
      local: '14:00 Europe/Berlin',
    });
    const amended = amendItem(hello, { reason: 'why' });
    expect(JSON.stringify(amended)).toBe(JSON.stringify({ ...plain, reason: 'why' }));
  });
});

describe("a call's plan item amended", () => {
  it('keeps the definition it was made from, and serialises as before', () => {
    const source = parseSource(
      'calls/a.yaml',
      [
        'calls:',
        '  - name: hello',
        '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
        '    from: "+15550001111"',
        '    to: { type: phone, number: "+15550000001" }',
        '',
      ].join('\n'),
    ).source;
    const project = validateProject({ root: '/nowhere', callFiles: [source], diagnostics: [] });
    const [hello] = buildPlan({
      calls: project.calls,
      lock: { lockfileVersion: 1, calls: {} },
      now: new Date('2026-06-01T12:00:30Z'),
      runTarget: 'sim',
      explicitTarget: false,
    }).due as [PlanItem];
    const call = callOf(hello);
    expect(call?.name).toBe('hello');
    const amended = amendItem(hello, { reason: 'retrying: failed before (400)' });
    expect(callOf(amended)).toBe(call);
    expect(callOf(amendItem(amended, { reason: 'again' }))).toBe(call);
    expect(JSON.stringify(amended)).toBe(
      JSON.stringify({ ...plainItem(hello), reason: 'retrying: failed before (400)' }),
    );
    expect(Object.keys(amended)).toEqual([...Object.keys(hello), 'reason']);
    // A plain copy (a plan file's item) keeps none.
    expect(callOf({ ...amended })).toBeUndefined();
  });
});
