import * as z from 'zod';

/**
 * An object tagged by `type` where only some tags are known: a known tag is validated by its
 * schema (its issues keep their paths), any other tag is kept as sent. A union with a catch-all
 * branch would report the catch-all's complaint instead of the known branch's.
 */
export function taggedObject(known: Readonly<Record<string, z.ZodType>>) {
  return z.looseObject({ type: z.string().min(1) }).superRefine((value, ctx) => {
    const schema = Object.hasOwn(known, value.type) ? known[value.type] : undefined;
    const result = schema?.safeParse(value);
    for (const issue of result?.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    }
  });
}
