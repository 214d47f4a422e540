import { jambonzSignature } from '../../src/simulator/index.js';
import { send } from '../simulator/client.js';
import { collect, spawnCli, waitFor } from './helpers.js';

/** `callops receive --port 0` in the project; resolves once it printed its URL. */
export const startReceive = async (dir: string, env: Record<string, string>) => {
  const child = spawnCli(['receive', '--port', '0'], { cwd: dir, env });
  let text = '';
  let errors = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  const done = collect(child, 60_000);
  const url = await waitFor('the receiver to print its URL', () => {
    if (child.exitCode !== null) throw new Error(`receive exited ${child.exitCode}`);
    return /^(http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
  });
  return { child, url, done, stdout: () => text, stderr: () => errors };
};

/** POSTs `body` to the receiver at `url`, signed now with `secret`, as the gateway does. */
export const postSigned = async (url: string, secret: string, body: string) => {
  const headers = {
    'content-type': 'application/json',
    'jambonz-signature': jambonzSignature(secret, Math.floor(Date.now() / 1000), body),
  };
  return send(url, { method: 'POST', path: '/', body, headers });
};
