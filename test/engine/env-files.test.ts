import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.js';
import { envFileValues, secretEnvFiles } from '../../src/engine/known-secrets.js';
import { loadEnv } from '../../src/engine/prepare.js';
import { projectDirs } from '../support/project-dir.js';

const project = projectDirs('callops-env-files-');

/** The project's `.env` and another file, as `--env-file` names it (absolute here). */
const BOTH = {
  '.env': 'VG_API_KEY=from-dotenv\nAPP_SID=app-dotenv\nNUM1=+15550000001\n',
  'other.env': 'NUM1=+15550000002\nSECRET_TOKEN=tok-other\n',
};

/** loadEnv's refusal: its kind (`usage` exits 64, `invalid` 1) and message. */
const refusal = async (read: Promise<unknown>): Promise<[string, string]> => {
  const error = await read.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EngineError)) throw new Error(`not refused: ${String(error)}`);
  return [error.kind, error.message];
};

describe('loadEnv', () => {
  it('reads .env, then the file --env-file names over it; the real environment wins over both', async () => {
    const root = await project(BOTH);
    const env = await loadEnv({
      root,
      env: { APP_SID: 'app-real' },
      envFile: join(root, 'other.env'),
    });
    expect(env).toEqual({
      VG_API_KEY: 'from-dotenv',
      APP_SID: 'app-real',
      NUM1: '+15550000002',
      SECRET_TOKEN: 'tok-other',
    });
  });

  it('reads the --env-file alone when the project has no .env, and .env alone without the flag', async () => {
    const root = await project({ 'other.env': BOTH['other.env'] });
    expect(await loadEnv({ root, env: {}, envFile: join(root, 'other.env') })).toEqual({
      NUM1: '+15550000002',
      SECRET_TOKEN: 'tok-other',
    });
    const dotEnv = await project({ '.env': BOTH['.env'] });
    expect(await loadEnv({ root: dotEnv, env: {} })).toEqual({
      VG_API_KEY: 'from-dotenv',
      APP_SID: 'app-dotenv',
      NUM1: '+15550000001',
    });
  });

  it('reads a file once when --env-file names the project .env, its errors under the flag', async () => {
    const root = await project({ '.env': 'A=1\noops\n' });
    expect(await refusal(loadEnv({ root, env: {}, envFile: join(root, '.env') }))).toEqual([
      'usage',
      `--env-file ${join(root, '.env')}:2:1: not a variable: write NAME=value (NAME of letters, digits and _, not starting with a digit), or put # before a comment`,
    ]);
  });

  it('a --env-file that is not there stays a usage error naming the flag, whatever .env holds', async () => {
    const root = await project(BOTH);
    const missing = join(root, 'nope.env');
    expect(await refusal(loadEnv({ root, env: {}, envFile: missing }))).toEqual([
      'usage',
      `--env-file ${missing}: no such file`,
    ]);
  });

  it("a .env line that is no variable is an error naming .env under --env-file too; with the flag's own, both are said", async () => {
    const root = await project({ '.env': 'A=1\noops\n', 'other.env': 'B=2\n', 'bad.env': '=x\n' });
    expect(await refusal(loadEnv({ root, env: {}, envFile: join(root, 'other.env') }))).toEqual([
      'invalid',
      '.env:2:1: not a variable: write NAME=value (NAME of letters, digits and _, not starting with a digit), or put # before a comment',
    ]);
    const [kind, message] = await refusal(
      loadEnv({ root, env: {}, envFile: join(root, 'bad.env') }),
    );
    // What was typed is wrong: a usage error, the project's file said with it.
    expect(kind).toBe('usage');
    expect(message.split('\n').map((line) => line.split(': ')[0])).toEqual([
      '.env:2:1',
      `--env-file ${join(root, 'bad.env')}:1:1`,
    ]);
  });

  it('a .env that is a link to nothing is read and its error said, beside --env-file', async () => {
    const root = await project({ 'other.env': 'B=2\n' });
    await symlink(join(root, 'gone.env'), join(root, '.env'));
    const [kind, message] = await refusal(
      loadEnv({ root, env: {}, envFile: join(root, 'other.env') }),
    );
    expect(kind).toBe('invalid');
    expect(message).toMatch(/^\.env: /);
  });
});

describe('the env files whose values are secrets', () => {
  it("are both files under --env-file: what the command reads, and .env's own values (one the flag's file overrides too)", async () => {
    const root = await project(BOTH);
    const envFile = join(root, 'other.env');
    expect(await envFileValues(root, envFile)).toEqual({
      VG_API_KEY: 'from-dotenv',
      APP_SID: 'app-dotenv',
      NUM1: '+15550000002',
      SECRET_TOKEN: 'tok-other',
    });
    const { file, project: own } = await secretEnvFiles(root, envFile);
    expect(file.SECRET_TOKEN).toBe('tok-other');
    expect(own.NUM1).toBe('+15550000001');
  });
});
