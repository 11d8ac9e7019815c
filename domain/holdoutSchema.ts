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

// A bare list is accepted too; it is read as `scenarios:` so errors name the same field paths.
export const holdoutSchema = z
  .preprocess(
    (v) => (Array.isArray(v) ? { scenarios: v } : v),
    z.object({ scenarios: z.array(scenarioSchema).min(1) }).strict(),
  )
  .transform((v) => v.scenarios)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['scenarios', i, 'id'], message: `"${s.id}" is used twice; ids must be unique` });
      seen.add(s.id);
    });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
