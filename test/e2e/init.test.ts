import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { track } from './children.js';
import {
  ACCOUNT_SID,
  API_KEY,
  BIN,
  callsYaml,
  cliEnv,
  collect,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
} from './helpers.js';

describe('callops init', () => {
  let project: Project | undefined;
  let gw: Gateway | undefined;
  afterEach(async () => {
    await project?.cleanup();
    await gw?.close();
    project = undefined;
    gw = undefined;
  });

  it('adds no call to a project that has call files: it says what it skipped', async () => {
    project = await makeProject({ 'calls/mine.yaml': callsYaml([{ name: 'mine' }]) });
    const before = await runCli(['plan', '--format', 'json'], { cwd: project.dir });
    const r = await runCli(['init'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(0);
    expect(project.exists('calls/example.yaml')).toBe(false);
    expect(r.stdout).toMatch(/skipped\s+calls\/example\.yaml .*calls\/mine\.yaml/);
    expect(r.stdout).toContain('created  callops.yaml');
    // The callops.yaml it wrote changes no call: the plan is the same as before.
    const after = await runCli(['plan', '--format', 'json'], { cwd: project.dir });
    expect(after.code, output(after)).toBe(0);
    const due = (text: string) => (JSON.parse(text) as { due: unknown[] }).due;
    expect(due(after.stdout)).toEqual(due(before.stdout));
  });

  it('adds no call to a project that has callops.yaml, whatever its patterns', async () => {
    project = await makeProject({
      'callops.yaml': 'calls: ["flows/*.yaml"]\n',
      'flows/a.yaml': callsYaml([{ name: 'a' }]),
    });
    const r = await runCli(['init'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(0);
    expect(project.exists('calls/example.yaml')).toBe(false);
    expect(r.stdout).toContain('kept     callops.yaml');
    expect(r.stdout).toMatch(/skipped\s+calls\/example\.yaml/);
    expect(await project.read('callops.yaml')).toBe('calls: ["flows/*.yaml"]\n');
  });

  it('writes an example that a real target never dials', async () => {
    gw = await startGateway({});
    const dir = gw.project.dir;
    const config = await gw.project.read('callops.yaml');
    await writeFile(join(dir, 'callops.yaml'), '');
    const r = await runCli(['init'], { cwd: dir, env: gw.env });
    // callops.yaml is there (empty): kept; a project with it gets no example call.
    expect(r.stdout).toContain('kept     callops.yaml');
    expect(existsSync(join(dir, 'calls/example.yaml'))).toBe(false);

    // A fresh project: init, then point it at a real target as a user would.
    project = await makeProject({});
    const fresh = await runCli(['init'], { cwd: project.dir });
    expect(fresh.code, output(fresh)).toBe(0);
    expect(project.exists('calls/example.yaml')).toBe(true);
    await project.write('callops.yaml', config);
    const apply = await runCli(['apply', '--yes'], {
      cwd: project.dir,
      env: { VG_ACCOUNT_SID: ACCOUNT_SID, VG_API_KEY: API_KEY },
    });
    expect(apply.code, output(apply)).toBe(0);
    expect(gw.sim.received()).toHaveLength(0);
  });

  it('points $schema at a schema file that exists, without callops in node_modules', async () => {
    project = await makeProject({});
    const r = await runCli(['init'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(0);
    const schemaOf = async (rel: string) => {
      const first = (await project?.read(rel))?.split('\n')[0] ?? '';
      const path = /\$schema=(\S+)/.exec(first)?.[1];
      expect(path, first).toBeDefined();
      return resolve(dirname(join(project?.dir ?? '', rel)), path ?? '');
    };
    const calls = await schemaOf('calls/example.yaml');
    const config = await schemaOf('callops.yaml');
    expect(existsSync(calls), calls).toBe(true);
    expect(existsSync(config), config).toBe(true);
    expect(JSON.parse(await readFile(calls, 'utf8')).title).toMatch(/call file/);
  });

  it('a second DIR is a usage error, as any command says of an argument too many: nothing made', async () => {
    project = await makeProject({});
    const r = await runCli(['init', 'a', 'b'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(64);
    expect(r.stderr).toBe(
      "callops init: Unexpected argument 'b'. This command takes one DIR at most\n",
    );
    expect(r.stdout).toBe('');
    expect(await readdir(project.dir)).toEqual([]);
    // The wording of the commands that take no argument.
    const plan = await runCli(['plan', 'extra'], { cwd: project.dir });
    expect(plan.code, output(plan)).toBe(64);
    expect(plan.stderr).toMatch(/^callops plan: Unexpected argument 'extra'\. /);
  });

  it('a DIR under a regular file is a usage error naming it, at once, nothing made', async () => {
    project = await makeProject({ notes: 'a file\n' });
    for (const dir of ['notes/new', 'notes/new/deeper']) {
      const r = await runCli(['init', dir], { cwd: project.dir, timeoutMs: 10_000 });
      expect(r.signal, dir).toBeNull();
      expect(r.code, output(r)).toBe(64);
      expect(r.stderr).toBe(`callops init: ${dir}: notes is not a directory\n`);
      expect(r.stdout).toBe('');
    }
    expect(await project.read('notes')).toBe('a file\n');
  });

  // /proc answers ENOENT to a mkdir in a folder that is there (as root or not): a recursive
  // mkdir tries again for ever.
  it.runIf(existsSync('/proc/1'))(
    'a DIR where no folder can be made (under /proc) fails at once naming it',
    async () => {
      project = await makeProject({});
      for (const dir of ['/proc/1/callops-init', '/proc/1/callops-init/deeper']) {
        const r = await runCli(['init', dir], { cwd: project.dir, timeoutMs: 10_000 });
        expect(r.signal, dir).toBeNull();
        expect(r.code, output(r)).toBe(64);
        expect(r.stderr).toMatch(
          new RegExp(
            `^callops init: ${dir}: cannot create the directory( /proc/1/callops-init)? \\(E[A-Z]+\\)\\n$`,
          ),
        );
      }
      expect(existsSync('/proc/1/callops-init')).toBe(false);
    },
  );

  it("ends with what to type next, which in DIR's parent works on DIR: cd, quoted for the shell", async () => {
    project = await makeProject({});
    const root = project.dir;
    // `callops` on the PATH of the shell the hint is typed into: this build.
    const bin = join(project.dir, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'callops'),
      `#!/bin/sh\nexec '${process.execPath}' -- '${BIN}' "$@"\n`,
      { mode: 0o755 },
    );
    const shell = (line: string) =>
      collect(
        track(
          spawn('/bin/sh', ['-c', line], {
            cwd: root,
            env: cliEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }),
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        ),
      );
    for (const [dir, cd] of [
      ['newproj', 'cd newproj'],
      ["my proj's calls", `cd 'my proj'\\''s calls'`],
      ['-dash', 'cd ./-dash'],
    ] as const) {
      const r = await runCli(['init', '--', dir], { cwd: root });
      expect(r.code, output(r)).toBe(0);
      const next = r.stdout.trimEnd().split('\n').at(-1) ?? '';
      expect(next).toBe(`Next: ${cd} && callops validate && callops plan`);
      const typed = await shell(next.replace(/^Next: /, ''));
      expect(typed.code, output(typed)).toBe(0);
      expect(typed.stdout, dir).toContain('ok: 1 call in 2 files');
      expect(typed.stdout, dir).toContain('simulator/example-call');
    }
    // In the project itself: nothing to change folder to.
    const here = await runCli(['init'], { cwd: join(project.dir, 'newproj') });
    expect(here.stdout.trimEnd().split('\n').at(-1)).toBe('Next: callops validate && callops plan');
  });
});
