import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
});
