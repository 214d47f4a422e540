import { buildCallsSchema, buildConfigSchema } from '../../options/schema.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';

export const command: CommandModule = {
  summary: 'print the JSON Schema',
  usage:
    'Usage: callops schema [--config]\n\nPrints the JSON Schema (draft 2020-12) of call files, or with --config of callops.yaml,\ngenerated from the table of documented call options.',
  options: { config: { type: 'boolean' } },
  run: async (ctx) => {
    const schema = ctx.values.config === true ? buildConfigSchema() : buildCallsSchema();
    ctx.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return EXIT.ok;
  },
};
