import { afterAll, beforeAll } from 'vitest';
import { openPostgresStore } from '../../../src/state/postgres/store.js';
import { startPostgres, type TestPostgres } from '../../support/postgres.js';
import { describeStoreContract } from './contract.js';

let server: TestPostgres;
let database: string;
let projects = 0;

beforeAll(async () => {
  server = await startPostgres();
  database = await server.freshDatabase();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describeStoreContract({
  name: 'postgres',
  // One schema per project: projects on one database stay apart, as they do for users.
  project: async () => {
    const spec = { backend: 'postgres', url: database, schema: `project_${++projects}` };
    return {
      spec,
      open: () =>
        openPostgresStore({ url: spec.url, schema: spec.schema, command: 'callops apply' }),
    };
  },
});
