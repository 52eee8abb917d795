import { describe, expect, it } from 'vitest';
import { sim } from './sim';

describe('sim is off by default outside local mode', () => {
  it.each([
    [{}, false],
    [{ INSECURE_LOCAL_MODE: 'true' }, true],
    [{ INSECURE_LOCAL_MODE: 'true', SIM_DISABLED: 'true' }, false],
    [{ SIM_ENABLED: 'true' }, true],
    [{ SIM_DISABLED: 'false' }, false],
  ])('%j → %s', (env, enabled) => {
    expect(sim.create(env) !== undefined).toBe(enabled);
  });
});
