import { createInterface } from 'node:readline/promises';
import type { PlanItem } from '../plan/types.js';
import { printable } from '../report/printable.js';
import type { CommandContext } from './context.js';

/** On a terminal: show whom each due call dials and ask; only "yes" or "y" places them. */
export const confirm = async (
  ctx: CommandContext,
  due: readonly PlanItem[],
  note: string,
): Promise<boolean> => {
  ctx.stderr.write(`${note}\n`);
  const shown = due.slice(0, 20);
  for (const item of shown) {
    const again = item.replaces === undefined ? '' : `  (again: ${item.reason ?? 'replacement'})`;
    ctx.stderr.write(`  + ${printable(`${item.key}  → ${item.to}${again}`)}\n`);
  }
  if (due.length > shown.length)
    ctx.stderr.write(`  … and ${due.length - shown.length} more (see \`callops plan\`)\n`);
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  // On a terminal readline reads Ctrl-C as a key; make it the signal callops handles.
  rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
  try {
    const answer = await rl.question(
      `Place ${due.length} call${due.length === 1 ? '' : 's'}? Type yes to go on: `,
      {
        signal: ctx.signal,
      },
    );
    return /^(y|yes)$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
};
