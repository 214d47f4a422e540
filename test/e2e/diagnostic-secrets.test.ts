// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, everyOutput, type Gateway, output, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** The api key, as the environment or `.env` gives it. */
const CANARY = 'sk-live-CANARY-0123456789';
/** An `.env` value nothing references: still a secret of the project. */
const UNREFERENCED = 'Tq7unreferencedCANARYw3';

const gateway = async (files: Readonly<Record<string, string>>): Promise<Gateway> => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]), ...files });
  open.push(gw);
  return gw;
};

describe('diagnostics', () => {
  it('never show a secret the project knows, in any command or format', async () => {
    // A file of the project (a link to it is followed) holding the api key and an `.env`
    // value: shown back as the call file it is not.
    const notes = `VG_API_KEY=${CANARY}\nOTHER_TOKEN=${UNREFERENCED}\n`;
    for (const source of ['.env', 'environment']) {
      const gw = await gateway({ 'notes.txt': notes });
      await symlink('../notes.txt', join(gw.project.dir, 'calls/x.yaml'));
      if (source === '.env') await gw.project.write('.env', notes);
      const env =
        source === '.env' ? { VG_API_KEY: undefined } : { VG_API_KEY: CANARY, OTHER: undefined };
      for (const { what, r } of await everyOutput(gw, env)) {
        const all = output(r);
        expect(r.code, `${source}: ${what}`).toBe(1);
        expect(all, `${source}: ${what}`).toContain('calls/x.yaml');
        expect(all, `${source}: ${what}`).not.toContain(CANARY);
        if (source === '.env') expect(all, `${source}: ${what}`).not.toContain(UNREFERENCED);
        if (what.endsWith('human'))
          expect(r.stderr, `${source}: ${what}`).toContain('VG_API_KEY=${VG_API_KEY}');
      }
      expect(gw.sim.received(), source).toHaveLength(0);
    }
  }, 120_000);

  it('never show the start of a secret that a value preview cuts off', async () => {
    // Secrets pasted into call options by mistake: the message quotes the first 40
    // characters of the value, and each secret runs past them (21 of its characters shown).
    const pasted = (secret: string) => `"pasted by mistake: ${secret}"`;
    const calls = callsYaml([
      {
        name: 'one',
        extra: [`timeLimit: ${pasted(CANARY)}`, `timeout: ${pasted(UNREFERENCED)}`],
      },
    ]);
    const notes = `VG_API_KEY=${CANARY}\nOTHER_TOKEN=${UNREFERENCED}\n`;
    for (const source of ['.env', 'environment']) {
      const gw = await gateway({ 'calls/a.yaml': calls });
      if (source === '.env') await gw.project.write('.env', notes);
      const env =
        source === '.env' ? { VG_API_KEY: undefined } : { VG_API_KEY: CANARY, OTHER: undefined };
      for (const { what, r } of await everyOutput(gw, env)) {
        const all = output(r);
        expect(r.code, `${source}: ${what}`).toBe(1);
        expect(all, `${source}: ${what}`).toContain('must be an integer, got string');
        expect(all, `${source}: ${what}`).toContain('pasted by mistake: ${VG_API_KEY}…');
        expect(all, `${source}: ${what}`).not.toContain(CANARY.slice(0, 6));
        if (source === '.env') {
          expect(all, `${source}: ${what}`).toContain('pasted by mistake: ${OTHER_TOKEN}…');
          expect(all, `${source}: ${what}`).not.toContain(UNREFERENCED.slice(0, 6));
        }
      }
      expect(gw.sim.received(), source).toHaveLength(0);
    }
  }, 120_000);
});

describe('diagnostics with --env-file naming another file', () => {
  it("never show a value of the project's own .env, read or not", async () => {
    // The value quoted by a diagnostic and by the source line under it; --env-file names a
    // file that does not hold it, the project's `.env` does.
    const calls = callsYaml([{ name: 'one', extra: [`timeout: ${UNREFERENCED}`] }]);
    const gw = await gateway({
      'calls/a.yaml': calls,
      '.env': `OTHER_TOKEN=${UNREFERENCED}\n`,
      'ci/ci.env': `VG_API_KEY=${CANARY}\n`,
    });
    const results = await everyOutput(gw, { VG_API_KEY: undefined }, ['--env-file', 'ci/ci.env']);
    for (const { what, r } of results) {
      const all = output(r);
      expect(r.code, `${what}: ${all}`).toBe(1);
      expect(all, what).toContain('must be an integer, got string');
      expect(all, what).toContain('${OTHER_TOKEN}');
      expect(all, what).not.toContain(UNREFERENCED.slice(0, 6));
      expect(all, what).not.toContain(CANARY);
    }
    const human = results.find((x) => x.what === 'validate human')?.r.stderr;
    expect(human).toContain('calls/a.yaml:7:14: error: must be an integer');
    expect(human).toContain('    7 |     timeout: ${OTHER_TOKEN}\n');
    expect(gw.sim.received()).toHaveLength(0);
  }, 120_000);
});

describe('a short api key (under 4 characters)', () => {
  it('leaves every location whole and is replaced where it stands as a word', async () => {
    const gw = await gateway({});
    for (const key of ['a', '1', 'y']) {
      await gw.project.write(
        'calls/b.yaml',
        callsYaml([{ name: 'b', extra: [`timeout: "${key}"`] }]),
      );
      const env = { VG_API_KEY: key };
      const human = await gw.run(['validate'], env);
      expect(human.stderr, key).toContain(
        'calls/b.yaml:7:14: error: must be an integer, got string "${VG_API_KEY}"',
      );
      expect(human.stderr, key).toContain(
        '    7 |     timeout: "${VG_API_KEY}"\n      |              ^\n',
      );
      const json = JSON.parse((await gw.run(['validate', '--format', 'json'], env)).stdout);
      expect(json.errors, key).toEqual([
        expect.objectContaining({
          file: 'calls/b.yaml',
          line: 7,
          column: 14,
          message: expect.stringContaining('must be an integer, got string "${VG_API_KEY}"'),
        }),
      ]);
      const github = await gw.run(['validate', '--format', 'github'], env);
      expect(github.stdout, key).toContain(
        '::error file=calls/b.yaml,line=7,col=14,title=callops%3A /calls/0/timeout::must be an integer, got string "${VG_API_KEY}"',
      );
      for (const r of [human, github]) expect(output(r), key).not.toContain(`"${key}"`);
    }
    await gw.project.write('calls/b.yaml', callsYaml([{ name: 'b' }]));

    // Written literally: the warning's location and message stay whole.
    const literal = (await gw.project.read('callops.yaml')).replace('${VG_API_KEY}', 'y');
    await gw.project.write('callops.yaml', literal);
    const warned = await gw.run(['validate'], { VG_API_KEY: undefined });
    expect(warned.stderr).toContain(
      'callops.yaml:5:14: warning: `api_key` is written in the file; use a reference such as ${VG_API_KEY}',
    );

    // A gateway refusing the key: the reason is shown, not blanked.
    const applied = await gw.run(['apply', '--yes'], { VG_API_KEY: undefined });
    expect(applied.code).toBe(1);
    expect(applied.stdout).toMatch(/failed +sim\/b +\S.*401/);
    expect((await gw.project.lock())?.calls['sim/b']?.message).toMatch(/401|unauthori[sz]ed/i);
  }, 60_000);
});

describe(".env values that are settings, or callops' own words", () => {
  /** Values no one would call secret, beside one that is. */
  const dotEnv = [
    'DEBUG=true',
    'MODE=false',
    'TZ_NAME=Europe/Berlin',
    'PORT=8080',
    'REGION=tenant',
    'KIND=phone',
    'FIELD=timeout',
    `OTHER_TOKEN=${UNREFERENCED}`,
    '',
  ].join('\n');

  it("never rewrite a message's own words: true or false, a did-you-mean, the values allowed", async () => {
    const gw = await gateway({
      '.env': dotEnv,
      'calls/a.yaml': callsYaml([
        {
          name: 'one',
          extra: ['answerOnBridge: "yes"', 'timout: 5', 'timeLimit: "tenant"'],
        },
        { name: 'four', extra: [`timeLimit: "${UNREFERENCED}"`] },
        { name: 'two', extra: ['schedule: { cron: "0 9 * * *", timezone: Europe/Berln }'] },
        { name: 'three', to: '{ type: phon, number: "+15550002002" }' },
      ]),
    });
    for (const { what, r } of await everyOutput(gw)) {
      const all = output(r).replaceAll('\\"', '"');
      expect(r.code, `${what}: ${all}`).toBe(1);
      for (const said of [
        'must be true or false, got string "yes" (YAML 1.2 reads `yes` as text: write true or false)',
        'unknown option `timout` — did you mean `timeout`?',
        'unknown time zone `Europe/Berln` — did you mean `Europe/Berlin`?',
        'must be one of `phone`, `sip`, `user`, `teams`, got string "phon" — did you mean `phone`?',
        // What the user wrote is still hidden, short value or not.
        'must be an integer, got string "${REGION}"',
        'must be an integer, got string "${OTHER_TOKEN}"',
      ])
        expect(all, what).toContain(said);
      for (const name of ['DEBUG', 'MODE', 'TZ_NAME', 'KIND', 'FIELD'])
        expect(all, what).not.toContain(`\${${name}}`);
      expect(all, what).not.toContain(UNREFERENCED.slice(0, 6));
    }
    expect(gw.sim.received()).toHaveLength(0);
  }, 120_000);

  it('on the target line, hide a short value only where it is a whole segment of the path', async () => {
    const gw = await gateway({ '.env': dotEnv });
    const config = await gw.project.read('callops.yaml');
    const base = `${gw.sim.url}/api/v1/gw8080/tenant`;
    await gw.project.write('callops.yaml', config.replace(gw.sim.url, base));
    const r = await gw.run(['plan']);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`target sim: ${gw.sim.url}/api/v1/gw8080/\${REGION}`);
  }, 60_000);
});

describe('usage errors', () => {
  it('never quote a secret typed on the command line', async () => {
    const secret = 'CnRy9xK3yZZsecret';
    const gw = await gateway({ '.env': `API_KEY=${secret}\n`, 'other.env': 'OTHER=x\n' });
    const typed = [
      ['resolve', `sim/${secret}`, '--not-placed'],
      ['plan', '--only', secret],
      ['apply', '--yes', '--replace', secret],
      ['plan', '--target', secret],
      ['report', secret],
      ['status', '--campaign', secret],
      ['plan', '--now', secret],
      ['apply', '--yes', '--wait', secret],
      ['apply', '--yes', '--rate', secret],
      ['plan', '--format', secret],
      ['plan', '--out', `${secret}/x`],
      ['plan', '--env-file', secret],
      ['plan', '--env-file', 'other.env', '--only', secret],
      ['plan', `--${secret}`],
      [secret],
    ];
    for (const args of typed) {
      const r = await gw.run(args);
      const what = args.join(' ');
      expect([1, 64], `${what}: ${output(r)}`).toContain(r.code);
      expect(output(r), what).not.toContain(secret);
      expect(r.stderr, what).toContain('${API_KEY}');
    }
    // The api key, from the environment, as the command resolves it.
    const key = await gw.run(['plan', '--only', gw.env.VG_API_KEY ?? '']);
    expect(key.stderr).toContain('--only ${VG_API_KEY}: no call of that name');
    expect(gw.sim.received()).toHaveLength(0);
  }, 60_000);

  it('never quote the part of a secret before its `=` that the parser cuts an option at', async () => {
    const key = 'CaNaRy9&w<"q>%2F+/=zz';
    const token = 'Tok3nPart0ne=Tok3nPartTwo';
    const gw = await gateway({ '.env': `OTHER_TOKEN=${token}\n` });
    const cases = [
      { args: ['plan', `--${key}`], shown: "Unknown option '--${CALLOPS_API_KEY}'" },
      { args: [`--${key}`, 'plan'], shown: "Unknown option '--${CALLOPS_API_KEY}'" },
      { args: ['plan', `--${token}`], shown: "Unknown option '--${OTHER_TOKEN}'" },
      { args: ['plan', `--x${token}`], shown: "Unknown option '--x${OTHER_TOKEN}'" },
    ];
    for (const { args, shown } of cases) {
      const r = await gw.run(args, { CALLOPS_API_KEY: key });
      const what = args.join(' ');
      expect(r.code, `${what}: ${output(r)}`).toBe(64);
      expect(r.stderr, what).toContain(shown);
      expect(output(r), what).not.toContain('CaNaRy9');
      expect(output(r), what).not.toContain('Tok3nPart');
    }
    expect(gw.sim.received()).toHaveLength(0);
  }, 60_000);
});
