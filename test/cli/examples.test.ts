import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, parseAllDocuments, visit } from 'yaml';
import { loadProject } from '../../src/config/index.js';
import { optionsInGroup } from '../../src/options/table.js';
import { buildPlan } from '../../src/plan/index.js';
import { hasErrors } from '../../src/validate/diagnostic.js';
import { validateProject } from '../../src/validate/project.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the examples in calls/', () => {
  it('validate, carry the schema modeline, and use every documented option between them', async () => {
    const loaded = await loadProject({ root: ROOT });
    const project = validateProject(loaded);
    expect(hasErrors(project.diagnostics), JSON.stringify(project.diagnostics)).toBe(false);
    expect(loaded.callFiles.length).toBeGreaterThan(0);
    for (const file of loaded.callFiles) {
      expect(file.text).toContain(
        '# yaml-language-server: $schema=../schemas/callops-calls.schema.json',
      );
    }
    const used = new Set(project.calls.flatMap((c) => Object.keys(c.options)));
    const documented = [...optionsInGroup('basic'), ...optionsInGroup('advanced')].map(
      (o) => o.name,
    );
    expect(documented.filter((name) => !used.has(name))).toEqual([]);
    expect(project.calls.some((c) => c.schedule?.cron !== undefined)).toBe(true);
    expect(project.calls.some((c) => c.schedule?.at !== undefined)).toBe(true);
  });

  it('write every map in block style, as the README says (an editor completes a key in a flow map only once typed)', async () => {
    const loaded = await loadProject({ root: ROOT });
    const flow: string[] = [];
    for (const file of loaded.callFiles) {
      for (const doc of parseAllDocuments(file.text)) {
        visit(doc, {
          Pair: (_, pair) => {
            if (isMap(pair.value) && pair.value.flow)
              flow.push(`${file.file}: ${String(pair.key)}`);
          },
        });
      }
    }
    expect(flow).toEqual([]);
  });

  it('each scheduled one has a slot to come, so that the demo shows it (an `at` past is never placed)', async () => {
    const project = validateProject(await loadProject({ root: ROOT }));
    const plan = buildPlan({
      calls: project.calls,
      lock: { lockfileVersion: 1, calls: {} },
      now: new Date(),
      runTarget: 'simulator',
      explicitTarget: false,
    });
    const ahead = new Set([...plan.due, ...plan.upcoming].map((i) => i.name));
    const scheduled = project.calls.filter((c) => c.schedule !== undefined && c.enabled);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(
      scheduled.filter((c) => !ahead.has(c.name)).map((c) => `${c.name}: ${c.schedule?.at}`),
      "move the example's `at` later",
    ).toEqual([]);
  });

  it('are described truly by the README: what they show, and what only the reference shows', async () => {
    const project = validateProject(await loadProject({ root: ROOT }));
    const readme = readFileSync(new URL('README.md', `file://${ROOT}`), 'utf8');
    const start = readme.indexOf('The examples in [`calls/`](calls) use');
    expect(start).toBeGreaterThanOrEqual(0);
    const paragraph = readme.slice(start, readme.indexOf('\n\n', start));
    const [shown = '', only = ''] = paragraph.split(
      'Shown in the [option reference](#option-reference) only:',
    );
    const names = (text: string) => [...text.matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1]);
    const used = new Set(project.calls.flatMap((c) => Object.keys(c.options)));
    const extensions = optionsInGroup('extension').map((o) => o.name);
    // The extensions named as shown are used; those named as reference-only are exactly the
    // ones no example uses.
    const shownExtensions = names(shown).filter((n) => extensions.includes(n as string));
    expect(shownExtensions.filter((n) => !used.has(n as string))).toEqual([]);
    expect(
      names(only)
        .filter((n) => extensions.includes(n as string))
        .sort(),
    ).toEqual(extensions.filter((n) => !used.has(n)).sort());
    // So are the keys of `to` and of a schedule it names.
    const toKeys = new Set(
      project.calls.flatMap((c) => Object.keys((c.options.to ?? {}) as Record<string, unknown>)),
    );
    const scheduleKeys = new Set(
      project.calls.flatMap((c) =>
        Object.entries(c.schedule ?? {}).flatMap(([key, value]) =>
          value === undefined ? [] : [key],
        ),
      ),
    );
    for (const key of ['auth', 'vmail']) {
      expect(names(only)).toContain(key);
      expect(toKeys.has(key), key).toBe(false);
    }
    for (const key of ['start', 'end', 'catchup']) {
      expect(names(only)).toContain(key);
      expect(scheduleKeys.has(key), key).toBe(false);
    }
    const types = new Set(project.calls.map((c) => (c.options.to as { type?: string }).type));
    expect([...types].sort()).toEqual(['phone', 'sip', 'teams', 'user']);
    expect(project.calls.some((c) => c.schedule?.window !== undefined)).toBe(true);
    expect(project.calls.some((c) => c.redial !== undefined)).toBe(true);
  });
});
