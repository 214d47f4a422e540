// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files and callops.yaml hold literal ${VAR} references
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, everyOutput, type Gateway, output, startGateway } from './helpers.js';

const open: Gateway[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()));
});

/** The api key, as the environment or `.env` gives it. */
const CANARY = 'sk-live-CANARY-0123456789';
/** An `.env` value nothing references: still a secret of the project. */
const UNREFERENCED = 'Tq7unreferencedCANARYw3';

const gateway = async (files: Readonly<Record<string, string>>): Promise<Gateway> => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([{ name: 'one' }]), ...files });
  open.push(gw);
  return gw;
};

describe('diagnostics', () => {
  it('never show a secret the project knows, in any command or format', async () => {
    // A file of the project (a link to it is followed) holding the api key and an `.env`
    // value: shown back as the call file it is not.
    const notes = `VG_API_KEY=${CANARY}\nOTHER_TOKEN=${UNREFERENCED}\n`;
    for (const source of ['.env', 'environment']) {
      const gw = await gateway({ 'notes.txt': notes });
      await symlink('../notes.txt', join(gw.project.dir, 'calls/x.yaml'));
      if (source === '.env') await gw.project.write('.env', notes);
      const env =
        source === '.env' ? { VG_API_KEY: undefined } : { VG_API_KEY: CANARY, OTHER: undefined };
      for (const { what, r } of await everyOutput(gw, env)) {
        const all = output(r);
        expect(r.code, `${source}: ${what}`).toBe(1);
        expect(all, `${source}: ${what}`).toContain('calls/x.yaml');
        expect(all, `${source}: ${what}`).not.toContain(CANARY);
        if (source === '.env') expect(all, `${source}: ${what}`).not.toContain(UNREFERENCED);
        if (what.endsWith('human'))
          expect(r.stderr, `${source}: ${what}`).toContain('VG_API_KEY=${VG_API_KEY}');
      }
      expect(gw.sim.received(), source).toHaveLength(0);
    }
  }, 120_000);
});
