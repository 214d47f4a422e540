import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_SID, makeProject, output, type Project, runCli } from './helpers.js';

const CALL = [
  'calls:',
  '  - name: a',
  `    application_sid: ${APP_SID}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "+15550002222" }',
  '',
].join('\n');

/** UTF-16LE with its byte order mark, as Windows editors save "Unicode" text. */
const utf16 = (text: string): Buffer =>
  Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

/** `text` with a NUL byte put in place of `needle`'s first character. */
const withNul = (text: string, needle: string): Buffer => {
  const bytes = Buffer.from(text);
  bytes[text.indexOf(needle)] = 0;
  return bytes;
};

describe('files that are not UTF-8 text are located, never at 0:0', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  const put = async (files: Record<string, string | Buffer>) => {
    project = await makeProject({});
    for (const [rel, content] of Object.entries(files)) {
      await project.write(rel, '');
      await writeFile(join(project.dir, rel), content);
    }
    return project;
  };

  const expectAt = (text: string, where: string, what: RegExp) => {
    expect(text).toContain(`${where}: error:`);
    expect(text).toMatch(what);
    expect(text).not.toMatch(/:0:0/);
  };

  it('call files: NUL at its byte, UTF-16 and oversize at 1:1', async () => {
    const p = await put({
      'calls/nul.yaml': withNul(CALL, 'rom:'),
      'calls/utf16.yaml': utf16(CALL),
      'calls/big.yaml': `# ${'x'.repeat(5 * 1024 * 1024)}\n`,
    });
    const r = await runCli(['validate'], { cwd: p.dir });
    expect(r.code, output(r)).toBe(1);
    expectAt(r.stderr, 'calls/nul.yaml:4:6', /binary/);
    expectAt(r.stderr, 'calls/utf16.yaml:1:1', /UTF-16/);
    expectAt(r.stderr, 'calls/big.yaml:1:1', /MiB/);
  });

  it('callops.yaml with a NUL byte', async () => {
    const p = await put({
      'callops.yaml': withNul('lockfile: callops.lock\ndefaults:\n  timeout: 45\n', '45'),
      'calls/a.yaml': CALL,
    });
    const r = await runCli(['validate', '--format', 'json'], { cwd: p.dir });
    expect(r.code, output(r)).toBe(1);
    const errors = (
      JSON.parse(r.stdout) as { errors: { file: string; line: number; column: number }[] }
    ).errors;
    expect(errors).toEqual([
      expect.objectContaining({ file: 'callops.yaml', line: 3, column: 12 }),
    ]);
  });

  it('the lockfile: NUL at its byte, UTF-16 and invalid UTF-8 located', async () => {
    const lock = '{\n  "calls": {},\n  "lockfileVersion": 1\n}\n';
    const cases: readonly [Buffer, string, RegExp][] = [
      [withNul(lock, '"lockfileVersion"'), 'callops.lock:3:3', /binary|NUL/],
      [utf16(lock), 'callops.lock:1:1', /UTF-16/],
      [
        Buffer.concat([
          Buffer.from('{\n  "calls": {}, "x": "'),
          Buffer.from([0xc3, 0x28]),
          Buffer.from('"\n}\n'),
        ]),
        'callops.lock:2:22',
        /UTF-8/,
      ],
    ];
    expect(cases).toHaveLength(3);
    for (const [bytes, where, what] of cases) {
      const p = await put({ 'calls/a.yaml': CALL, 'callops.lock': bytes });
      const r = await runCli(['plan'], { cwd: p.dir });
      expect(r.code, output(r)).toBe(1);
      expect(r.stderr).toContain(`${where}: file is`);
      expect(r.stderr).toMatch(what);
      expect(r.stderr).not.toMatch(/:0:0/);
      await p.cleanup();
    }
  });

  it('an env file with a NUL byte is refused at its place, naming the flag', async () => {
    const p = await put({ 'calls/a.yaml': CALL, 'vars.env': withNul('A=1\nB=2\n', '2') });
    const r = await runCli(['plan', '--env-file', 'vars.env'], { cwd: p.dir });
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr).toMatch(/--env-file vars\.env:2:3: .*binary/);
  });
});
