// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${row.X} references
import { afterEach, describe, expect, it } from 'vitest';
import {
  campaignYaml,
  closedPort,
  configYaml,
  makeProject,
  type Project,
  runCli,
} from './helpers.js';

let project: Project | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

// More items than a function call takes as arguments: gathering them with `push(...list)`
// ended the command with "Maximum call stack size exceeded" instead of the errors.
const ROWS = 150_000;

describe('a campaign whose every row is wrong', () => {
  it('is reported row by row, every row at its line', {
    timeout: 60_000,
  }, async () => {
    const port = await closedPort();
    const rows = Array.from({ length: ROWS }, (_, i) => `r${i},bad${i}`);
    project = await makeProject({
      'callops.yaml': configYaml(`http://127.0.0.1:${port}`),
      'calls/c.yaml': campaignYaml([], '{ row: "${row.id}" }'),
      'lists/reminders.csv': `id,phone\n${rows.join('\n')}\n`,
    });
    const r = await runCli(['validate'], { cwd: project.dir, timeoutMs: 50_000 });
    expect(r.code, r.stderr.slice(0, 400)).toBe(1);
    const text = `${r.stdout}${r.stderr}`;
    expect(text).not.toMatch(/call stack/);
    expect(text).toMatch(/^lists\/reminders\.csv:2:\d+: error: .*`bad0`/m);
    expect(text).toMatch(
      new RegExp(`^lists/reminders\\.csv:${ROWS + 1}:\\d+: error: .*\`bad${ROWS - 1}\``, 'm'),
    );
    expect(text).toMatch(new RegExp(`^${ROWS} errors`, 'm'));
  });
});
