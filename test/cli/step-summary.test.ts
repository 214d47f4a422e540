import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/context.js';
import { appendStepSummary } from '../../src/cli/step-summary.js';
import { tempDir } from '../state/helpers.js';

const MiB = 1024 * 1024;

const contextFor = (file: string, actions = 'true') =>
  ({ env: { GITHUB_ACTIONS: actions, GITHUB_STEP_SUMMARY: file } }) as unknown as CommandContext;

describe('the GitHub step summary', () => {
  it('takes each text while the file stays under 1 MiB, then says once that it is full', async () => {
    const file = join(await tempDir(), 'summary.md');
    const ctx = contextFor(file);
    await appendStepSummary(ctx, '### first\n');
    expect(await readFile(file, 'utf8')).toBe('### first\n');
    // A long run: one summary a batch, each under its own bound, many of them.
    const batch = `${'| `sim/a` | placed | sid |\n'.repeat(2000)}`;
    for (let i = 0; i < 40; i++) await appendStepSummary(ctx, batch);
    const size = (await stat(file)).size;
    expect(size).toBeLessThanOrEqual(MiB);
    expect(size).toBeGreaterThan(MiB - batch.length - 200);
    const text = await readFile(file, 'utf8');
    expect(text.match(/the step summary is full/g)).toHaveLength(1);
    expect(text.endsWith('`callops status` shows the rest._\n')).toBe(true);
  });

  it('is written only under GitHub Actions', async () => {
    const file = join(await tempDir(), 'summary.md');
    await writeFile(file, '');
    await appendStepSummary(contextFor(file, 'false'), '### x\n');
    expect(await readFile(file, 'utf8')).toBe('');
  });
});
