import { afterEach, describe, expect, it } from 'vitest';
import { callsYaml, type Gateway, output, startGateway } from './helpers.js';

describe('status --refresh against a gateway it cannot read', () => {
  let gw: Gateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  it('says no call was checked, not that none was found', async () => {
    gw = await startGateway({
      'calls/a.yaml': callsYaml([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    });
    const applied = await gw.run(['apply', '--yes']);
    expect(applied.code, output(applied)).toBe(0);
    // Another key: the gateway answers the GET 401 and tells nothing of any call.
    const r = await gw.run(['status', '--refresh'], { VG_API_KEY: 'not-the-key-0000' });
    expect(r.stderr).toContain(
      'refresh: asked target sim about 3 calls (1 request): none checked\n',
    );
    expect(r.stderr).toContain('refresh: could not read the gateway:');
    expect(r.stderr).not.toContain('not found');
  });
});
