// biome-ignore-all lint/suspicious/noTemplateCurlyInString: base URLs hold literal ${VAR} references
import { describe, expect, it } from 'vitest';
import { describeTarget, describeTargets, targetsOf } from '../../src/engine/targets.js';
import type { Secret } from '../../src/resolve/interpolate.js';
import type { TargetSpec } from '../../src/validate/model.js';

const target = (baseUrl: string): ReadonlyMap<string, TargetSpec> =>
  new Map([
    [
      'lab',
      {
        name: 'lab',
        base_url: baseUrl,
        account_sid: '${VG_ACCOUNT_SID}',
        api_key: '${VG_API_KEY}',
        file: 'callops.yaml',
        locate: () => ({ line: 1, column: 1 }),
      },
    ],
  ]);

/** The line, with `env` as the command reads it and each of its values a secret (as knownSecrets makes them). */
const line = (baseUrl: string, env: Record<string, string>, always: readonly string[] = []) => {
  const secrets: Secret[] = Object.entries(env).map(([name, value]) => ({
    name,
    value,
    ...(always.includes(name) ? { always: true } : {}),
  }));
  return describeTarget('lab', target(baseUrl), env, secrets);
};

describe('the target line', () => {
  it('shows the host as it resolves and each secret of the path as its reference', () => {
    const env = {
      VG_BASE_URL: 'https://vg.example.com',
      VG_API_KEY: 'CaNaRy-k3y/+"&<>\'üZZ9',
      GW_TOKEN: 'ZqW7canaryOther',
    };
    expect(line('${VG_BASE_URL}/${VG_API_KEY}', env, ['VG_API_KEY'])).toBe(
      'target lab: https://vg.example.com/${VG_API_KEY}',
    );
    expect(line('${VG_BASE_URL}/gw/${GW_TOKEN}/x', env)).toBe(
      'target lab: https://vg.example.com/gw/${GW_TOKEN}/x',
    );
    // A path without a secret: as the URL parser makes it.
    expect(line('${VG_BASE_URL}/gw/a b', env)).toBe('target lab: https://vg.example.com/gw/a%20b');
  });

  it('hides a secret the URL parser changes: `\\` read as `/`, `.` segments dropped', () => {
    for (const key of ['Zq8\\Kd7Wm2x', 'Zq8/../Kd7Wm2x', 'Zq8/./Kd7Wm2x', 'Zq8\tKd7Wm2x']) {
      const shown = line('https://vg.example.com/${VG_API_KEY}', { VG_API_KEY: key }, [
        'VG_API_KEY',
      ]);
      expect(shown, key).toBe('target lab: https://vg.example.com/${VG_API_KEY}');
    }
  });

  it('never shows the api key in the host', () => {
    const shown = line('https://${VG_API_KEY}.example.com', { VG_API_KEY: 'kd7wm2zq8x' }, [
      'VG_API_KEY',
    ]);
    expect(shown).toBe('target lab: https://${VG_API_KEY}.example.com');
  });

  it('hides a short value (under 8 characters) only where it is a whole path segment', () => {
    const env = {
      PORT: '8080',
      REGION: 'tenant',
      DEBUG: 'true',
      PATH_TOKEN: 'Gt5Pa7hT0ken',
      VG_API_KEY: 'k3y',
    };
    const at = (path: string) => line(`http://127.0.0.1:34319${path}`, env, ['VG_API_KEY']);
    expect(at('/api/v1/gw8080/tenant')).toBe(
      'target lab: http://127.0.0.1:34319/api/v1/gw8080/${REGION}',
    );
    expect(at('/8080/tenants/x-tenant/true')).toBe(
      'target lab: http://127.0.0.1:34319/${PORT}/tenants/x-tenant/true',
    );
    // A segment as its percent escapes decode; a value spanning whole segments.
    expect(at('/%74enant/x')).toBe('target lab: http://127.0.0.1:34319/${REGION}/x');
    expect(
      line('http://127.0.0.1:34319/a/eu/1/b', { ZONE: 'eu/1' }).replace('target lab: ', ''),
    ).toBe('http://127.0.0.1:34319/a/${ZONE}/b');
    // Long values anywhere in a segment; the api key, whatever its length, as ever.
    expect(at('/gwGt5Pa7hT0ken8080/x-k3y')).toBe(
      'target lab: http://127.0.0.1:34319/gw${PATH_TOKEN}8080/x-${VG_API_KEY}',
    );
  });

  it('as written when a reference is missing: userinfo, query and secrets masked', () => {
    const shown = line('https://u:Pw0rdZq8x@vg.example.com/${MISSING}/Kd7Wm2zz?k=1', {
      TOKEN: 'Kd7Wm2zz',
    });
    expect(shown).toBe('target lab: https://u:***@vg.example.com/${MISSING}/${TOKEN}?***');
  });
});

describe('the target lines of several targets', () => {
  it("names the run's target first, then each other target its calls go to, once, by name", () => {
    const items = ['zed', 'simulator', 'lab', 'zed', 'lab'].map((target) => ({ target }));
    expect(targetsOf('simulator', items)).toEqual(['simulator', 'lab', 'zed']);
    // The run's target is named even when no call goes there.
    expect(targetsOf('lab', [{ target: 'simulator' }])).toEqual(['lab', 'simulator']);
    expect(targetsOf('simulator', [])).toEqual(['simulator']);
  });

  it('says nothing real is dialled only when the simulator is the only target', () => {
    const specs = target('https://vg.example.com/gw/${GW_TOKEN}');
    const env = { GW_TOKEN: 'Zq8Kd7Wm2x' };
    const secrets = [{ name: 'GW_TOKEN', value: 'Zq8Kd7Wm2x' }];
    expect(describeTargets(['simulator'], specs, env, secrets)).toBe(
      'target simulator: the built-in simulator — nothing real is dialled',
    );
    expect(describeTargets(['simulator', 'lab'], specs, env, secrets)).toBe(
      [
        'target simulator: the built-in simulator — only the calls to it are simulated',
        'target lab: https://vg.example.com/gw/${GW_TOKEN}',
      ].join('\n'),
    );
    expect(describeTargets(['lab', 'simulator'], specs, env, secrets).split('\n')).toEqual([
      'target lab: https://vg.example.com/gw/${GW_TOKEN}',
      'target simulator: the built-in simulator — only the calls to it are simulated',
    ]);
  });
});
