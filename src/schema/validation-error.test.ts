import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { validationError } from './validation-error';

describe('validationError', () => {
  it('names the field, or reads as plain English for the body as a whole', () => {
    const field = z.strictObject({ model: z.string() }).safeParse({ model: 1 });
    expect(validationError(field.error as z.ZodError).message).toMatch(/^Invalid 'model': /);
    const whole = z.strictObject({ model: z.string() }).safeParse([]);
    const message = validationError(whole.error as z.ZodError).message;
    expect(message).toMatch(/^Invalid request body: /);
    expect(message).not.toContain('Invalid The');
  });
});
