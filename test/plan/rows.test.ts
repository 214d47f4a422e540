// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinRuns, lazyList, Run } from '../../src/campaign/lazy-list.js';
import { parseSource } from '../../src/config/index.js';
import type { LoadedProject } from '../../src/config/load.js';
import { bySlotThenKey } from '../../src/plan/buckets.js';
import { plainItem, RowItem } from '../../src/plan/item.js';
import { PlanList } from '../../src/plan/rows.js';
import type { PlanItem } from '../../src/plan/types.js';
import { validateProject } from '../../src/validate/index.js';
import type { CallDefinition } from '../../src/validate/model.js';

describe('lazyList: a read-only array made when read', () => {
  const made: number[] = [];
  const list = () =>
    joinRuns<string>([
      'a',
      new Run(3, (i) => {
        made.push(i);
        return `r${i}`;
      }),
      'b',
      'c',
      new Run(0, () => 'never'),
      new Run(2, (i) => `s${i}`),
    ]);

  it('reads as the array it stands for, whatever reads it', () => {
    const expected = ['a', 'r0', 'r1', 'r2', 'b', 'c', 's0', 's1'];
    const l = list();
    expect(l).toHaveLength(8);
    expect(Array.isArray(l)).toBe(true);
    expect([...l]).toEqual(expected);
    expect(l.map((x) => x.toUpperCase())).toEqual(expected.map((x) => x.toUpperCase()));
    expect(l.filter((x) => x.startsWith('r'))).toEqual(['r0', 'r1', 'r2']);
    expect(l.find((x) => x === 'c')).toBe('c');
    expect(l.indexOf('b')).toBe(4);
    expect(l[7]).toBe('s1');
    expect(l[8]).toBeUndefined();
    expect(l.at(-1)).toBe('s1');
    expect(l.slice(2, 5)).toEqual(['r1', 'r2', 'b']);
    expect(JSON.stringify(l)).toBe(JSON.stringify(expected));
    expect(Object.keys(l)).toEqual(expected.map((_, i) => String(i)));
    // Backwards, then at random: each index finds its run.
    for (let i = 7; i >= 0; i -= 1) expect(l[i]).toBe(expected[i]);
    for (const i of [5, 0, 6, 2, 7, 1]) expect(l[i]).toBe(expected[i]);
    let count = 0;
    for (const x of l) {
      expect(x).toBe(expected[count]);
      count += 1;
    }
    expect(count).toBe(8);
  });

  it('walks by number as an array walks, `this` given or not; other methods are those of an array', () => {
    const l = list();
    const self = { prefix: '>' };
    expect(
      l.map(function (this: typeof self, x, i) {
        return `${this.prefix}${x}${i}`;
      }, self),
    ).toEqual(['>a0', '>r01', '>r12', '>r23', '>b4', '>c5', '>s06', '>s17']);
    const seen: string[] = [];
    l.forEach((x, i, all) => {
      expect(all).toBe(l);
      seen.push(`${i}${x}`);
    });
    expect(seen).toEqual(['0a', '1r0', '2r1', '3r2', '4b', '5c', '6s0', '7s1']);
    expect(l.some((x) => x === 's1')).toBe(true);
    expect(l.every((x) => x.length <= 2)).toBe(true);
    expect(l.find((x) => x === 'zz')).toBeUndefined();
    expect([...l.values()]).toHaveLength(8);
    expect(l.constructor).toBe(Array);
    expect(String(l)).toBe('a,r0,r1,r2,b,c,s0,s1');
    expect(l.join('|')).toBe('a|r0|r1|r2|b|c|s0|s1');
    expect(l.includes('r2')).toBe(true);
  });

  it('refuses writes', () => {
    const l = list() as string[];
    expect(() => {
      l[0] = 'x';
    }).toThrow(TypeError);
    expect(() => l.push('x')).toThrow(TypeError);
    expect(() => l.sort()).toThrow(TypeError);
    expect(() => {
      l.length = 0;
    }).toThrow(TypeError);
  });

  it('without a run it is the plain array given', () => {
    const plain = ['a', 'b'];
    expect(joinRuns(plain)).toBe(plain);
    expect(lazyList<string>([])).toHaveLength(0);
  });
});

/** Rows of two campaigns (three and five rows). */
const campaignRows = (): { readonly a: CallDefinition[]; readonly b: CallDefinition[] } => {
  const call = (name: string, csv: string) =>
    [
      `  - name: ${name}`,
      `    recipients: ../lists/${csv}`,
      '    application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
      '    from: "+15550001111"',
      '    to: { type: phone, number: "${row.phone}" }',
    ].join('\n');
  const source = parseSource(
    'calls/c.yaml',
    `calls:\n${call('remind', 'a.csv')}\n${call('remind.b', 'b.csv')}\n`,
  ).source;
  const rows = (n: number) =>
    `id,phone\n${Array.from({ length: n }, (_, i) => `x${i},+1555000000${i}`).join('\n')}\n`;
  const loaded: LoadedProject = {
    root: '/nowhere',
    callFiles: [source],
    diagnostics: [],
    recipients: new Map([
      ['lists/a.csv', { text: rows(3) }],
      ['lists/b.csv', { text: rows(5) }],
    ]),
  };
  const project = validateProject(loaded);
  expect(project.diagnostics).toEqual([]);
  return {
    a: project.calls.filter((c) => c.campaign?.name === 'remind'),
    b: project.calls.filter((c) => c.campaign?.name === 'remind.b'),
  };
};

describe('PlanList: rows kept as numbers, in the order a sort of every item gives', () => {
  it('any mix of rows (in CSV order per campaign and slot) and other items (property)', () => {
    const { a, b } = campaignRows();
    const slots = [undefined, '2026-06-01T09:00:00Z', '2026-06-01T10:00:00Z'];
    const names = ['remind', 'remind.a', 'remind-b', 'alpha', 'zulu', 'remind.b.c'];
    const plain = (name: string, slot: string | undefined): PlanItem => ({
      key: `t/${name}${slot === undefined ? '' : `@${slot}`}`,
      name,
      target: 't',
      file: 'calls/c.yaml',
      line: 1,
      ...(slot === undefined ? {} : { slot }),
      to: '+1',
      definition: 'sha256:0',
    });
    const row = (call: CallDefinition, slot: string | undefined, reason?: string): PlanItem =>
      new RowItem(call, {
        target: 't',
        campaign: call.campaign?.name as string,
        ...(slot === undefined ? {} : { slot }),
        ...(reason === undefined ? {} : { reason }),
      });
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('plain' as const),
        name: fc.constantFrom(...names),
        slot: fc.constantFrom(...slots),
      }),
      fc.record({
        kind: fc.constantFrom('a' as const, 'b' as const),
        slot: fc.constantFrom(...slots),
        reason: fc.constantFrom(undefined, 'why'),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const list = new PlanList(true, bySlotThenKey);
        const given: PlanItem[] = [];
        // The next row of each campaign and slot: rows come in CSV order, as buildPlan gives them.
        const next = new Map<string, number>();
        for (const s of steps) {
          let item: PlanItem;
          if (s.kind === 'plain') item = plain(s.name, s.slot);
          else {
            const rows = s.kind === 'a' ? a : b;
            const at = next.get(`${s.kind}${s.slot}`) ?? 0;
            if (at >= rows.length) continue;
            next.set(`${s.kind}${s.slot}`, at + 1);
            item = row(rows[at] as CallDefinition, s.slot, s.reason);
          }
          given.push(item);
          list.push(item);
        }
        const expected = [...given].sort(bySlotThenKey).map(plainItem);
        const items = list.items();
        expect(items).toHaveLength(expected.length);
        expect(items.map(plainItem)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rows out of CSV order, or a list kept in the order given: the same items as an array', () => {
    const { a } = campaignRows();
    const item = (i: number) =>
      new RowItem(a[i] as CallDefinition, { target: 't', campaign: 'remind' });
    const sorted = new PlanList(true, bySlotThenKey);
    const given = new PlanList(false, bySlotThenKey);
    for (const i of [2, 0, 1]) {
      sorted.push(item(i));
      given.push(item(i));
    }
    expect(sorted.items().map((x) => x.row)).toEqual(['x0', 'x1', 'x2']);
    expect(given.items().map((x) => x.row)).toEqual(['x2', 'x0', 'x1']);
  });
});
