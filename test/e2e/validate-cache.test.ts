import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SID, makeProject, type Project, runCli } from './helpers.js';

const CALLS = [
  'calls:',
  '  - name: one',
  `    application_sid: ${APP_SID}`,
  '    from: "+15550001111"',
  '    to: { type: phone, number: "+15550002222" }',
  '',
].join('\n');

const uid = process.getuid?.() ?? 0;

describe.runIf(process.getuid !== undefined)(
  'validate: the code cache of the generated validator',
  () => {
    let project: Project;
    const temps: string[] = [];
    /** A fresh directory for os.tmpdir() of the CLI. */
    const freshTmp = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'callops-cache-test-'));
      temps.push(dir);
      return dir;
    };
    beforeAll(async () => {
      project = await makeProject({ 'calls/a.yaml': CALLS });
    });
    afterAll(() => {
      rmSync(project.dir, { recursive: true, force: true });
      for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    });

    it('keeps it in a directory of the user closed to others, and a second run reads it as it is', async () => {
      const tmp = freshTmp();
      const first = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(first.code, first.stderr).toBe(0);
      const cache = join(tmp, `callops-${uid}`);
      expect(statSync(cache).mode & 0o777).toBe(0o700);
      const files = readdirSync(cache);
      expect(files).toHaveLength(1);
      const entry = join(cache, files[0] ?? '');
      expect(files[0]).toMatch(/^[0-9a-f]{32}\.v8$/);
      expect(statSync(entry).mode & 0o777).toBe(0o600);
      const written = await readFile(entry);
      expect(written.length).toBeGreaterThan(1000);
      const second = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toBe('');
      expect(readdirSync(cache)).toEqual(files);
      expect((await readFile(entry)).equals(written)).toBe(true);
    });

    it('replaces an entry V8 refuses, silently', async () => {
      const tmp = freshTmp();
      const first = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(first.code, first.stderr).toBe(0);
      const cache = join(tmp, `callops-${uid}`);
      const files = readdirSync(cache);
      expect(files).toHaveLength(1);
      const entry = join(cache, files[0] ?? '');
      writeFileSync(entry, 'not V8 code cache data');
      const second = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(second.stderr).toBe('');
      expect((await readFile(entry, 'utf8')).startsWith('not V8')).toBe(false);
    });

    it('does not use a cache directory open to others, and says nothing about it', async () => {
      const tmp = freshTmp();
      const cache = join(tmp, `callops-${uid}`);
      mkdirSync(cache);
      chmodSync(cache, 0o777);
      const run = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('ok: 1 call in 1 file');
      expect(run.stderr).toBe('');
      expect(readdirSync(cache)).toEqual([]);
    });

    it('validates as usual when the cache cannot be made', async () => {
      const tmp = freshTmp();
      writeFileSync(join(tmp, `callops-${uid}`), 'a file where the directory would be');
      const run = await runCli(['validate'], { cwd: project.dir, env: { TMPDIR: tmp } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('ok: 1 call in 1 file');
      expect(run.stderr).toBe('');
    });
  },
);
