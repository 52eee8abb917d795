import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/gateway-error';
import { ParamPolicy, refuseUnhandled, safeParam } from './param-policy';

describe('ParamPolicy', () => {
  it('refuses by default, naming the field and the provider', () => {
    const error = (() => {
      try {
        new ParamPolicy('anthropic', false).unsupported('logprobs');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'logprobs' });
    expect((error as GatewayError).message).toContain("'logprobs' is not supported by provider 'anthropic'");
  });

  it('drops and lists when opted in, bounded', () => {
    const policy = new ParamPolicy('anthropic', true);
    for (let i = 0; i < 40; i++) policy.unsupported(`field_${i}`);
    expect(policy.dropped).toHaveLength(32);
    expect(policy.dropped[0]).toBe('field_0');
  });

  it('passes nulls and neutral values, and what the translation handled', () => {
    const policy = new ParamPolicy('x', true);
    refuseUnhandled(
      { model: 'm', n: 1, logprobs: false, store: false, seed: null, modalities: ['text'], verbosity: 'low', n2: 2 },
      new Set(['model']),
      policy,
    );
    expect(policy.dropped).toEqual(['verbosity', 'n2']);
  });

  it('makes a client-chosen name safe for a message and a header', () => {
    expect(safeParam('a,b\nc')).toBe('a?b?c');
    expect(safeParam('x'.repeat(300))).toHaveLength(129);
  });
});
