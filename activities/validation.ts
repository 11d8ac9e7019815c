// Holdout validation: every scenario, every trial, each in a fresh validation sandbox holding a
// copy of the candidate as its working directory and the holdout read-only at $HOLDOUT_DIR.
// Runs only on the validation task queue: the one worker allowed to read the holdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Scenario } from '../domain/holdoutSchema';
import { countObservations } from '../domain/observations';
import { ContentStore } from '../runtime/contentStore';
import { loadHoldout, SpecFileError } from '../runtime/specFiles';
import { BubblewrapSandbox } from '../sandbox/bubblewrap';
import { materializeWorkspace } from '../sandbox/snapshot';
import type { ScenarioVerdict } from '../workflows/feedback';
import { runLogger, type ActivityDeps } from './deps';
import { finalFailure } from './errors';

export const HOLDOUT_MOUNT = '/holdout';

export interface ValidateInput {
  runId: string;
  iteration: number;
  candidateDigest: string;
  holdoutDir: string;
}

export interface ValidationReport {
  scenarios: ScenarioVerdict[];
  /** Digest (in the holdout store, never the implementer's) of the scenarios' full output. */
  outputDigest: string;
}

export function validationActivities(deps: ActivityDeps) {
  const holdoutStore = new ContentStore(deps.paths.holdoutStore);
  return {
    async validateCandidate(input: ValidateInput): Promise<ValidationReport> {
      let scenarios: Scenario[];
      try {
        scenarios = loadHoldout(input.holdoutDir);
      } catch (err) {
        if (err instanceof SpecFileError) throw finalFailure(err.message, 'BadHoldout');
        throw err;
      }
      const verdicts: ScenarioVerdict[] = [];
      const log: Array<{ scenario: string; trial: number; exitCode: number | null; output: string }> = [];
      for (const scenario of scenarios) {
        let passed = 0;
        let total = 0;
        for (let trial = 1; trial <= scenario.trials; trial++) {
          const r = await runTrial(deps, input, scenario);
          const count = countObservations(r.stdout, r.exitCode);
          passed += count.passed;
          total += count.total;
          log.push({ scenario: scenario.id, trial, exitCode: r.exitCode, output: r.output });
        }
        verdicts.push({ id: scenario.id, weight: scenario.weight, passed, total, feedback: scenario.feedback });
        runLogger(deps, input.runId, input.iteration, 'validate').info({ scenario: scenario.id, passed, total }, 'scenario');
      }
      return { scenarios: verdicts, outputDigest: holdoutStore.putJson(log) };
    },
  };
}

async function runTrial(deps: ActivityDeps, input: ValidateInput, scenario: Scenario) {
  // Each trial gets a fresh copy: one trial's leftovers must not help or hurt the next.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-validation-'));
  try {
    materializeWorkspace(deps.store, input.candidateDigest, dir);
    const sandbox = new BubblewrapSandbox({
      id: `${input.runId}-validation`,
      workspaceDir: dir,
      mounts: [{ hostPath: path.resolve(input.holdoutDir), sandboxPath: HOLDOUT_MOUNT, readOnly: true }],
    });
    return await sandbox.run(scenario.run, { timeoutMs: scenario.timeoutSeconds * 1000, env: { HOLDOUT_DIR: HOLDOUT_MOUNT } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
