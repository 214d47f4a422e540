import { numberDigest } from '../../src/screen/number.js';
import { callsYaml, type Gateway, startGateway } from './helpers.js';

/**
 * A campaign's rows placed some minutes ago, as lockfile entries, for the tests of what
 * `state.keep` lets go under a per-number limit: each row dials its own number.
 */

/** callops.lock as these tests read it. */
export interface LetGoLock {
  lockfileVersion?: 1;
  calls: Record<string, unknown>;
  schedules?: Record<
    string,
    { prunedThrough?: string; rang?: { numbers: Record<string, string[]> } }
  >;
}

/**
 * Row i + 1 of campaign `camp` on `sim`, dialling `numbers[i]`, placed (30 s past its slot)
 * `minutesAgo[i]` minutes before the current minute. `ids` keeps the sids of two tests apart.
 */
export const rowsPlacedAgo = (
  numbers: readonly string[],
  minutesAgo: readonly number[],
  ids: '1' | '2',
): { key: string; entry: Record<string, string> }[] => {
  const minute = 60_000;
  const base = Math.floor(Date.now() / minute) * minute;
  return numbers.map((number, i) => {
    const slot = new Date(base - (minutesAgo[i] as number) * minute);
    return {
      key: `sim/camp/r${i + 1}@${slot.toISOString().replace('.000Z', 'Z')}`,
      entry: {
        at: new Date(slot.getTime() + 30_000).toISOString(),
        callId: `${ids}459be02-424e-447d-82e9-5362ffe1240${i}`,
        definition: 'sha256:0',
        file: 'calls/camp.yaml',
        number: numberDigest(number),
        sid: `${ids === '1' ? 'f' : 'e'}5323c91-5cf1-4253-8928-9270e4fb4e3${i}`,
        status: 'placed',
      },
    };
  });
};

/** A call that places nothing: a project has at least one. */
export const IDLE = { name: 'idle', extra: ['enabled: false'] };

/**
 * A project on the simulator holding only IDLE, and how to set its per-number window
 * (`state.keep` 1h beside it).
 */
export const letGoProject = async (): Promise<{
  gw: Gateway;
  configure: (window: string) => Promise<void>;
}> => {
  const gw = await startGateway({ 'calls/a.yaml': callsYaml([IDLE]) });
  const config = await gw.project.read('callops.yaml');
  const configure = (window: string) =>
    gw.project.write(
      'callops.yaml',
      `${config}limits: { per_number: ${window} }\nstate:\n  keep: 1h\n`,
    );
  return { gw, configure };
};
