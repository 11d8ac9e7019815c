// The factory run: one workflow per run, modelling the convergence loop as durable steps.
// Each iteration: implement (LLM turns and tool calls), self-test, validate against the holdout,
// decide. The budget guard stands in front of every call that costs money.
import {
  ActivityFailure,
  ApplicationFailure,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  continueAsNew,
  ContinueAsNew,
  patched,
  setHandler,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { ImplementerActivities, ValidationActivities } from '../activities';
import { LOST_LLM_CALL, type AppendedMessage, type LlmTurnResult } from '../domain/llmTurn';
import { BudgetLedger } from '../domain/budget';
import { priceFor, type ModelPrice } from '../domain/pricing';
import { APPENDED_MESSAGE_OVERHEAD_BYTES } from '../domain/promptBounds';
import {
  TASK_QUEUES,
  type FactoryRunInput,
  type FactoryRunResult,
  type RunOutcome,
  type RunStatus,
} from '../domain/run';
import { satisfaction } from '../domain/satisfaction';
import { decide, pickBest } from './decide';
import { feedbackForImplementer, type ImplementerFeedback } from './feedback';

export const statusQuery = defineQuery<RunStatus>('status');
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
export const setBudgetUpdate = defineUpdate<RunStatus, [capUsd: number]>('setBudget');

// Quick steps on the content store: no heartbeat needed.
const implementer = proxyActivities<Pick<ImplementerActivities, 'snapshotSpec' | 'startConversation' | 'snapshotCandidate'>>({
  taskQueue: TASK_QUEUES.implementer,
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 5 },
});

// Long steps heartbeat every few seconds: a dead worker is noticed within the heartbeat timeout,
// not after the step's whole start-to-close timeout.
const HEARTBEAT_TIMEOUT = '20 seconds';

const sandbox = proxyActivities<Pick<ImplementerActivities, 'runTool' | 'runSelfTest'>>({
  taskQueue: TASK_QUEUES.implementer,
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1s', maximumInterval: '1 minute', maximumAttempts: 5 },
});

// LLM turns: 429s wait for the provider's retry-after; a bad key or unknown model fails at once.
const llm = proxyActivities<Pick<ImplementerActivities, 'llmTurn'>>({
  taskQueue: TASK_QUEUES.implementer,
  startToCloseTimeout: '12 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

const validation = proxyActivities<ValidationActivities>({
  taskQueue: TASK_QUEUES.validation,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '5s', maximumAttempts: 3 },
});

/** Below this many affordable output tokens a turn cannot do useful work. */
const MIN_USEFUL_OUTPUT_TOKENS = 256;
/** Iterations in one workflow execution before the run continues as new with a fresh history. */
const ITERATIONS_PER_EXECUTION = 10;
/** Runs recorded before continue-as-new existed kept one history for all their iterations. */
const CONTINUE_AS_NEW_PATCH = 'continue-as-new-at-iteration-boundary';
/** Times a failing self-test is handed back to the agent within one iteration. */
const MAX_SELF_TEST_ROUNDS = 2;

type ImplementEnding = 'finished' | 'out_of_turns' | 'budget_exhausted' | 'cancelled';

export async function factoryRun(input: FactoryRunInput): Promise<FactoryRunResult> {
  const runId = workflowInfo().workflowId;
  const s = input.settings;
  const carried = input.carried;
  const ledger = new BudgetLedger(carried?.ledger ?? { capUsd: s.budgetUsd });
  let cancelRequested = false;
  // Spend and cap live in the ledger alone; a status snapshot reads them from there.
  const status: Omit<RunStatus, 'spentUsd' | 'capUsd'> = {
    runId,
    name: s.name,
    phase: 'starting',
    iteration: 0,
    model: s.model,
    threshold: s.threshold,
    history: carried?.history ?? [],
    best: carried?.best,
    lostLlmCalls: carried?.lostLlmCalls ?? 0,
  };
  const currentStatus = (): RunStatus => ({ ...status, spentUsd: ledger.spentUsd, capUsd: ledger.capUsd });

  setHandler(statusQuery, currentStatus);
  setHandler(cancelSignal, (reason) => {
    cancelRequested = true;
    status.reason ??= reason ? `cancelled: ${reason}` : 'cancelled by the user';
  });
  setHandler(
    setBudgetUpdate,
    (capUsd) => {
      ledger.setCap(capUsd);
      return currentStatus();
    },
    {
      validator: (capUsd) => {
        if (!(capUsd > 0)) throw new Error('the budget must be a positive number of USD');
        const { spentUsd, reservedUsd } = ledger.snapshot();
        if (capUsd < spentUsd + reservedUsd) {
          throw new Error(`the budget cannot go below the ${(spentUsd + reservedUsd).toFixed(4)} USD already spent or reserved`);
        }
      },
    },
  );

  const finish = (outcome: RunOutcome, reason?: string): FactoryRunResult => {
    status.phase = 'done';
    status.outcome = outcome;
    if (reason) status.reason = reason;
    return { ...currentStatus(), outcome };
  };

  let price: ModelPrice;
  try {
    price = priceFor(s.model, s.prices);
  } catch (err) {
    return finish('failed', (err as Error).message);
  }

  let lastSelfTestPassed = false;
  async function runSelfTest() {
    status.phase = 'self-test';
    const result = await sandbox.runSelfTest({ runId, testCommand: s.testCommand, timeoutSeconds: s.testTimeoutSeconds });
    lastSelfTestPassed = result.passed;
    return result;
  }

  /**
   * One LLM turn behind the budget guard: reserve the worst case, call, settle the actual cost.
   * A call lost in flight (its worker died mid-request) may have been paid: it is settled at its
   * reservation and the turn is tried again under a new reservation, so the cap still holds.
   */
  async function paidTurn(
    iteration: number,
    turn: number,
    conversationDigest: string,
    append: AppendedMessage[],
    inputTokensUpperBound: number,
  ): Promise<LlmTurnResult | 'budget_exhausted'> {
    let acknowledgedLostCalls = 0;
    for (let attempt = 1; ; attempt++) {
      const reservationId = `${iteration}/${turn}/${attempt}`;
      const reserved = ledger.reserve({
        id: reservationId,
        price,
        inputTokensUpperBound,
        requestedOutputTokens: s.maxOutputTokens,
        minUsefulOutputTokens: Math.min(MIN_USEFUL_OUTPUT_TOKENS, s.maxOutputTokens),
      });
      if (!reserved.ok) {
        status.reason = reserved.reason;
        return 'budget_exhausted';
      }
      let answer: LlmTurnResult;
      try {
        answer = await llm.llmTurn({
          runId,
          iteration,
          turn,
          model: s.model,
          baseURL: s.llmBaseUrl,
          conversationDigest,
          append,
          maxOutputTokens: reserved.reservation.maxOutputTokens,
          inputTokensUpperBound,
          acknowledgedLostCalls,
        });
      } catch (err) {
        const lost = lostCallsOf(err);
        if (lost !== undefined) {
          ledger.settleAtReservation(reservationId);
          status.lostLlmCalls += lost - acknowledgedLostCalls;
          acknowledgedLostCalls = lost;
          continue;
        }
        // A call that timed out or was cancelled may have been sent and paid: count its worst case.
        if (mayHaveBeenSent(err)) ledger.settleAtReservation(reservationId);
        else ledger.release(reservationId);
        throw err;
      }
      const costUsd = ledger.settle(reservationId, price, answer.usage);
      if (costUsd > reserved.reservation.amountUsd * (1 + 1e-9)) {
        // Only an endpoint that ignores max_completion_tokens (or miscounts) gets here: stop paying it.
        throw ApplicationFailure.nonRetryable(
          `the model endpoint billed ${costUsd.toFixed(6)} USD for a call bounded at ${reserved.reservation.amountUsd.toFixed(6)} USD: ` +
            'it does not honour max_completion_tokens, so the budget cannot be guaranteed; use another endpoint',
          'EndpointExceededBounds',
        );
      }
      return answer;
    }
  }

  /** The agent loop of one iteration: every LLM turn and every tool call is its own activity. */
  async function implement(iteration: number, specDigest: string, feedback?: ImplementerFeedback): Promise<ImplementEnding> {
    status.phase = 'implement';
    const workspaceFrom = status.history.at(-1)?.candidateDigest;
    let conversation = await implementer.startConversation({ runId, iteration, specDigest, feedback, workspaceFrom });
    let pending: AppendedMessage[] = [];
    let pendingBytes = 0;
    let selfTestRounds = 0;
    for (let turn = 1; turn <= s.maxTurnsPerIteration; turn++) {
      if (cancelRequested) return 'cancelled';
      const answer = await paidTurn(iteration, turn, conversation.conversationDigest, pending, conversation.conversationBytes + pendingBytes);
      if (answer === 'budget_exhausted') return 'budget_exhausted';
      conversation = answer;
      pending = [];
      pendingBytes = 0;

      let finished = answer.toolCalls.length === 0 && answer.finishReason !== 'length';
      for (const call of answer.toolCalls) {
        const result = await sandbox.runTool({ runId, conversationDigest: conversation.conversationDigest, toolCallId: call.id });
        pending.push({ role: 'tool', toolCallId: call.id, contentDigest: result.contentDigest });
        pendingBytes += result.contentBytes + APPENDED_MESSAGE_OVERHEAD_BYTES;
        if (result.finishedSummary !== undefined) finished = true;
      }
      if (!finished) continue;

      const selfTest = await runSelfTest();
      if (selfTest.passed || selfTestRounds >= MAX_SELF_TEST_ROUNDS) return 'finished';
      selfTestRounds += 1;
      pending.push({ role: 'user', contentDigest: selfTest.reportDigest });
      pendingBytes += selfTest.reportBytes + APPENDED_MESSAGE_OVERHEAD_BYTES;
      status.phase = 'implement';
    }
    // Out of turns: the work still gets its self-test on record before it is validated.
    await runSelfTest();
    return 'out_of_turns';
  }
  try {
    const specDigest =
      carried?.specDigest ??
      (await implementer.snapshotSpec({ specDir: input.specDir, name: s.name, testCommand: s.testCommand })).specDigest;
    let feedback = carried?.feedback;
    const firstIteration = (carried?.lastIteration ?? 0) + 1;
    for (let iteration = firstIteration; ; iteration++) {
      status.iteration = iteration;
      lastSelfTestPassed = false;
      const ending = await implement(iteration, specDigest, feedback);
      if (ending === 'cancelled') return finish('cancelled');

      // Validation costs no tokens, so even a run out of budget gets its last work judged.
      status.phase = 'validate';
      const { candidateDigest } = await implementer.snapshotCandidate({ runId });
      const report = await validation.validateCandidate({ runId, iteration, candidateDigest, holdoutDir: input.holdoutDir });
      const sat = satisfaction(report.scenarios.map((v) => ({ scenarioId: v.id, weight: v.weight, passed: v.passed, total: v.total })));
      const figure = { estimate: sat.estimate, lower: sat.lower, upper: sat.upper };
      status.history.push({
        iteration,
        satisfaction: figure,
        observations: sat.observations,
        candidateDigest,
        selfTestPassed: lastSelfTestPassed,
        spentUsd: ledger.spentUsd,
        scenarios: report.scenarios.map((v) => ({ id: v.id, passed: v.passed, total: v.total })),
      });
      status.best = pickBest(status.best, { iteration, candidateDigest, satisfaction: figure });

      status.phase = 'decide';
      const decision = decide({
        satisfaction: figure,
        threshold: s.threshold,
        iteration,
        maxIterations: s.maxIterations,
        budgetExhausted: ending === 'budget_exhausted',
        cancelled: cancelRequested,
      });
      if (decision.kind === 'stop') return finish(decision.outcome);
      feedback = feedbackForImplementer(iteration, figure, report.scenarios);

      // At an iteration boundary, a long run starts a fresh history carrying only digests and figures.
      const iterationsHere = iteration - firstIteration + 1;
      const historyFull = workflowInfo().continueAsNewSuggested || iterationsHere >= (s.iterationsPerExecution ?? ITERATIONS_PER_EXECUTION);
      if (historyFull && patched(CONTINUE_AS_NEW_PATCH)) {
        status.phase = 'implement';
        await continueAsNew<typeof factoryRun>({
          ...input,
          carried: {
            lastIteration: iteration,
            ledger: ledger.snapshot(),
            history: status.history,
            best: status.best,
            lostLlmCalls: status.lostLlmCalls,
            specDigest,
            feedback,
          },
        });
      }
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) return finish('cancelled', 'cancelled through Temporal');
    return finish('failed', failureReason(err));
  }
}

/** How many calls of a turn were lost in flight, when the LLM activity refused to send again. */
function lostCallsOf(err: unknown): number | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== LOST_LLM_CALL) return undefined;
  const count = Number(cause.details?.[0]);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

function mayHaveBeenSent(err: unknown): boolean {
  return isCancellation(err) || (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure);
}

function failureReason(err: unknown): string {
  let e: unknown = err;
  // An activity's failure arrives wrapped: the innermost cause says what really went wrong.
  while (e instanceof Error && 'cause' in e && e.cause instanceof Error) e = e.cause;
  if (e instanceof ApplicationFailure || e instanceof Error) return e.message;
  return String(err);
}
