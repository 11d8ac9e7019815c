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
import { previousHeartbeat, whileHeartbeating } from './heartbeat';

export const HOLDOUT_MOUNT = '/holdout';
/** Room for a large test report: a report cut short is judged by its exit code alone. */
const VALIDATION_OUTPUT_CAP_BYTES = 1024 * 1024;

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

interface ScenarioDone {
  verdict: ScenarioVerdict;
  outputDigest: string;
}

/** Heartbeat details: which scenarios of which candidate are already judged. */
interface ValidationProgress {
  candidateDigest: string;
  done: ScenarioDone[];
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
      // A retry after a crash resumes after the scenarios the last attempt finished.
      const resumed = previousHeartbeat<ValidationProgress>();
      const done: ScenarioDone[] = resumed?.candidateDigest === input.candidateDigest ? resumed.done : [];
      const progress = (): ValidationProgress => ({ candidateDigest: input.candidateDigest, done });
      return whileHeartbeating(async (signal) => {
        for (const scenario of scenarios) {
          if (done.some((d) => d.verdict.id === scenario.id)) continue;
          let passed = 0;
          let total = 0;
          const trials: Array<{ trial: number; exitCode: number | null; output: string }> = [];
          for (let trial = 1; trial <= scenario.trials; trial++) {
            const r = await runTrial(deps, input, scenario, signal);
            signal?.throwIfAborted();
            const count = countObservations(r.stdout, r.exitCode, r.stdoutTruncated);
            passed += count.passed;
            total += count.total;
            trials.push({ trial, exitCode: r.exitCode, output: r.output });
          }
          const verdict = { id: scenario.id, weight: scenario.weight, passed, total, feedback: scenario.feedback };
          done.push({ verdict, outputDigest: holdoutStore.putJson({ scenario: scenario.id, trials }) });
          runLogger(deps, input.runId, input.iteration, 'validate').info({ scenario: scenario.id, passed, total }, 'scenario');
        }
        return {
          scenarios: done.map((d) => d.verdict),
          outputDigest: holdoutStore.putJson(done.map((d) => ({ scenario: d.verdict.id, outputDigest: d.outputDigest }))),
        };
      }, progress);
    },
  };
}

async function runTrial(deps: ActivityDeps, input: ValidateInput, scenario: Scenario, signal?: AbortSignal) {
  // Each trial gets a fresh copy: one trial's leftovers must not help or hurt the next.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'factory-validation-'));
  try {
    materializeWorkspace(deps.store, input.candidateDigest, dir);
    const sandbox = new BubblewrapSandbox({
      id: `${input.runId}-validation`,
      workspaceDir: dir,
      outputCapBytes: VALIDATION_OUTPUT_CAP_BYTES,
      mounts: [{ hostPath: path.resolve(input.holdoutDir), sandboxPath: HOLDOUT_MOUNT, readOnly: true }],
    });
    return await sandbox.run(scenario.run, { timeoutMs: scenario.timeoutSeconds * 1000, env: { HOLDOUT_DIR: HOLDOUT_MOUNT }, signal });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
