import { describe, expect, it } from 'vitest';
import { scenario } from '../fake-provider/scenario.ts';
import { uniqueId } from '../support/fake-control';
import { callGateway, chat } from './gateway';
import { bearer, createKey, deployed, errorOf } from './keys';

describe("a key's model allow-list applies to the targets an alias resolves to", () => {
  const config = () =>
    JSON.stringify({
      aliases: {
        // Named like a sim model, served by another provider.
        'sim/evil': { targets: [`local/${scenario({ id: uniqueId('evil') })}`] },
        'all-sim': { targets: ['sim/fast', 'sim/default'] },
        named: { targets: [`local/${scenario({ id: uniqueId('named') })}`] },
      },
    });

  it('an alias named like a provider model is not that provider’s model', async () => {
    const { key } = await createKey({ models: ['sim/*', 'named'] });
    const env = deployed({ GATEWAY_CONFIG: config() });
    const evil = await callGateway({ body: chat('sim/evil'), env, headers: bearer(key) });
    expect(evil.status).toBe(403);
    expect((await errorOf(evil)).code).toBe('model_not_allowed');
    // Every target allowed: the alias is too; and an alias allowed by its own name still is.
    expect((await callGateway({ body: chat('all-sim'), env, headers: bearer(key) })).status).toBe(200);
    expect((await callGateway({ body: chat('named'), env, headers: bearer(key) })).status).toBe(200);
    expect((await callGateway({ body: chat('sim/fast'), env, headers: bearer(key) })).status).toBe(200);
  });
});
