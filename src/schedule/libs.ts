import { createRequire } from 'node:module';

/**
 * luxon and cron, loaded on first use: a project without schedules never loads them. Both
 * through require, so luxon loads once: cron requires luxon's CommonJS build, and an
 * `import` of luxon would load its ES module build beside it.
 */

const require = createRequire(import.meta.url);

let luxonModule: typeof import('luxon') | undefined;
let cronModule: typeof import('cron') | undefined;

export const luxon = (): typeof import('luxon') => {
  luxonModule ??= require('luxon') as typeof import('luxon');
  return luxonModule;
};

export const cron = (): typeof import('cron') => {
  cronModule ??= require('cron') as typeof import('cron');
  return cronModule;
};
