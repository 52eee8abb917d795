import { describe, expect, it } from 'vitest';
import { pipelineConfigSchema } from '../config/pipeline-config';
import { GatewayError } from '../errors/gateway-error';
import type { ChatRequest } from '../schema/chat-request';
import { buildPipeline } from './build-pipeline';

const guard = { rules: [{ id: 'mail', kind: 'detector', detector: 'email', action: 'redact' }] };
/** `n` as the request schema accepts it once it takes any count. */
const request = (n: number, extra: Partial<ChatRequest> = {}) =>
  ({ model: 'local/x', messages: [{ role: 'user', content: 'Hi' }], n, ...extra }) as unknown as ChatRequest;

describe('buildPipeline with n > 1', () => {
  it('runs a route without content stages for several choices', () => {
    expect(buildPipeline(request(3), pipelineConfigSchema.parse({}), {}).stages({} as never)).toEqual([]);
  });

  it('refuses several choices with a 400 that names the stage that reads one reply at a time', () => {
    const withGuard = pipelineConfigSchema.parse({ guard });
    const error = (() => {
      try {
        buildPipeline(request(2), withGuard, {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, param: 'n', code: 'unsupported_parameter' });
    expect((error as GatewayError).message).toContain('guard');
    const structured = request(2, { response_format: { type: 'json_object' } });
    expect(() => buildPipeline(structured, pipelineConfigSchema.parse({}), {})).toThrow(/structured output/);
    expect(() => buildPipeline(request(1), withGuard, {})).not.toThrow();
  });
});
