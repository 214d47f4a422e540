import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeStyle } from '../../report/style.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { main } from '../main.js';

const EXAMPLES = fileURLToPath(new URL('../../../calls', import.meta.url));

/**
 * Copies the examples into a fresh temporary project (so the repository stays clean), then
 * applies them against the built-in simulator, prints the lockfile, and applies again to
 * show that nothing is placed twice.
 */
export const command: CommandModule = {
  summary: 'apply the examples against the built-in simulator',
  usage:
    'Usage: callops demo\n\nCopies calls/ into a temporary project, applies it against the built-in simulator,\nprints the lockfile, and applies again to show that nothing is placed twice.',
  options: {},
  refuses: {
    target: 'demo always places its examples on the built-in simulator: it takes no --target',
    'env-file': 'demo applies its own examples, which need no variables: it takes no --env-file',
    format: 'demo shows each command as a person sees it: it takes no --format',
    now: 'demo places its examples now: it takes no --now (`callops plan --now ISO` previews a project)',
  },
  run: async (ctx) => {
    const dir = await mkdtemp(join(tmpdir(), 'callops-demo-'));
    await cp(EXAMPLES, join(dir, 'calls'), { recursive: true });
    const style = makeStyle(ctx.color);
    const say = (text: string) => ctx.stdout.write(`\n${style('bold', `$ ${text}`)}\n`);
    const common = ['-C', dir, ...(ctx.color ? [] : ['--no-color'])];
    say('callops validate');
    let code = await main(['validate', ...common]);
    if (code !== EXIT.ok) return code;
    say('callops plan');
    code = await main(['plan', ...common]);
    if (code !== EXIT.ok) return code;
    say('callops apply --yes');
    code = await main(['apply', '--yes', ...common]);
    if (code !== EXIT.ok) return code;
    say('cat callops.lock');
    ctx.stdout.write(await readFile(join(dir, 'callops.lock'), 'utf8'));
    say('callops apply --yes   # again: everything is placed already');
    code = await main(['apply', '--yes', ...common]);
    ctx.stdout.write(`\nThe demo project is in ${dir}\n`);
    return code;
  },
};
