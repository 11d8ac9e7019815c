// Reads and checks a spec folder, a holdout folder and the command-line overrides into the input
// of a factory run. Every problem is one line that names the file or flag and the fix, and is
// found before anything starts, so bad input loses nothing.
import fs from 'node:fs';
import path from 'node:path';
import { priceFor, UnknownModelPriceError } from '../domain/pricing';
import type { FactoryRunInput, RunSettings } from '../domain/run';
import { factoryConfigSchema, RUN_DEFAULTS, type FactoryConfig } from '../domain/specConfig';
import { loadFactoryConfig, loadHoldout, SpecFileError } from '../runtime/specFiles';
import { realpathOrResolved, SYSTEM_READONLY_DIRS } from '../sandbox/bubblewrap';
import { isInside } from '../sandbox/workspacePaths';

export class InputError extends Error {
  override name = 'InputError';
}

export interface RunOverrides {
  model?: string;
  budgetUsd?: number;
  threshold?: number;
  maxIterations?: number;
  baseUrl?: string;
}

// Command-line overrides obey the same rules as their factory.yaml fields.
const overridesSchema = factoryConfigSchema.pick({ model: true, budgetUsd: true, threshold: true, maxIterations: true, baseUrl: true });
const FLAG_OF: Record<string, string> = {
  model: '--model',
  budgetUsd: '--budget-usd',
  threshold: '--threshold',
  maxIterations: '--max-iterations',
  baseUrl: '--base-url',
};

function checkOverrides(overrides: RunOverrides): void {
  const parsed = overridesSchema.safeParse(overrides);
  if (parsed.success) return;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0]);
  throw new InputError(`${FLAG_OF[field] ?? field} ${String(overrides[field as keyof RunOverrides])}: ${issue.message}`);
}

export function loadRunInput(specDirArg: string, holdoutDirArg: string, overrides: RunOverrides = {}): FactoryRunInput {
  checkOverrides(overrides);
  // Real paths: a symlink must not hide that a holdout lies inside the spec or a mounted system folder.
  const specDir = realpathOrResolved(specDirArg);
  const holdoutDir = realpathOrResolved(holdoutDirArg);
  if (!fs.existsSync(specDir) || !fs.statSync(specDir).isDirectory()) {
    throw new InputError(`spec folder ${specDir} does not exist: pass --spec with a folder holding the spec's markdown and factory.yaml`);
  }
  if (!fs.existsSync(holdoutDir) || !fs.statSync(holdoutDir).isDirectory()) {
    throw new InputError(`holdout folder ${holdoutDir} does not exist: pass --holdout with a folder holding scenarios.yaml`);
  }
  // The implementer reads the spec folder: a holdout inside it (or the other way round) would leak.
  if (isInside(specDir, holdoutDir) || isInside(holdoutDir, specDir)) {
    throw new InputError(`the holdout folder ${holdoutDir} and the spec folder ${specDir} overlap: keep the holdout apart from the spec`);
  }
  // The implementer's sandbox mounts the system folders read-only: a holdout there would be visible.
  const systemDir = SYSTEM_READONLY_DIRS.find((d) => isInside(d, holdoutDir));
  if (systemDir) {
    throw new InputError(`the holdout folder ${holdoutDir} is inside ${systemDir}, which every sandbox can read: move it elsewhere`);
  }
  if (!fs.readdirSync(specDir).some((f) => f.toLowerCase().endsWith('.md'))) {
    throw new InputError(`spec folder ${specDir} has no markdown file: write the spec in one or more .md files there`);
  }

  let config: FactoryConfig;
  try {
    config = loadFactoryConfig(specDir);
    loadHoldout(holdoutDir);
  } catch (err) {
    if (err instanceof SpecFileError) throw new InputError(err.message);
    throw err;
  }

  const settings: RunSettings = {
    name: config.name,
    testCommand: config.testCommand,
    model: overrides.model ?? config.model ?? RUN_DEFAULTS.model,
    budgetUsd: overrides.budgetUsd ?? config.budgetUsd ?? RUN_DEFAULTS.budgetUsd,
    threshold: overrides.threshold ?? config.threshold ?? RUN_DEFAULTS.threshold,
    maxIterations: overrides.maxIterations ?? config.maxIterations ?? RUN_DEFAULTS.maxIterations,
    maxTurnsPerIteration: config.maxTurnsPerIteration ?? RUN_DEFAULTS.maxTurnsPerIteration,
    maxOutputTokens: config.maxOutputTokens ?? RUN_DEFAULTS.maxOutputTokens,
    testTimeoutSeconds: config.testTimeoutSeconds ?? RUN_DEFAULTS.testTimeoutSeconds,
    prices: config.prices ?? {},
    llmBaseUrl: overrides.baseUrl ?? process.env.OPENAI_BASE_URL ?? config.baseUrl,
    iterationsPerExecution: config.iterationsPerExecution,
  };
  try {
    priceFor(settings.model, settings.prices);
  } catch (err) {
    if (err instanceof UnknownModelPriceError) throw new InputError(err.message);
    throw err;
  }
  return { specDir, holdoutDir, settings };
}
