// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { startPostgres } from './postgres.js';

/** Where an end-to-end project keeps its state: the `state:` of its callops.yaml. */
export interface StateBackend {
  readonly name: 'file' | 'postgres';
  /** Starts what the backend needs (a PostgreSQL server for postgres). */
  start(): Promise<{
    /** The `state:` lines of callops.yaml. */
    readonly state: readonly string[];
    /** What the commands need in their environment (the database URL). */
    readonly env: Readonly<Record<string, string>>;
    /** Restart the server keeping its data (postgres only), as an operator's restart does. */
    restart?(downMs?: number): Promise<void>;
    stop(): Promise<void>;
  }>;
}

/** The `state:` lines of callops.yaml for a PostgreSQL store, its URL from CALLOPS_DATABASE_URL. */
export const POSTGRES_STATE: readonly string[] = [
  'state:',
  '  backend: postgres',
  '  url: ${CALLOPS_DATABASE_URL}',
];

export const STATE_BACKENDS: Readonly<Record<StateBackend['name'], StateBackend>> = {
  file: {
    name: 'file',
    start: async () => ({ state: ['state:', '  backend: file'], env: {}, stop: async () => {} }),
  },
  postgres: {
    name: 'postgres',
    start: async () => {
      const server = await startPostgres();
      try {
        const url = await server.freshDatabase();
        return {
          state: POSTGRES_STATE,
          env: { CALLOPS_DATABASE_URL: url },
          restart: (downMs?: number) => server.restart(downMs),
          stop: () => server.stop(),
        };
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
  },
};
