// Reads and checks a spec folder, a holdout folder and the command-line overrides into the input
// of a factory run. Every problem is one line that names the file or flag and the fix, and is
// found before anything starts, so bad input loses nothing.
import fs from 'node:fs';
import path from 'node:path';
import { priceFor, UnknownModelPriceError } from '../domain/pricing';
import type { FactoryRunInput, RunSettings } from '../domain/run';
import { RUN_DEFAULTS, type FactoryConfig } from '../domain/specConfig';
import { loadFactoryConfig, loadHoldout, SpecFileError } from '../runtime/specFiles';
import { SYSTEM_READONLY_DIRS } from '../sandbox/bubblewrap';

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

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function loadRunInput(specDirArg: string, holdoutDirArg: string, overrides: RunOverrides = {}): FactoryRunInput {
  const specDir = path.resolve(specDirArg);
  const holdoutDir = path.resolve(holdoutDirArg);
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
  };
  try {
    priceFor(settings.model, settings.prices);
  } catch (err) {
    if (err instanceof UnknownModelPriceError) throw new InputError(err.message);
    throw err;
  }
  return { specDir, holdoutDir, settings };
}
