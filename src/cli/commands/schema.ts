import { buildCallsSchema, buildConfigSchema } from '../../options/schema.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';

export const command: CommandModule = {
  summary: 'print the JSON Schema',
  usage:
    'Usage: callops schema [--config]\n\nPrints the JSON Schema (draft 2020-12) of call files, or with --config of callops.yaml,\ngenerated from the table of documented call options.',
  options: { config: { type: 'boolean' } },
  refuses: {
    target: 'schema prints the same schema for every target: it takes no --target',
    'env-file': 'schema reads no variables: it takes no --env-file',
    format: 'schema prints JSON Schema, nothing else: it takes no --format',
    now: 'schema evaluates no schedule: it takes no --now',
  },
  run: async (ctx) => {
    const schema = ctx.values.config === true ? buildConfigSchema() : buildCallsSchema();
    ctx.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    return EXIT.ok;
  },
};
