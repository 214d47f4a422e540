// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';
import { callsYaml, makeProject, output, type Project, runCli } from './helpers.js';
import { queryDatabase } from './postgres-project.js';

// The database url is in `.env`, every value of which is a secret: its start `postgres` is
// also an ordinary word, which ends messages and source lines.
const PASSWORD = 'Pw-canary-4821';

let server: TestPostgres;
let project: Project;
beforeAll(async () => {
  server = await startPostgres();
  // A role that may connect but not create callops' schema in the database.
  await queryDatabase(server.url, `CREATE ROLE canary LOGIN PASSWORD '${PASSWORD}'`);
  project = await makeProject({
    'calls/a.yaml': callsYaml([{ name: 'a' }]),
    '.env': `CALLOPS_DATABASE_URL=postgres://canary:${PASSWORD}@127.0.0.1:${server.port}/postgres\n`,
  });
}, 60_000);
afterAll(async () => {
  await project?.cleanup();
  await server?.stop();
});

const STATE = (backend: string) =>
  ['state:', `  ${backend}: postgres`, '  url: ${CALLOPS_DATABASE_URL}', ''].join('\n');

describe('the word `postgres` that starts a secret database url', () => {
  it("stays itself in a YAML error's source line, where it ends the line", async () => {
    await project.write('callops.yaml', STATE('backnd'));
    const r = await runCli(['validate'], { cwd: project.dir });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toContain('    2 |   backnd: postgres\n');
    expect(output(r)).not.toContain('backnd: ${CALLOPS_DATABASE_URL}');
  });

  it("stays itself in the database's refusal, which ends with it; the url is still hidden", {
    timeout: 30_000,
  }, async () => {
    await project.write('callops.yaml', STATE('backend'));
    const r = await runCli(['status'], { cwd: project.dir, timeoutMs: 20_000 });
    expect(r.code, output(r)).toBe(1);
    expect(r.stderr).toMatch(/permission denied for database postgres\b/);
    expect(output(r)).not.toContain('database ${CALLOPS_DATABASE_URL}');
    expect(output(r)).not.toContain(PASSWORD);
  });
});
