import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { settingsFor } from '../config/settings';
import { registryFor } from '../providers/registry';

/** OpenAI's model list: every configured provider's models as `provider/model`, then aliases. */
export const models = new Hono<AppEnv>().get('/', (c) => {
  const data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> = [];
  for (const provider of registryFor(c.env).list()) {
    for (const model of provider.models) {
      data.push({ id: `${provider.id}/${model}`, object: 'model', created: 0, owned_by: provider.id });
    }
  }
  for (const alias of Object.keys(settingsFor(c.env).GATEWAY_CONFIG.aliases)) {
    data.push({ id: alias, object: 'model', created: 0, owned_by: 'alias' });
  }
  return c.json({ object: 'list', data });
});
