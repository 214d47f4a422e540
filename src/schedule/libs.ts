import { createRequire } from 'node:module';

/**
 * luxon and cron, loaded on first use: a project without schedules never loads them. Both
 * through require, so luxon loads once: cron requires luxon's CommonJS build, and an
 * `import` of luxon would load its ES module build beside it.
 */

const require = createRequire(import.meta.url);

let luxonModule: typeof import('luxon') | undefined;
type Cron = Pick<typeof import('cron'), 'CronTime' | 'validateCronExpression'>;
let cronModule: Cron | undefined;

export const luxon = (): typeof import('luxon') => {
  luxonModule ??= require('luxon') as typeof import('luxon');
  return luxonModule;
};

/** cron's parser alone: its index also loads its job runner, and with it child_process. */
export const cron = (): Cron => {
  if (cronModule === undefined) {
    const { CronTime } = require('cron/dist/time.js') as typeof import('cron/dist/time.js');
    cronModule = { CronTime, validateCronExpression: CronTime.validateCronExpression };
  }
  return cronModule;
};
