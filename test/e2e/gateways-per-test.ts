import { afterEach } from 'vitest';
import { type Gateway, startGateway } from './helpers.js';

/**
 * `startGateway` for a test file whose gateways each close after the test that started
 * them (simulator stopped, project removed): call it once, at the top of the file.
 */
export const gatewaysClosedAfterEach = (): typeof startGateway => {
  const open: Gateway[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((g) => g.close()));
  });
  return async (calls, options) => {
    const gw = await startGateway(calls, options);
    open.push(gw);
    return gw;
  };
};
