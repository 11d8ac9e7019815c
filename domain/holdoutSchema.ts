// The schema of holdout/<name>/scenarios.yaml: acceptance scenarios the implementer never sees.
import { z } from 'zod';

export const scenarioSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-"'),
    run: z.string().min(1),
    trials: z.number().int().positive().default(1),
    weight: z.number().positive().default(1),
    timeoutSeconds: z.number().positive().default(120),
    /** The one sentence the holdout author allows the implementer to see when this scenario fails. */
    feedback: z.string().min(1).optional(),
  })
  .strict();

export const holdoutSchema = z.union([
  z.array(scenarioSchema).min(1),
  z.object({ scenarios: z.array(scenarioSchema).min(1) }).strict(),
]).transform((v) => (Array.isArray(v) ? v : v.scenarios))
  .refine((list) => new Set(list.map((s) => s.id)).size === list.length, { message: 'scenario ids must be unique' });

export type Scenario = z.infer<typeof scenarioSchema>;
