// Turns a zod failure into the one line a user needs: the file, the field and what to do.
import type { z } from 'zod';

export function describeZodError(file: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${file}: invalid`;
  const field = issue.path.length ? issue.path.join('.') : '(top level)';
  return `${file}: field "${field}": ${issue.message}`;
}
