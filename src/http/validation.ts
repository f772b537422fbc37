import { z } from 'zod';

import { ValidationFailedError } from '../common/errors/common.errors';

/**
 * Parses request input with a zod schema; failures become a 400 naming every bad field. `label` names the input
 * when the schema is not an object (a path or query parameter).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, label = 'body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationFailedError(
    result.error.issues.map((issue) => `${issue.path.join('.') || label}: ${issue.message}`),
  );
}

export const openIdSchema = z.string().regex(/^ou_[A-Za-z0-9_-]{1,64}$/, 'must be a Feishu open_id (ou_…)');
