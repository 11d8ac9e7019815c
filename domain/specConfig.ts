// The schema of a spec's factory.yaml: what the implementer must satisfy and the run's limits.
import { z } from 'zod';

export const modelPriceSchema = z
  .object({
    inputUsdPerMTok: z.number().nonnegative(),
    cachedInputUsdPerMTok: z.number().nonnegative(),
    outputUsdPerMTok: z.number().positive(),
  })
  .strict()
  // Reservations price input at the uncached rate: that is only an upper bound if cached is cheaper.
  .refine((p) => p.cachedInputUsdPerMTok <= p.inputUsdPerMTok, {
    message: 'cachedInputUsdPerMTok must not exceed inputUsdPerMTok',
    path: ['cachedInputUsdPerMTok'],
  });

export const factoryConfigSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-"'),
    testCommand: z.string().min(1),
    model: z.string().min(1).optional(),
    /** An OpenAI-compatible endpoint; OPENAI_BASE_URL and --base-url take precedence. */
    baseUrl: z.url().optional(),
    budgetUsd: z.number().positive().optional(),
    // The lower bound of a 95% interval never reaches 1, so a threshold of 1 could never converge.
    threshold: z.number().gt(0).lt(1).optional(),
    maxIterations: z.number().int().positive().optional(),
    maxTurnsPerIteration: z.number().int().positive().optional(),
    maxOutputTokens: z.number().int().min(64).optional(),
    testTimeoutSeconds: z.number().positive().optional(),
    /** Iterations per workflow execution before the run continues as new with a fresh history. */
    iterationsPerExecution: z.number().int().positive().optional(),
    prices: z.record(z.string(), modelPriceSchema).optional(),
  })
  .strict();

export type FactoryConfig = z.infer<typeof factoryConfigSchema>;

export const RUN_DEFAULTS = {
  model: 'gpt-4.1-mini',
  budgetUsd: 5,
  threshold: 0.8,
  maxIterations: 5,
  maxTurnsPerIteration: 40,
  maxOutputTokens: 8192,
  testTimeoutSeconds: 120,
} as const;
