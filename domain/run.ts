// The shapes that cross the workflow boundary: a run's input, its status and its result.
// Only digests and small figures travel here; conversations and workspaces stay in the store.
import type { LedgerState } from './budget';
import type { ModelPrice } from './pricing';

export const TASK_QUEUES = {
  /** Workflows and the implementer's activities (LLM turns, its sandbox, the content store). */
  implementer: 'factory',
  /** Holdout validation: served only by a worker that may read the holdout. */
  validation: 'factory-validation',
} as const;

export interface RunSettings {
  name: string;
  testCommand: string;
  model: string;
  budgetUsd: number;
  threshold: number;
  maxIterations: number;
  maxTurnsPerIteration: number;
  maxOutputTokens: number;
  testTimeoutSeconds: number;
  prices: Record<string, ModelPrice>;
  /** The OpenAI-compatible endpoint of this run; unset means the worker's OPENAI_BASE_URL (or OpenAI). */
  llmBaseUrl?: string;
  /** Iterations per workflow execution before the run continues as new (default 10). */
  iterationsPerExecution?: number;
}

export interface FactoryRunInput {
  specDir: string;
  holdoutDir: string;
  settings: RunSettings;
  /** Set when a run continues as new: what the earlier executions of the run established. */
  carried?: RunCarryOver;
}

/** A scenario's result as validation reports it to the workflow (ids stay on this side). */
export interface ScenarioVerdict {
  id: string;
  weight: number;
  passed: number;
  total: number;
  feedback?: string;
}

/** All that reaches the implementer from validation. */
export interface ImplementerFeedback {
  previousIteration: number;
  satisfaction: SatisfactionFigure;
  sentences: string[];
}

/** Digests and figures only: a run continues as new without carrying conversations or workspaces. */
export interface RunCarryOver {
  lastIteration: number;
  ledger: LedgerState;
  history: IterationRecord[];
  best?: BestCandidate;
  lostLlmCalls: number;
  specDigest: string;
  feedback?: ImplementerFeedback;
}

export type RunPhase = 'starting' | 'implement' | 'self-test' | 'validate' | 'decide' | 'done';
export type RunOutcome = 'converged' | 'budget_exhausted' | 'max_iterations' | 'cancelled' | 'failed';

export interface SatisfactionFigure {
  estimate: number;
  lower: number;
  upper: number;
}

export interface IterationRecord {
  iteration: number;
  satisfaction: SatisfactionFigure;
  observations: number;
  candidateDigest: string;
  selfTestPassed: boolean;
  spentUsd: number;
  /** Scenario ids with their pass counts: for the user's report, never for the implementer. */
  scenarios: Array<{ id: string; passed: number; total: number }>;
}

export interface BestCandidate {
  iteration: number;
  candidateDigest: string;
  satisfaction: SatisfactionFigure;
}

export interface RunStatus {
  runId: string;
  name: string;
  phase: RunPhase;
  iteration: number;
  model: string;
  spentUsd: number;
  capUsd: number;
  threshold: number;
  history: IterationRecord[];
  best?: BestCandidate;
  /** LLM calls lost in flight (a worker died mid-request), each counted at its worst-case cost. */
  lostLlmCalls: number;
  outcome?: RunOutcome;
  reason?: string;
}

export interface FactoryRunResult extends RunStatus {
  outcome: RunOutcome;
}
