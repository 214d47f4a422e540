// biome-ignore-all lint/suspicious/noTemplateCurlyInString: callops.yaml holds literal ${VAR} references
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/index.js';
import {
  ACCOUNT_SID,
  API_KEY,
  callsPerNumber,
  callsYaml,
  type Gateway,
  output,
  SIM_UNRESOLVED,
  simUnresolvedBeside,
  startGateway,
  withoutRecordedGateways,
} from './helpers.js';

/**
 * A target renamed in callops.yaml (`sim:` → `production:`, the same base_url and account_sid):
 * every key names its target, so every call the old name placed would be placed again under
 * the new one. The real CLI, the file store, the built-in simulator: each number is dialled
 * once across the rename.
 */

let gw: Gateway | undefined;
let other: RunningSimulator | undefined;
afterEach(async () => {
  await gw?.close();
  await other?.close();
  gw = undefined;
  other = undefined;
});

const ONE = '+15550160001';
const TWO = '+15550160002';
const DAILY = '+15550160009';

/** Two unscheduled calls and one every ten minutes, as a contact centre keeps them. */
const CALLS = callsYaml([
  { name: 'c1', to: `{ type: phone, number: "${ONE}" }` },
  { name: 'c2', to: `{ type: phone, number: "${TWO}" }` },
  {
    name: 'daily',
    to: `{ type: phone, number: "${DAILY}" }`,
    extra: ['schedule: { cron: "*/10 * * * *", deadline: 10m }'],
  },
]);

/** 10:01:10 and a minute later: both within the 10:00 slot's deadline. */
const FIRST = '2026-12-03T10:01:10Z';
const LATER = '2026-12-03T10:02:10Z';
const SLOT = '2026-12-03T10:00:00Z';

/** callops.yaml with the target's lines as the helpers write them, named `name`. */
const renamed = (config: string, name: string): string =>
  config
    .replace(/^ {2}sim:$/m, `  ${name}:`)
    .replace(/^default_target: sim$/m, `default_target: ${name}`);

interface PlanJson {
  due: { key: string }[];
  skipped: { key: string; reason?: string }[];
  goneTargets?: { target: string; entries: number }[];
  sameGateway?: { target: string; entries: number }[];
  unresolvedTargets?: { target: string; entries: number; held?: number; otherGateway?: number }[];
}

const planJson = async (g: Gateway, now: string, args: string[] = [], env = {}) => {
  const r = await g.run(['plan', '--format', 'json', '--now', now, ...args], env);
  expect(r.code, output(r)).toBe(0);
  return JSON.parse(r.stdout) as PlanJson;
};

/** The project applied once under its target `sim`: 3 calls placed. */
const placedUnderSim = async (): Promise<Gateway> => {
  const g = await startGateway({ 'calls/a.yaml': CALLS });
  gw = g;
  const first = await g.run(['apply', '--yes', '--now', FIRST]);
  expect(first.code, output(first)).toBe(0);
  expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
  return g;
};

describe('a target renamed in callops.yaml, the same gateway', () => {
  it('places nothing again; plan, JSON and markdown say why; the next slot and --replace go on', {
    timeout: 60_000,
  }, async () => {
    const g = await placedUnderSim();
    const config = await g.project.read('callops.yaml');
    await g.project.write('callops.yaml', renamed(config, 'production'));

    const plan = await planJson(g, LATER);
    expect(plan.due).toEqual([]);
    expect(plan.goneTargets).toEqual([{ target: 'sim', entries: 3 }]);
    expect(plan.skipped.map((i) => i.key).sort()).toEqual([
      'production/c1',
      'production/c2',
      `production/daily@${SLOT}`,
    ]);
    const c1 = plan.skipped.find((i) => i.key === 'production/c1');
    expect(c1?.reason).toMatch(
      /^not placed: already placed as sim\/c1 \(placed \S+ at \S+\), the same call under target sim, which this checkout's callops.yaml does not define: a call is placed once, whatever its target's name; `callops apply --replace c1` places it again on target production$/,
    );
    const daily = plan.skipped.find((i) => i.key === `production/daily@${SLOT}`);
    expect(daily?.reason).toMatch(
      /^not placed: this slot already dialled its number as sim\/daily@2026-12-03T10:00:00Z \(placed .*the same call under target sim, which this checkout's callops.yaml does not define: a slot is placed once, whatever its target's name; the next slot is placed as usual$/,
    );

    const human = await g.run(['plan', '--now', LATER]);
    expect(human.stdout).toContain(
      "target sim is not defined in this checkout's callops.yaml: its 3 entries stay in the lockfile, and no call, slot or row placed under it is placed again under another target's name",
    );
    // Missed slots as the old target would list them (a rehearsal remembers none reported).
    expect(human.stdout).toMatch(/Plan: 0 to place, \d+ missed, 3 skipped/);
    const markdown = await g.run(['plan', '--format', 'markdown', '--now', LATER]);
    expect(markdown.stdout).not.toContain('No call was added, changed or removed');
    expect(markdown.stdout).toContain(
      "**Targets not defined in this checkout's callops.yaml (1)**",
    );
    expect(markdown.stdout).toContain('- `sim` (3 entries)');
    expect(markdown.stdout).toContain('### Skipped: 3');

    const again = await g.run(['apply', '--yes', '--now', LATER]);
    expect(again.code, output(again)).toBe(0);
    expect(again.stdout).toContain("target sim is not defined in this checkout's callops.yaml");
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });

    // The next slot is placed under the new name, and only it.
    const next = await g.run(['apply', '--yes', '--now', '2026-12-03T10:10:20Z']);
    expect(next.code, output(next)).toBe(0);
    expect(next.stdout).toContain('placed  production/daily@2026-12-03T10:10:00Z');
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 2 });

    // Placed again deliberately: the one named, once.
    const replaced = await g.run([
      'apply',
      '--yes',
      '--replace',
      'c1',
      '--now',
      '2026-12-03T10:10:30Z',
    ]);
    expect(replaced.code, output(replaced)).toBe(0);
    expect(replaced.stdout).toContain('placed  production/c1');
    expect(callsPerNumber(g)).toEqual({ [ONE]: 2, [TWO]: 1, [DAILY]: 2 });
  });
});

describe('the same gateway under a second name, or from CALLOPS_* variables', () => {
  it('places nothing again under the other name', { timeout: 60_000 }, async () => {
    const g = await placedUnderSim();
    const config = await g.project.read('callops.yaml');
    // `production` beside `sim`, the same base_url (written with a trailing slash) and account.
    const url = g.sim.url;
    await g.project.write(
      'callops.yaml',
      config.replace(
        'default_target: sim',
        [
          '  production:',
          `    base_url: ${url}/`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
          'default_target: production',
        ].join('\n'),
      ),
    );
    const plan = await planJson(g, LATER);
    expect(plan.due).toEqual([]);
    expect(plan.sameGateway).toEqual([{ target: 'sim', entries: 3 }]);
    expect(plan.skipped.find((i) => i.key === 'production/c2')?.reason).toContain(
      'the same call under target sim, the same gateway as target production (its base_url and account_sid): a call is placed once on a gateway',
    );
    const again = await g.run(['apply', '--yes', '--now', LATER]);
    expect(again.code, output(again)).toBe(0);

    // The gateway from the environment: target `env`.
    const env = {
      CALLOPS_BASE_URL: url,
      CALLOPS_ACCOUNT_SID: ACCOUNT_SID,
      CALLOPS_API_KEY: API_KEY,
    };
    const fromEnv = await g.run(['apply', '--yes', '--target', 'env', '--now', LATER], env);
    expect(fromEnv.code, output(fromEnv)).toBe(0);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
  });

  it('another gateway beside it is another gateway: each call placed there once', {
    timeout: 60_000,
  }, async () => {
    const g = await placedUnderSim();
    other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    const config = await g.project.read('callops.yaml');
    await g.project.write(
      'callops.yaml',
      config.replace(
        'default_target: sim',
        [
          '  staging:',
          `    base_url: ${other.url}`,
          '    account_sid: ${VG_ACCOUNT_SID}',
          '    api_key: ${VG_API_KEY}',
          'default_target: sim',
        ].join('\n'),
      ),
    );
    const r = await g.run(['apply', '--yes', '--target', 'staging', '--now', LATER]);
    expect(r.code, output(r)).toBe(0);
    expect(other.received().filter((c) => c.status === 201)).toHaveLength(3);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
  });

  it('a target whose variables are unset here holds nothing of an earlier release, and the plan says so', {
    timeout: 60_000,
  }, async () => {
    const g = await placedUnderSim();
    // Entries an earlier release wrote record no gateway: nothing tells whose they are.
    await withoutRecordedGateways(g.project);
    const url = g.sim.url;
    // `sim` now reads its base_url from a variable this environment lacks (a CI job without
    // it); `production` beside it, written out, is the same gateway.
    await simUnresolvedBeside(g, url);
    const words = `${SIM_UNRESOLVED}: ${READ_AS_ANOTHER}`;
    const plan = await planJson(g, LATER);
    expect(plan.unresolvedTargets).toEqual([{ target: 'sim', entries: 3 }]);
    expect(plan.sameGateway).toBeUndefined();
    const human = await g.run(['plan', '--now', LATER]);
    expect(human.code, output(human)).toBe(0);
    expect(human.stdout).toContain(words);
    const markdown = await g.run(['plan', '--format', 'markdown', '--now', LATER]);
    expect(markdown.stdout).toContain('**Targets that do not resolve here (1)**');
    expect(markdown.stdout).toContain('- `sim` (3 entries)');
    // With the variable set, the twin is seen again: nothing is due, and no such line.
    const set = await planJson(g, LATER, [], { GW_URL: url });
    expect(set.unresolvedTargets).toBeUndefined();
    expect(set.due).toEqual([]);
    expect(set.sameGateway).toEqual([{ target: 'sim', entries: 3 }]);
    // Unset, apply says it under its target line, as it places them again.
    const r = await g.run(['apply', '--yes', '--now', LATER]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(words);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 2, [TWO]: 2, [DAILY]: 2 });
  });

  it('a variable set but empty or blank (a missing CI secret) reads as unset: said, never silently placed again', {
    timeout: 60_000,
  }, async () => {
    const g = await placedUnderSim();
    await withoutRecordedGateways(g.project);
    const url = g.sim.url;
    await simUnresolvedBeside(g, url);
    const words = `${SIM_UNRESOLVED}: ${READ_AS_ANOTHER}`;
    // Empty, blank, or no URL at all: each read as the variable unset.
    for (const value of ['', ' ', 'vg.example.com']) {
      const plan = await planJson(g, LATER, [], { GW_URL: value });
      expect(plan.unresolvedTargets, JSON.stringify(value)).toEqual([
        { target: 'sim', entries: 3 },
      ]);
      const human = await g.run(['plan', '--now', LATER], { GW_URL: value });
      expect(human.stdout, JSON.stringify(value)).toContain(words);
    }
    // `GW_URL=` in .env: the same.
    await g.project.write('.env', 'GW_URL=\n');
    expect((await planJson(g, LATER)).unresolvedTargets).toEqual([{ target: 'sim', entries: 3 }]);
    // apply says it under its target line before it places them again, as for a variable unset.
    const r = await g.run(['apply', '--yes', '--now', LATER], { GW_URL: '' });
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(`target production: ${url}\n${words}\n`);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 2, [TWO]: 2, [DAILY]: 2 });
  });
});

/** What follows SIM_UNRESOLVED when no entry records its gateway (an earlier release's). */
const READ_AS_ANOTHER =
  "its 3 entries are read as another gateway's, and what they placed is placed again under production; were sim this gateway renamed, set its variables (or remove it from callops.yaml) before applying";

const UNRESOLVED_SIM = `${SIM_UNRESOLVED}, but its entries record which gateway placed them: `;

describe('a target that does not resolve here, its entries recording the gateway that placed them', () => {
  it('the gateway renamed, its variable unset or empty (a missing CI secret): each number called once', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderSim();
    const lock = await g.project.lock();
    // Each entry records its gateway as a digest, never the URL.
    const recorded = lock?.calls['sim/c1']?.gateway;
    expect(recorded).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(lock?.calls[`sim/daily@${SLOT}`]?.gateway).toBe(recorded);
    expect(await g.project.read('callops.lock')).not.toContain(
      g.sim.url.replace(/^https?:\/\//, ''),
    );
    await simUnresolvedBeside(g, g.sim.url);
    const words = `${UNRESOLVED_SIM}3 entries placed on the gateway of production are held, not placed again`;
    for (const env of [{}, { GW_URL: '' }, { GW_URL: ' ' }]) {
      const plan = await planJson(g, LATER, [], env);
      expect(plan.due, JSON.stringify(env)).toEqual([]);
      expect(plan.unresolvedTargets).toEqual([{ target: 'sim', entries: 3, held: 3 }]);
      expect(plan.skipped.map((s) => s.key).sort()).toEqual([
        'production/c1',
        'production/c2',
        `production/daily@${SLOT}`,
      ]);
      expect(plan.skipped.find((s) => s.key === 'production/c1')?.reason).toContain(
        'under target sim, placed on the gateway of target production, as its entry records (the base_url or account_sid of sim does not resolve here)',
      );
      const human = await g.run(['plan', '--now', LATER], env);
      expect(human.stdout).toContain(words);
    }
    const markdown = await g.run(['plan', '--format', 'markdown', '--now', LATER]);
    expect(markdown.stdout).toContain('- `sim` (3 entries; 3 placed on this gateway, held)');
    // A renamed gateway: apply with GW_URL unset, then empty. Nobody is called again.
    for (const env of [{}, { GW_URL: '' }]) {
      const r = await g.run(['apply', '--yes', '--now', LATER], env);
      expect(r.code, output(r)).toBe(0);
      expect(r.stdout).toContain(`target production: ${g.sim.url}\n${words}\n`);
      expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    }
  });

  it('production after a rehearsal on staging, whose variable the production job lacks: placed there', {
    timeout: 90_000,
  }, async () => {
    // `sim` is staging: its calls were rehearsed there. `production` is another gateway.
    const g = await placedUnderSim();
    other = await startSimulator({ accountSid: ACCOUNT_SID, apiKey: API_KEY });
    await simUnresolvedBeside(g, other.url);
    const plan = await planJson(g, LATER);
    expect(plan.unresolvedTargets).toEqual([{ target: 'sim', entries: 3, otherGateway: 3 }]);
    expect(plan.due.map((d) => d.key).sort()).toEqual([
      'production/c1',
      'production/c2',
      `production/daily@${SLOT}`,
    ]);
    const r = await g.run(['apply', '--yes', '--now', LATER]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(
      `${UNRESOLVED_SIM}3 entries placed on another gateway are placed again under production`,
    );
    expect(other.received().filter((c) => c.status === 201)).toHaveLength(3);
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 1, [DAILY]: 1 });
    // Production's entries record production's gateway: sim's staging calls stay staging's.
    const lock = await g.project.lock();
    expect(lock?.calls['production/c1']?.gateway).not.toBe(lock?.calls['sim/c1']?.gateway);
  });

  it('entries of both kinds: those recorded here held, those of an earlier release placed again and said', {
    timeout: 90_000,
  }, async () => {
    const g = await placedUnderSim();
    // c2's entry as an earlier release wrote it, the others as this one does.
    const text = await g.project.read('callops.lock');
    const c2 = text.indexOf('"sim/c2"');
    const cut = text.indexOf('"gateway"', c2);
    const line = text.lastIndexOf('\n', cut);
    await g.project.write(
      'callops.lock',
      `${text.slice(0, line)}${text.slice(text.indexOf('\n', cut))}`,
    );
    await simUnresolvedBeside(g, g.sim.url);
    const plan = await planJson(g, LATER);
    expect(plan.unresolvedTargets).toEqual([{ target: 'sim', entries: 3, held: 2 }]);
    expect(plan.due.map((d) => d.key)).toEqual(['production/c2']);
    const r = await g.run(['apply', '--yes', '--now', LATER]);
    expect(r.code, output(r)).toBe(0);
    expect(r.stdout).toContain(
      `${UNRESOLVED_SIM}2 entries placed on the gateway of production are held, not placed again; 1 entry written by an earlier release records no gateway: read as another gateway's, what it placed is placed again under production; were sim this gateway renamed, set its variables (or remove it from callops.yaml) before applying`,
    );
    expect(callsPerNumber(g)).toEqual({ [ONE]: 1, [TWO]: 2, [DAILY]: 1 });
  });
});
