import { afterAll, beforeAll } from 'vitest';
import { fakeUrl } from '../support/fake-control';
import { type RunningGateway, startGateway } from './worker-in-workerd';

/**
 * The gateway a client test file talks to: started once for the file, in front of the fake
 * provider (as `local` and `anthropic`, no retries), with `extra` bindings on top. Call the
 * returned function inside tests, once `beforeAll` has run.
 */
export function gatewayForFile(extra: Record<string, string> = {}): () => RunningGateway {
  let gateway: RunningGateway | undefined;
  beforeAll(async () => {
    gateway = await startGateway({
      LOCAL_BASE_URL: `${fakeUrl()}/v1`,
      ANTHROPIC_API_KEY: 'test-anthropic-key',
      ANTHROPIC_BASE_URL: `${fakeUrl()}/v1`,
      UPSTREAM_MAX_RETRIES: '0',
      ...extra,
    });
  });
  afterAll(() => gateway?.dispose());
  return () => {
    if (!gateway) throw new Error('the gateway starts in beforeAll');
    return gateway;
  };
}
