import type { z } from 'zod';

/** JSON text read through a schema: the value, or null when it is not JSON or not of that shape. */
export function parseJsonAs<S extends z.ZodType>(schema: S, raw: string): z.infer<S> | null {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
