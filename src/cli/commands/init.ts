import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';

const CONFIG = `# yaml-language-server: $schema=./node_modules/callops/schemas/callops-config.schema.json
# callops project configuration — \`callops schema --config\` prints every key.
#
# Without targets, commands use the built-in simulator: nothing real is dialled.
# targets:
#   production:
#     base_url: https://vg.example.com        # no trailing /v1
#     account_sid: \${VG_ACCOUNT_SID}
#     api_key: \${VG_API_KEY}                  # always a secret: keep it in the environment
#     concurrency: 4
#     rate: 5/s
#     request_timeout: 15s
# default_target: production
calls: ["calls/**/*.yaml", "calls/**/*.yml"]
lockfile: callops.lock
defaults:
  timeout: 45
`;

const EXAMPLE = `# yaml-language-server: $schema=../node_modules/callops/schemas/callops-calls.schema.json
defaults:
  application_sid: \${APP_SID:-00000000-0000-4000-8000-000000000000}
  from: "+15550001111"
calls:
  - name: example-call
    to: { type: phone, number: "+15550002222" }
    tag: { purpose: example }
`;

const IGNORE_LINES = ['.callops/', '.env'];

const exists = async (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

export const command: CommandModule = {
  summary: 'scaffold a project',
  usage:
    'Usage: callops init [DIR]\n\nWrites callops.yaml, calls/example.yaml and .gitignore lines; never overwrites a file.',
  options: {},
  allowPositionals: true,
  run: async (ctx) => {
    const dir = resolve(ctx.root, ctx.positionals[0] ?? '.');
    await mkdir(join(dir, 'calls'), { recursive: true });
    const written: string[] = [];
    for (const [name, text] of [
      ['callops.yaml', CONFIG],
      ['calls/example.yaml', EXAMPLE],
    ] as const) {
      const path = join(dir, name);
      if (await exists(path)) {
        ctx.stdout.write(`kept     ${name} (already there)\n`);
        continue;
      }
      await writeFile(path, text, { flag: 'wx' });
      written.push(name);
      ctx.stdout.write(`created  ${name}\n`);
    }
    const ignorePath = join(dir, '.gitignore');
    const current = (await exists(ignorePath)) ? await readFile(ignorePath, 'utf8') : '';
    const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
    const add = IGNORE_LINES.filter((l) => !have.has(l));
    if (add.length > 0) {
      const prefix = current === '' || current.endsWith('\n') ? '' : '\n';
      await writeFile(ignorePath, `${current}${prefix}${add.join('\n')}\n`);
      ctx.stdout.write(`updated  .gitignore (${add.join(', ')})\n`);
    }
    ctx.stdout.write('Next: callops validate && callops plan\n');
    return EXIT.ok;
  },
};
