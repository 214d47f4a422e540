// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  callsYaml,
  filesUnder,
  type Gateway,
  makeProject,
  output,
  type Project,
  runCli,
  startGateway,
  startRun,
} from './helpers.js';

// A key read whole from a file (a Kubernetes Secret made with --from-file, a .env value
// ending in "\n") ends in a line break. The HTTP client refuses such a header; after one
// refusal it once left every later request of the pool pending for ever, and apply ended
// with exit 0 halfway, no summary, its run lock and journal behind.
const KEY_LF = `${API_KEY}\n`;
const CALLS = { 'calls/a.yaml': callsYaml([{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }]) };
/** Where `api_key: ${VG_API_KEY}` stands in configYaml's callops.yaml. */
const KEY_AT = 'callops.yaml:5:14';

describe('an api key with a line break', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  const leftNothing = async (g: Gateway) => {
    expect(g.sim.received()).toHaveLength(0);
    expect(g.project.exists('.callops/run.lock')).toBe(false);
    expect((await g.project.lock())?.calls ?? {}).toEqual({});
    for (const file of await filesUnder(g.project.dir)) expect(file.text).not.toContain(API_KEY);
  };

  it('apply refuses it at the reference, never showing it, and sends nothing', async () => {
    gw = await startGateway(CALLS, { targetExtra: ['concurrency: 2'] });
    const r = await gw.run(['apply', '--yes', '--no-color'], { VG_API_KEY: KEY_LF });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      `${KEY_AT}: error: api_key \`\${VG_API_KEY}\` resolves to a value that ends with \\n, which does not belong in the Authorization header`,
    );
    expect(r.stderr).toContain('nothing was sent');
    expect(output(r)).not.toContain(API_KEY);
    await leftNothing(gw);
  });

  it('plan shows it as a warning at the reference', async () => {
    gw = await startGateway(CALLS);
    const r = await gw.run(['plan', '--no-color'], { VG_API_KEY: KEY_LF });
    expect(r.code, output(r)).toBe(0);
    expect(r.stderr).toContain(`${KEY_AT}: warning: api_key \`\${VG_API_KEY}\` resolves to`);
    expect(output(r)).not.toContain(API_KEY);
  });

  it('run says it and sends nothing', async () => {
    gw = await startGateway(CALLS);
    const g = { ...gw, env: { ...gw.env, VG_API_KEY: KEY_LF } };
    const run = startRun(g);
    await run.until('the refusal', () => run.soFar().includes('nothing was sent') || undefined);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(`${KEY_AT}: error: api_key \`\${VG_API_KEY}\` resolves to`);
    expect(output(r)).not.toContain(API_KEY);
    await leftNothing(gw);
  });

  it('a key holding a character no header can carry is refused at its reference, nothing sent', async () => {
    // A character past Latin-1 prints, but no HTTP header carries it: every request failed
    // at the send before; now it is said where the key is written, before anything is sent.
    gw = await startGateway(CALLS, { targetExtra: ['concurrency: 2'] });
    const r = await gw.run(['apply', '--yes', '--no-color'], { VG_API_KEY: `${API_KEY}€` });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain(
      `${KEY_AT}: error: api_key \`\${VG_API_KEY}\` resolves to a value that holds a character beyond Latin-1`,
    );
    expect(output(r)).not.toContain(API_KEY);
    expect(output(r)).not.toContain('€');
    await leftNothing(gw);
  });

  it('CALLOPS_API_KEY ending in a line break is refused as well', async () => {
    gw = await startGateway(CALLS);
    await rm(join(gw.project.dir, 'callops.yaml'));
    const r = await gw.run(['apply', '--yes', '--no-color'], {
      VG_ACCOUNT_SID: undefined,
      VG_API_KEY: undefined,
      CALLOPS_BASE_URL: gw.sim.url,
      CALLOPS_ACCOUNT_SID: gw.sim.accountSid,
      CALLOPS_API_KEY: `${gw.sim.apiKey}\r\n`,
    });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(
      /api_key `\$\{CALLOPS_API_KEY\}` resolves to a value that ends with \\n, which does not belong/,
    );
    expect(output(r)).not.toContain(API_KEY);
    await leftNothing(gw);
  });
});

// The same rules hold for a key written in callops.yaml: `validate` said only that it was
// written in the file (0 errors) while `apply` refused it, so a CI gate on `validate` passed
// a project that could send nothing.
describe('a literal api key that cannot be sent', () => {
  let project: Project | undefined;
  afterEach(async () => {
    await project?.cleanup();
    project = undefined;
  });

  /** callops.yaml whose api_key is `key` as a double-quoted YAML string (`\t` a tab). */
  const literalKeyProject = (key: string) =>
    makeProject({
      'callops.yaml': [
        'targets:',
        '  sim:',
        '    base_url: https://vg.example.com',
        `    account_sid: ${ACCOUNT_SID}`,
        `    api_key: "${key}"`,
        'default_target: sim',
        '',
      ].join('\n'),
      'calls/a.yaml': callsYaml([{ name: 'c1' }]),
    });

  // The key's two halves: neither may show, whatever the format.
  const halves = [API_KEY.slice(0, 8), API_KEY.slice(8)] as const;
  const cases = [
    { what: 'beyond Latin-1', key: `${API_KEY}€`, flaw: 'holds a character beyond Latin-1' },
    { what: 'a leading blank', key: ` ${API_KEY}`, flaw: 'begins with white space' },
    { what: 'a tab', key: `${halves[0]}\\t${halves[1]}`, flaw: 'holds \\t' },
  ] as const;

  for (const c of cases) {
    it(`validate and plan refuse one with ${c.what} at where it is written, never showing it`, async () => {
      project = await literalKeyProject(c.key);
      const error = `${KEY_AT}: error: api_key ${c.flaw}`;
      const shown: string[] = [];
      for (const args of [['validate'], ['plan']]) {
        const r = await runCli([...args, '--no-color'], { cwd: project.dir });
        expect(r.code, output(r)).toBe(1);
        expect(r.stderr).toContain(error);
        expect(r.stderr).toContain('which does not belong in the Authorization header');
        shown.push(output(r));
      }
      const json = await runCli(['validate', '--format', 'json'], { cwd: project.dir });
      expect(json.code, output(json)).toBe(1);
      const { errors } = JSON.parse(json.stdout) as { errors: { message: string }[] };
      expect(errors.map((e) => e.message)).toContainEqual(
        expect.stringContaining(`api_key ${c.flaw}`),
      );
      shown.push(output(json));
      for (const text of shown) {
        expect(text).not.toContain('€');
        for (const piece of halves) expect(text).not.toContain(piece);
      }
    });
  }
});
